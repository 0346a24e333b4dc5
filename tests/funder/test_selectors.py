"""The funder's figures against hand-computed ones, the programs a funder reads, and their number of queries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import Role
from accounts.models import User
from board.models import AgendaItem
from funder.selectors import funder_figures
from funder.suppression import COMPLEMENT, SMALL
from tests.factories import CallFactory, ProgramFactory, ProposalFactory, UserFactory
from tests.funder.conftest import Programs, decided, released_meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_minimum(settings: Any) -> None:
    settings.FUNDER_MIN_PROJECTS = 1


@pytest.mark.usefixtures("no_minimum")
def test_funder_figures_exact_per_program_and_in_total(funder: User, programs: Programs) -> None:
    figures = funder_figures(user=funder, label="Total")

    a, b = figures.clusters
    assert [a.program, b.program] == [programs.a, programs.b]
    assert a.calls == 2
    # The approved and declined proposals whose decision is not released count as before the board.
    assert a.by_state == {"approved": 2, "declined": 1, "board_review": 2, "draft": 1}
    assert (a.projects, a.committed) == (2, Decimal("2500000.00"))
    assert (a.cash, a.in_kind, a.industry) == (Decimal("5200000"), Decimal("400000"), Decimal("5600000"))
    assert a.leverage == Decimal("2.24")
    assert (a.participants, a.smes) == (6, 2)
    assert a.outcomes == {
        "jobs_during": 20,
        "jobs_after": 40,
        "revenue_during": Decimal("0"),
        "revenue_after": Decimal("10000000"),
        "ip_rights_during": 2,
        "ip_rights_after": 4,
        "smes_scaled_during": 2,
        "smes_scaled_after": 4,
    }
    assert a.per_project(a.participants) == Decimal("3.0")
    assert (b.calls, b.by_state, b.projects, b.committed) == (1, {"approved": 1, "withdrawn": 1}, 1, Decimal("2000000"))
    assert (b.industry, b.leverage, b.participants, b.smes) == (Decimal("2800000"), Decimal("1.40"), 3, 1)
    total = figures.total
    assert (total.calls, total.proposals, total.projects) == (3, 8, 3)
    assert (total.committed, total.industry) == (Decimal("4500000"), Decimal("8400000"))
    assert total.leverage == Decimal("1.87")  # 8,400,000 / 4,500,000 = 1.866…
    assert (total.participants, total.smes) == (9, 3)
    assert (total.outcomes["jobs_during"], total.outcomes["revenue_after"]) == (30, Decimal("15000000"))


@pytest.mark.usefixtures("no_minimum")
def test_funder_figures_of_a_funder_of_every_program(funder_everywhere: User, programs: Programs) -> None:
    figures = funder_figures(user=funder_everywhere, label="Total")

    assert [column.program for column in figures.clusters] == [programs.a, programs.b, programs.c]
    assert figures.total.committed == Decimal("13500000")


@pytest.mark.usefixtures("no_minimum")
def test_funder_figures_leave_out_the_programs_not_read(funder: User, programs: Programs) -> None:
    figures = funder_figures(user=funder, label="Total")

    assert programs.c not in [column.program for column in figures.clusters]
    assert figures.total.projects == 3


def test_funder_figures_of_no_program_are_empty(programs: Programs) -> None:
    funder = UserFactory(role=Role.FUNDER, programs=[])

    figures = funder_figures(user=funder, label="Total")

    assert figures.clusters == []
    assert (figures.total.proposals, figures.total.committed) == (0, 0)


@pytest.mark.usefixtures("no_minimum")
def test_funder_figures_count_a_decision_once_released(funder: User, programs: Programs) -> None:
    call = programs.b.calls.get()
    proposal = decided(call, "approved", None, approved_amount=Decimal("500000"))
    before = funder_figures(user=funder, label="Total").clusters[1]

    AgendaItem.objects.create(meeting=released_meeting(call), proposal=proposal)
    after = funder_figures(user=funder, label="Total").clusters[1]

    assert (before.projects, before.committed, before.by_state.get("board_review")) == (1, Decimal("2000000"), 1)
    assert (after.projects, after.committed, after.by_state.get("board_review")) == (2, Decimal("2500000"), None)


def test_funder_figures_suppress_small_programs_and_a_complement(settings: Any, programs: Programs) -> None:
    settings.FUNDER_MIN_PROJECTS = 2
    funder = UserFactory(role=Role.FUNDER)

    figures = funder_figures(user=funder, label="Total")

    a, b, c = figures.clusters
    # Projects: A 2, B 1, C 1. B and C are small and together stand for 2: no complement, the total is shown.
    assert (a.projects_hidden, b.projects_hidden, c.projects_hidden, figures.total.projects_hidden) == (
        "",
        SMALL,
        SMALL,
        "",
    )
    # Proposals: A 6, B 2, C 1. C is small alone: B, the smallest shown, is hidden too.
    assert (a.proposals_hidden, b.proposals_hidden, c.proposals_hidden) == ("", COMPLEMENT, SMALL)


def test_funder_figures_default_minimum_hides_everything_here(funder: User) -> None:
    figures = funder_figures(user=funder, label="Total")

    assert figures.minimum == 5
    assert [column.projects_hidden for column in [*figures.clusters, figures.total]] == [SMALL, SMALL, SMALL]
    # Proposals: A 6 and B 2: B is small, A its complement; the total (8) is shown.
    assert [column.proposals_hidden for column in [*figures.clusters, figures.total]] == [COMPLEMENT, SMALL, ""]


def _queries(user: User) -> int:
    with CaptureQueriesContext(connection) as queries:
        funder_figures(user=user, label="Total")
    return len(queries)


def test_funder_figures_query_count_does_not_grow_with_proposals(funder_everywhere: User) -> None:
    program = ProgramFactory()
    call = CallFactory(program=program)
    meeting = released_meeting(call)
    decided(call, "approved", meeting, approved_amount=Decimal("1"))
    funder_everywhere.forget_roles()
    one = _queries(funder_everywhere)
    for _ in range(4):
        decided(call, "approved", meeting, approved_amount=Decimal("1"))
        ProposalFactory(call=CallFactory(program=ProgramFactory()))
    funder_everywhere.forget_roles()

    many = _queries(funder_everywhere)

    assert one == many
    assert many <= 6
