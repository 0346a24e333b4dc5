"""Translations looked up once per language: the labels and phrases a page writes many times over (ADR 0066).

Django's ``gettext`` finds the active translation through a context-local and then looks the
message up in each catalogue of the language in turn: some 13 µs a call, and a proposal's
staff page made about 180 of them, the same few dozen messages every time. The catalogues do
not change while a process runs (a change of settings that could change them, in tests, empties
what was kept here), so each message is looked up once per language and then read from a dict.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.signals import setting_changed
from django.utils import translation
from django.utils.safestring import SafeData

T = TypeVar("T")

#: At most this many messages are kept (of every language); past that, all are forgotten and looked up again.
_KEPT = 4096
_messages: dict[tuple[str | None, str, bool], str] = {}
_built: dict[tuple[Callable[[], Any], str | None], Any] = {}


def _forget(**kwargs: Any) -> None:
    """Forget every translation kept: a setting changed (tests change the languages and catalogues)."""
    _messages.clear()
    _built.clear()


setting_changed.connect(_forget)


def gettext(message: str) -> str:
    """Return ``django.utils.translation.gettext(message)`` in the active language, looked up once per language."""
    key = (translation.get_language(), message, isinstance(message, SafeData))
    found = _messages.get(key)
    if found is None:
        if len(_messages) >= _KEPT:
            _messages.clear()
        found = _messages[key] = translation.gettext(message)
    return found


def per_language(build: Callable[[], T]) -> Callable[[], T]:
    """Return a function giving what ``build`` gives in the active language, built once per language.

    For what ``build`` makes from translations alone (a dict of labels): it must not read
    anything else that may change, nor should its result be changed by whoever receives it.
    """

    def built() -> T:
        key = (build, translation.get_language())
        found = _built.get(key, _built)
        if found is _built:
            found = _built[key] = build()
        return found  # type: ignore[no-any-return]

    built.__doc__ = build.__doc__
    return built
