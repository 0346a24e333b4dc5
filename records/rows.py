"""Long lists' rows written in Python (ADR 0048): what their writers share."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from django.urls import reverse
from django.utils import dateformat
from django.utils.timesince import TIME_STRINGS

#: Keys no real row has, put into a URL reversed once a page and cut out again.
_SENTINEL = 918273645


def url_around_keys(name: str, keys: int = 1) -> tuple[str, ...]:
    """Return the URL of ``name`` cut around its ``keys`` integer arguments, each part escaped for HTML.

    Reversed once a page rather than once a link: a row's link is the parts joined with its
    keys between them, ``f"{before}{pk}{after}"`` for one key.
    """
    sentinels = [_SENTINEL + index for index in range(keys)]
    url = escape(reverse(name, args=sentinels))
    parts: list[str] = []
    for sentinel in sentinels:
        before, url = url.split(str(sentinel), 1)
        parts.append(before)
    return (*parts, url)


class MomentFormat:
    """Format a datetime as ``django.utils.dateformat.format(moment, format_string)`` does, the string split once.

    Django splits the format string into its letters and its text at every call; a long list
    formats a moment or two a row, so a page keeps one of these per format (its letters
    translated as the call's: month and day names in the active language).
    """

    def __init__(self, format_string: str) -> None:
        self.pieces = [
            (True, piece) if index % 2 else (False, dateformat.re_escaped.sub(r"\1", piece))
            for index, piece in enumerate(dateformat.re_formatchars.split(str(format_string)))
            if piece
        ]

    def __call__(self, moment: datetime) -> str:
        formatter = dateformat.DateFormat(moment)
        return "".join(str(getattr(formatter, piece)()) if letter else piece for letter, piece in self.pieces)


class _CountKept:
    """One of ``TIME_STRINGS``' plurals, each count's text translated once (``time_strings_kept``)."""

    def __init__(self, plural: Any) -> None:
        self.plural = plural
        self.texts: dict[int, str] = {}

    def __mod__(self, values: dict[str, int]) -> str:
        count = values["num"]
        if count not in self.texts:
            self.texts[count] = self.plural % values
        return self.texts[count]


def time_strings_kept() -> dict[str, Any]:
    """Django's ``TIME_STRINGS`` for ``timesince``/``timeuntil``'s ``time_strings``, each text translated once.

    Each ``"3 days"`` is otherwise looked up in the catalogue again at every row; keep one a
    page (the language is the page's).
    """
    return {unit: _CountKept(plural) for unit, plural in TIME_STRINGS.items()}
