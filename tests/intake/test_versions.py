"""Frozen versions: written by the submissions, never changed, printable and comparable."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, cast

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import OrganizationType, Role
from accounts.errors import ActionForbidden, StaleAction
from accounts.models import User
from board.models import AgendaItem
from intake.admin import ProposalVersionAdmin
from intake.choices import VersionKind
from intake.eligibility import rules_to_data
from intake.models import (
    Attachment,
    BudgetLine,
    ConsortiumMember,
    ForegroundIP,
    Milestone,
    Proposal,
    ProposalVersion,
)
from intake.services.versions import SCHEMA, proposal_version_freeze, versions_compare
from intake.states import ProposalState
from tests.board.making import meeting_make
from tests.conftest import client_for
from tests.factories import (
    AttachmentFactory,
    OrganizationFactory,
    ProposalFactory,
    ProposalVersionFactory,
    UserFactory,
    state_put,
)
from workflow.actions import proposal_submit_application, proposal_submit_loi

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def complete_application(proposal: Proposal) -> Proposal:
    """Fill ``proposal`` (invited) with a full application that meets every rule of a default call.

    Three partners (the SME lead, a large company, an SME), $3M of eligible costs, $1.2M
    asked of the cluster (40 %), $1.8M of industry contribution of which $300k in kind.
    """
    lead = ConsortiumMember.objects.get(proposal=proposal, is_lead=True)
    partners = [
        lead,
        ConsortiumMember.objects.create(
            proposal=proposal,
            organization=OrganizationFactory(kind=OrganizationType.LARGE_COMPANY, employee_count=5000),
        ),
        ConsortiumMember.objects.create(proposal=proposal, organization=OrganizationFactory()),
    ]
    for member in partners:
        member.cash_contribution = Decimal("500000.00")
        member.in_kind_contribution = Decimal("100000.00")
        member.funding_requested = Decimal("400000.00")
        member.background_ip = f"Process know-how of {member.organization}."
        member.save()
        BudgetLine.objects.create(member=member, category="labour", amount=Decimal("800000.00"))
        BudgetLine.objects.create(member=member, category="equipment", amount=Decimal("200000.00"))
    Milestone.objects.create(proposal=proposal, title="Testbed running", description="The line's twin.", month=12)
    ForegroundIP.objects.create(proposal=proposal, kind="software", description="The twin's code.", owner=lead)
    for name, value in {
        "project_description": "We build a shared digital twin.\nIt runs beside the line.",
        "work_plan": "Year one: the twin. Year two: the pilots.",
        "ip_ownership_terms": "The lead owns the software.",
        "ip_partner_licensing": "Royalty-free among the partners.",
        "ip_member_licensing": "Fair terms for cluster members.",
        "jobs_during": 10,
        "jobs_after": 25,
        "revenue_during": Decimal("100000.00"),
        "revenue_after": Decimal("5000000.00"),
        "ip_rights_during": 1,
        "ip_rights_after": 3,
        "smes_scaled_during": 1,
        "smes_scaled_after": 2,
    }.items():
        setattr(proposal, name, value)
    proposal.save()
    AttachmentFactory(proposal=proposal, kind="project_plan", original_name="Plan.pdf")
    return proposal


def invited(applicant: User, **fields: Any) -> Proposal:
    """An invited proposal with an empty full application (made as a draft, so no factory fills it)."""
    proposal = cast(Proposal, ProposalFactory(lead_applicant=applicant, **fields))
    state_put(proposal, ProposalState.INVITED)
    proposal.refresh_from_db()
    return proposal


def invited_application(applicant: User, **fields: Any) -> Proposal:
    return complete_application(invited(applicant, **fields))


# --- Freezing at submission ------------------------------------------------------------------


def test_version_freeze_on_loi_submission_holds_the_letter(applicant: User) -> None:
    proposal = ProposalFactory(lead_applicant=applicant, title="Shared testbed", challenge="Downtime.")

    proposal_submit_loi(proposal=proposal, by=applicant)

    version = ProposalVersion.objects.get(proposal=proposal)
    assert (version.number, version.kind, version.submitted_by) == (1, VersionKind.LOI, applicant)
    assert version.data["title"] == "Shared testbed"
    assert version.data["challenge"] == "Downtime."
    assert version.data["estimated_total_cost"] == "3000000.00"
    assert version.data["consortium"][0]["name"] == proposal.lead_organization.legal_name
    # The rules in force at the letter of intent: the factory's call holds it to its word limit alone.
    assert version.data["rules"] == rules_to_data(proposal.call.eligibility_rules(VersionKind.LOI))
    assert [(row["kind"], row["params"]) for row in version.data["rules"]] == [("word_limit", {"words": 500})]
    assert version.submitted_at == Proposal.objects.get(pk=proposal.pk).submitted_at


def test_version_freeze_on_application_submission_holds_everything(applicant: User) -> None:
    proposal = invited_application(applicant)

    proposal_submit_application(proposal=proposal, by=applicant)

    version = ProposalVersion.objects.get(proposal=proposal)
    data = version.data
    assert (version.number, version.kind) == (1, VersionKind.APPLICATION)
    assert [partner["type"] for partner in data["consortium"]] == ["sme", "large_company", "sme"]
    assert data["consortium"][1]["employees"] == 5000
    assert data["consortium"][0]["province"] == "ON"
    assert data["consortium"][0]["cash_contribution"] == "500000.00"
    assert len(data["budget"]) == 6
    assert data["funding_requested"] == "1200000.00"
    assert data["figures"]["eligible_costs"] == "3000000.00"
    assert data["figures"]["cluster_share"] == "40.00"
    assert data["figures"]["matching_ratio"] == "1.50"
    assert data["milestones"] == [{"title": "Testbed running", "description": "The line's twin.", "month": 12}]
    assert data["foreground_ip"][0]["owner"] == data["consortium"][0]["name"]
    assert data["outcomes"]["revenue_after"] == "5000000.00"
    assert data["work_plan"] == "Year one: the twin. Year two: the pilots."
    assert [item["name"] for item in data["attachments"]] == ["Plan.pdf"]
    assert [attachment.original_name for attachment in version.attachments.all()] == ["Plan.pdf"]


def test_version_keeps_its_frozen_rules_and_shape_beside_its_document(applicant: User) -> None:
    proposal = invited_application(applicant)
    proposal_submit_application(proposal=proposal, by=applicant)

    version = ProposalVersion.objects.get(proposal=proposal)

    assert json.loads(version.frozen_rules) == version.data["rules"]
    assert version.frozen_schema == version.data["schema"] == SCHEMA
    # A disposed proposal's documents are emptied (workflow.retention): the columns follow.
    ProposalVersion.objects.filter(pk=version.pk).update(data={})
    emptied = ProposalVersion.objects.get(pk=version.pk)
    assert (emptied.frozen_rules, emptied.frozen_schema) == (None, None)


def test_version_freeze_links_only_current_attachments(applicant: User) -> None:
    proposal = invited_application(applicant)
    removed = AttachmentFactory(proposal=proposal, kind="risk_register", original_name="Old risks.pdf")
    Attachment.objects.filter(pk=removed.pk).update(removed_at=proposal.created_at)

    version = proposal_version_freeze(proposal=proposal, by=applicant, kind=VersionKind.APPLICATION)

    assert [attachment.original_name for attachment in version.attachments.all()] == ["Plan.pdf"]


def test_version_freeze_numbers_resubmissions(applicant: User) -> None:
    proposal = ProposalFactory(lead_applicant=applicant)
    proposal_submit_loi(proposal=proposal, by=applicant)
    proposal.refresh_from_db()
    complete_application(proposal)
    state_put(proposal, ProposalState.CHANGES_REQUESTED)
    Proposal.objects.filter(pk=proposal.pk).update(changes_due_at=proposal.call.application_closes_at)

    proposal_submit_application(proposal=proposal, by=applicant)

    assert list(ProposalVersion.objects.filter(proposal=proposal).values_list("number", "kind")) == [
        (1, VersionKind.LOI),
        (2, VersionKind.APPLICATION),
    ]


def test_version_freeze_refused_submission_writes_no_version(applicant: User, other_applicant: User) -> None:
    proposal = ProposalFactory(lead_applicant=applicant)

    with pytest.raises(ActionForbidden):
        proposal_submit_loi(proposal=proposal, by=other_applicant)
    with pytest.raises(StaleAction):
        proposal_submit_loi(proposal=proposal, by=applicant, expected_state=ProposalState.INVITED)

    assert not ProposalVersion.objects.filter(proposal=proposal).exists()


def test_version_freeze_incomplete_application_writes_no_version(applicant: User) -> None:
    proposal = invited(applicant)

    with pytest.raises(Exception, match="project description"):
        proposal_submit_application(proposal=proposal, by=applicant)

    assert not ProposalVersion.objects.filter(proposal=proposal).exists()
    assert Proposal.objects.get(pk=proposal.pk).state == ProposalState.INVITED


def test_version_freeze_queries_do_not_grow_with_the_consortium(applicant: User) -> None:
    small = invited_application(applicant)
    large = invited_application(applicant)
    for _index in range(5):
        member = ConsortiumMember.objects.create(proposal=large, organization=OrganizationFactory())
        BudgetLine.objects.create(member=member, category="other", amount=Decimal("1.00"))
    small, large = (
        Proposal.objects.select_related("call", "lead_organization", "stage").get(pk=p.pk) for p in (small, large)
    )

    with CaptureQueriesContext(connection) as few:
        proposal_version_freeze(proposal=small, by=applicant, kind=VersionKind.APPLICATION)
    with CaptureQueriesContext(connection) as many:
        proposal_version_freeze(proposal=large, by=applicant, kind=VersionKind.APPLICATION)

    # Members, budget lines, their consortium roles, their memberships of the program, attachments,
    # foreground IP, milestones, the call's rule rows, the call's questions of the stage with the
    # answers, the last number, the version and its links to the attachments.
    assert len(few) == len(many) == 12


def test_version_freeze_of_a_letter_of_intent_reads_only_what_it_can_hold(applicant: User) -> None:
    proposal = Proposal.objects.select_related("call", "lead_organization").get(
        pk=ProposalFactory(lead_applicant=applicant).pk
    )

    with CaptureQueriesContext(connection) as captured:
        version = proposal_version_freeze(proposal=proposal, by=applicant, kind=VersionKind.LOI)

    # The count raised, the lead's membership of the program, the call's rule rows, the call's questions
    # of the stage with the answers, the version: the consortium, budget and attachments are edited only
    # once invited, so a letter of intent has nothing else to read but its lead organization.
    assert len(captured) == 5
    assert (version.data["budget"], version.data["milestones"], version.data["foreground_ip"]) == ([], [], [])
    assert version.data["attachments"] == []
    lead = proposal.members.select_related("organization").get(is_lead=True)
    assert version.data["consortium"] == [
        {
            "name": lead.organization.legal_name,
            "type": lead.organization.kind,
            "employees": lead.organization.employee_count,
            "country": str(lead.organization.country),
            "province": lead.organization.province,
            "is_lead": True,
            # Not given yet in the draft (None): a letter of intent's lead contributes nothing yet.
            "cash_contribution": "0.00",
            "in_kind_contribution": "0.00",
            "funding_requested": str(lead.funding_requested),
            "background_ip": lead.background_ip,
            # A letter of intent's lead takes no consortium role yet; not a member of the program here.
            "roles": [],
            "member": False,
        }
    ]


def test_version_freeze_counted_by_the_submission_takes_its_number(applicant: User) -> None:
    proposal = Proposal.objects.select_related("call", "lead_organization").get(
        pk=ProposalFactory(lead_applicant=applicant).pk
    )
    ProposalVersionFactory(proposal=proposal, number=1)
    proposal.version_count = 2  # what the submission's update just saved

    with CaptureQueriesContext(connection) as captured:
        version = proposal_version_freeze(proposal=proposal, by=applicant, kind=VersionKind.LOI, counted=True)

    # The lead's membership of the program, the call's questions of the stage with the answers, then the version.
    assert (len(captured), version.number) == (3, 2)


# --- Immutability ----------------------------------------------------------------------------


def test_version_save_refuses_changes(applicant: User) -> None:
    proposal = ProposalFactory(lead_applicant=applicant)
    proposal_submit_loi(proposal=proposal, by=applicant)
    version = ProposalVersion.objects.get(proposal=proposal)
    version.data = {"title": "Rewritten"}

    with pytest.raises(ValidationError):
        version.save()
    with pytest.raises(ValidationError):
        version.delete()

    assert ProposalVersion.objects.get(pk=version.pk).data["title"] == proposal.title


def test_version_unchanged_when_the_draft_changes_after_submission(applicant: User, staff: User) -> None:
    proposal = ProposalFactory(lead_applicant=applicant, title="As submitted", summary="The submitted summary.")
    proposal_submit_loi(proposal=proposal, by=applicant)
    # Whatever happens to the rows later (a correction, a renamed organization)...
    Proposal.objects.filter(pk=proposal.pk).update(title="Edited later", summary="A new summary.")
    proposal.lead_organization.legal_name = "Renamed Corp."
    proposal.lead_organization.save()

    response = client_for(staff).get(reverse("intake:version_detail", args=[proposal.pk, 1]))

    # ... what assessors and the board read is what was submitted.
    assert response.status_code == 200
    content = response.content.decode()
    assert "As submitted" in content
    assert "The submitted summary." in content
    assert "Edited later" not in content.split("<article>")[1]
    assert "Renamed Corp." not in content


def test_version_admin_is_read_only(rf: Any) -> None:
    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    model_admin = ProposalVersionAdmin(ProposalVersion, admin_site=None)  # type: ignore[arg-type]

    permissions = (
        model_admin.has_add_permission(request),
        model_admin.has_change_permission(request),
        model_admin.has_delete_permission(request),
    )

    assert permissions == (False, False, False)


def test_version_no_url_changes_a_version(applicant: User, staff: User) -> None:
    """POST to every version URL, as everyone who may read it and as a superuser's admin: nothing changes."""
    proposal = ProposalFactory(lead_applicant=applicant)
    proposal_submit_loi(proposal=proposal, by=applicant)
    version = ProposalVersion.objects.get(proposal=proposal)
    before = (version.data, version.number, version.kind)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    urls = [
        reverse("intake:version_detail", args=[proposal.pk, 1]),
        reverse("intake:version_compare", args=[proposal.pk]) + "?a=1&b=1",
    ]
    admin_urls = [
        reverse("admin:intake_proposalversion_change", args=[version.pk]),
        reverse("admin:intake_proposalversion_delete", args=[version.pk]),
    ]

    statuses = [client_for(user).post(url, {"data": "{}"}).status_code for user in (applicant, staff) for url in urls]
    admin_statuses = [client_for(superuser).post(url, {"post": "yes"}).status_code for url in admin_urls]

    version = ProposalVersion.objects.get(pk=version.pk)
    assert (version.data, version.number, version.kind) == before
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 1
    assert 200 not in admin_statuses
    assert 302 not in admin_statuses
    assert all(status in (200, 403, 405) for status in statuses)


