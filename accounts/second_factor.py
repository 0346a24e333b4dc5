"""The second factor: a TOTP authenticator app, with single-use recovery codes (docs/adr/0023).

Built on django-otp's ``TOTPDevice`` and ``StaticDevice``. A user has at most one
confirmed authenticator (a ``TOTPDevice``) and, with it, one ``StaticDevice`` holding
their recovery codes. A session counts as verified once the user typed a right code in
it (``django_otp.login`` writes the device into the session); ``accounts.middleware.
SecondFactorMiddleware`` reads that on every request.

Wrong codes are counted on the sign-in throttle's cache (``accounts.login_throttle``).
"""

from __future__ import annotations

import base64
import logging
import re
from typing import cast

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import login_throttle
from accounts.errors import DomainError
from accounts.models import User

logger = logging.getLogger("clusterflow.security")

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
_UNKNOWN = object()


class WrongCode(DomainError):
    """The code typed is not the user's current one, nor one of their unused recovery codes."""


class CodesThrottled(DomainError):
    """Too many wrong codes: codes are refused until the window ends."""

    status = 429


def throttled_error() -> CodesThrottled:
    minutes = max(1, settings.LOGIN_THROTTLE_WINDOW_SECONDS // 60)
    return CodesThrottled(
        ngettext(
            "Too many wrong codes. Wait up to %(minutes)d minute and try again.",
            "Too many wrong codes. Wait up to %(minutes)d minutes and try again.",
            minutes,
        )
        % {"minutes": minutes}
    )


def authenticator_id(user: User) -> int | None:
    """Return the id of the user's confirmed authenticator, or ``None``.

    ``RolesBackend.users`` reads it with the request's user, so a page asks no more query.
    """
    # ``getattr``, not ``__dict__``: the request's user is a lazy object that forwards attributes only.
    known = getattr(user, "authenticator_id", _UNKNOWN)
    if known is not _UNKNOWN:
        return cast("int | None", known)
    return TOTPDevice.objects.filter(user=user, confirmed=True).values_list("pk", flat=True).first()


def user_has_second_factor(user: User) -> bool:
    """Return whether ``user`` has a confirmed authenticator."""
    return authenticator_id(user) is not None


def session_verified(*, user: User, device_id: str | None) -> bool:
    """Return whether a session holding ``device_id`` (``django_otp.login``'s) passed the user's current authenticator.

    A session that passed an authenticator since switched off, or replaced in another
    session, no longer counts.
    """
    pk = authenticator_id(user)
    return pk is not None and device_id == TOTPDevice(pk=pk).persistent_id


def authenticator_for_setup(*, user: User) -> TOTPDevice:
    """Return the user's authenticator waiting to be confirmed, making one with a new random key if none waits."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def authenticator_key_text(device: TOTPDevice) -> str:
    """Return the device's key in base32, in groups of four, as people type it into an authenticator app."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def authenticator_qr_svg(device: TOTPDevice) -> str:
    """Return the device's ``otpauth://`` address as a QR code in inline SVG, drawn here (no outside service)."""
    import segno  # only the page that sets up an authenticator draws one: not every worker at startup

    return str(segno.make(device.config_url, error="m").svg_inline(scale=5, title=_("QR code of your key")))


def _clean(token: str) -> str:
    return re.sub(r"[\s-]", "", token or "").lower()


def _count_wrong(*, user: User, address: str) -> None:
    login_throttle.code_failure_record(user_pk=user.pk, email=user.email, address=address)


@transaction.atomic
def authenticator_confirm(*, user: User, device: TOTPDevice, token: str, address: str = "") -> list[str]:
    """Confirm ``device`` with a code it shows; replace any other authenticator; return new recovery codes.

    Raises ``CodesThrottled`` or ``WrongCode``.
    """
    if login_throttle.code_throttled(user_pk=user.pk):
        raise throttled_error()
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if device.confirmed:
        raise WrongCode(_("This authenticator is already set up."))
    if not device.verify_token(_clean(token)):
        _count_wrong(user=user, address=address)
        raise WrongCode(_("This code is not the one your authenticator app shows. Check the app and try again."))
    login_throttle.code_success_record(user_pk=user.pk)
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    logger.info("Second factor set up: email %r", user.email)
    return recovery_codes_generate(user=user)


@transaction.atomic
def recovery_codes_generate(*, user: User) -> list[str]:
    """Replace the user's recovery codes with new ones and return them (they are shown once)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _index in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_left(*, user: User) -> int:
    """Return how many unused recovery codes the user has."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def second_factor_check(*, user: User, token: str, address: str = "") -> tuple[TOTPDevice, bool]:
    """Return the user's authenticator if it accepts ``token``, or if ``token`` is a recovery code (used up).

    The second item says whether a recovery code was used. Raises ``CodesThrottled``
    while the user's wrong codes are at the limit, and ``WrongCode`` (counting it) when
    neither accepts the code.
    """
    if login_throttle.code_throttled(user_pk=user.pk):
        raise throttled_error()
    token = _clean(token)
    if token:
        # Locked, so one code accepted by two requests at once counts once (django-otp marks it used).
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is not None and device.verify_token(token):
            login_throttle.code_success_record(user_pk=user.pk)
            return device, False
        static = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is not None and static is not None and static.verify_token(token):
            login_throttle.code_success_record(user_pk=user.pk)
            logger.info("Recovery code used: email %r, %s left", user.email, recovery_codes_left(user=user))
            return device, True
    _count_wrong(user=user, address=address)
    raise WrongCode(_("This code is not right. Type the six digits your app shows now, or one of your recovery codes."))


@transaction.atomic
def second_factor_disable(*, user: User) -> None:
    """Remove the user's authenticator and recovery codes."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    logger.info("Second factor switched off: email %r", user.email)
