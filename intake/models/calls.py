"""Calls: one competition of a program, with its windows, its envelope; its rules are rows (``CallRule``)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.choices import CallPhase, IntakeMode, PathFigure, VersionKind
from intake.eligibility import Rules
from intake.eligibility.describe import describe, rule_label, stages_label
from intake.eligibility.kinds import attachment_label
from intake.models.base import BilingualMixin, LegalHold
from intake.models.programs import Program
from intake.pagecount import A4_LAYOUT, PageLayout
from records.sql import rows_read_compiled

if TYPE_CHECKING:
    from intake.models.call_rules import CallRule


class Call(BilingualMixin, LegalHold):
    """One competition of a program: its windows, its envelope and its rules."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="calls", verbose_name=_("program"))
    # The call's identifier in the open interfaces (CommonGrants' opportunity id): random, never reused.
    uuid = models.UUIDField(_("public identifier"), default=uuid4, unique=True, editable=False)
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
    # The program's IP manager reviews each submitted application's IP plan (docs/ip-review.md).
    ip_review = models.BooleanField(
        _("IP review of applications"),
        default=False,
        help_text=_(
            "The program's IP manager reviews each submitted application's IP plan against its work plan and "
            "its partners' background IP; staff and the board see the verdict."
        ),
    )
    partial_randomisation = models.BooleanField(
        _("partial randomisation"),
        default=False,
        help_text=_(
            "The board may draw lots among the proposals whose funding the ranking cannot settle "
            "(those sometimes funded), from a seed published before the draw."
        ),
    )

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
        ]

    def __str__(self) -> str:
        return self.localized("title")

    def rule_rows(self) -> list[CallRule]:
        """Return the call's rule rows in order (1 query, read once per instance; prefetch ``rules`` for lists).

        They are kept as a prefetch is: ``refresh_from_db`` forgets them, as does ``rules_forget``.
        The read is compiled once per connection and run with the call's key swapped in
        (``records.sql.rows_read_compiled``): every submission and proposal page reads them.
        """
        if not self.pk:
            return []
        cache = self.__dict__.setdefault("_prefetched_objects_cache", {})
        if "rules" not in cache:
            model = self.rules.model
            kept = self.rules.all()  # not evaluated: given its rows as a prefetch gives them
            kept._result_cache = rows_read_compiled(
                model, "call_rule_rows", lambda pk: model.objects.filter(call_id=pk).order_by("position", "pk"), self.pk
            )
            for row in kept._result_cache:
                row.call = self  # as the related manager gives them
            kept._prefetch_done = True  # type: ignore[attr-defined]
            cache["rules"] = kept
        return sorted(cache["rules"], key=lambda row: (row.position, row.pk))

    def rules_keep(self, rows: list[dict[str, Any]]) -> None:
        """Keep the call's rule rows read with another row (``id``, ``kind``, ``params``, ``stages``, ``position``).

        As ``rule_rows`` keeps those it reads: the rules are built from them without a query.
        The rows carry no times of their own (``created_at``, ``updated_at``): nothing that
        reads rules reads those.
        """
        kept = self.rules.all()  # not evaluated: given its rows as a prefetch gives them
        kept._result_cache = [
            kept.model(
                id=row["id"], call=self, kind=row["kind"], params=row["params"], stages=row["stages"],
                position=row["position"],
            )
            for row in rows
        ]  # fmt: skip
        kept._prefetch_done = True  # type: ignore[attr-defined]
        self.__dict__.setdefault("_prefetched_objects_cache", {})["rules"] = kept

    def rules_forget(self) -> None:
        """Forget the rule rows read, so that the next read sees what was written since."""
        self.__dict__.get("_prefetched_objects_cache", {}).pop("rules", None)

    def _rules_built(self) -> dict[str, Rules]:
        """The rules built from the rows read, by stage ("" for every stage): built once for as long as those rows.

        A list checks each of its rows against the same call's rules: building them again for
        each row cost more than the checks. The memo goes with the rows it was built from, so
        whatever makes the call read its rows again (``rules_forget``, ``refresh_from_db``)
        builds them again.
        """
        source = self.__dict__.get("_prefetched_objects_cache", {}).get("rules")
        memo = self.__dict__.get("_rules_built_memo")
        if memo is not None and source is not None and memo[0] is source:
            return memo[1]  # the rows it was built from, unchanged: not even sorted again
        rows = self.rule_rows()
        source = self.__dict__.get("_prefetched_objects_cache", {}).get("rules")
        memo = self.__dict__["_rules_built_memo"] = (source, {"": Rules(tuple(row.as_rule() for row in rows))})
        return memo[1]

    def all_rules(self) -> Rules:
        """Return every rule of the call, at every stage, as the engine reads them."""
        return self._rules_built()[""]

    def eligibility_rules(self, stage: str) -> Rules:
        """Return the call's rules that apply at ``stage``, as the eligibility engine reads them."""
        built = self._rules_built()
        if stage not in built:
            built[stage] = built[""].at(stage)
        return built[stage]

    def word_limit(self, stage: str) -> int | None:
        """Return the word limit of each text at ``stage`` (its first ``word_limit`` rule's), or None without one."""
        rule = self.eligibility_rules(stage).first("word_limit")
        return None if rule is None else int(rule.param("words"))

    @property
    def loi_words(self) -> int | None:
        """The letter of intent's word limit (for its page)."""
        return self.word_limit(VersionKind.LOI)

    def required_attachment_kinds(self, stage: str = VersionKind.APPLICATION) -> list[str]:
        """Return the attachment kinds the rules at ``stage`` require, in order."""
        kinds: list[str] = []
        for rule in self.eligibility_rules(stage).of_kind("required_attachments"):
            kinds += [kind for kind in rule.param("kinds") or () if kind not in kinds]
        return kinds

    def required_attachment_labels(self) -> list[str]:
        return [attachment_label(kind) for kind in self.required_attachment_kinds()]

    def rules_described(self) -> list[dict[str, str]]:
        """Return each rule's label, what it demands and its stages, in words in the active language."""
        return [
            {"label": rule_label(rule), "text": describe(rule), "stages": stages_label(rule.stages)}
            for rule in self.all_rules()
        ]

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
        if self.timezone and self.timezone not in zoneinfo.available_timezones():
            refuse("timezone", str(_("Unknown timezone.")))
        if errors:
            raise ValidationError(errors)
