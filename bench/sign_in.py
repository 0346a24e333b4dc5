"""Sign a client in as a user, past the second factor where the user must have one (staff, admins).

The bench's clients and the tests' personas (``tests.conftest.client_for``) both sign in here.
"""

from __future__ import annotations

from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def second_factor_pass(client: Any, user: Any) -> TOTPDevice:
    """Give ``user`` a confirmed authenticator if they have none; mark ``client``'s session as having passed it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def log_in(client: Any, user: Any) -> None:
    """Sign ``client`` in as ``user``, past the second factor if ``user`` must have one, as after typing its code."""
    client.force_login(user)
    if user.second_factor_required:
        second_factor_pass(client, user)


def messages_shown(client: Any) -> None:
    """Drop the messages ``client`` keeps in its cookie, as the page a redirect leads to shows and clears them.

    A case that posts an action and stops at its redirect (302) would otherwise carry every
    "Done" message of the run in its cookie, each decoded and encoded again by every later
    request: a browser follows the redirect, whose page shows them and empties the cookie.
    """
    client.cookies.pop("messages", None)
