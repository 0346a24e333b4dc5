"""Sessions: read from the cache and kept in the database, working when the cache does not; and their timeouts.

``SESSION_ENGINE = "accounts.sessions"`` on the full stack (docs/adr/0011). Django's
``cached_db`` engine already reads a session from the database when the cache misses, but
then writes it back to the cache without a guard, and deletes from the cache without one:
with Redis down, every signed-in request failed. Here the database is the session's only
record and the cache a copy that may be missing: a cache that cannot be reached reads as a
miss, and a write to it that fails is logged and dropped.

A write or delete that failed may leave an older copy in the cache for when it comes back
(Redis keeps its data across a restart): the session ended at sign-out, say, or the one a
sign-in replaced. Each process remembers those keys and deletes them from the cache at its
first cache access that works, before it reads anything from it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.core.cache import BaseCache
from django.http import HttpRequest

from accounts.choices import Role

logger = logging.getLogger("clusterflow.cache")

T = TypeVar("T")

#: How often, at most, one process logs that the cache cannot be reached.
LOG_EVERY_SECONDS = 60.0
#: How many stale keys one process remembers; past that, the oldest are forgotten (and logged).
STALE_KEYS_MAX = 10_000

_lock = threading.Lock()
_stale: dict[str, None] = {}  # insertion-ordered set
_last_logged = 0.0


def _log_unreachable(action: str, error: Exception) -> None:
    global _last_logged
    now = time.monotonic()
    with _lock:
        if now - _last_logged < LOG_EVERY_SECONDS:
            return
        _last_logged = now
    logger.warning(
        "The cache could not %s a session (%s: %s); sessions are read from the database until it is back.",
        action,
        type(error).__name__,
        error,
    )


def _remember_stale(key: str) -> None:
    with _lock:
        _stale[key] = None
        while len(_stale) > STALE_KEYS_MAX:
            forgotten = next(iter(_stale))
            del _stale[forgotten]
            logger.warning("Too many session keys await deletion from the cache; forgot %s.", forgotten)


def stale_session_keys() -> list[str]:
    """Return the cache keys of sessions that this process failed to update or delete in the cache."""
    with _lock:
        return list(_stale)


class SessionStore(CachedDBStore):
    """Django's ``cached_db`` session, for which the cache is optional."""

    # Set by ``cached_db``; django-stubs leave these private members of its sessions out.
    _cache: BaseCache

    def _cached(self, action: str, operation: Callable[[Any], T], default: T, *, key: str | None = None) -> T:
        """Run ``operation`` on the cache and return its result, or ``default`` if the cache fails.

        When it fails and ``key`` is given, that key may now hold an outdated copy: it is
        remembered and deleted once the cache answers again.
        """
        try:
            self._delete_stale()
            return operation(self._cache)
        except Exception as error:  # Any cache failure: the database has the session.
            _log_unreachable(action, error)
            if key is not None:
                _remember_stale(key)
            return default

    def _delete_stale(self) -> None:
        if not _stale:
            return
        keys = stale_session_keys()
        self._cache.delete_many(keys)
        with _lock:
            for key in keys:
                _stale.pop(key, None)
        logger.info("Deleted %d outdated sessions from the cache now that it answers again.", len(keys))

    def load(self) -> dict[str, Any]:
        key = self.cache_key
        data = self._cached("read", lambda cache: cache.get(key), None)
        if data is None:
            row = self._get_session_from_db()  # type: ignore[attr-defined]
            if row is None:
                return {}
            data = self.decode(row.session_data)
            age = self.get_expiry_age(expiry=row.expire_date)
            self._cached("store", lambda cache: cache.set(key, data, age), None)
        return data

    def exists(self, session_key: str | None) -> bool:
        if not session_key:
            return False
        key = self.cache_key_prefix + session_key
        return self._cached("read", lambda cache: key in cache, False) or super(CachedDBStore, self).exists(session_key)

    def save(self, must_create: bool = False) -> None:
        super(CachedDBStore, self).save(must_create)
        key, data, age = self.cache_key, self._get_session(), self.get_expiry_age()  # type: ignore[attr-defined]
        self._cached("store", lambda cache: cache.set(key, data, age), None, key=key)

    def delete(self, session_key: str | None = None) -> None:
        super(CachedDBStore, self).delete(session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        key = self.cache_key_prefix + session_key
        self._cached("delete", lambda cache: cache.delete(key), None, key=key)


# --- Timeouts --------------------------------------------------------------------------
#: When the session signed in, and when it last made a request (seconds since the epoch).
SIGNED_IN_AT = "clusterflow_signed_in_at"
SEEN_AT = "clusterflow_seen_at"
#: How stale ``SEEN_AT`` may get before a request writes it again: the idle timeout is this
#: much coarser, and a user browsing saves their session once a minute, not on every page.
SEEN_AT_GRANULARITY_SECONDS = 60


def _is_staff(user: Any) -> bool:
    return bool(user.is_staff or user.is_superuser or Role.STAFF in user.roles)


def session_timeouts(*, user: Any) -> tuple[int, int]:
    """Return ``user``'s idle and absolute session timeouts, in seconds."""
    if _is_staff(user):
        return settings.SESSION_IDLE_TIMEOUT_STAFF_SECONDS, settings.SESSION_ABSOLUTE_TIMEOUT_STAFF_SECONDS
    return settings.SESSION_IDLE_TIMEOUT_SECONDS, settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS


def session_start(*, session: SessionBase, now: float) -> None:
    """Start the session's clocks (at sign-in)."""
    session[SIGNED_IN_AT] = session[SEEN_AT] = int(now)


def session_timed_out(*, session: SessionBase, user: Any, now: float) -> bool:
    """Return whether ``user``'s session has been idle, or signed in, longer than allowed."""
    signed_in_at, seen_at = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if signed_in_at is None or seen_at is None:
        # Signed in before the timeouts existed: they count from now.
        session_start(session=session, now=now)
        return False
    idle, absolute = session_timeouts(user=user)
    return now - seen_at > idle or now - signed_in_at > absolute


def session_touch(*, session: SessionBase, now: float) -> None:
    """Record a request, unless one was recorded less than a minute ago."""
    if now - session.get(SEEN_AT, 0) >= SEEN_AT_GRANULARITY_SECONDS:
        session[SEEN_AT] = int(now)


def session_started_on_sign_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """Receive ``user_logged_in``: a sign-in starts both clocks."""
    session_start(session=request.session, now=time.time())
