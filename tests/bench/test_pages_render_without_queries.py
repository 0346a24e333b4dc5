"""Every page the bench measures renders its template without a query: all is read before rendering.

A query while a template renders is a lazy read the view did not plan (a related object, a
lazy context value), paid once per row or hidden from the page's query budget. Each page is
seeded by its own bench seed, at a small scale but with more rows than a page holds, read
by the bench's own client, and any query between the start and the end of rendering fails
the test with its SQL. The context processors run before (they build the context).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import pytest
from django.db import connections
from django.template import Context, base
from django.test import Client
from django.utils import timezone

from bench.registry import CASES, SeedContext
from bench.runner import FLOOR, cases_register

pytestmark = pytest.mark.django_db

cases_register()
#: The pages: every case read with GET and answered 200 (the others are posts that redirect).
PAGES = sorted(name for name, case in CASES.items() if name != FLOOR and case.expected_status == 200)


class QueryWhileRendering(AssertionError):
    pass


@pytest.fixture
def queries_while_rendering(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record (and refuse) every query run while a template's nodes render; return the list of their SQL."""
    seen: list[str] = []
    rendering = base.Template._render  # type: ignore[attr-defined]

    def refuse(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        raise QueryWhileRendering(f"A query ran while a template rendered: {sql}")

    def guarded(self: base.Template, context: Context) -> Any:
        if getattr(context, "_no_queries", False):  # an included or extended template: guarded already
            return rendering(self, context)
        context._no_queries = True  # type: ignore[attr-defined]
        try:
            with ExitStack() as stack:
                for connection in connections.all():
                    stack.enter_context(connection.execute_wrapper(refuse))
                return rendering(self, context)
        finally:
            context._no_queries = False  # type: ignore[attr-defined]

    monkeypatch.setattr(base.Template, "_render", guarded)
    return seen


def test_the_guard_catches_a_query_in_a_template(queries_while_rendering: list[str]) -> None:
    from django.template import engines

    from accounts.models import User

    template = engines["django"].from_string("{{ users.count }}")

    with pytest.raises(QueryWhileRendering):
        template.render({"users": User.objects.all()})
    assert len(queries_while_rendering) == 1


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_without_a_query(
    name: str, queries_while_rendering: list[str], monkeypatch: pytest.MonkeyPatch, settings: Any, media_root: Any
) -> None:
    """Render each page of the bench; what a case stores (a printed dossier) goes to the test's own folder."""
    import bench.board
    import bench.ip_registry
    import bench.proposal_pages

    settings.DEBUG = False
    # The agenda's seed is fixed at 2,000 proposals for its budget; 60 give it two pages.
    monkeypatch.setattr(bench.board, "AGENDA", 60)
    # The registry's seed is fixed at 20,000 assets of 2,000 organizations; 200 of 20 give it pages.
    monkeypatch.setattr(bench.ip_registry, "ASSETS", 200)
    monkeypatch.setattr(bench.ip_registry, "MEMBER_ORGANIZATIONS", 20)
    # A proposal's pages read one proposal of a call of 3,000; 60 are enough around it.
    monkeypatch.setattr(bench.proposal_pages, "PROPOSALS", 60)
    case = CASES[name]
    data = SeedContext(scale=60, now=timezone.now()).need(case.seed)
    client = Client()
    if case.prepare:
        case.prepare(client, data)

    response = case.request(client, data)

    assert response.status_code == 200
    assert queries_while_rendering == []
