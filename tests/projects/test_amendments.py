"""Amendments: virements re-checked with explanations, partners added and removed, dates, decisions, staleness."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.errors import ActionForbidden, StaleAction
from accounts.models import Membership, User
from projects.amendments import AmendmentInvalid, amendment_approve, amendment_refuse, amendment_request
from projects.models import Agreement, AmendmentState, ProjectBudgetLine, ProjectMilestone, ProjectPartner, Signature
from records.models import AuditRecord
from tests.conftest import client_for
from tests.factories import OrganizationFactory, UserFactory
from tests.factories.accounts import PASSWORD
from tests.projects.making import contracting, with_signatories
from workflow.signing import agreement_sign_and_activate

pytestmark = pytest.mark.django_db


def _partners(project):  # type: ignore[no-untyped-def]
    return list(ProjectPartner.objects.filter(project=project, removed_at__isnull=True).order_by("-is_lead", "pk"))


def test_a_virement_between_partners_is_rechecked_and_explained(staff: User) -> None:
    project = contracting(staff)
    lead, _second, third = _partners(project)
    moved = Decimal("100000.00")
    changes = {
        "funding": {
            str(lead.pk): str(lead.funding_approved - moved),
            str(third.pk): str(third.funding_approved + moved),
        }
    }

    amendment = amendment_request(
        project=project, by=project.proposal.lead_applicant, changes=changes, reason="Work moves."
    )

    assert amendment.kinds == ["virement"]
    assert amendment.checks
    assert all({"label", "passed", "message"} <= set(check) for check in amendment.checks)
    assert all(check["message"] for check in amendment.checks)
    assert AuditRecord.objects.filter(proposal=project.proposal, action="amendment_requested").exists()


def test_the_total_funding_stays_within_the_projects_amount(staff: User) -> None:
    project = contracting(staff)
    lead = _partners(project)[0]

    with pytest.raises(AmendmentInvalid, match="above the project's"):
        amendment_request(
            project=project,
            by=staff,
            reason="More.",
            changes={"funding": {str(lead.pk): str(lead.funding_approved + 1)}},
        )


def test_a_failing_rule_is_shown_but_staff_may_approve_and_the_agreements_are_redrafted(staff: User) -> None:
    project = contracting(staff)
    lead = _partners(project)[0]
    # The lead's equipment budget grows tenfold: the cluster's share of costs drops, other rules may fail.
    changes = {"budget": {str(lead.pk): {"labour": "0.00", "equipment": "20000000.00"}}}
    amendment = amendment_request(project=project, by=staff, changes=changes, reason="New equipment.")

    approved = amendment_approve(amendment=amendment, by=staff, reason="Fine.")

    assert approved.state == AmendmentState.APPROVED
    lines = {line.category: line.amount for line in ProjectBudgetLine.objects.filter(partner=lead)}
    assert lines["labour"] == Decimal("0")
    assert lines["equipment"] == Decimal("20000000.00")
    current = Agreement.objects.filter(project=project, superseded_at__isnull=True)
    assert sorted(a.version for a in current) == [2, 2]
    assert all(a.amendment_id == amendment.pk for a in current)
    assert Agreement.objects.filter(project=project, superseded_at__isnull=False).count() == 2
    assert "$20,000,000.00" in current.get(kind="funding").text_en
    record = AuditRecord.objects.get(proposal=project.proposal, action="amendment_approved")
    assert record.data["failed"] == [c["label"] for c in approved.checks if not c["passed"]]


def test_a_partner_is_added_and_another_removed(staff: User) -> None:
    project = contracting(staff)
    _lead, second, _third = _partners(project)
    newcomer = OrganizationFactory()
    changes = {
        "remove_partners": [second.pk],
        "funding": {str(second.pk): "0.00"},
        "add_partners": [
            {"organization": newcomer.pk, "cash": "50000", "in_kind": "0", "funding": str(second.funding_approved),
             "budget": {"labour": "250000"}},
        ],
    }  # fmt: skip
    amendment = amendment_request(project=project, by=staff, changes=changes, reason="A partner leaves.")

    amendment_approve(amendment=amendment, by=staff)

    assert ProjectPartner.objects.get(pk=second.pk).removed_at is not None
    added = ProjectPartner.objects.get(project=project, organization=newcomer)
    assert added.funding_approved == second.funding_approved
    assert [(line.category, line.amount) for line in added.budget_lines.all()] == [("labour", Decimal("250000.00"))]
    assert newcomer.legal_name in Agreement.objects.get(project=project, kind="ip", superseded_at__isnull=True).text_en


def test_the_lead_cannot_be_removed(staff: User) -> None:
    project = contracting(staff)

    with pytest.raises(AmendmentInvalid, match="lead partner cannot be removed"):
        amendment_request(
            project=project, by=staff, changes={"remove_partners": [_partners(project)[0].pk]}, reason="x"
        )


def test_milestone_dates_move(staff: User) -> None:
    project = contracting(staff)
    milestone = ProjectMilestone.objects.filter(project=project).first()
    assert milestone is not None
    amendment = amendment_request(
        project=project, by=staff, changes={"milestones": {str(milestone.pk): "2031-06-30"}}, reason="Supplier late."
    )

    amendment_approve(amendment=amendment, by=staff)

    assert str(ProjectMilestone.objects.get(pk=milestone.pk).due_on) == "2031-06-30"


def test_refusing_needs_a_reason_and_a_second_decision_is_stale(staff: User) -> None:
    project = contracting(staff)
    milestone = ProjectMilestone.objects.filter(project=project).first()
    assert milestone is not None
    amendment = amendment_request(
        project=project, by=staff, changes={"milestones": {str(milestone.pk): "2031-06-30"}}, reason="Late."
    )

    with pytest.raises(AmendmentInvalid):
        amendment_refuse(amendment=amendment, by=staff, reason="")
    refused = amendment_refuse(amendment=amendment, by=staff, reason="The date is after the program's end.")
    with pytest.raises(StaleAction, match="somebody decided it first"):
        amendment_approve(amendment=amendment, by=staff)

    assert refused.decision_reason == "The date is after the program's end."
    assert Agreement.objects.filter(project=project).count() == 2


def test_only_staff_decide(staff: User) -> None:
    project = contracting(staff)
    milestone = ProjectMilestone.objects.filter(project=project).first()
    assert milestone is not None
    amendment = amendment_request(
        project=project, by=staff, changes={"milestones": {str(milestone.pk): "2031-06-30"}}, reason="Late."
    )

    with pytest.raises(ActionForbidden):
        amendment_approve(amendment=amendment, by=project.proposal.lead_applicant)


def test_an_outsider_may_not_request(staff: User) -> None:
    project = contracting(staff)

    with pytest.raises(ActionForbidden):
        amendment_request(project=project, by=UserFactory(), changes={"remove_partners": []}, reason="x")


def test_after_an_amendment_the_signatories_sign_the_new_versions(staff: User) -> None:
    project = contracting(staff)
    signatories = with_signatories(project)
    old = Agreement.objects.filter(project=project).first()
    assert old is not None
    milestone = ProjectMilestone.objects.filter(project=project).first()
    assert milestone is not None
    amendment = amendment_request(
        project=project, by=staff, changes={"milestones": {str(milestone.pk): "2031-06-30"}}, reason="Late."
    )
    amendment_approve(amendment=amendment, by=staff)
    partner = _partners(project)[0]

    with pytest.raises(StaleAction):
        agreement_sign_and_activate(
            agreement=old, partner=partner, by=signatories[partner.pk], sha256=old.sha256, proof={"password": PASSWORD}
        )
    assert not Signature.objects.exists()


def test_the_project_page_reads_in_constant_queries_from_one_partner_to_many_with_signatures(staff: User) -> None:
    project = contracting(staff)
    # Exactly one partner, its signatory named, nothing signed.
    ProjectPartner.objects.filter(project=project, is_lead=False).delete()
    signatories = with_signatories(project)
    assert len(_partners(project)) == 1
    assert not Signature.objects.exists()
    client = client_for(staff)
    url = reverse("projects:project_detail", args=[project.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    # Then eight partners, each with its signatory, and five of them signed both agreements.
    for _index in range(7):
        organization = OrganizationFactory()
        user = UserFactory()
        Membership.objects.create(user=user, organization=organization)
        partner = ProjectPartner.objects.create(project=project, organization=organization, signatory=user)
        ProjectBudgetLine.objects.create(partner=partner, category="labour", amount=Decimal("1000.00"))
        signatories[partner.pk] = user
    for agreement in Agreement.objects.filter(project=project):
        for partner in _partners(project)[:5]:
            agreement_sign_and_activate(
                agreement=agreement, partner=partner, by=signatories[partner.pk], sha256=agreement.sha256,
                proof={"password": PASSWORD},
            )  # fmt: skip
    assert Signature.objects.count() == 10

    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert response.status_code == 200
    assert response.content.decode().count("<tr>") >= 8
    assert len(many) == len(one), "\n".join(query["sql"] for query in many.captured_queries)


def test_the_requester_withdraws_the_amendment_from_its_page(staff: User) -> None:
    project = contracting(staff)
    lead = project.proposal.lead_applicant
    milestone = ProjectMilestone.objects.filter(project=project).first()
    assert milestone is not None
    amendment = amendment_request(
        project=project, by=lead, changes={"milestones": {str(milestone.pk): "2031-06-30"}}, reason="Late."
    )
    page = reverse("projects:amendment_detail", args=[project.pk, amendment.pk])
    withdraw = reverse("projects:amendment_withdraw", args=[project.pk, amendment.pk])
    client = client_for(lead)
    assert f'action="{withdraw}"' in client.get(page).content.decode()
    assert f'action="{withdraw}"' not in client_for(staff).get(page).content.decode()

    response = client.post(withdraw, follow=True)

    assert response.redirect_chain == [(page, 302)]
    assert "The amendment is withdrawn" in response.content.decode()
    assert f'action="{withdraw}"' not in response.content.decode()
    amendment.refresh_from_db()
    assert amendment.state == AmendmentState.WITHDRAWN
    assert amendment.decided_by == lead
    assert AuditRecord.objects.filter(proposal=project.proposal, action="amendment_withdrawn").count() == 1
    assert str(ProjectMilestone.objects.get(pk=milestone.pk).due_on) != "2031-06-30"
    # Withdrawn, it is decided no more, nor withdrawn twice: a clear 409.
    again = client.post(withdraw)
    assert again.status_code == 409
    assert "somebody decided it first" in again.content.decode()
    with pytest.raises(StaleAction):
        amendment_approve(amendment=amendment, by=staff)


def test_another_partners_person_may_not_withdraw_the_amendment(staff: User) -> None:
    project = contracting(staff)
    milestone = ProjectMilestone.objects.filter(project=project).first()
    assert milestone is not None
    amendment = amendment_request(
        project=project, by=staff, changes={"milestones": {str(milestone.pk): "2031-06-30"}}, reason="Late."
    )
    partner = _partners(project)[1]
    person = UserFactory()
    Membership.objects.create(user=person, organization=partner.organization)

    response = client_for(person).post(reverse("projects:amendment_withdraw", args=[project.pk, amendment.pk]))

    assert response.status_code == 403
    amendment.refresh_from_db()
    assert amendment.state == AmendmentState.REQUESTED
