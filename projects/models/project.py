"""A funded project, and the terms its program sets for every project it funds."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from intake.models import Program, Proposal
from intake.models.base import money

#: The defaults of a program's terms: quarterly periods, a 10 % holdback, and ISED's published targets
#: (at least 2 participants, 1 SME and 1 IP right per project, industry leverage at least 1:1, 50,000 jobs).
DEFAULT_CLAIM_PERIOD_MONTHS = 3
DEFAULT_HOLDBACK_PERCENT = Decimal("10")


class ProgramTerms(models.Model):
    """What a program sets for each project it funds: claim periods, holdback, assurance, targets.

    A program without a row of its own has the defaults (``projects.selectors.program_terms``).
    A project copies the period and the holdback when it opens: a later change does not move it.
    """

    program = models.OneToOneField(
        Program, on_delete=models.CASCADE, related_name="project_terms", verbose_name=_("program")
    )
    claim_period_months = models.PositiveSmallIntegerField(
        _("claim and report period (months)"),
        default=DEFAULT_CLAIM_PERIOD_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    holdback_percent = models.DecimalField(
        _("holdback (%)"),
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_HOLDBACK_PERCENT,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("50"))],
        help_text=_("Part of each reimbursement held back until the project closes."),
    )
    assurance_threshold = money(
        _("assurance threshold ($)"),
        null=True,
        blank=True,
        help_text=_("A claim above this amount needs an accountant's report. Empty: none."),
    )
    assurance_first_and_last = models.BooleanField(
        _("accountant's report with the first and the final claim"), default=False
    )
    target_participants = models.PositiveSmallIntegerField(_("participants per project (target)"), default=2)
    target_smes = models.PositiveSmallIntegerField(_("SMEs per project (target)"), default=1)
    target_ip_rights = models.PositiveSmallIntegerField(_("IP rights per project (target)"), default=1)
    target_leverage = models.DecimalField(
        _("industry leverage (target, industry dollars per cluster dollar)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    target_jobs = models.PositiveIntegerField(_("jobs (program target)"), default=50_000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("program's project terms")
        verbose_name_plural = _("programs' project terms")
        constraints = [
            models.CheckConstraint(
                condition=Q(holdback_percent__gte=0, holdback_percent__lte=50), name="terms_holdback_range"
            ),
            models.CheckConstraint(
                condition=Q(claim_period_months__gte=1, claim_period_months__lte=12), name="terms_period_range"
            ),
        ]

    def __str__(self) -> str:
        return str(self.program)


class Project(models.Model):
    """The funded project of an approved proposal, opened when contracting starts.

    Its state is the proposal's (``intake.lifecycle``: contracting, active, closing, closed,
    terminated). ``amount`` is the cluster's funding committed (the board's approved amount);
    ``paid`` the sum of the payments recorded on its claims, which the database keeps within it.
    """

    proposal = models.OneToOneField(
        Proposal, on_delete=models.PROTECT, related_name="project", verbose_name=_("proposal")
    )
    # The project's identifier in the open interfaces (CommonGrants' award id): random, never reused.
    uuid = models.UUIDField(_("public identifier"), default=uuid4, unique=True, editable=False)
    amount = money(_("cluster funding committed ($)"))
    paid = money(_("paid to date ($)"), default=Decimal("0"))
    holdback_percent = models.DecimalField(_("holdback (%)"), max_digits=5, decimal_places=2)
    claim_period_months = models.PositiveSmallIntegerField(_("claim and report period (months)"))
    opened_at = models.DateTimeField(_("contracting started"), auto_now_add=True)
    started_on = models.DateField(_("start date"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-opened_at", "pk"]
        constraints = [
            # Paid never exceeds the committed amount, whoever records a payment.
            models.CheckConstraint(
                condition=Q(paid__gte=0) & Q(paid__lte=F("amount")), name="project_paid_within_amount"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="project_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return str(self.proposal)
