"""A page and its count in one query (``records.paging.page_counted``): the pages Django's paginator answers."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Organization
from records.paging import page_counted
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def names() -> list[str]:
    made = [OrganizationFactory(legal_name=f"Works {index:02}") for index in range(7)]
    return [organization.legal_name for organization in made]


def _page(number: object) -> tuple[int, int, list[str]]:
    page = page_counted(Organization.objects.order_by("legal_name"), number, per_page=3)
    return page.number, page.paginator.count, [organization.legal_name for organization in page.object_list]


@pytest.mark.parametrize(
    ("number", "expected"),
    [(None, 1), ("1", 1), ("2", 2), ("3", 3), ("x", 1), ("2.5", 1), ("9", 3), ("0", 3), ("-1", 3)],
)
def test_page_counted_answers_the_page_django_s_paginator_answers(names: list[str], number: str, expected: int) -> None:
    assert _page(number) == (expected, 7, names[(expected - 1) * 3 : expected * 3])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the count is read beside the rows on PostgreSQL only")
def test_a_page_and_its_count_are_one_query_on_postgresql(names: list[str]) -> None:
    with CaptureQueriesContext(connection) as queries:
        page = page_counted(Organization.objects.order_by("legal_name"), "2", per_page=3)
        assert (page.paginator.count, page.paginator.num_pages, page.has_next()) == (7, 3, True)

    assert len(queries) == 1


def test_an_empty_list_has_one_empty_page(db: None) -> None:
    assert _page(None) == (1, 0, [])
