"""A page of a list with its count read in the same query on PostgreSQL: the rows and ``COUNT(*) OVER ()``.

Django's ``Paginator`` counts the list in one query, then reads the page in another: both
compile and run the list's conditions (an access rule, a text search). On PostgreSQL a search
page reads its page here instead, the count as a window over the rows the conditions keep
(computed before the ``LIMIT``, the sort then keeping only the page's rows), so the page costs
one query where it cost two. SQLite copies every row the window reads, wide columns and all,
before it sorts them: measured on the proposals' search (150 hits of 8 kB of text) that cost
more than a second query, so there the page is Django's own (a count, then the rows). Either
way the page answered is the one ``Paginator.get_page`` answers: the first for a number that is
not one, the last for one past the end (that rare case reads the count apart, as Django does).
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, QuerySet, Window

#: The annotation holding the count on every row read.
TOTAL = "paged_total"


def page_counted(rows: QuerySet[Any], number: Any, *, per_page: int) -> Page:
    """Return page ``number`` (a request's ``?page=``, or None) of ``rows``, ``per_page`` to a page.

    One query on PostgreSQL; a count and the page elsewhere.
    """
    paginator = Paginator(rows, per_page)
    if connection.vendor != "postgresql":
        return paginator.get_page(number)
    try:
        wanted = int(number) if number is not None else 1
    except (TypeError, ValueError):
        wanted = 1
    if wanted < 1:
        return paginator.get_page(number)
    start = (wanted - 1) * per_page
    found = list(rows.annotate(**{TOTAL: Window(Count("*"))})[start : start + per_page])
    if not found and wanted > 1:
        return paginator.get_page(number)
    # ``count`` is a cached property: set, the paginator never counts again.
    paginator.count = getattr(found[0], TOTAL) if found else 0  # type: ignore[misc]
    return Page(found, wanted, paginator)
