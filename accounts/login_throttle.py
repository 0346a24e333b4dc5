"""Throttles on the public account forms: sign-in, sign-up and password reset (docs/adr/0013, 0017).

Counters live in Django's cache (Redis on the full stack, the process's memory on the
embedded default), each in a fixed window that starts with its first count. There is one
mechanism, in three scopes:

- **Sign-in** counts failures, per email address and per client address. While either is at
  its limit, sign-ins for that address or from that client are refused before any password
  is checked, so a guess made during a lockout learns nothing. A successful sign-in clears
  its email address's counter; the client's counter runs out with its window, or one account
  of the attacker's own would reset it between guesses.
- A browser that has proven it is the owner's (it signed in, or set a new password through
  the emailed reset link) carries a signed *device cookie* naming the address. Its sign-ins
  for that address are counted per device instead of per address, so a stranger's failures,
  which lock the address for every other browser, do not lock the owner's out. A password
  reset through the emailed link also clears the address's counter.
- **Sign-up** and **password reset** count every request, per email address and per client
  address; over the limit, the form refuses with a message and sends nothing.

The cache is optional for signing in: while it cannot be reached (Redis down), each
process counts in its own memory instead, and says so in the log. Sign-ins keep working
and stay throttled, though an attacker then gets the limit once per web process, and the
counts start afresh in each direction of the switch.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from django.conf import settings
from django.core import signing
from django.core.cache import BaseCache, cache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("clusterflow.security")

SIGN_UP = "signup"
PASSWORD_RESET = "password-reset"  # noqa: S105 (a counter's scope, not a password)
DEVICE_COOKIE_NAME = "clusterflow_device"
_DEVICE_SALT = "accounts.login_throttle.device"

T = TypeVar("T")

#: Where this process counts while the shared cache cannot be reached.
_fallback = LocMemCache("clusterflow-login-throttle-fallback", {"MAX_ENTRIES": 10_000})
_last_logged = 0.0


def _counted(operation: Callable[[BaseCache], T]) -> T:
    """Run ``operation`` on the shared cache, or on this process's memory if that fails."""
    global _last_logged
    try:
        return operation(cache)
    except ValueError:  # ``incr`` of a key that is gone: an answer, not a failure
        raise
    except Exception as error:  # The cache is down: count here rather than refuse every sign-in.
        if time.monotonic() - _last_logged >= 60:
            _last_logged = time.monotonic()
            logger.warning(
                "Sign-in failures are counted in this process's memory: the cache could not be reached (%s: %s).",
                type(error).__name__,
                error,
            )
        return operation(_fallback)


def _start_window(store: BaseCache, *, key: str, window: int) -> bool:
    """Count a first failure in a new window, unless one runs; return whether it started."""
    return bool(store.add(key, 1, timeout=window))


def _count_one_more(store: BaseCache, *, key: str) -> int:
    """Count one more failure in the running window (``incr`` keeps the key's expiry)."""
    return int(store.incr(key))


def _forget(keys: list[str]) -> None:
    _counted(lambda store: store.delete_many(keys))
    _fallback.delete_many(keys)


@dataclass(frozen=True)
class _Limit:
    kind: str
    value: str
    count: int
    scope: str = "login"

    @property
    def key(self) -> str:
        # Hashed: no address lands in the cache's key space as typed, and any text makes a valid key.
        digest = hashlib.sha256(self.value.encode()).hexdigest()
        return f"{self.scope}-throttle:{self.kind}:{digest}"


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


def _email_digest(email: str) -> str:
    return hashlib.sha256(normalized_email(email).encode()).hexdigest()


