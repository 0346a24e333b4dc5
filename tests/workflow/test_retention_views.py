"""Staff's retention pages: the disposals ahead, and setting and lifting legal holds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from intake.models import Call, Program, Proposal
from intake.states import ProposalState as S
from records.models import AuditRecord
from tests.conftest import client_for
from tests.factories import CallFactory, ProgramFactory, ProposalFactory
from workflow.retention import call_legal_hold_set, proposal_legal_hold_set, proposals_dispose_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def program() -> Program:
    return ProgramFactory(retention_days=60)


@pytest.fixture
def call(program: Program) -> Call:
    return CallFactory(program=program)


def declined(call: Call, *, days_ago: int) -> Proposal:
    proposal = ProposalFactory(call=call, state=S.DECLINED, application=False)
    AuditRecord.objects.create(
        proposal=proposal, action="decline", from_state=S.BOARD_REVIEW, to_state=S.DECLINED,
        at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip
    return proposal


def _preview_queries(staff: User, program: Program) -> tuple[int, Any]:
    client = client_for(staff)
    url = reverse("workflow:disposals_preview", args=[program.pk])
    client.get(url)  # The session and the user's roles are read once per client.
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_disposals_preview_lists_the_due_with_their_holds(staff: User, program: Program, call: Call) -> None:
    soon = declined(call, days_ago=45)
    held = declined(call, days_ago=50)
    later = declined(call, days_ago=10)  # Due in 50 days: not listed.
    proposal_legal_hold_set(proposal=held, by=staff, reason="Litigation.")

    response = client_for(staff).get(reverse("workflow:disposals_preview", args=[program.pk]))

    page = response.content.decode()
    assert [row.proposal.pk for row in response.context["preview"].rows] == [held.pk, soon.pk]
    assert "2 proposals are due for disposition" in page
    assert "1 of them is under a legal hold" in page
    assert "On the proposal, by Sam Staff" in page
    assert later.title not in page


def test_disposals_preview_queries_do_not_grow_with_the_rows(staff: User, program: Program, call: Call) -> None:
    declined(call, days_ago=45)
    one, _response = _preview_queries(staff, program)
    other_call = CallFactory(program=program)
    call_legal_hold_set(call=other_call, by=staff, reason="Inquiry.")
    for days in range(40, 52):
        proposal = declined(other_call if days % 2 else call, days_ago=days)
        if days % 3 == 0:
            proposal_legal_hold_set(proposal=proposal, by=staff, reason="Litigation.")

    many, response = _preview_queries(staff, program)

    assert response.context["preview"].page.paginator.count == 13
    assert many == one


def test_program_page_links_the_preview_and_shows_the_retention(staff: User, program: Program) -> None:
    page = client_for(staff).get(reverse("intake:program_detail", args=[program.pk])).content.decode()

    assert reverse("workflow:disposals_preview", args=[program.pk]) in page
    assert "kept 60 days after their decision" in page
    assert "Funded proposals are never disposed of" in page


def test_staff_set_and_lift_a_proposals_legal_hold(staff: User, call: Call) -> None:
    proposal = declined(call, days_ago=1)
    client = client_for(staff)
    url = reverse("workflow:proposal_legal_hold", args=[proposal.pk])

    response = client.post(url, {"intent": "set", "reason": "Litigation with a partner."})
    assert response.status_code == 302
    assert Proposal.objects.get(pk=proposal.pk).legal_hold_reason == "Litigation with a partner."
    assert "Litigation with a partner." in client.get(url).content.decode()

    response = client.post(url, {"intent": "lift", "reason": "Settled."})
    assert response.status_code == 302
    assert Proposal.objects.get(pk=proposal.pk).legal_hold_at is None
    assert list(AuditRecord.objects.filter(proposal=proposal).values_list("action", "reason").order_by("pk"))[1:] == [
        ("legal_hold", "Litigation with a partner."),
        ("legal_hold_lift", "Settled."),
    ]


def test_legal_hold_without_a_reason_is_refused_beside_the_field(staff: User, call: Call) -> None:
    response = client_for(staff).post(
        reverse("workflow:call_legal_hold", args=[call.pk]), {"intent": "set", "reason": " "}
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"reason": ["Give the reason."]}
    assert Call.objects.get(pk=call.pk).legal_hold_at is None


def test_legal_hold_set_by_somebody_first_answers_409_and_keeps_what_was_typed(staff: User, call: Call) -> None:
    call_legal_hold_set(call=call, by=staff, reason="The first reason.")

    response = client_for(staff).post(
        reverse("workflow:call_legal_hold", args=[call.pk]), {"intent": "set", "reason": "My own reason."}
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "already under a legal hold; somebody set it first" in page
    assert "The first reason." in page
    assert "My own reason." in page
    assert response.context["intent"] == "lift"
    assert Call.objects.get(pk=call.pk).legal_hold_reason == "The first reason."


def test_call_page_shows_its_legal_hold(staff: User, call: Call) -> None:
    call_legal_hold_set(call=call, by=staff, reason="Inquiry.")

    page = client_for(staff).get(reverse("intake:call_staff_detail", args=[call.pk])).content.decode()

    assert "Under a legal hold since" in page
    assert "set by Sam Staff" in page
    assert reverse("workflow:call_legal_hold", args=[call.pk]) in page


def test_a_disposed_proposal_renders_on_staff_pages_without_content(staff: User, program: Program, call: Call) -> None:
    proposal = declined(call, days_ago=61)
    title = proposal.title
    proposals_dispose_due()
    client = client_for(staff)

    detail = client.get(reverse("workflow:proposal_detail", args=[proposal.pk]))
    listing = client.get(reverse("workflow:call_proposals", args=[call.pk]))
    figures = client.get(reverse("board:program_overview", args=[program.pk]))
    hold = client.get(reverse("workflow:proposal_legal_hold", args=[proposal.pk]))

    assert [detail.status_code, listing.status_code, figures.status_code, hold.status_code] == [200] * 4
    assert "Disposed of on" in detail.content.decode()
    assert f"#{proposal.pk}" in listing.content.decode()
    assert "disposed of" in listing.content.decode()
    assert all(title not in r.content.decode() for r in (detail, listing, figures))
    assert "Set a legal hold" not in hold.content.decode()
