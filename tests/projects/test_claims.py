"""A partner's claims: made by its people, reviewed and paid by the program's staff (workflow.claims)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from intake.models import Proposal
from intake.states import ProposalState
from projects.claims import claim_figures, claim_period_dates
from projects.models import Claim, ClaimPayment, ClaimState, EvidenceKind, ProgramTerms, Project
from projects.selectors import project_facts
from records.events import Event
from records.models import AuditRecord, Notification
from tests.factories import ProgramFactory, UserFactory
from tests.projects.claiming import Claiming, approved, claiming, pdf, submitted
from workflow.actions import history_text
from workflow.claims import (
    claim_approve,
    claim_create,
    claim_evidence_upload,
    claim_lines_save,
    claim_pay,
    claim_reject,
    claim_request_changes,
    claim_submit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def c(media_root: object) -> Claiming:
    return claiming()


def test_claim_periods_run_from_the_start_by_the_projects_period(c: Claiming) -> None:
    start = c.project.started_on
    assert start is not None

    first = claim_period_dates(project=c.project, period=1)
    second = claim_period_dates(project=c.project, period=2)

    assert first[0] == start
    assert second[0] == first[1] + timedelta(days=1)
    assert (second[1] - first[0]).days > 170


def test_claim_submitted_is_computed_audited_and_tells_staff(c: Claiming) -> None:
    claim = submitted(c, cash="30000.00", in_kind="10000.00")

    assert claim.state == ClaimState.SUBMITTED
    assert claim.submitted_by == c.person
    figures = claim_figures(claim=claim)
    # 25 % of 40,000.00 is 10,000.00; 10 % held back.
    assert figures.reimbursement.reimbursement == Decimal("10000.00")
    assert figures.reimbursement.payable == Decimal("9000.00")
    record = AuditRecord.objects.get(proposal=c.project.proposal, action="claim_submit")
    assert record.data["claim"] == claim.pk
    assert history_text("claim_submit") == "A partner submitted a claim for review."
    told = Notification.objects.filter(event=Event.CLAIM_SUBMITTED, recipient=c.staff)
    assert told.count() == 2
    assert told.first().context["claim"] == claim.pk  # type: ignore[union-attr]


def test_claim_is_made_only_by_its_partners_people(c: Claiming) -> None:
    with pytest.raises(ActionForbidden):
        claim_create(project=c.project, partner=c.lead, by=UserFactory(), period=1)
    with pytest.raises(ActionForbidden):
        claim_create(project=c.project, partner=c.lead, by=c.staff, period=1)


def test_claim_one_per_partner_and_period(c: Claiming) -> None:
    claim_create(project=c.project, partner=c.lead, by=c.person, period=1)

    with pytest.raises(ValidationError) as refused:
        claim_create(project=c.project, partner=c.lead, by=c.person, period=1)

    assert "already has a claim for this period" in str(refused.value)


def test_claim_of_a_rejected_period_may_be_made_again(c: Claiming) -> None:
    claim = submitted(c)
    claim_reject(claim=claim, by=c.staff, reason="Receipts are for another project.", expected_version=claim.version)

    again = claim_create(project=c.project, partner=c.lead, by=c.person, period=1)

    assert again.state == ClaimState.DRAFT


def test_claim_of_a_period_not_begun_is_refused(c: Claiming) -> None:
    with pytest.raises(ValidationError) as refused:
        claim_create(project=c.project, partner=c.lead, by=c.person, period=4)

    assert "has not begun yet" in str(refused.value)


def test_claim_unique_constraint_holds_in_the_database(c: Claiming) -> None:
    claim = claim_create(project=c.project, partner=c.lead, by=c.person, period=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(
            project=c.project, partner=c.lead, period=1, period_start=claim.period_start,
            period_end=claim.period_end, created_by=c.person,
        )  # fmt: skip


@pytest.mark.parametrize("state", [ProposalState.CONTRACTING, ProposalState.CLOSED])
def test_claim_submitted_only_while_active_or_closing(c: Claiming, state: str) -> None:
    claim = claim_create(project=c.project, partner=c.lead, by=c.person, period=1)
    claim = claim_lines_save(claim=claim, by=c.person, lines={"labour": (Decimal("10"), Decimal("0"))},
                             expected_version=claim.version)  # fmt: skip
    Proposal.objects.filter(pk=c.project.proposal_id).update(state=state)

    with pytest.raises(DomainError) as refused:
        claim_submit(claim=claim, by=c.person, expected_version=claim.version)

    assert "only while the project is active or closing" in refused.value.message


def test_final_claim_waits_for_closing(c: Claiming) -> None:
    claim = claim_create(project=c.project, partner=c.lead, by=c.person, period=2, final=True)

    with pytest.raises(DomainError) as refused:
        claim_submit(claim=claim, by=c.person, expected_version=claim.version)

    assert "once the project is closing" in refused.value.message


def test_claim_without_costs_is_not_submitted(c: Claiming) -> None:
    claim = claim_create(project=c.project, partner=c.lead, by=c.person, period=1)

    with pytest.raises(DomainError) as refused:
        claim_submit(claim=claim, by=c.person, expected_version=claim.version)

    assert "Enter the costs" in refused.value.message


def test_claim_evidence_is_checked_by_its_content(c: Claiming) -> None:
    claim = claim_create(project=c.project, partner=c.lead, by=c.person, period=1)
    fake = pdf("receipt.pdf")
    fake.file.write(b"")
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError) as refused:
        claim_evidence_upload(
            claim=claim, by=c.person, kind=EvidenceKind.RECEIPT,
            upload=SimpleUploadedFile("receipt.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
        )  # fmt: skip

    assert "not a document we accept" in str(refused.value)
    evidence = claim_evidence_upload(claim=claim, by=c.person, kind=EvidenceKind.RECEIPT, upload=pdf("a/../r.pdf"))
    assert evidence.original_name == "r.pdf"
    assert len(evidence.sha256) == 64
    assert evidence.content_type == "application/pdf"


# --- Assurance ------------------------------------------------------------------------------------


def test_assurance_threshold_asks_for_an_accountants_report(c: Claiming) -> None:
    ProgramTerms.objects.create(program=c.project.proposal.call.program, assurance_threshold=Decimal("5000"))
    claim = claim_create(project=c.project, partner=c.lead, by=c.person, period=1)
    claim = claim_lines_save(claim=claim, by=c.person, lines={"labour": (Decimal("40000"), Decimal("0"))},
                             expected_version=claim.version)  # fmt: skip

    with pytest.raises(DomainError) as refused:
        claim_submit(claim=claim, by=c.person, expected_version=claim.version)

    assert refused.value.message == (
        "Upload an accountant's report with this claim: its reimbursement of $9,000.00 is above the program's "
        "assurance threshold of $5,000.00."
    )
    claim_evidence_upload(claim=claim, by=c.person, kind=EvidenceKind.ACCOUNTANT_REPORT, upload=pdf())
    claim.refresh_from_db()
    assert claim_submit(claim=claim, by=c.person, expected_version=claim.version).state == ClaimState.SUBMITTED


def test_assurance_at_the_threshold_asks_for_nothing(c: Claiming) -> None:
    ProgramTerms.objects.create(program=c.project.proposal.call.program, assurance_threshold=Decimal("9000.00"))

    assert submitted(c, cash="40000.00").state == ClaimState.SUBMITTED


def test_assurance_first_and_last_claims(c: Claiming) -> None:
    ProgramTerms.objects.create(program=c.project.proposal.call.program, assurance_first_and_last=True)
    claim = claim_create(project=c.project, partner=c.lead, by=c.person, period=1)
    claim = claim_lines_save(claim=claim, by=c.person, lines={"labour": (Decimal("100"), Decimal("0"))},
                             expected_version=claim.version)  # fmt: skip

    with pytest.raises(DomainError) as refused:
        claim_submit(claim=claim, by=c.person, expected_version=claim.version)

    assert "it is the partner's first claim" in refused.value.message


# --- Review ---------------------------------------------------------------------------------------


def test_claim_approved_for_the_computed_payable_freezes_the_figures(c: Claiming) -> None:
    claim = approved(c, cash="40000.00")

    assert claim.eligible_actuals == Decimal("40000.00")
    assert claim.reimbursement == Decimal("10000.00")
    assert claim.holdback == Decimal("1000.00")
    assert claim.payable == claim.approved_amount == Decimal("9000.00")
    assert Notification.objects.filter(event=Event.CLAIM_APPROVED, recipient=c.person).exists()


def test_claim_approved_lower_needs_a_reason_and_never_higher(c: Claiming) -> None:
    claim = submitted(c, cash="40000.00")

    with pytest.raises(ValidationError) as higher:
        claim_approve(claim=claim, by=c.staff, amount=Decimal("9000.01"), expected_version=claim.version)
    with pytest.raises(ValidationError) as no_reason:
        claim_approve(claim=claim, by=c.staff, amount=Decimal("8000"), expected_version=claim.version)
    lower = claim_approve(claim=claim, by=c.staff, amount=Decimal("8000.00"), reason="One receipt is unreadable.",
                          expected_version=claim.version)  # fmt: skip

    assert "At most the computed payable of $9,000.00." in str(higher.value)
    assert "Say why" in str(no_reason.value)
    assert lower.approved_amount == Decimal("8000.00")
    assert lower.message == "One receipt is unreadable."


def test_claim_approve_lower_is_taken_up_by_the_next_claim(c: Claiming) -> None:
    first = submitted(c, cash="40000.00")
    claim_approve(claim=first, by=c.staff, amount=Decimal("8000.00"), reason="Unreadable.",
                  expected_version=first.version)  # fmt: skip

    second = submitted(c, period=2, cash="40000.00")

    # 25 % of 80,000 is 20,000; 9,000 reimbursed so far (10,000 less the 1,000 not approved).
    assert claim_figures(claim=second).reimbursement.reimbursement == Decimal("11000.00")


def test_claim_review_only_by_the_programs_staff(c: Claiming) -> None:
    claim = submitted(c)
    other = UserFactory(role=Role.STAFF, programs=[ProgramFactory()])

    with pytest.raises(ActionForbidden):
        claim_approve(claim=claim, by=c.person, expected_version=claim.version)
    with pytest.raises(ActionForbidden):
        claim_approve(claim=claim, by=other, expected_version=claim.version)


def test_claim_changes_requested_then_fixed_and_resubmitted(c: Claiming) -> None:
    claim = submitted(c, cash="40000.00")
    claim = claim_request_changes(claim=claim, by=c.staff, message="Split labour from equipment.",
                                  expected_version=claim.version)  # fmt: skip
    assert claim.state == ClaimState.CHANGES_REQUESTED
    note = Notification.objects.get(event=Event.CLAIM_CHANGES_REQUESTED, recipient=c.person, channel="email")
    assert note.context["reason"] == "Split labour from equipment."

    fixed = {"labour": (Decimal("30000"), Decimal("0")), "equipment": (Decimal("10000"), Decimal("0"))}
    claim = claim_lines_save(claim=claim, by=c.person, lines=fixed, expected_version=claim.version)
    claim = claim_submit(claim=claim, by=c.person, expected_version=claim.version)

    assert claim.state == ClaimState.SUBMITTED
    assert AuditRecord.objects.filter(action="claim_submit", proposal=c.project.proposal).count() == 2


def test_claim_request_changes_needs_a_message(c: Claiming) -> None:
    claim = submitted(c)

    with pytest.raises(ValidationError):
        claim_request_changes(claim=claim, by=c.staff, message="  ", expected_version=claim.version)


def test_claim_rejected_with_a_reason(c: Claiming) -> None:
    claim = submitted(c)

    claim = claim_reject(claim=claim, by=c.staff, reason="Not eligible costs.", expected_version=claim.version)

    assert claim.state == ClaimState.REJECTED
    assert AuditRecord.objects.get(action="claim_reject").reason == "Not eligible costs."


def test_claim_acted_on_from_an_old_reading_is_stale(c: Claiming) -> None:
    claim = submitted(c)
    seen = claim.version
    claim_request_changes(claim=claim, by=c.staff, message="Fix.", expected_version=seen)

    with pytest.raises(StaleAction):
        claim_approve(claim=claim, by=c.staff, expected_version=seen)


def test_claim_edited_after_submission_is_refused(c: Claiming) -> None:
    claim = submitted(c)

    with pytest.raises(StaleAction):
        claim_lines_save(claim=claim, by=c.person, lines={"labour": (Decimal("1"), Decimal("0"))},
                         expected_version=claim.version)  # fmt: skip


# --- Payments -------------------------------------------------------------------------------------


def test_claim_paid_in_two_parts_adds_to_the_projects_paid(c: Claiming) -> None:
    claim = approved(c, cash="40000.00")
    today = timezone.localdate()

    claim = claim_pay(claim=claim, by=c.staff, amount=Decimal("4000.00"), paid_on=today,
                      expected_version=claim.version)  # fmt: skip
    assert claim.state == ClaimState.APPROVED
    claim = claim_pay(claim=claim, by=c.staff, amount=Decimal("5000.00"), paid_on=today,
                      expected_version=claim.version)  # fmt: skip

    assert claim.state == ClaimState.PAID
    assert claim.paid_amount == Decimal("9000.00")
    assert Project.objects.get(pk=c.project.pk).paid == Decimal("9000.00")
    assert AuditRecord.objects.filter(action="claim_pay").count() == 2
    # Each payment is its own record; the claim's paid is their sum.
    payments = list(claim.payments.order_by("pk").values_list("amount", "paid_on", "recorded_by"))
    assert payments == [(Decimal("4000.00"), today, c.staff.pk), (Decimal("5000.00"), today, c.staff.pk)]
    assert sum(amount for amount, _on, _by in payments) == claim.paid_amount


def test_a_refused_payment_leaves_no_payment_record(c: Claiming) -> None:
    claim = approved(c, cash="40000.00")
    Project.objects.filter(pk=c.project.pk).update(amount=Decimal("100.00"))  # committed below what is approved

    with pytest.raises(DomainError):
        claim_pay(claim=claim, by=c.staff, amount=Decimal("9000.00"), paid_on=timezone.localdate(),
                  expected_version=claim.version)  # fmt: skip

    assert not ClaimPayment.objects.exists()
    assert Claim.objects.get(pk=claim.pk).paid_amount == Decimal("0")


def test_claim_payment_beyond_what_remains_is_refused(c: Claiming) -> None:
    claim = approved(c, cash="40000.00")

    with pytest.raises(ValidationError) as refused:
        claim_pay(claim=claim, by=c.staff, amount=Decimal("9000.01"), paid_on=timezone.localdate(),
                  expected_version=claim.version)  # fmt: skip

    assert "At most what remains to pay: $9,000.00." in str(refused.value)
    assert Project.objects.get(pk=c.project.pk).paid == Decimal("0")


def test_claim_payment_of_an_unapproved_claim_is_refused(c: Claiming) -> None:
    claim = submitted(c)

    with pytest.raises(StaleAction):
        claim_pay(claim=claim, by=c.staff, amount=Decimal("1"), paid_on=timezone.localdate(),
                  expected_version=claim.version)  # fmt: skip


def test_claim_paid_beyond_approved_is_refused_by_the_database(c: Claiming) -> None:
    claim = approved(c, cash="40000.00")

    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(paid_amount=Decimal("9000.01"))


def test_project_paid_beyond_its_amount_becomes_a_clear_message(c: Claiming) -> None:
    claim = approved(c, cash="40000.00")
    # Another payment recorded outside the claims already used the whole commitment.
    Project.objects.filter(pk=c.project.pk).update(paid=c.project.amount)

    with pytest.raises(DomainError) as refused:
        claim_pay(claim=claim, by=c.staff, amount=Decimal("1.00"), paid_on=timezone.localdate(),
                  expected_version=claim.version)  # fmt: skip

    assert "beyond what was approved or committed" in refused.value.message
    assert Claim.objects.get(pk=claim.pk).paid_amount == Decimal("0")


# --- The final claim and closing ------------------------------------------------------------------


def _facts(project: Project) -> bool:
    return bool(Proposal.objects.annotate(**project_facts()).get(pk=project.proposal_id).project_final_claim_paid)


def test_final_claim_releases_the_holdback_and_its_payment_lets_the_project_close(c: Claiming) -> None:
    first = approved(c, cash="40000.00")
    claim_pay(claim=first, by=c.staff, amount=first.approved_amount, paid_on=timezone.localdate(),  # type: ignore[arg-type]
              expected_version=first.version)  # fmt: skip
    Proposal.objects.filter(pk=c.project.proposal_id).update(state=ProposalState.CLOSING)
    assert not _facts(c.project)
    final = approved(c, period=2, cash="4000.00", final=True)

    # 25 % of 4,000 is 1,000, nothing held back, the 1,000 held back before released.
    assert (final.reimbursement, final.holdback, final.holdback_released) == (Decimal("1000.00"), 0, Decimal("1000.00"))
    assert final.approved_amount == Decimal("2000.00")
    for partner in c.project.partners.exclude(pk=c.lead.pk):
        partner.removed_at = timezone.now()
        partner.save(update_fields=["removed_at"])
    assert not _facts(c.project)
    claim_pay(claim=final, by=c.staff, amount=Decimal("2000.00"), paid_on=timezone.localdate(),
              expected_version=final.version)  # fmt: skip

    assert _facts(c.project)


def test_project_facts_are_one_expression_of_the_proposals_read(c: Claiming, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(1):
        list(Proposal.objects.annotate(**project_facts()).values_list("pk", "project_final_claim_paid"))
