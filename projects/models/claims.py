"""A partner's claims of its actual costs, one per period, with their lines and their evidence (docs/claims.md).

The cluster's reimbursement of a claim is computed (``projects.money``), never typed: its
figures are shown live while the claim is reviewed and frozen on the claim when staff approve
it. What is paid is recorded on the claim and added to ``Project.paid`` in the same
transaction; the database keeps both within what was approved and committed.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from intake.choices import CostCategory
from intake.models.base import money
from projects.models.partners import ProjectPartner
from projects.models.project import Project


class ClaimState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved, awaiting payment")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")


#: The states a partner edits its claim in.
CLAIM_EDITABLE = (ClaimState.DRAFT, ClaimState.CHANGES_REQUESTED)
#: The states whose figures count in the actuals to date (approved by staff, paid or not).
CLAIM_COUNTED = (ClaimState.APPROVED, ClaimState.PAID)


class EvidenceKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt or invoice")
    TIMESHEET = "timesheet", _("Timesheet")
    ACCOUNTANT_REPORT = "accountant_report", _("Accountant's report")
    OTHER = "other", _("Other")


class Claim(models.Model):
    """One partner's claim of its actual costs of one period of the project.

    Period ``n`` (from 1) runs ``claim_period_months`` months from the project's start
    (``projects.services.claim_period``). ``final`` marks the partner's last claim, which
    releases what was held back of its earlier ones.
    """

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="claims", verbose_name=_("project"))
    partner = models.ForeignKey(
        ProjectPartner, on_delete=models.PROTECT, related_name="claims", verbose_name=_("partner")
    )
    period = models.PositiveSmallIntegerField(_("period"))
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends"))
    final = models.BooleanField(_("final claim"), default=False)
    state = models.CharField(_("state"), max_length=20, choices=ClaimState.choices, default=ClaimState.DRAFT)
    #: Staff's message when they request changes or reject it; the reason of an approval lower than computed.
    message = models.TextField(_("message from program staff"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The figures computed at approval (``projects.money.reimbursement``), frozen.
    eligible_actuals = money(_("eligible actuals counted ($)"), null=True, blank=True)
    cluster_share = money(_("cluster's share before the caps ($)"), null=True, blank=True)
    reimbursement = money(_("reimbursement before holdback ($)"), null=True, blank=True)
    holdback = money(_("held back ($)"), null=True, blank=True)
    holdback_released = money(_("holdback released ($)"), null=True, blank=True)
    payable = money(_("payable as computed ($)"), null=True, blank=True)
    approved_amount = money(_("approved ($)"), null=True, blank=True)
    paid_amount = money(_("paid ($)"), default=Decimal("0"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    #: Bumped by every change, so a form or an action based on an older reading is refused (409).
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["period", "partner_id", "pk"]
        indexes = [models.Index(fields=["state", "submitted_at"], name="claim_state_submitted")]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "period"], condition=~Q(state="rejected"), name="claim_one_per_partner_period"
            ),
            models.UniqueConstraint(
                fields=["partner"], condition=Q(final=True) & ~Q(state="rejected"), name="claim_one_final_per_partner"
            ),
            models.CheckConstraint(condition=Q(period__gte=1), name="claim_period_positive"),
            # Paid never exceeds what staff approved, whoever records a payment.
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0)
                & (Q(paid_amount=0) | Q(approved_amount__isnull=False, paid_amount__lte=F("approved_amount"))),
                name="claim_paid_within_approved",
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(payable__isnull=False, approved_amount__lte=F("payable")),
                name="claim_approved_within_payable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.period}"

    @property
    def remaining(self) -> Decimal:
        """What is approved and not paid yet."""
        return (self.approved_amount or Decimal("0")) - self.paid_amount


class ClaimLine(models.Model):
    """A claim's actual costs in one category: the cash spent and the value of the in-kind given, apart."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines", verbose_name=_("claim"))
    category = models.CharField(_("category"), max_length=32, choices=CostCategory.choices)
    cash = money(_("cash ($)"), default=Decimal("0"))
    in_kind = money(_("in kind ($)"), default=Decimal("0"))

    class Meta:
        verbose_name = _("claim line")
        verbose_name_plural = _("claim lines")
        ordering = ["claim_id", "category"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "category"], name="claim_line_unique_category"),
            models.CheckConstraint(condition=Q(cash__gte=0) & Q(in_kind__gte=0), name="claim_line_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.claim} · {self.get_category_display()}"


def evidence_path(evidence: ClaimEvidence, filename: str) -> str:
    """Store evidence by project under a random name: the user's file name is never a path."""
    return f"projects/{evidence.claim.project_id}/claims/{evidence.claim_id}/{uuid.uuid4().hex}"


class ClaimEvidence(models.Model):
    """A file that supports a claim, checked as an application's attachments are and served only through access."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("claim"))
    kind = models.CharField(_("type"), max_length=32, choices=EvidenceKind.choices)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=127)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("claim evidence")
        verbose_name_plural = _("claim evidence")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ClaimPayment(models.Model):
    """One payment recorded on an approved claim: its amount, the day it was made, who recorded it and when.

    The claim's ``paid_amount`` is the sum of its payments, kept by the payment's service in the same
    transaction (``workflow.claims.claim_pay``), where the database holds it within the approved amount.
    """

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="payments", verbose_name=_("claim"))
    amount = money(_("amount paid ($)"))
    paid_on = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("claim payment")
        verbose_name_plural = _("claim payments")
        ordering = ["claim_id", "paid_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="claim_payment_positive")]

    def __str__(self) -> str:
        return f"{self.claim} · {self.amount}"