# --- The printable view ----------------------------------------------------------------------


def test_version_detail_shows_consortium_and_budget_tables(applicant: User) -> None:
    proposal = invited_application(applicant, title="Twin line")
    proposal_submit_application(proposal=proposal, by=applicant)

    response = client_for(applicant).get(reverse("intake:version_detail", args=[proposal.pk, 1]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Twin line</h1>" in content
    assert 'id="consortium-heading"' in content
    assert 'id="budget-heading"' in content
    assert "$3,000,000.00" in content  # the budget's total, computed at submission
    assert "$1,200,000.00" in content  # the funding requested
    assert "version-print.css" in content
    assert "Plan.pdf" in content


def test_version_detail_links_attachments_to_their_download(applicant: User) -> None:
    proposal = invited_application(applicant)
    proposal_submit_application(proposal=proposal, by=applicant)
    attachment = Attachment.objects.get(proposal=proposal)

    response = client_for(applicant).get(reverse("intake:version_detail", args=[proposal.pk, 1]))

    assert f'href="{reverse("intake:attachment_download", kwargs={"pk": attachment.pk})}"' in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("lead", 200), ("co_applicant", 200), ("staff", 200), ("other_applicant", 404), ("assessor", 404)],
)
def test_version_detail_readers(persona: str, expected: int, applicant: User, other_applicant: User) -> None:
    from intake.models import CoApplicant

    proposal = ProposalFactory(lead_applicant=applicant)
    proposal_submit_loi(proposal=proposal, by=applicant)
    co_applicant = UserFactory(role=Role.APPLICANT)
    CoApplicant.objects.create(proposal=proposal, user=co_applicant, invited_by=applicant)
    users = {
        "lead": applicant,
        "co_applicant": co_applicant,
        "staff": UserFactory(role=Role.STAFF),
        "other_applicant": other_applicant,
        "assessor": UserFactory(role=Role.ASSESSOR),
    }

    response = client_for(users[persona]).get(reverse("intake:version_detail", args=[proposal.pk, 1]))

    assert response.status_code == expected


