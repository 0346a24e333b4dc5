"""Programs (clusters) and their calls, with the windows and rules of each call."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, When
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.choices import OrganizationType
from accounts.models import Organization
from intake.choices import AttachmentType, CallPhase, CostCategory, ForegroundIPKind, VersionKind
from intake.completeness import missing_for_submission, proposal_stage
from intake.eligibility import Application, Check, Partner, Rules, checks
from intake.lifecycle import ProposalLifecycle
from intake.states import EDITABLE_STATES, FINAL_STATES, ProposalState

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


def _money(label: Any, **options: Any) -> models.DecimalField:
    """A dollar amount, never negative."""
    return models.DecimalField(label, max_digits=14, decimal_places=2, validators=NOT_NEGATIVE, **options)


class BilingualMixin:
    """Read a field kept in English and French in the active language, falling back to English."""

    def localized(self, field: str) -> str:
        language = (translation.get_language() or "en")[:2]
        return getattr(self, f"{field}_{language}", "") or getattr(self, f"{field}_en")


class Program(BilingualMixin, models.Model):
    """A cluster: the organization that runs calls and funds projects."""

    slug = models.SlugField(_("short name"), unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    # How long unsuccessful proposals are kept after their decision (docs/retention.md).
    retention_days = models.PositiveIntegerField(
        _("retention of unsuccessful proposals (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Days after the decision before an unsuccessful proposal is disposed of. Empty: the default."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.localized("name")

    @property
    def name(self) -> str:
        return self.localized("name")

    @property
    def description(self) -> str:
        return self.localized("description")

    @property
    def effective_retention_days(self) -> int:
        """Return the program's retention of unsuccessful proposals, or the site's default."""
        return self.retention_days or settings.RETENTION_UNSUCCESSFUL_DAYS


class LegalHold(models.Model):
    """Who put the record under a legal hold, when and why: disposition waits while it is set (docs/retention.md)."""

    legal_hold_at = models.DateTimeField(_("legal hold since"), null=True, blank=True, editable=False)
    legal_hold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        editable=False, verbose_name=_("legal hold set by"),
    )  # fmt: skip
    legal_hold_reason = models.TextField(_("reason for the legal hold"), blank=True, editable=False)

    class Meta:
        abstract = True


class Call(BilingualMixin, LegalHold):
    """One competition of a program: its windows, its envelope and its rules."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="calls", verbose_name=_("program"))
    slug = models.SlugField(_("short name"))
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)

    # Windows, stored in UTC and shown in the call's timezone.
    # Choices live in the form: the list of zones comes from the machine's tz database.
    timezone = models.CharField(_("timezone"), max_length=64, default="America/Toronto")
    loi_opens_at = models.DateTimeField(_("letters of intent open"))
    loi_closes_at = models.DateTimeField(_("letters of intent close"))
    application_closes_at = models.DateTimeField(_("full applications close"))
    review_due_at = models.DateTimeField(_("reviews due"))
    board_meeting_at = models.DateTimeField(_("board meeting"))

    funding_envelope = models.DecimalField(
        _("funding envelope ($)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("The money the board may commit in this call."),
    )

    # Rules checked by the eligibility engine.
    min_partners = models.PositiveSmallIntegerField(
        _("minimum partners"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("Organizations in the consortium, the lead included."),
    )
    min_smes = models.PositiveSmallIntegerField(_("minimum SMEs"), default=1)
    sme_max_employees = models.PositiveIntegerField(
        _("SME definition: fewer than this many employees"), default=500, validators=[MinValueValidator(1)]
    )
    funded_partner_types = models.JSONField(
        _("partner types that may receive funds"),
        default=list,
        help_text=_("Other types may take part but receive no funds from the cluster."),
    )
    max_cluster_share = models.DecimalField(
        _("maximum cluster share of eligible costs (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("40"),
        validators=PERCENT,
    )
    min_matching_ratio = models.DecimalField(
        _("minimum industry matching ratio"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Industry dollars required per cluster dollar: 1.00 means one to one."),
    )
    max_in_kind_share = models.DecimalField(
        _("maximum in-kind share of the industry contribution (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("25"),
        validators=PERCENT,
    )
    max_partner_share = models.DecimalField(
        _("maximum share of the reimbursement to one partner (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("70"),
        validators=PERCENT,
    )
    min_project_size = models.DecimalField(
        _("minimum total project cost ($)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("1000000"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    max_project_size = models.DecimalField(
        _("maximum total project cost ($)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("50000000"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    loi_word_limit = models.PositiveIntegerField(
        _("word limit of each letter-of-intent text"), default=500, validators=[MinValueValidator(1)]
    )
    application_word_limit = models.PositiveIntegerField(
        _("word limit of each full-application text"), default=2000, validators=[MinValueValidator(1)]
    )
    required_attachments = models.JSONField(_("required attachments"), default=list, blank=True)

    # A legal hold (``LegalHold``) suspends the disposition of every proposal of the call; the last lifting is kept.
    legal_hold_lifted_at = models.DateTimeField(_("legal hold lifted"), null=True, blank=True, editable=False)
    legal_hold_lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        editable=False, verbose_name=_("legal hold lifted by"),
    )  # fmt: skip
    legal_hold_lift_reason = models.TextField(_("reason for lifting the legal hold"), blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-loi_opens_at"]
        constraints = [
            models.UniqueConstraint(fields=["program", "slug"], name="call_unique_slug_per_program"),
            models.CheckConstraint(
                condition=Q(loi_opens_at__lt=F("loi_closes_at"))
                & Q(loi_closes_at__lte=F("application_closes_at"))
                & Q(application_closes_at__lte=F("review_due_at"))
                & Q(review_due_at__lte=F("board_meeting_at")),
                name="call_windows_in_order",
            ),
            models.CheckConstraint(condition=Q(funding_envelope__gte=0), name="call_envelope_not_negative"),
            models.CheckConstraint(
                condition=Q(max_cluster_share__gt=0, max_cluster_share__lte=100)
                & Q(max_in_kind_share__gte=0, max_in_kind_share__lte=100)
                & Q(max_partner_share__gt=0, max_partner_share__lte=100)
                & Q(min_matching_ratio__gte=0),
                name="call_ratios_in_range",
            ),
            models.CheckConstraint(
                condition=Q(min_project_size__lte=F("max_project_size")), name="call_project_size_bounds_in_order"
            ),
        ]

    def __str__(self) -> str:
        return self.localized("title")

    def eligibility_rules(self, stage: str) -> Rules:
        """Return the call's rules as the eligibility engine reads them, for ``stage`` (its word limit)."""
        return Rules(
            min_partners=self.min_partners,
            min_smes=self.min_smes,
            sme_max_employees=self.sme_max_employees,
            funded_partner_types=tuple(self.funded_partner_types),
            max_cluster_share=self.max_cluster_share,
            min_matching_ratio=self.min_matching_ratio,
            max_in_kind_share=self.max_in_kind_share,
            max_partner_share=self.max_partner_share,
            min_project_size=self.min_project_size,
            max_project_size=self.max_project_size,
            word_limit=self.loi_word_limit if stage == VersionKind.LOI else self.application_word_limit,
            required_attachments=tuple(self.required_attachments),
        )

    @property
    def title(self) -> str:
        return self.localized("title")

    @property
    def description(self) -> str:
        return self.localized("description")

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def phase(self, now: datetime | None = None) -> CallPhase:
        """Return where the call stands at ``now`` by the server's clock."""
        now = now or timezone.now()
        if now < self.loi_opens_at:
            return CallPhase.UPCOMING
        if now < self.loi_closes_at:
            return CallPhase.LOI_OPEN
        if now < self.application_closes_at:
            return CallPhase.APPLICATIONS_OPEN
        if now < self.board_meeting_at:
            return CallPhase.IN_REVIEW
        return CallPhase.DECIDED

    def next_deadline(self, now: datetime | None = None) -> tuple[str, datetime] | None:
        """Return the label and time of the next window to close, or None once all have."""
        now = now or timezone.now()
        for label, moment in (
            (_("Letters of intent open"), self.loi_opens_at),
            (_("Letters of intent close"), self.loi_closes_at),
            (_("Full applications close"), self.application_closes_at),
        ):
            if now < moment:
                return str(label), moment
        return None

    def funded_partner_type_labels(self) -> list[str]:
        return [str(OrganizationType(kind).label) for kind in self.funded_partner_types]

    def required_attachment_labels(self) -> list[str]:
        return [str(AttachmentType(kind).label) for kind in self.required_attachments]

    def clean(self) -> None:
        """Refuse impossible calls with a message beside the field at fault."""
        errors: dict[str, list[str]] = {}

        def refuse(field: str, message: str) -> None:
            errors.setdefault(field, []).append(message)

        windows = [
            ("loi_opens_at", "loi_closes_at", _("Letters of intent must close after they open.")),
            (
                "loi_closes_at",
                "application_closes_at",
                _("Full applications cannot close before the letters of intent close."),
            ),
            ("application_closes_at", "review_due_at", _("Reviews cannot be due before full applications close.")),
            ("review_due_at", "board_meeting_at", _("The board cannot meet before the reviews are due.")),
        ]
        for earlier, later, message in windows:
            first, second = getattr(self, earlier), getattr(self, later)
            if first is None or second is None:
                continue
            if first > second or (earlier == "loi_opens_at" and first == second):
                refuse(later, str(message))
        low, high = self.min_project_size, self.max_project_size
        if low is not None and high is not None and low > high:
            refuse("max_project_size", str(_("The maximum project size is below the minimum.")))
        if self.max_cluster_share is not None and self.max_cluster_share <= 0:
            refuse("max_cluster_share", str(_("The cluster's share must be above 0 %.")))
        if self.max_partner_share is not None and self.max_partner_share <= 0:
            refuse("max_partner_share", str(_("One partner's share must be allowed above 0 %.")))
        unknown = set(self.funded_partner_types or []) - set(OrganizationType.values)
        if unknown:
            refuse(
                "funded_partner_types",
                str(_("Unknown partner types: %(types)s.") % {"types": ", ".join(sorted(unknown))}),
            )
        elif not self.funded_partner_types:
            refuse("funded_partner_types", str(_("Choose at least one partner type that may receive funds.")))
        unknown = set(self.required_attachments or []) - set(AttachmentType.values)
        if unknown:
            refuse(
                "required_attachments",
                str(_("Unknown attachment types: %(types)s.") % {"types": ", ".join(sorted(unknown))}),
            )
        if self.timezone and self.timezone not in zoneinfo.available_timezones():
            refuse("timezone", str(_("Unknown timezone.")))
        if errors:
            raise ValidationError(errors)


class ProposalQuerySet(models.QuerySet["Proposal"]):
    def with_deadline(self) -> ProposalQuerySet:
        """Annotate ``current_deadline``: the same rule as ``Proposal.deadline``, in SQL."""
        return self.annotate(
            current_deadline=Case(
                When(
                    Q(deadline_extended_for=F("state"), deadline_extended_until__isnull=False),
                    then=F("deadline_extended_until"),
                ),
                When(state=ProposalState.DRAFT, then=F("call__loi_closes_at")),
                When(state=ProposalState.INVITED, then=F("call__application_closes_at")),
                When(state=ProposalState.CHANGES_REQUESTED, then=F("changes_due_at")),
                default=None,
                output_field=models.DateTimeField(),
            )
        )


class Proposal(ProposalLifecycle, LegalHold):
    """One project, from its letter of intent to the board's decision.

    The state changes only through ``workflow.actions``; see ``intake.lifecycle``.
    """

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("call"))
    lead_applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="led_proposals",
        verbose_name=_("lead applicant"),
    )
    lead_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="led_proposals",
        verbose_name=_("lead organization"),
    )
    co_applicants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="CoApplicant",
        through_fields=("proposal", "user"),
        related_name="co_applied_proposals",
        verbose_name=_("co-applicants"),
        blank=True,
    )
    title = models.CharField(_("title"), max_length=250)
    summary = models.TextField(_("summary"), blank=True)

    # The letter of intent.
    challenge = models.TextField(_("the challenge"), blank=True)
    technology = models.TextField(_("the technology"), blank=True)
    expected_partners = models.TextField(_("expected partners"), blank=True)
    estimated_total_cost = models.DecimalField(
        _("estimated total project cost ($)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    estimated_funding_requested = models.DecimalField(
        _("estimated funding requested from the cluster ($)"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    # The full application's texts.
    project_description = models.TextField(_("project description"), blank=True)
    work_plan = models.TextField(_("work plan"), blank=True)
    ip_ownership_terms = models.TextField(_("proposed ownership of the foreground IP"), blank=True)
    ip_partner_licensing = models.TextField(_("licensing terms among the partners"), blank=True)
    ip_member_licensing = models.TextField(_("licensing terms for cluster members"), blank=True)

    # Expected outcomes, during the project and in the three years after.
    jobs_during = models.PositiveIntegerField(_("jobs created during the project"), null=True, blank=True)
    jobs_after = models.PositiveIntegerField(_("jobs created in the three years after"), null=True, blank=True)
    revenue_during = models.DecimalField(
        _("revenue during the project ($)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    revenue_after = models.DecimalField(
        _("revenue in the three years after ($)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    ip_rights_during = models.PositiveIntegerField(_("IP rights during the project"), null=True, blank=True)
    ip_rights_after = models.PositiveIntegerField(_("IP rights in the three years after"), null=True, blank=True)
    smes_scaled_during = models.PositiveIntegerField(_("SMEs scaled during the project"), null=True, blank=True)
    smes_scaled_after = models.PositiveIntegerField(_("SMEs scaled in the three years after"), null=True, blank=True)

    # Deadlines particular to this proposal.
    changes_due_at = models.DateTimeField(_("changes due"), null=True, blank=True)
    deadline_extended_until = models.DateTimeField(_("deadline extended until"), null=True, blank=True)
    deadline_extended_for = models.CharField(
        _("extension applies in state"), max_length=32, choices=ProposalState.choices, blank=True
    )
    # The board's decision.
    approved_amount = models.DecimalField(
        _("approved amount ($)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    decision_conditions = models.TextField(_("conditions of funding"), blank=True)

    # What the project is about, matched against assessors' expertise when assigning them.
    sectors = models.JSONField(
        _("sectors"), default=list, blank=True, help_text=_("The fields the project belongs to.")
    )
    keywords = models.JSONField(
        _("keywords"), default=list, blank=True, help_text=_("A few words or phrases that describe the technology.")
    )
    submitted_at = models.DateTimeField(_("last submitted"), null=True, blank=True)
    # The number of the last version frozen (0 before the first submission), raised in the
    # submission's own update so that numbering the next version reads nothing.
    version_count = models.PositiveIntegerField(_("versions"), default=0, editable=False)
    # Retention (docs/retention.md): a legal hold (``LegalHold``) suspends disposition; once disposed of,
    # only a minimal record is left, with the funding its consortium requested so the figures stay true.
    disposed_at = models.DateTimeField(_("disposed of"), null=True, blank=True, editable=False)
    requested_at_disposal = models.DecimalField(
        _("funding requested, kept at disposal ($)"), max_digits=14, decimal_places=2, null=True, blank=True,
        editable=False,
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at", "pk"]
        indexes = [models.Index(fields=["call", "state"], name="proposal_call_state")]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gte=0),
                name="proposal_approved_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=(Q(estimated_total_cost__isnull=True) | Q(estimated_total_cost__gte=0))
                & (Q(estimated_funding_requested__isnull=True) | Q(estimated_funding_requested__gte=0))
                & (Q(revenue_during__isnull=True) | Q(revenue_during__gte=0))
                & (Q(revenue_after__isnull=True) | Q(revenue_after__gte=0)),
                name="proposal_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(deadline_extended_until__isnull=True, deadline_extended_for="")
                | Q(deadline_extended_until__isnull=False) & ~Q(deadline_extended_for=""),
                name="proposal_extension_has_a_state",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def base_deadline(self) -> datetime | None:
        """Return the call's (or staff's) deadline for the current state, before any extension."""
        if self.state == ProposalState.DRAFT:
            return self.call.loi_closes_at
        if self.state == ProposalState.INVITED:
            return self.call.application_closes_at
        if self.state == ProposalState.CHANGES_REQUESTED:
            return self.changes_due_at
        return None

    @property
    def deadline(self) -> datetime | None:
        """Return the deadline that applies now: the extension for this state, or the base one."""
        if self.deadline_extended_until and self.deadline_extended_for == self.state:
            return self.deadline_extended_until
        return self.base_deadline

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    #: The long texts of each stage, by field, each held to the stage's word limit.
    LOI_TEXTS = ("summary", "challenge", "technology", "expected_partners")
    APPLICATION_TEXTS = (
        "summary",
        "project_description",
        "work_plan",
        "ip_ownership_terms",
        "ip_partner_licensing",
        "ip_member_licensing",
    )

    def missing_for_submission(self) -> list[str]:
        """Return what the proposal lacks to be submitted: its sections, then its failed eligibility checks."""
        return missing_for_submission(self) + self.eligibility_failures()

    def eligibility_stage(self) -> str:
        """Return whether the proposal is at the letter-of-intent or the full-application stage."""
        return proposal_stage(self)

    def eligibility_rules(self, stage: str) -> Rules:
        """Return the rules of the proposal's call as the eligibility engine reads them, for ``stage``."""
        return self.call.eligibility_rules(stage)

    def eligibility_application(self, stage: str) -> Application:
        """Return what the applicant entered as the eligibility engine reads it (3 queries, none for an LOI).

        A letter of intent is checked for its word limits only, so its consortium and attachments are left out.
        """
        fields = self.LOI_TEXTS if stage == VersionKind.LOI else self.APPLICATION_TEXTS
        texts = {capfirst(str(Proposal._meta.get_field(name).verbose_name)): getattr(self, name) for name in fields}
        if stage == VersionKind.LOI:
            return Application(partners=(), texts=texts)
        members = list(
            ConsortiumMember.objects.filter(proposal=self)
            .select_related("organization")
            .prefetch_related("budget_lines")
            .order_by("-is_lead", "created_at", "pk")
        )
        partners = tuple(member.as_partner() for member in members)
        kinds = frozenset(
            Attachment.objects.filter(proposal=self, removed_at__isnull=True).values_list("kind", flat=True)
        )
        return Application(partners=partners, texts=texts, attachments=kinds)

    def eligibility_checks(self) -> list[Check]:
        """Return every eligibility check of the proposal's current stage, passed or failed."""
        stage = self.eligibility_stage()
        return checks(self.eligibility_application(stage), self.eligibility_rules(stage), stage=stage)

    def required_reviews_missing(self) -> int:
        """Return how many of the full application's required reviews are not submitted yet.

        The lifecycle's ``reviews_in`` condition asks this. Assessment's models import this
        module, so it is read through the reverse relations ``call.rubrics`` and
        ``assessment_assignments`` rather than an import: required is the application
        rubric's k (the default rubric's when staff have not set one), counted against the
        submitted reviews of accepted assignments.
        """
        rubric = self.call.rubrics.filter(stage=VersionKind.APPLICATION).first()
        required = (
            rubric.assessors_per_proposal
            if rubric is not None
            else self.call.rubrics.model._meta.get_field("assessors_per_proposal").default
        )
        submitted = self.assessment_assignments.filter(
            rubric__stage=VersionKind.APPLICATION, state="accepted", review__state="submitted"
        ).count()
        return max(required - submitted, 0)

    def eligibility_failures(self) -> list[str]:
        """Return "<label>: <message>" for each failed hard check that staff have not overridden."""
        failed = [check for check in self.eligibility_checks() if check.hard and not check.passed]
        if not failed:
            return []
        overridden = set(self.eligibility_overrides.values_list("check_code", flat=True))
        return [f"{check.label}: {check.message}" for check in failed if check.code not in overridden]


class CoApplicant(models.Model):
    """A user of a consortium organization whom the lead applicant invited to edit the proposal."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, verbose_name=_("proposal"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name=_("user"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("invited"), auto_now_add=True)

    class Meta:
        verbose_name = _("co-applicant")
        verbose_name_plural = _("co-applicants")
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="coapplicant_unique")]

    def __str__(self) -> str:
        return str(self.user)


class ConsortiumMember(models.Model):
    """One organization of a proposal's consortium, the lead or a partner, with what it brings."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="members", verbose_name=_("proposal"))
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="consortium_memberships", verbose_name=_("organization")
    )
    is_lead = models.BooleanField(_("lead"), default=False)
    cash_contribution = _money(_("cash contribution ($)"), default=Decimal("0"))
    in_kind_contribution = _money(_("in-kind contribution ($)"), default=Decimal("0"))
    funding_requested = _money(_("funding requested from the cluster ($)"), default=Decimal("0"))
    background_ip = models.TextField(_("background IP it brings"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consortium member")
        verbose_name_plural = _("consortium members")
        ordering = ["-is_lead", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "organization"], name="member_unique_organization"),
            models.UniqueConstraint(fields=["proposal"], condition=Q(is_lead=True), name="member_one_lead"),
            models.CheckConstraint(
                condition=Q(cash_contribution__gte=0) & Q(in_kind_contribution__gte=0) & Q(funding_requested__gte=0),
                name="member_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return str(self.organization)

    def as_partner(self, *, with_costs: bool = True) -> Partner:
        """Return this member as the eligibility engine reads it; its costs from its budget lines (prefetched)."""
        organization = self.organization
        return Partner(
            name=organization.legal_name,
            kind=organization.kind,
            employees=organization.employee_count,
            country=str(organization.country),
            province=organization.province,
            is_lead=self.is_lead,
            cash=self.cash_contribution,
            in_kind=self.in_kind_contribution,
            funding_requested=self.funding_requested,
            costs={line.category: line.amount for line in self.budget_lines.all()} if with_costs else {},
        )


class BudgetLine(models.Model):
    """A partner's eligible costs in one category."""

    member = models.ForeignKey(
        ConsortiumMember, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("partner")
    )
    category = models.CharField(_("category"), max_length=32, choices=CostCategory.choices)
    amount = _money(_("eligible cost ($)"))

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.UniqueConstraint(fields=["member", "category"], name="budget_line_unique_category"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_line_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_category_display()}"


class Milestone(models.Model):
    """A milestone of the work plan, due some months after the project starts."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("proposal")
    )
    title = models.CharField(_("milestone"), max_length=250)
    description = models.TextField(_("deliverables"), blank=True)
    month = models.PositiveSmallIntegerField(
        _("due in month"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["month", "pk"]
        constraints = [models.CheckConstraint(condition=Q(month__gte=1, month__lte=120), name="milestone_month_range")]

    def __str__(self) -> str:
        return self.title


class ForegroundIP(models.Model):
    """IP the project expects to create, and who is proposed to own it."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="foreground_ip", verbose_name=_("proposal")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=ForegroundIPKind.choices)
    description = models.TextField(_("description"))
    owner = models.ForeignKey(
        ConsortiumMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed owner"),
        help_text=_("Leave empty for joint ownership."),
    )

    class Meta:
        verbose_name = _("foreground IP")
        verbose_name_plural = _("foreground IP")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:40]}"


def attachment_path(attachment: Attachment, filename: str) -> str:
    """Store uploads by proposal under a random name: the user's file name is never a path."""
    return f"proposals/{attachment.proposal_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file an applicant uploaded. Never changed; removing it from the draft keeps it for the versions."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("proposal")
    )
    kind = models.CharField(_("type"), max_length=32, choices=AttachmentType.choices)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=127)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    removed_at = models.DateTimeField(_("removed from the draft"), null=True, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["kind", "uploaded_at", "pk"]
        indexes = [models.Index(fields=["proposal", "removed_at"], name="attachment_current")]

    def __str__(self) -> str:
        return self.original_name


class ProposalVersion(models.Model):
    """What the applicant submitted, frozen: assessors and the board read this, never the draft.

    Written once by the submission and never changed or deleted through the application.
    """

    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="versions", verbose_name=_("proposal")
    )
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("submitted as"), max_length=16, choices=VersionKind.choices)
    data = models.JSONField(_("content"))
    attachments = models.ManyToManyField(Attachment, related_name="versions", verbose_name=_("attachments"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    submitted_at = models.DateTimeField(_("submitted"))

    class Meta:
        verbose_name = _("submitted version")
        verbose_name_plural = _("submitted versions")
        ordering = ["proposal", "number"]
        constraints = [models.UniqueConstraint(fields=["proposal", "number"], name="version_unique_number")]

    def __str__(self) -> str:
        return f"{self.proposal} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValidationError(_("A submitted version can never be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValidationError(_("A submitted version can never be deleted."))


class EligibilityOverride(models.Model):
    """Staff's written decision to set aside one failed eligibility check of a proposal."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="eligibility_overrides", verbose_name=_("proposal")
    )
    check_code = models.CharField(_("check"), max_length=64)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("eligibility override")
        verbose_name_plural = _("eligibility overrides")
        constraints = [models.UniqueConstraint(fields=["proposal", "check_code"], name="override_unique_check")]

    def __str__(self) -> str:
        return f"{self.proposal}: {self.check_code}"
