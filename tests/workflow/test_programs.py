"""Staff act in their programs only: another program's proposals, calls, holds and notices are not theirs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import time_machine
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.errors import ActionForbidden
from accounts.models import User
from accounts.services import user_grant_role
from board.models import AgendaItem
from intake.models import Call, Program, ProgramRole, Proposal
from intake.selectors import call_for_staff_list
from intake.states import ProposalState
from records.events import Channel, Event
from records.models import Notification
from tests.assessment.reviewing import assessor_make, assignment_make, rubric_make
from tests.board.making import meeting_make
from tests.conftest import client_for
from tests.factories import CallFactory, ProposalFactory, UserFactory
from tests.factories.intake import ProgramFactory
from workflow import actions, sweeps
from workflow.incidents import incident_create
from workflow.models import ExtensionRule
from workflow.outage_extensions import extension_rule_save, incident_apply
from workflow.retention import call_legal_hold_set, proposal_legal_hold_set

pytestmark = pytest.mark.django_db

S = ProposalState


@dataclass
class Programs:
    a: Program
    b: Program
    call_a: Call
    call_b: Call
    staff_a: User
    staff_b: User


@pytest.fixture
def programs() -> Programs:
    a, b = ProgramFactory(), ProgramFactory()
    return Programs(
        a=a,
        b=b,
        call_a=cast(Call, CallFactory(program=a)),
        call_b=cast(Call, CallFactory(program=b)),
        staff_a=cast(User, UserFactory(role=Role.STAFF, programs=[a])),
        staff_b=cast(User, UserFactory(role=Role.STAFF, programs=[b])),
    )


def _proposal(call: Call, state: str = S.LOI_SUBMITTED, **fields: Any) -> Proposal:
    return cast(Proposal, ProposalFactory(call=call, state=state, **fields))


def _act(client: Client, proposal: Proposal, action: str, **fields: str) -> Any:
    data = {f"{action}-expected_state": proposal.state, **{f"{action}-{k}": v for k, v in fields.items()}}
    return client.post(reverse("workflow:proposal_act", args=[proposal.pk, action]), data)


# --- Another program's things answer 404 ---------------------------------------------------------


def test_staff_of_another_program_gets_404_on_the_proposal_page(programs: Programs) -> None:
    proposal = _proposal(programs.call_a)
    url = reverse("workflow:proposal_detail", args=[proposal.pk])

    assert client_for(programs.staff_b).get(url).status_code == 404
    assert client_for(programs.staff_a).get(url).status_code == 200


def test_staff_of_another_program_gets_404_on_the_action_endpoint_and_nothing_changes(programs: Programs) -> None:
    proposal = _proposal(programs.call_a)
    draft = _proposal(programs.call_a, S.DRAFT)
    client = client_for(programs.staff_b)

    assert _act(client, proposal, "invite", reason="Welcome.").status_code == 404
    assert _act(client, draft, "extend_deadline", until="2099-01-01T00:00", reason="Please").status_code == 404
    proposal.refresh_from_db()
    assert proposal.state == S.LOI_SUBMITTED


def test_actions_refuse_staff_of_another_program(programs: Programs) -> None:
    proposal = _proposal(programs.call_a)

    with pytest.raises(ActionForbidden):
        actions.proposal_invite(proposal=proposal, by=programs.staff_b, reason="Welcome.")
    actions.proposal_invite(proposal=proposal, by=programs.staff_a, reason="Welcome.")


def test_staff_of_another_program_gets_404_on_the_calls_proposals(programs: Programs) -> None:
    url = reverse("workflow:call_proposals", args=[programs.call_a.pk])

    assert client_for(programs.staff_b).get(url).status_code == 404
    assert client_for(programs.staff_a).get(url).status_code == 200


def test_the_call_lists_read_compiled_once_answers_each_reader_for_their_own_programs(programs: Programs) -> None:
    staff_a, staff_b = programs.staff_a, programs.staff_b
    for _round in range(2):  # the second round replays the reads the first compiled
        assert call_for_staff_list(user=staff_a, pk=programs.call_a.pk) == programs.call_a
        assert call_for_staff_list(user=staff_b, pk=programs.call_b.pk) == programs.call_b
        with pytest.raises(Http404):
            call_for_staff_list(user=staff_a, pk=programs.call_b.pk)
        with pytest.raises(Http404):
            call_for_staff_list(user=staff_b, pk=programs.call_a.pk)

    # A grant given since is read with the user at their next request: their read follows it.
    ProgramRole.objects.create(user=staff_b, program=programs.a, role=Role.STAFF)
    staff_b = User.objects.get(pk=staff_b.pk)
    assert call_for_staff_list(user=staff_b, pk=programs.call_a.pk) == programs.call_a
    # Without the staff role, no program's call.
    with pytest.raises(Http404):
        call_for_staff_list(user=UserFactory(role=Role.ASSESSOR), pk=programs.call_a.pk)


def test_staff_of_another_program_gets_404_on_its_retention_and_legal_hold_pages(programs: Programs) -> None:
    proposal = _proposal(programs.call_a, S.DECLINED)
    client = client_for(programs.staff_b)
    urls = [
        reverse("workflow:disposals_preview", args=[programs.a.pk]),
        reverse("workflow:proposal_legal_hold", args=[proposal.pk]),
        reverse("workflow:call_legal_hold", args=[programs.call_a.pk]),
    ]

    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    assert [client_for(programs.staff_a).get(url).status_code for url in urls] == [200, 200, 200]


def test_legal_holds_refuse_staff_of_another_program(programs: Programs) -> None:
    proposal = _proposal(programs.call_a, S.DECLINED)

    with pytest.raises(ActionForbidden):
        proposal_legal_hold_set(proposal=proposal, by=programs.staff_b, reason="Litigation.")
    with pytest.raises(ActionForbidden):
        call_legal_hold_set(call=programs.call_a, by=programs.staff_b, reason="Inquiry.")
    assert proposal_legal_hold_set(proposal=proposal, by=programs.staff_a, reason="Litigation.").legal_hold_at


def test_staff_of_another_program_gets_404_on_its_eligibility_and_version_pages(programs: Programs) -> None:
    proposal = _proposal(programs.call_a)
    client = client_for(programs.staff_b)

    assert client.get(reverse("intake:eligibility", args=[proposal.pk])).status_code == 404
    assert client.get(reverse("intake:version_compare", args=[proposal.pk])).status_code == 404


# --- Outages: the installation's; the service standard and applying reach into programs ----------


def test_staff_of_one_program_reads_the_service_standard_but_may_not_change_it(programs: Programs) -> None:
    rule = ExtensionRule.objects.order_by("pk").first()
    assert rule is not None
    both = cast(User, UserFactory(role=Role.STAFF))  # staff of every program

    assert client_for(programs.staff_b).get(reverse("workflow:extension_rules")).status_code == 200
    assert (
        client_for(programs.staff_b).get(reverse("workflow:extension_rule_update", args=[rule.pk])).status_code == 403
    )
    assert client_for(both).get(reverse("workflow:extension_rule_update", args=[rule.pk])).status_code == 200
    with pytest.raises(ActionForbidden):
        extension_rule_save(
            rule=None, outage_min=99999, outage_max=None, before_min=99999, before_max=99999, hours=1,
            by=programs.staff_b,
        )  # fmt: skip


def test_an_incident_offers_only_the_calls_of_the_staffs_programs(programs: Programs) -> None:
    response = client_for(programs.staff_b).get(reverse("workflow:incident_create"))

    offered = list(response.context["form"].fields["calls"].queryset)
    assert offered == [programs.call_b]
    with pytest.raises(ActionForbidden):
        incident_create(
            started_at=timezone.now() - timedelta(hours=2), ended_at=timezone.now() - timedelta(hours=1),
            all_calls=False, calls=[programs.call_a], description_en="Down.", description_fr="", by=programs.staff_b,
        )  # fmt: skip


def test_an_incident_extending_another_programs_proposals_is_applied_only_by_its_staff_too(
    programs: Programs,
) -> None:
    deadline = programs.call_a.loi_closes_at
    draft = _proposal(programs.call_a, S.DRAFT)
    with time_machine.travel(deadline - timedelta(minutes=20), tick=False):
        incident = incident_create(
            started_at=deadline - timedelta(hours=1), ended_at=deadline - timedelta(minutes=30), all_calls=True,
            calls=[], description_en="Down.", description_fr="", by=programs.staff_b,
        )  # fmt: skip
        with pytest.raises(ActionForbidden):
            incident_apply(incident=incident, by=programs.staff_b)
        draft.refresh_from_db()
        assert draft.deadline_extended_until is None
        page = client_for(programs.staff_b).get(reverse("workflow:incident_apply", args=[incident.pk]))
        assert (page.context["rows"], page.context["elsewhere"]) == ([], 1)

        assert incident_apply(incident=incident, by=programs.staff_a) == 1


# --- Dashboards and notices ----------------------------------------------------------------------


def test_the_staff_dashboard_shows_nothing_of_another_program(programs: Programs) -> None:
    response = client_for(programs.staff_b).get(reverse("workflow:staff_dashboard"))

    assert list(response.context["open_calls"]) == [programs.call_b]
    assert programs.call_a.title_en not in response.content.decode()


def test_a_submission_notifies_only_its_programs_staff(programs: Programs) -> None:
    proposal = _proposal(programs.call_a, S.DRAFT)

    actions.proposal_submit_loi(proposal=proposal, by=proposal.lead_applicant)

    told = set(Notification.objects.filter(event=Event.LOI_RECEIVED).values_list("recipient_id", flat=True))
    assert told == {programs.staff_a.pk}


def test_an_overdue_review_is_escalated_only_to_its_programs_staff(programs: Programs) -> None:
    now = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
    proposal = _proposal(programs.call_a, S.IN_ASSESSMENT, application=False)
    assignment_make(
        proposal, rubric=rubric_make(programs.call_a), assessor=assessor_make(), due_at=now - timedelta(days=1)
    )

    with time_machine.travel(now, tick=False):
        told = sweeps.reviews_overdue_escalate()

    recipients = Notification.objects.filter(event=Event.REVIEWS_OVERDUE, channel=Channel.EMAIL)
    assert told == 1
    assert [row.recipient_id for row in recipients] == [programs.staff_a.pk]
    assert [item["title"] for item in recipients[0].context["reviews"]] == [proposal.title]


def test_staff_of_one_program_and_board_member_of_another_gets_no_staff_actions_there(programs: Programs) -> None:
    user = programs.staff_a
    user_grant_role(user=user, role=Role.BOARD_MEMBER)
    ProgramRole.objects.create(user=user, program=programs.b, role=Role.BOARD_MEMBER)
    user.forget_roles()
    proposal = _proposal(programs.call_b)
    AgendaItem.objects.create(meeting=meeting_make(programs.call_b, members=[user]), proposal=proposal)
    client = client_for(user)

    page = client.get(reverse("workflow:proposal_detail", args=[proposal.pk]))

    assert page.status_code == 200
    assert (page.context["action_forms"], page.context["list_url"]) == ([], "")
    assert _act(client, proposal, "invite", reason="Welcome.").status_code == 403