def test_version_detail_board_reads_it_once_on_the_agenda_of_their_meeting(applicant: User, board_member: User) -> None:
    proposal = ProposalFactory(lead_applicant=applicant)
    proposal_submit_loi(proposal=proposal, by=applicant)
    url = reverse("intake:version_detail", args=[proposal.pk, 1])

    before = client_for(board_member).get(url).status_code
    state_put(proposal, ProposalState.BOARD_REVIEW)
    in_review = client_for(board_member).get(url).status_code
    meeting = meeting_make(proposal.call, chair=board_member, members=[], quorum=1)
    AgendaItem.objects.create(meeting=meeting, proposal=proposal)
    on_agenda = client_for(board_member).get(url).status_code

    assert (before, in_review, on_agenda) == (404, 404, 200)


def test_version_detail_unknown_number_is_404(applicant: User) -> None:
    proposal = ProposalFactory(lead_applicant=applicant)
    proposal_submit_loi(proposal=proposal, by=applicant)

    response = client_for(applicant).get(reverse("intake:version_detail", args=[proposal.pk, 2]))

    assert response.status_code == 404


def test_version_list_on_the_proposal_pages(applicant: User, staff: User) -> None:
    proposal = ProposalFactory(lead_applicant=applicant)
    proposal_submit_loi(proposal=proposal, by=applicant)
    link = reverse("intake:version_detail", args=[proposal.pk, 1])

    applicant_page = client_for(applicant).get(reverse("intake:proposal_detail", args=[proposal.pk]))
    staff_page = client_for(staff).get(reverse("workflow:proposal_detail", args=[proposal.pk]))

    assert link in applicant_page.content.decode()
    assert link in staff_page.content.decode()


