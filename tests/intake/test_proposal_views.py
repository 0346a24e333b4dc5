"""Applicants start, edit, submit and withdraw their proposals, and follow them on their pages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, cast

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import Membership, Organization, User
from intake import services
from intake.models import Call, Proposal, Stage
from intake.states import ProposalState
from records.models import AuditRecord
from tests.factories import CallFactory, MembershipFactory, OrganizationFactory, ProposalFactory
from workflow import actions

pytestmark = pytest.mark.django_db


def _call(**fields: Any) -> Call:
    return cast(Call, CallFactory(**fields))


def _organization(**fields: Any) -> Organization:
    return cast(Organization, OrganizationFactory(**fields))


def _proposal(**fields: Any) -> Proposal:
    return cast(Proposal, ProposalFactory(**fields))


@pytest.fixture
def call() -> Call:
    return _call(title_en="Leadership 2030", timezone="America/Vancouver")


@pytest.fixture
def organization(applicant: User) -> Organization:
    return cast(
        Membership, MembershipFactory(user=applicant, organization=_organization(legal_name="Acme Robotics"))
    ).organization


@pytest.fixture
def proposal(call: Call, applicant: User, organization: Organization) -> Proposal:
    return _proposal(
        call=call, lead_applicant=applicant, lead_organization=organization, title="Shared testbed", summary="Robots."
    )


def _act(client: Client, proposal: Proposal, action: str, expected_state: str | None = None, **fields: str) -> Any:
    data = {f"{action}-expected_state": expected_state or proposal.state}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(reverse("workflow:proposal_act", args=[proposal.pk, action]), data)


def _edit_data(proposal: Proposal, **overrides: Any) -> dict[str, Any]:
    return {
        "title": proposal.title,
        "summary": proposal.summary,
        "lead_organization": proposal.lead_organization_id,
        "loaded_at": proposal.updated_at.isoformat(),
        **overrides,
    }


# --- The call page's button ----------------------------------------------------------------


def test_call_detail_offers_a_letter_of_intent_to_applicants_while_the_window_is_open(
    applicant_client: Client, call: Call
) -> None:
    response = applicant_client.get(reverse("intake:call_detail", args=[call.pk]))

    assert reverse("intake:proposal_create", args=[call.pk]) in response.content.decode()


@pytest.mark.parametrize("persona", ["anonymous_client", "staff_client", "board_client"])
def test_call_detail_offers_no_letter_of_intent_to_others(persona: str, call: Call, request: Any) -> None:
    response = request.getfixturevalue(persona).get(reverse("intake:call_detail", args=[call.pk]))

    assert reverse("intake:proposal_create", args=[call.pk]) not in response.content.decode()


def test_call_detail_offers_no_letter_of_intent_before_the_window_opens(applicant_client: Client) -> None:
    upcoming = _call(upcoming=True)

    response = applicant_client.get(reverse("intake:call_detail", args=[upcoming.pk]))

    assert reverse("intake:proposal_create", args=[upcoming.pk]) not in response.content.decode()


# --- Creating ----------------------------------------------------------------------------------


def test_proposal_create_shows_the_form_with_the_applicants_organizations(
    applicant_client: Client, call: Call, organization: Organization
) -> None:
    _organization(legal_name="Not Mine Ltd")

    response = applicant_client.get(reverse("intake:proposal_create", args=[call.pk]))

    assert response.status_code == 200
    assert list(response.context["form"].fields["lead_organization"].queryset) == [organization]
    assert f'<option value="{organization.pk}" selected>' in response.content.decode()  # the only one: chosen


def test_proposal_create_leaves_the_choice_to_an_applicant_of_several_organizations(
    applicant_client: Client, applicant: User, call: Call, organization: Organization
) -> None:
    MembershipFactory(user=applicant, organization=_organization(legal_name="Second Co"))

    response = applicant_client.get(reverse("intake:proposal_create", args=[call.pk]))

    assert response.context["form"].initial.get("lead_organization") is None
    assert '<option value="" selected>' in response.content.decode()


def test_proposal_create_saves_a_draft_led_by_the_applicant(
    applicant_client: Client, applicant: User, call: Call, organization: Organization
) -> None:
    response = applicant_client.post(
        reverse("intake:proposal_create", args=[call.pk]),
        {"title": "  Ocean drones  ", "summary": "Autonomous survey.", "lead_organization": organization.pk},
    )

    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:proposal_detail", args=[proposal.pk])
    assert (proposal.title, proposal.state, proposal.lead_applicant, proposal.lead_organization, proposal.call) == (
        "Ocean drones",
        ProposalState.DRAFT,
        applicant,
        organization,
        call,
    )


def test_proposal_create_refused_after_the_window_keeps_what_was_typed(
    applicant_client: Client, organization: Organization
) -> None:
    closed = _call(windows=(-60, -20, 25, 55, 70))

    response = applicant_client.post(
        reverse("intake:proposal_create", args=[closed.pk]),
        {"title": "Late idea", "summary": "Typed with care.", "lead_organization": organization.pk},
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert "This call does not accept new proposals now, by the server&#x27;s clock." in content
    assert 'value="Late idea"' in content
    assert "Typed with care." in content
    assert Proposal.objects.count() == 0


def test_proposal_create_refuses_an_organization_the_applicant_is_not_a_member_of(
    applicant_client: Client, call: Call, organization: Organization
) -> None:
    stranger = _organization()

    response = applicant_client.post(
        reverse("intake:proposal_create", args=[call.pk]),
        {"title": "Borrowed name", "summary": "", "lead_organization": stranger.pk},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["lead_organization"]
    assert Proposal.objects.count() == 0


def test_proposal_create_without_a_title_says_so_beside_the_field(
    applicant_client: Client, call: Call, organization: Organization
) -> None:
    response = applicant_client.post(
        reverse("intake:proposal_create", args=[call.pk]), {"title": "", "lead_organization": organization.pk}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["title"] == ["This field is required."]


def test_proposal_create_forbidden_to_staff(staff_client: Client, call: Call) -> None:
    response = staff_client.post(reverse("intake:proposal_create", args=[call.pk]), {"title": "x"})

    assert response.status_code == 403
    assert Proposal.objects.count() == 0


def test_proposal_create_service_refuses_a_non_member(applicant: User, call: Call) -> None:
    with pytest.raises(DomainError, match="only for an organization you are a member of"):
        services.proposal_create(call=call, by=applicant, title="T", summary="S", lead_organization=_organization())


def test_proposal_create_service_refuses_a_non_applicant(staff: User, call: Call) -> None:
    organization = cast(Membership, MembershipFactory(user=staff)).organization

    with pytest.raises(ActionForbidden):
        services.proposal_create(call=call, by=staff, title="T", summary="S", lead_organization=organization)


# --- Editing -----------------------------------------------------------------------------------


def test_proposal_update_shows_the_draft(applicant_client: Client, proposal: Proposal) -> None:
    response = applicant_client.get(reverse("intake:proposal_update", args=[proposal.pk]))

    assert response.status_code == 200
    assert 'value="Shared testbed"' in response.content.decode()


def test_proposal_update_saves_without_touching_the_state(applicant_client: Client, proposal: Proposal) -> None:
    response = applicant_client.post(
        reverse("intake:proposal_update", args=[proposal.pk]), _edit_data(proposal, summary="Robots that share.")
    )

    proposal.refresh_from_db()
    assert response.status_code == 302
    assert (proposal.summary, proposal.state) == ("Robots that share.", ProposalState.DRAFT)


def test_proposal_update_over_a_newer_version_is_refused_and_keeps_the_typed_text(
    applicant: User, applicant_client: Client, proposal: Proposal
) -> None:
    data = _edit_data(proposal, summary="My careful rewrite.")
    services.proposal_update(
        proposal=proposal,
        by=applicant,
        title="Renamed elsewhere",
        summary="Other tab.",
        lead_organization=proposal.lead_organization,
        expected_updated_at=proposal.updated_at,
    )

    response = applicant_client.post(reverse("intake:proposal_update", args=[proposal.pk]), data)

    proposal.refresh_from_db()
    content = response.content.decode()
    assert response.status_code == 409
    assert "Somebody else saved this proposal while you were editing it." in content
    assert "My careful rewrite." in content
    assert proposal.summary == "Other tab."


def test_proposal_update_after_the_deadline_is_refused_and_keeps_the_typed_text(
    applicant_client: Client, proposal: Proposal
) -> None:
    data = _edit_data(proposal, summary="Written the night before.")
    Stage.objects.filter(call_id=proposal.call_id, kind="loi").update(closes_at=timezone.now() - timedelta(minutes=1))

    response = applicant_client.post(reverse("intake:proposal_update", args=[proposal.pk]), data)

    proposal.refresh_from_db()
    content = response.content.decode()
    assert response.status_code == 400
    assert "The deadline has passed by the server&#x27;s clock, so your changes are not saved." in content
    assert "Written the night before." in content
    assert proposal.summary == "Robots."


def test_proposal_update_of_a_submitted_proposal_redirects_to_its_page(
    applicant_client: Client, call: Call, applicant: User, organization: Organization
) -> None:
    submitted = _proposal(
        call=call, lead_applicant=applicant, lead_organization=organization, state=ProposalState.LOI_SUBMITTED
    )

    response = applicant_client.get(reverse("intake:proposal_update", args=[submitted.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("intake:proposal_detail", args=[submitted.pk])


def test_proposal_update_post_of_a_submitted_proposal_is_refused(
    applicant_client: Client, call: Call, applicant: User, organization: Organization
) -> None:
    submitted = _proposal(
        call=call, lead_applicant=applicant, lead_organization=organization, state=ProposalState.LOI_SUBMITTED
    )

    response = applicant_client.post(
        reverse("intake:proposal_update", args=[submitted.pk]), _edit_data(submitted, title="Sneaky")
    )

    submitted.refresh_from_db()
    assert response.status_code == 409
    assert "can no longer be edited" in response.content.decode()
    assert submitted.title != "Sneaky"


@pytest.mark.parametrize("name", ["intake:proposal_detail", "intake:proposal_update"])
def test_another_applicants_proposal_is_not_found(
    name: str, other_applicant_client: Client, proposal: Proposal
) -> None:
    assert other_applicant_client.get(reverse(name, args=[proposal.pk])).status_code == 404


def test_another_applicant_cannot_post_an_edit(other_applicant_client: Client, proposal: Proposal) -> None:
    response = other_applicant_client.post(
        reverse("intake:proposal_update", args=[proposal.pk]), _edit_data(proposal, title="Taken")
    )

    proposal.refresh_from_db()
    assert response.status_code == 404
    assert proposal.title == "Shared testbed"


def test_proposal_update_service_refuses_another_user(other_applicant: User, proposal: Proposal) -> None:
    with pytest.raises(ActionForbidden):
        services.proposal_update(
            proposal=proposal,
            by=other_applicant,
            title="x",
            summary="y",
            lead_organization=proposal.lead_organization,
            expected_updated_at=proposal.updated_at,
        )


def test_proposal_update_service_refuses_a_stale_version(applicant: User, proposal: Proposal) -> None:
    with pytest.raises(StaleAction):
        services.proposal_update(
            proposal=proposal,
            by=applicant,
            title="x",
            summary="y",
            lead_organization=proposal.lead_organization,
            expected_updated_at=proposal.updated_at - timedelta(seconds=1),
        )


# --- The proposal's page ---------------------------------------------------------------------


def test_proposal_detail_shows_state_deadline_in_the_calls_timezone_and_next_step(
    applicant_client: Client, proposal: Proposal
) -> None:
    local_deadline = timezone.localtime(proposal.call.loi_closes_at, proposal.call.zone)

    response = applicant_client.get(reverse("intake:proposal_detail", args=[proposal.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Letter of intent in preparation" in content
    assert date_format(local_deadline, "DATETIME_FORMAT") in content
    assert "(America/Vancouver)" in content
    assert " left" in content
    assert "Complete your letter of intent and submit it before the deadline." in content


def test_proposal_detail_shows_only_the_applicants_actions_in_a_draft(
    applicant_client: Client, proposal: Proposal
) -> None:
    response = applicant_client.get(reverse("intake:proposal_detail", args=[proposal.pk]))

    actions_shown = [form.action for form, *_why in response.context["action_forms"]]
    assert actions_shown == ["submit_loi", "withdraw"]


def test_proposal_detail_says_what_is_missing_before_submission(
    applicant_client: Client, call: Call, applicant: User, organization: Organization
) -> None:
    empty = _proposal(call=call, lead_applicant=applicant, lead_organization=organization, summary="")

    response = applicant_client.get(reverse("intake:proposal_detail", args=[empty.pk]))

    page = response.content.decode()
    # What is missing is counted and listed, and the submit button waits until nothing is.
    assert "1 thing is missing before it can be submitted" in page
    assert "<li>a summary</li>" in page
    assert re.search(
        r'<button type="submit" class="btn btn-primary" disabled aria-describedby="unmet-submit_loi">', page
    )


def test_proposal_detail_offers_submission_once_nothing_is_missing(
    applicant_client: Client, proposal: Proposal
) -> None:
    response = applicant_client.get(reverse("intake:proposal_detail", args=[proposal.pk]))

    page = response.content.decode()
    assert "missing before it can be submitted" not in page
    assert 'aria-describedby="unmet-submit_loi"' not in page


def test_proposal_detail_timeline_tells_what_happened_without_staff_names(
    applicant_client: Client, applicant: User, staff: User, proposal: Proposal
) -> None:
    actions.proposal_submit_loi(proposal=proposal, by=applicant)
    actions.proposal_decline_loi(proposal=proposal, by=staff, reason="Outside the call's scope.")

    response = applicant_client.get(reverse("intake:proposal_detail", args=[proposal.pk]))

    content = response.content.decode()
    assert [entry["text"] for entry in response.context["timeline"]] == [
        "The letter of intent was submitted.",
        "The letter of intent was not retained.",
    ]
    assert "Outside the call&#x27;s scope." in content
    assert "Sam Staff" not in content
    assert staff.email not in content


def test_proposal_detail_timeline_hides_staff_notes(
    applicant_client: Client, applicant: User, staff: User, call: Call, organization: Organization
) -> None:
    assessed = _proposal(
        call=call, lead_applicant=applicant, lead_organization=organization, state=ProposalState.ASSESSED
    )
    actions.proposal_reopen_assessment(proposal=assessed, by=staff, reason="Scores far apart; internal.")

    response = applicant_client.get(reverse("intake:proposal_detail", args=[assessed.pk]))

    assert "The assessment was reopened." in response.content.decode()
    assert "Scores far apart" not in response.content.decode()


# --- Submitting and withdrawing through the one action endpoint --------------------------------


def test_submit_loi_moves_the_draft_and_returns_to_the_applicants_page(
    applicant_client: Client, proposal: Proposal
) -> None:
    response = _act(applicant_client, proposal, "submit_loi")

    proposal.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:proposal_detail", args=[proposal.pk])
    assert proposal.state == ProposalState.LOI_SUBMITTED
    assert AuditRecord.objects.filter(proposal=proposal, action="submit_loi").count() == 1


def test_submit_loi_incomplete_says_what_is_missing_with_409(
    applicant_client: Client, call: Call, applicant: User, organization: Organization
) -> None:
    empty = _proposal(call=call, lead_applicant=applicant, lead_organization=organization, summary="")

    response = _act(applicant_client, empty, "submit_loi")

    empty.refresh_from_db()
    assert response.status_code == 409
    assert "The proposal is not complete: it lacks a summary." in response.content.decode()
    assert empty.state == ProposalState.DRAFT
    assert AuditRecord.objects.count() == 0


def test_submit_application_when_invited(
    applicant_client: Client, call: Call, applicant: User, organization: Organization
) -> None:
    invited = _proposal(
        call=call, lead_applicant=applicant, lead_organization=organization, state=ProposalState.INVITED
    )

    response = _act(applicant_client, invited, "submit_application")

    invited.refresh_from_db()
    assert response.status_code == 302
    assert invited.state == ProposalState.SUBMITTED


def test_withdraw_without_a_reason_is_refused_beside_the_field(applicant_client: Client, proposal: Proposal) -> None:
    response = _act(applicant_client, proposal, "withdraw", reason="  ")

    proposal.refresh_from_db()
    assert response.status_code == 400
    assert response.context["action_forms"][1][0].errors["reason"] == ["This field is required."]
    assert proposal.state == ProposalState.DRAFT
    assert AuditRecord.objects.count() == 0


def test_withdraw_with_a_reason_records_it(applicant_client: Client, proposal: Proposal) -> None:
    response = _act(applicant_client, proposal, "withdraw", reason="The partner left.")

    proposal.refresh_from_db()
    record = AuditRecord.objects.get()
    assert response.status_code == 302
    assert proposal.state == ProposalState.WITHDRAWN
    assert (record.action, record.reason) == ("withdraw", "The partner left.")


def test_withdraw_stale_gives_409_naming_the_state_and_writes_nothing(
    applicant_client: Client, applicant: User, proposal: Proposal
) -> None:
    actions.proposal_submit_loi(proposal=proposal, by=applicant)
    before = AuditRecord.objects.count()

    response = _act(applicant_client, proposal, "withdraw", expected_state=ProposalState.DRAFT, reason="Changed plans")

    proposal.refresh_from_db()
    content = response.content.decode()
    assert response.status_code == 409
    assert "This proposal is now “Letter of intent submitted”" in content
    assert reverse("intake:proposal_detail", args=[proposal.pk]) in content
    assert AuditRecord.objects.count() == before
    assert proposal.state == ProposalState.LOI_SUBMITTED


def test_another_applicant_cannot_withdraw(other_applicant_client: Client, proposal: Proposal) -> None:
    response = _act(other_applicant_client, proposal, "withdraw", reason="Mischief")

    proposal.refresh_from_db()
    assert response.status_code == 404
    assert proposal.state == ProposalState.DRAFT


# --- The dashboard --------------------------------------------------------------------------


def test_applicant_dashboard_lists_proposals_by_call_with_state_and_deadline(
    applicant_client: Client, proposal: Proposal, other_applicant: User
) -> None:
    _proposal(call=proposal.call, lead_applicant=other_applicant, title="Not yours")

    response = applicant_client.get(reverse("intake:applicant_dashboard"))

    content = response.content.decode()
    assert response.status_code == 200
    assert response.context["proposals"] == [proposal]
    assert "Leadership 2030" in content
    assert "Shared testbed" in content
    assert "Letter of intent in preparation" in content
    assert "Not yours" not in content


def _dashboard_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("intake:applicant_dashboard")).status_code == 200
    return len(queries)


def test_applicant_dashboard_queries_do_not_grow_with_proposals(
    applicant_client: Client, applicant: User, organization: Organization
) -> None:
    _proposal(lead_applicant=applicant, lead_organization=organization, state=ProposalState.INVITED)
    one = _dashboard_queries(applicant_client)
    for index in range(19):
        _proposal(
            lead_applicant=applicant,
            lead_organization=organization,
            state=ProposalState.CHANGES_REQUESTED if index % 2 else ProposalState.INVITED,
            changes_due_at=timezone.now() + timedelta(days=5),
        )

    twenty = _dashboard_queries(applicant_client)

    assert twenty == one
