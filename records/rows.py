"""Long lists' rows written in Python (ADR 0048): what their writers share."""

from __future__ import annotations

from html import escape

from django.urls import reverse

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