def device_cookie_set(response: HttpResponse, *, email: str) -> None:
    """Mark the browser that receives ``response`` as one its owner uses to sign in as ``email``."""
    value = signing.dumps({"e": _email_digest(email), "d": secrets.token_urlsafe(16)}, salt=_DEVICE_SALT)
    response.set_cookie(
        DEVICE_COOKIE_NAME,
        value,
        max_age=settings.LOGIN_DEVICE_COOKIE_AGE_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def device_for(request: HttpRequest | None, *, email: str) -> str:
    """Return the id of ``request``'s device if its owner has signed in as ``email`` from it, else ``""``."""
    value = request.COOKIES.get(DEVICE_COOKIE_NAME, "") if request is not None else ""
    if not value:
        return ""
    try:
        payload = signing.loads(value, salt=_DEVICE_SALT, max_age=settings.LOGIN_DEVICE_COOKIE_AGE_SECONDS)
    except signing.BadSignature:
        return ""
    if not isinstance(payload, dict) or payload.get("e") != _email_digest(email):
        return ""
    return str(payload.get("d", ""))


def _login_limits(*, email: str, address: str, device: str) -> list[_Limit]:
    if device:
        # The owner's own browser: its failures are its own, and a stranger's do not count against it.
        limits = [_Limit("device", device, settings.LOGIN_THROTTLE_EMAIL_FAILURES)]
    else:
        limits = [_Limit("email", normalized_email(email), settings.LOGIN_THROTTLE_EMAIL_FAILURES)]
    if address:
        limits.append(_Limit("address", address, settings.LOGIN_THROTTLE_ADDRESS_FAILURES))
    return limits


def _request_limits(*, scope: str, email: str, address: str) -> list[_Limit]:
    limits = [_Limit("email", normalized_email(email), settings.ACCOUNT_EMAIL_THROTTLE_PER_EMAIL, scope)]
    if address:
        limits.append(_Limit("address", address, settings.ACCOUNT_EMAIL_THROTTLE_PER_CLIENT, scope))
    return limits


def _over(limits: list[_Limit]) -> bool:
    counts = _counted(lambda store: store.get_many([limit.key for limit in limits]))
    return any(counts.get(limit.key, 0) >= limit.count for limit in limits)


def _count(limits: list[_Limit]) -> list[int]:
    """Add one to each of ``limits``' counters; return the new counts."""
    window = settings.LOGIN_THROTTLE_WINDOW_SECONDS
    counts = []
    for limit in limits:
        # ``add`` starts the window only if none runs; ``incr`` keeps the key's expiry.
        if _counted(partial(_start_window, key=limit.key, window=window)):
            count = 1
        else:
            try:
                count = _counted(partial(_count_one_more, key=limit.key))
            except ValueError:  # The window ended between ``add`` and ``incr``.
                _counted(partial(_start_window, key=limit.key, window=window))
                count = 1
        counts.append(count)
    return counts


def login_throttled(*, email: str, address: str, device: str = "") -> bool:
    """Return whether sign-ins for ``email`` (from the owner's ``device``, if any) or from ``address`` are refused."""
    return _over(_login_limits(email=email, address=address, device=device))


def login_failure_record(*, email: str, address: str, device: str = "") -> bool:
    """Count a failed sign-in for ``email`` from ``address``; return whether it starts a lockout.

    A lockout is logged with the email address and the client's address, so that staff
    can tell a guessing attack from a user who forgot their password.
    """
    limits = _login_limits(email=email, address=address, device=device)
    locked = [limit.kind for limit, count in zip(limits, _count(limits), strict=True) if count == limit.count]
    if locked:
        logger.warning(
            "Sign-ins locked for %s seconds after too many failures (by %s): email %r, client %s",
            settings.LOGIN_THROTTLE_WINDOW_SECONDS,
            " and ".join(locked),
            normalized_email(email),
            address or "unknown",
        )
    return bool(locked)


def login_success_record(*, email: str, device: str = "") -> None:
    """Clear the failures counted for ``email`` (and for the owner's ``device``) after its owner signed in."""
    keys = [_Limit("email", normalized_email(email), 0).key]
    if device:
        keys.append(_Limit("device", device, 0).key)
    _forget(keys)


def login_unlock_by_reset(*, email: str, address: str) -> None:
    """Lift the lockout of ``email`` after its owner set a new password through the emailed link."""
    key = _Limit("email", normalized_email(email), 0).key
    if _counted(lambda store: store.get(key, 0)) >= settings.LOGIN_THROTTLE_EMAIL_FAILURES:
        logger.warning(
            "Sign-in lockout lifted by a password reset: email %r, client %s",
            normalized_email(email),
            address or "unknown",
        )
    _forget([key])


def login_throttle_reset(*, email: str = "", address: str = "") -> None:
    """Forget the failures counted for ``email`` and for ``address`` (for support staff, and tests)."""
    keys = [_Limit("email", normalized_email(email), 0).key] if email else []
    if address:
        keys.append(_Limit("address", address, 0).key)
    _forget(keys)


def request_allowed(*, scope: str, email: str, address: str) -> bool:
    """Count a request of ``scope`` (sign-up, reset) for ``email`` from ``address``; return whether to serve it.

    Whether an account uses ``email`` plays no part: the counters, like the answers, are
    the same for a known address and an unknown one. The first refusal of a window is logged.
    """
    limits = _request_limits(scope=scope, email=email, address=address)
    counts = list(zip(limits, _count(limits), strict=True))
    # Refused requests count too (the window is fixed, so they do not lengthen it): the first one over is logged.
    first_refusal = [limit.kind for limit, count in counts if count == limit.count + 1]
    if first_refusal:
        logger.warning(
            "Requests to %s refused for the rest of a %s-second window (by %s): email %r, client %s",
            scope,
            settings.LOGIN_THROTTLE_WINDOW_SECONDS,
            " and ".join(first_refusal),
            normalized_email(email),
            address or "unknown",
        )
    return all(count <= limit.count for limit, count in counts)


def request_throttle_reset(*, scope: str, email: str = "", address: str = "") -> None:
    """Forget the requests of ``scope`` counted for ``email`` and for ``address`` (for support staff, and tests)."""
    keys = [_Limit("email", normalized_email(email), 0, scope).key] if email else []
    if address:
        keys.append(_Limit("address", address, 0, scope).key)
    _forget(keys)


# --- Second-factor codes -----------------------------------------------------------------
# A six-digit code has a million values: unthrottled, a stolen password would be enough. The
# codes typed by one user (at sign-in, to confirm a new device, to switch the factor off) share
# one counter in the same kind of window as the sign-ins' (docs/adr/0023).


def _code_limit(user_pk: int) -> _Limit:
    return _Limit("code", str(user_pk), settings.SECOND_FACTOR_THROTTLE_FAILURES)


def code_throttled(*, user_pk: int) -> bool:
    """Return whether second-factor codes from the user ``user_pk`` are refused for now."""
    limit = _code_limit(user_pk)
    return int(_counted(lambda store: store.get(limit.key, 0))) >= limit.count


def code_failure_record(*, user_pk: int, email: str, address: str) -> bool:
    """Count a wrong second-factor code typed by the user ``user_pk``; return whether it starts a lockout."""
    limit = _code_limit(user_pk)
    (count,) = _count([limit])
    if count == limit.count:
        logger.warning(
            "Second-factor codes locked for %s seconds after too many wrong codes: email %r, client %s",
            settings.LOGIN_THROTTLE_WINDOW_SECONDS,
            normalized_email(email),
            address or "unknown",
        )
        return True
    return False


def code_success_record(*, user_pk: int) -> None:
    """Clear the wrong codes counted for the user ``user_pk`` after a right one."""
    _forget([_code_limit(user_pk).key])
