"""The claims' pages: the partner's journey through a claim, staff's review and payment, the queue, the terms."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from intake.states import ProposalState
from projects.models import Claim, ClaimEvidence, ClaimState, EvidenceKind, ProgramTerms
from records.models import AuditRecord
from tests.conftest import client_for
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.projects.claiming import Claiming, claiming, pdf, submitted
from workflow.claims import claim_create, claim_evidence_upload, claim_request_changes

pytestmark = pytest.mark.django_db


@pytest.fixture
def c(media_root: object) -> Claiming:
    return claiming()


def _url(claim: Claim) -> str:
    return f"/projects/{claim.project_id}/claims/{claim.pk}/"


def test_partner_starts_fills_uploads_and_submits_a_claim(c: Claiming) -> None:
    client = client_for(c.person)

    started = client.post(f"/projects/{c.project.pk}/claims/", {"partner": c.lead.pk, "period": 1})
    claim = Claim.objects.get(partner=c.lead)
    assert started.status_code == 302
    assert started["Location"] == _url(claim)
    lines = {"action": "lines", "version": claim.version, "cash_labour": "30000.00", "in_kind_labour": "10000.00"}
    lines |= {
        f"{kind}_{cat}": "0"
        for kind in ("cash", "in_kind")
        for cat in ("equipment", "materials", "subcontracts", "other")
    }
    assert client.post(_url(claim), lines).status_code == 302
    assert client.post(_url(claim), {"action": "evidence", "kind": "receipt", "file": pdf()}).status_code == 302
    page = client.get(_url(claim))
    assert "$10,000.00" in page.content.decode()  # 25 % of 40,000, computed live
    claim.refresh_from_db()

    submitted_page = client.post(_url(claim), {"action": "submit", "version": claim.version})

    assert submitted_page.status_code == 302
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.SUBMITTED


def test_claim_costs_refused_keep_what_was_typed(c: Claiming) -> None:
    claim = submitted(c)
    Claim.objects.filter(pk=claim.pk).update(state=ClaimState.DRAFT)
    client = client_for(c.person)

    response = client.post(_url(claim), {"action": "lines", "version": claim.version + 1, "cash_labour": "-5"})

    assert response.status_code == 400
    assert 'value="-5"' in response.content.decode()


def test_staff_request_changes_then_approve_and_pay(c: Claiming) -> None:
    claim = submitted(c, cash="40000.00")
    staff = client_for(c.staff)

    assert staff.post(_url(claim), {"action": "request_changes", "version": claim.version,
                                    "message": "Add timesheets."}).status_code == 302  # fmt: skip
    claim.refresh_from_db()
    assert claim.state == ClaimState.CHANGES_REQUESTED
    partner = client_for(c.person)
    assert partner.post(_url(claim), {"action": "submit", "version": claim.version}).status_code == 302
    claim.refresh_from_db()
    assert staff.post(_url(claim), {"action": "approve", "version": claim.version, "amount": "",
                                    "reason": ""}).status_code == 302  # fmt: skip
    claim.refresh_from_db()
    assert claim.approved_amount == Decimal("9000.00")

    paid = staff.post(_url(claim), {"action": "pay", "version": claim.version, "amount": "9000.00",
                                    "paid_on": timezone.localdate().isoformat()})  # fmt: skip

    assert paid.status_code == 302
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.PAID
    assert [r.action for r in AuditRecord.objects.filter(data__claim=claim.pk).order_by("at", "pk")] == [
        "claim_create", "claim_submit", "claim_request_changes", "claim_submit", "claim_approve", "claim_pay",
    ]  # fmt: skip


def test_staff_acting_on_an_old_reading_gets_409(c: Claiming) -> None:
    claim = submitted(c)
    staff = client_for(c.staff)
    staff.post(_url(claim), {"action": "reject", "version": claim.version, "reason": "No."})
    Claim.objects.filter(pk=claim.pk).update(state=ClaimState.SUBMITTED)

    response = staff.post(_url(claim), {"action": "approve", "version": claim.version, "amount": "", "reason": ""})

    assert response.status_code == 409
    assert "Somebody changed this claim" in response.content.decode()


def test_partner_may_not_review_its_own_claim(c: Claiming) -> None:
    claim = submitted(c)

    response = client_for(c.person).post(_url(claim), {"action": "approve", "version": claim.version})

    assert response.status_code == 403
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.SUBMITTED


def test_another_partners_people_do_not_see_the_claim(c: Claiming) -> None:
    claim = submitted(c)
    other_partner = c.project.partners.exclude(pk=c.lead.pk).first()
    assert other_partner is not None
    someone = UserFactory()
    MembershipFactory(user=someone, organization=other_partner.organization)
    client = client_for(someone)

    assert client.get(_url(claim)).status_code == 404
    assert f"/claims/{claim.pk}/" not in client.get(f"/projects/{c.project.pk}/claims/").content.decode()
    evidence = claim.evidence.get()
    assert client.get(f"/projects/claim-evidence/{evidence.pk}/").status_code == 404
    download = client_for(c.staff).get(f"/projects/claim-evidence/{evidence.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")


def test_staff_queue_lists_submitted_claims_oldest_first_in_constant_queries(c: Claiming) -> None:
    staff = client_for(c.staff)
    program = c.project.proposal.call.program
    first = submitted(c)
    url = f"/staff/programs/{program.pk}/claims/"
    staff.get(url)  # warm the session and the user's roles
    with CaptureQueriesContext(connection) as one:
        response = staff.get(url)
    assert response.status_code == 200
    assert _url(first) in response.content.decode()
    for _ in range(4):
        other = ProjectFactory(proposal__call=c.project.proposal.call,
                               started_on=timezone.localdate() - timedelta(days=200))  # fmt: skip
        person = UserFactory()
        lead = other.partners.get(is_lead=True)
        MembershipFactory(user=person, organization=lead.organization)
        submitted(Claiming(project=other, lead=lead, person=person, staff=c.staff), evidence=False)

    with CaptureQueriesContext(connection) as many:
        response = staff.get(url)

    assert response.content.decode().count("/claims/") >= 5
    assert len(many) == len(one)


def test_project_page_links_to_its_claims(c: Claiming) -> None:
    page = client_for(c.person).get(f"/projects/{c.project.pk}/")

    assert f'href="/projects/{c.project.pk}/claims/"' in page.content.decode()


def test_program_terms_saved_by_staff_and_audited_on_the_program(c: Claiming) -> None:
    program = c.project.proposal.call.program
    data = {
        "claim_period_months": "6", "holdback_percent": "5", "assurance_threshold": "50000",
        "assurance_first_and_last": "on", "target_participants": "2", "target_smes": "1", "target_ip_rights": "1",
        "target_leverage": "1", "target_jobs": "50000",
    }  # fmt: skip

    response = client_for(c.staff).post(f"/staff/programs/{program.pk}/terms/", data)

    assert response.status_code == 302
    terms = ProgramTerms.objects.get(program=program)
    assert (terms.claim_period_months, terms.holdback_percent, terms.assurance_first_and_last) == (6, 5, True)
    assert AuditRecord.objects.filter(program=program, action="program_terms").exists()
    refused = client_for(c.staff).post(f"/staff/programs/{program.pk}/terms/", {**data, "holdback_percent": "60"})
    assert refused.status_code == 400
    assert 'value="60"' in refused.content.decode()


def test_claims_page_of_a_project_not_started_offers_no_claim(c: Claiming) -> None:
    c.project.proposal.__class__.objects.filter(pk=c.project.proposal_id).update(state=ProposalState.CONTRACTING)
    c.project.__class__.objects.filter(pk=c.project.pk).update(started_on=None)

    page = client_for(c.person).get(f"/projects/{c.project.pk}/claims/")

    assert page.status_code == 200
    assert "Start the claim" not in page.content.decode()


def _draft_with_receipt(c: Claiming) -> tuple[Claim, ClaimEvidence]:
    claim = claim_create(project=c.project, partner=c.lead, by=c.person, period=1)
    evidence = claim_evidence_upload(claim=claim, by=c.person, kind=EvidenceKind.RECEIPT, upload=pdf("invoice.pdf"))
    return claim, evidence


def test_partner_removes_a_document_from_a_draft_claim_after_confirming(
    c: Claiming, django_capture_on_commit_callbacks: Any
) -> None:
    claim, evidence = _draft_with_receipt(c)
    name = evidence.file.name
    storage = evidence.file.storage
    client = client_for(c.person)
    detail = client.get(_url(claim)).content.decode()
    remove_url = f"/projects/claim-evidence/{evidence.pk}/remove/"
    assert f'href="{remove_url}"' in detail

    confirm = client.get(remove_url)
    assert confirm.status_code == 200
    assert "invoice.pdf" in confirm.content.decode()
    assert ClaimEvidence.objects.filter(pk=evidence.pk).exists()  # a GET removes nothing

    with django_capture_on_commit_callbacks(execute=True):
        removed = client.post(remove_url)

    assert removed.status_code == 302
    assert removed["Location"] == _url(claim)
    assert not ClaimEvidence.objects.filter(pk=evidence.pk).exists()
    assert not storage.exists(name)
    assert Claim.objects.get(pk=claim.pk).version == claim.version + 2  # the upload, then the removal


def test_documents_of_a_claim_sent_back_may_be_removed_not_of_a_submitted_one(c: Claiming) -> None:
    claim = submitted(c)
    evidence = claim.evidence.get()
    remove_url = f"/projects/claim-evidence/{evidence.pk}/remove/"
    client = client_for(c.person)
    assert "/remove/" not in client.get(_url(claim)).content.decode()

    refused = client.post(remove_url)

    assert refused.status_code == 409
    assert ClaimEvidence.objects.filter(pk=evidence.pk).exists()
    claim_request_changes(claim=claim, by=c.staff, message="Replace the receipt.", expected_version=claim.version)
    assert client.post(remove_url).status_code == 302
    assert not ClaimEvidence.objects.filter(pk=evidence.pk).exists()


def test_staff_and_other_partners_may_not_remove_a_partners_document(c: Claiming) -> None:
    _claim, evidence = _draft_with_receipt(c)
    remove_url = f"/projects/claim-evidence/{evidence.pk}/remove/"
    stranger = UserFactory(email="olga@example.com")
    MembershipFactory(user=stranger, organization=ProjectFactory().partners.get(is_lead=True).organization)

    assert client_for(c.staff).post(remove_url).status_code == 403
    assert client_for(stranger).post(remove_url).status_code == 404
    assert ClaimEvidence.objects.filter(pk=evidence.pk).exists()
