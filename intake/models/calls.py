"""Calls: one competition of a program, with its windows, its envelope and the rules the eligibility engine checks."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import OrganizationType
from intake.choices import AttachmentType, CallPhase, IntakeMode, PathFigure, VersionKind
from intake.eligibility import Rules
from intake.models.base import PERCENT, BilingualMixin, LegalHold
from intake.models.programs import Program
from intake.pagecount import A4_LAYOUT, PageLayout


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
    # The call's stages (``intake.models.Stage``) hold their windows; these three repeat, for lists and
    # ordering, when the first stage opens and closes and when the last closes. Only the stages'
    # service writes them (``intake.services.stages``), in the transaction that saves the stages.
    loi_opens_at = models.DateTimeField(_("opens"))
    loi_closes_at = models.DateTimeField(_("first stage closes"))
    application_closes_at = models.DateTimeField(_("full applications close"))
    intake_mode = models.CharField(_("intake"), max_length=16, choices=IntakeMode.choices, default=IntakeMode.FIXED)
    # The path by the size of the project: proposals whose figure is below the threshold take ``path_below``.
    path_figure = models.CharField(
        _("figure that chooses the path"), max_length=32, choices=PathFigure.choices, blank=True,
        help_text=_("Empty: every proposal goes through every stage."),
    )  # fmt: skip
    path_threshold = models.DecimalField(
        _("threshold ($)"), max_digits=14, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Proposals whose figure is below this amount take the shorter path."),
    )  # fmt: skip
    path_below = models.JSONField(
        _("stages below the threshold"), default=list, blank=True,
        help_text=_("The stages a proposal below the threshold goes through; it ends with the full application."),
    )  # fmt: skip
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

    #: The page a long answer is laid out on when a question limits its pages (``intake.pagecount``).
    page_layout: PageLayout = A4_LAYOUT

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
        """Return where the call stands at ``now`` by the server's clock, from its stages' windows.

        Reads ``self.stages.all()``: lists prefetch the stages so that their queries do not grow.
        """
        now = now or timezone.now()
        stages = list(self.stages.all()) if self.pk else []
        first_closes = stages[0].closes_at if stages else self.loi_closes_at
        last_closes = stages[-1].closes_at if stages else self.application_closes_at
        if now < (stages[0].opens_at if stages else self.loi_opens_at):
            return CallPhase.UPCOMING
        if now < first_closes:
            return CallPhase.LOI_OPEN
        if now < last_closes:
            return CallPhase.APPLICATIONS_OPEN
        if now < self.board_meeting_at:
            return CallPhase.IN_REVIEW
        return CallPhase.DECIDED

    def next_deadline(self, now: datetime | None = None) -> tuple[str, datetime] | None:
        """Return the label and time of the next stage window to open or close, or None once all have."""
        now = now or timezone.now()
        moments: list[tuple[str, datetime]] = []
        for stage in self.stages.all() if self.pk else []:
            label = stage.get_kind_display()
            moments.append((_("%(stage)s opens") % {"stage": label}, stage.opens_at))
            moments.append((_("%(stage)s closes") % {"stage": label}, stage.closes_at))
        upcoming = [(str(label), moment) for label, moment in moments if now < moment]
        # The earliest; of two at once, the earlier stage's, and an opening before a close.
        return min(upcoming, key=lambda pair: pair[1]) if upcoming else None

    def path_for(self, figure: Decimal | None) -> list[str]:
        """Return the kinds of the stages a proposal stating ``figure`` goes through, in order.

        Without a path rule, or before the figure is stated, the path is every stage of the call.
        """
        kinds = [stage.kind for stage in self.stages.all()]
        if self.path_figure and self.path_threshold is not None and figure is not None and figure < self.path_threshold:
            return [kind for kind in kinds if kind in self.path_below]
        return kinds

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
