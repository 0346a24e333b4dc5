"""Sign a bench client in as a user, past the second factor where the user must have one (staff, admins)."""

from __future__ import annotations

from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def log_in(client: Any, user: Any) -> None:
    """Sign ``client`` in as ``user``, past the second factor if ``user`` must have one, as after typing its code."""
    client.force_login(user)
    if user.second_factor_required:
        device, _created = TOTPDevice.objects.get_or_create(
            user=user, confirmed=True, defaults={"name": "Authenticator app"}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