# --- Comparison ------------------------------------------------------------------------------


def _two_versions(applicant: User) -> Proposal:
    proposal = ProposalFactory(lead_applicant=applicant, summary="First line.\nSecond line.")
    proposal_version_freeze(proposal=proposal, by=applicant, kind=VersionKind.LOI)
    proposal.summary = "First line.\nSecond line, reworded."
    proposal.estimated_total_cost = Decimal("4000000.00")
    proposal.save()
    proposal_version_freeze(proposal=proposal, by=applicant, kind=VersionKind.LOI)
    return proposal


def test_versions_compare_lists_only_what_changed(applicant: User) -> None:
    proposal = _two_versions(applicant)
    first, second = ProposalVersion.objects.filter(proposal=proposal).order_by("number")

    differences = versions_compare(before=first.data, after=second.data)

    by_label = {difference.label: difference for difference in differences}
    # A letter of intent's estimates are its figures (schema 3): its eligible costs and the cluster's
    # share follow the estimated total cost.
    assert set(by_label) == {
        "summary",
        "estimated total project cost ($)",
        "eligible costs",
        "cluster share of eligible costs (%)",
    }
    assert (
        by_label["estimated total project cost ($)"].before,
        by_label["estimated total project cost ($)"].after,
    ) == (
        "3000000.00",
        "4000000.00",
    )
    assert ("-", "Second line.") in by_label["summary"].diff
    assert ("+", "Second line, reworded.") in by_label["summary"].diff
    assert (" ", "First line.") in by_label["summary"].diff


def test_version_compare_page_shows_the_differences(applicant: User, staff: User) -> None:
    proposal = _two_versions(applicant)

    response = client_for(staff).get(reverse("intake:version_compare", args=[proposal.pk]), {"a": 1, "b": 2})

    assert response.status_code == 200
    content = response.content.decode()
    assert "4 fields differ" in content  # the summary, the estimated cost and the two figures it gives
    assert "Second line, reworded." in content
    assert "4000000.00" in content


@pytest.mark.parametrize("query", [{}, {"a": "1"}, {"a": "x", "b": "2"}, {"a": "1", "b": "9"}, {"a": "-1", "b": "2"}])
def test_version_compare_bad_numbers_are_400_with_a_message(
    query: dict[str, str], applicant: User, staff: User
) -> None:
    proposal = _two_versions(applicant)

    response = client_for(staff).get(reverse("intake:version_compare", args=[proposal.pk]), query)

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_version_compare_is_for_staff_only(applicant: User) -> None:
    proposal = _two_versions(applicant)

    response = client_for(applicant).get(reverse("intake:version_compare", args=[proposal.pk]), {"a": 1, "b": 2})

    assert response.status_code == 403
