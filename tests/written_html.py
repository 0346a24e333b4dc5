"""Comparing a page written in Python with what a template wrote, for the tests of such writers."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from django.template import RequestContext, Template


class _Elements(HTMLParser):
    """The elements, attributes (classes as a set) and text of some HTML, whitespace aside."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[Any, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        read = {name: frozenset((value or "").split()) if name == "class" else value for name, value in attrs}
        self.found.append(("start", tag, read))

    def handle_endtag(self, tag: str) -> None:
        self.found.append(("end", tag))

    def handle_data(self, data: str) -> None:
        if data.split():
            self.found.append(("text", " ".join(data.split())))


def elements(html: str) -> list[tuple[Any, ...]]:
    """Return the elements, attributes and texts of ``html`` in order, whitespace and the order of classes aside."""
    parser = _Elements()
    parser.feed(html)
    return parser.found


def same_as_template(response: Any, before: str) -> str:
    """Assert ``response``'s page is the one the template ``before`` writes, tag for tag; return the page.

    ``before`` renders with the response's own request and context; the form tokens and the
    whitespace between tags aside.
    """
    written = response.content.decode()
    expected = Template(before).render(RequestContext(response.wsgi_request, response.context[0].flatten()))

    def normalized(html: str) -> str:
        html = re.sub(r'"X-CSRFToken": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"', "csrf", html)
        return re.sub(r">\s+<", "><", html).strip()

    assert normalized(written) == normalized(expected)
    return written
