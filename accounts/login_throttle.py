"""Login throttling: a limited number of failed sign-ins per email address and per client address.

Counters live in Django's cache (Redis on the full stack, the process's memory on the
embedded default), each in a fixed window that starts with its first failure
(docs/adr/0013). While either counter is at its limit, sign-ins for that address or from
that client are refused before any password is checked, so a guess made during a lockout
learns nothing. A successful sign-in clears its email address's counter; the client's
counter runs out with its window, or one account of the attacker's own would reset it
between guesses.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

logger = logging.getLogger("clusterflow.security")


@dataclass(frozen=True)
class _Limit:
    kind: str
    value: str
    failures: int

    @property
    def key(self) -> str:
        # Hashed: no address lands in the cache's key space as typed, and any text makes a valid key.
        digest = hashlib.sha256(self.value.encode()).hexdigest()
        return f"login-throttle:{self.kind}:{digest}"


def normalized_email(email: str) -> str:
    """Return the form of ``email`` that signing in matches (``User.email`` is unique whatever its case)."""
    return email.strip().lower()


def client_address(request: HttpRequest) -> str:
    """Return the address of the client that sent ``request``.

    Behind ``TRUSTED_PROXY_COUNT`` proxies, each of which appends the address it received
    the request from to ``X-Forwarded-For``, the client is that many entries from the
    right; anything further left was written by the client and proves nothing.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def _limits(*, email: str, address: str) -> list[_Limit]:
    limits = [_Limit("email", normalized_email(email), settings.LOGIN_THROTTLE_EMAIL_FAILURES)]
    if address:
        limits.append(_Limit("address", address, settings.LOGIN_THROTTLE_ADDRESS_FAILURES))
    return limits


def login_throttled(*, email: str, address: str) -> bool:
    """Return whether sign-ins for ``email`` or from ``address`` are refused for now."""
    limits = _limits(email=email, address=address)
    counts = cache.get_many([limit.key for limit in limits])
    return any(counts.get(limit.key, 0) >= limit.failures for limit in limits)


def login_failure_record(*, email: str, address: str) -> bool:
    """Count a failed sign-in for ``email`` from ``address``; return whether it starts a lockout.

    A lockout is logged with the email address and the client's address, so that staff
    can tell a guessing attack from a user who forgot their password.
    """
    window = settings.LOGIN_THROTTLE_WINDOW_SECONDS
    locked = []
    for limit in _limits(email=email, address=address):
        # ``add`` starts the window only if none runs; ``incr`` keeps the key's expiry.
        if cache.add(limit.key, 1, timeout=window):
            count = 1
        else:
            try:
                count = cache.incr(limit.key)
            except ValueError:  # The window ended between ``add`` and ``incr``.
                cache.add(limit.key, 1, timeout=window)
                count = 1
        if count == limit.failures:
            locked.append(limit.kind)
    if locked:
        logger.warning(
            "Sign-ins locked for %s seconds after too many failures (by %s): email %r, client %s",
            window,
            " and ".join(locked),
            normalized_email(email),
            address or "unknown",
        )
    return bool(locked)


def login_success_record(*, email: str) -> None:
    """Clear the failures counted for ``email`` after its owner signed in."""
    cache.delete(_Limit("email", normalized_email(email), 0).key)


def login_throttle_reset(*, email: str = "", address: str = "") -> None:
    """Forget the failures counted for ``email`` and for ``address`` (for support staff, and tests)."""
    keys = [_Limit("email", normalized_email(email), 0).key] if email else []
    if address:
        keys.append(_Limit("address", address, 0).key)
    cache.delete_many(keys)


# --- Second-factor codes -----------------------------------------------------------------
# A six-digit code has a million values: unthrottled, a stolen password would be enough. The
# codes typed by one user (at sign-in, to confirm a new device, to switch the factor off) share
# one counter in the same kind of window as the sign-ins' (docs/adr/0015).


def _code_limit(user_pk: int) -> _Limit:
    return _Limit("code", str(user_pk), settings.SECOND_FACTOR_THROTTLE_FAILURES)


def code_throttled(*, user_pk: int) -> bool:
    """Return whether second-factor codes from the user ``user_pk`` are refused for now."""
    limit = _code_limit(user_pk)
    return int(cache.get(limit.key, 0)) >= limit.failures


def code_failure_record(*, user_pk: int, email: str, address: str) -> bool:
    """Count a wrong second-factor code typed by the user ``user_pk``; return whether it starts a lockout."""
    limit = _code_limit(user_pk)
    window = settings.LOGIN_THROTTLE_WINDOW_SECONDS
    if cache.add(limit.key, 1, timeout=window):
        count = 1
    else:
        try:
            count = cache.incr(limit.key)
        except ValueError:  # The window ended between ``add`` and ``incr``.
            cache.add(limit.key, 1, timeout=window)
            count = 1
    if count == limit.failures:
        logger.warning(
            "Second-factor codes locked for %s seconds after too many wrong codes: email %r, client %s",
            window,
            normalized_email(email),
            address or "unknown",
        )
        return True
    return False


def code_success_record(*, user_pk: int) -> None:
    """Clear the wrong codes counted for the user ``user_pk`` after a right one."""
    cache.delete(_code_limit(user_pk).key)
