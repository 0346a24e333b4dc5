"""Login throttling: a limited number of failed sign-ins per email address and per client address.

Counters live in Django's cache (Redis on the full stack, the process's memory on the
embedded default), each in a fixed window that starts with its first failure
(docs/adr/0013). While either counter is at its limit, sign-ins for that address or from
that client are refused before any password is checked, so a guess made during a lockout
learns nothing. A successful sign-in clears its email address's counter; the client's
counter runs out with its window, or one account of the attacker's own would reset it
between guesses.

The cache is optional for signing in: while it cannot be reached (Redis down), each
process counts in its own memory instead, and says so in the log. Sign-ins keep working
and stay throttled, though an attacker then gets the limit once per web process, and the
counts start afresh in each direction of the switch.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from django.conf import settings
from django.core.cache import BaseCache, cache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest

logger = logging.getLogger("clusterflow.security")

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
    counts = _counted(lambda store: store.get_many([limit.key for limit in limits]))
    return any(counts.get(limit.key, 0) >= limit.failures for limit in limits)


def _start_window(store: BaseCache, *, key: str, window: int) -> bool:
    """Count a first failure in a new window, unless one runs; return whether it started."""
    return bool(store.add(key, 1, timeout=window))


def _count_one_more(store: BaseCache, *, key: str) -> int:
    """Count one more failure in the running window (``incr`` keeps the key's expiry)."""
    return int(store.incr(key))


def login_failure_record(*, email: str, address: str) -> bool:
    """Count a failed sign-in for ``email`` from ``address``; return whether it starts a lockout.

    A lockout is logged with the email address and the client's address, so that staff
    can tell a guessing attack from a user who forgot their password.
    """
    window = settings.LOGIN_THROTTLE_WINDOW_SECONDS
    locked = []
    for limit in _limits(email=email, address=address):
        # ``add`` starts the window only if none runs; ``incr`` keeps the key's expiry.
        if _counted(partial(_start_window, key=limit.key, window=window)):
            count = 1
        else:
            try:
                count = _counted(partial(_count_one_more, key=limit.key))
            except ValueError:  # The window ended between ``add`` and ``incr``.
                _counted(partial(_start_window, key=limit.key, window=window))
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
    key = _Limit("email", normalized_email(email), 0).key
    _counted(lambda store: store.delete(key))


def login_throttle_reset(*, email: str = "", address: str = "") -> None:
    """Forget the failures counted for ``email`` and for ``address`` (for support staff, and tests)."""
    keys = [_Limit("email", normalized_email(email), 0).key] if email else []
    if address:
        keys.append(_Limit("address", address, 0).key)
    _counted(lambda store: store.delete_many(keys))
    _fallback.delete_many(keys)
