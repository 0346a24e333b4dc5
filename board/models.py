"""The board: its meetings, their agendas, the members' conflicts and votes, and the decision letters.

The tables keep the names they had when these models lived in ``workflow`` (``db_table``),
so moving them changed no data.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.models import Proposal


class VoteChoice(models.TextChoices):
    APPROVE = "approve", _("Approve")
    DECLINE = "decline", _("Decline")
    ABSTAIN = "abstain", _("Abstain")


class Ranking(models.TextChoices):
    """Which score ranks a meeting's agenda: the raw weighted total, or the calibrated one where there is one."""

    RAW = "raw", _("Raw weighted score")
    CALIBRATED = "calibrated", _("Calibrated score")


class BoardMeeting(models.Model):
    """A meeting of the board that decides on proposals of one call: its members, chair and quorum."""

    call = models.ForeignKey(
        "intake.Call", on_delete=models.PROTECT, related_name="board_meetings", verbose_name=_("call")
    )
    held_at = models.DateTimeField(_("date and time"))
    quorum = models.PositiveSmallIntegerField(
        _("quorum"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("How many members who are not recused must vote on a proposal before it is decided."),
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("chair")
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="board_meetings", verbose_name=_("members invited")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # When staff released the meeting's decision letters to the applicants.
    decisions_released_at = models.DateTimeField(_("decisions released"), null=True, blank=True)
    # When staff marked the agenda ready and its members were told (audited on the meeting).
    agenda_ready_at = models.DateTimeField(_("agenda sent to the members"), null=True, blank=True)
    # When staff opened the meeting before its scheduled time, with a reason (audited on the meeting):
    # the chair records decisions from this moment, or else from ``held_at``.
    opened_early_at = models.DateTimeField(_("opened early"), null=True, blank=True)
    # Which score ranks the agenda, set by staff or the chair (audited on the meeting).
    ranking = models.CharField(_("ranked by"), max_length=12, choices=Ranking.choices, default=Ranking.RAW)

    class Meta:
        db_table = "workflow_boardmeeting"
        verbose_name = _("board meeting")
        verbose_name_plural = _("board meetings")
        ordering = ["-held_at", "pk"]

    def __str__(self) -> str:
        return f"{self.call} · {self.held_at:%Y-%m-%d}"

    @property
    def opens_at(self) -> datetime:
        """Return when the chair may start recording decisions: the scheduled time, or earlier if opened early."""
        return self.opened_early_at or self.held_at


class AgendaItem(models.Model):
    """A proposal on a meeting's agenda; deferred, it moves to a later meeting's agenda."""

    meeting = models.ForeignKey(BoardMeeting, on_delete=models.CASCADE, related_name="items", verbose_name=_("meeting"))
    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="agenda_items", verbose_name=_("proposal")
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now)
    deferred_to = models.ForeignKey(
        BoardMeeting, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("deferred to")
    )
    deferred_at = models.DateTimeField(_("deferred"), null=True, blank=True)
    deferred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deferred by"),
    )

    class Meta:
        db_table = "workflow_agendaitem"
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "proposal"], name="agenda_item_once_per_meeting"),
            # A proposal is on one agenda at a time: the one it was not deferred from.
            models.UniqueConstraint(
                fields=["proposal"], condition=Q(deferred_to__isnull=True), name="agenda_item_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.proposal}"


class BoardConflict(models.Model):
    """A board member's declared conflict on a proposal: they are recused from it at every meeting."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="board_conflicts", verbose_name=_("member")
    )
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="board_conflicts", verbose_name=_("proposal")
    )
    nature = models.TextField(_("nature of the conflict"))
    declared_at = models.DateTimeField(_("declared"), default=timezone.now)

    class Meta:
        db_table = "workflow_boardconflict"
        verbose_name = _("board conflict of interest")
        verbose_name_plural = _("board conflicts of interest")
        constraints = [models.UniqueConstraint(fields=["member", "proposal"], name="board_conflict_once_per_pair")]

    def __str__(self) -> str:
        return f"{self.member} · {self.proposal}"


class Vote(models.Model):
    """A board member's vote on an agenda item, with a comment; changeable until the decision is recorded."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="votes", verbose_name=_("agenda item"))
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="board_votes", verbose_name=_("member")
    )
    choice = models.CharField(_("vote"), max_length=8, choices=VoteChoice.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("cast"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        db_table = "workflow_vote"
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [models.UniqueConstraint(fields=["item", "member"], name="vote_once_per_member")]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_choice_display()}"


class DecisionLetter(models.Model):
    """The letter that tells the lead applicant the board's decision, edited by staff before release."""

    item = models.OneToOneField(
        AgendaItem, on_delete=models.PROTECT, related_name="letter", verbose_name=_("agenda item")
    )
    language = models.CharField(_("language"), max_length=2)
    subject = models.CharField(_("subject"), max_length=250)
    body = models.TextField(_("text"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("edited by"),
    )
    created_at = models.DateTimeField(_("drafted"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)

    class Meta:
        db_table = "workflow_decisionletter"
        verbose_name = _("decision letter")
        verbose_name_plural = _("decision letters")

    def __str__(self) -> str:
        return self.subject


# --- Selection modes: the meeting's portfolio constraints and its stored suggestion (docs/portfolio.md) -----


class SelectionMode(models.TextChoices):
    TOP_DOWN = "top_down", _("Top-down: down the ranking until the envelope runs out")
    PORTFOLIO = "portfolio", _("Constrained portfolio: the best-scoring set that meets the constraints")


class PortfolioSettings(models.Model):
    """A meeting's selection mode and the portfolio constraints staff set for it; empty fields constrain nothing.

    The minimums and maximums per sector or region are ``PortfolioBound`` rows. A priority
    area is one of the call's sectors (``intake.choices.Sector``, the field proposals carry):
    the portfolio then holds at least one proposal of each priority sector.
    """

    meeting = models.OneToOneField(
        BoardMeeting, on_delete=models.CASCADE, related_name="portfolio_settings", verbose_name=_("meeting")
    )
    mode = models.CharField(
        _("selection mode"), max_length=16, choices=SelectionMode.choices, default=SelectionMode.TOP_DOWN
    )
    envelope = models.DecimalField(
        _("envelope ($)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Empty: what remains of the call's envelope after its approvals."),
    )
    sme_min_count = models.PositiveIntegerField(_("at least this many SME-led projects"), null=True, blank=True)
    sme_min_share = models.DecimalField(
        _("at least this share of the funds to SME-led projects (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    min_leverage = models.DecimalField(
        _("minimum leverage (industry dollars per cluster dollar)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    priority_sectors = models.JSONField(_("priority areas"), default=list, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("portfolio constraints")
        verbose_name_plural = _("portfolio constraints")

    def __str__(self) -> str:
        return f"{self.meeting} · {self.get_mode_display()}"


class BoundDimension(models.TextChoices):
    SECTOR = "sector", _("Sector")
    REGION = "region", _("Region")


class BoundMeasure(models.TextChoices):
    COUNT = "count", _("Number of projects")
    FUNDS = "funds", _("Funds ($)")


class PortfolioBound(models.Model):
    """A minimum and/or maximum, in projects or funds, for one sector or region in a meeting's portfolio.

    A region is the lead organization's: ``CA-XX`` for a Canadian province or territory,
    the country's code otherwise. A proposal of several sectors counts in each.
    """

    meeting = models.ForeignKey(
        BoardMeeting, on_delete=models.CASCADE, related_name="portfolio_bounds", verbose_name=_("meeting")
    )
    dimension = models.CharField(_("by"), max_length=8, choices=BoundDimension.choices)
    value = models.CharField(_("sector or region"), max_length=64)
    measure = models.CharField(_("measure"), max_length=8, choices=BoundMeasure.choices)
    minimum = models.DecimalField(_("minimum"), max_digits=14, decimal_places=2, null=True, blank=True)
    maximum = models.DecimalField(_("maximum"), max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("portfolio bound")
        verbose_name_plural = _("portfolio bounds")
        ordering = ["dimension", "value", "measure", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "dimension", "value", "measure"], name="portfolio_bound_once"),
            models.CheckConstraint(
                condition=Q(minimum__isnull=False) | Q(maximum__isnull=False), name="portfolio_bound_has_a_limit"
            ),
            models.CheckConstraint(
                condition=Q(minimum__isnull=True) | Q(maximum__isnull=True) | Q(minimum__lte=models.F("maximum")),
                name="portfolio_bound_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}:{self.value}:{self.measure}"


class PortfolioSuggestion(models.Model):
    """The last suggestion computed for a meeting: the solver's report, the inputs' fingerprint, who and when.

    It is stale when the fingerprint of the meeting's inputs now (agenda, scores, requests,
    constraints, envelope) differs: the page says so until staff compute it again.
    """

    meeting = models.OneToOneField(
        BoardMeeting, on_delete=models.CASCADE, related_name="portfolio_suggestion", verbose_name=_("meeting")
    )
    mode = models.CharField(_("selection mode"), max_length=16, choices=SelectionMode.choices)
    fingerprint = models.CharField(_("fingerprint of the inputs"), max_length=64)
    result = models.JSONField(_("result"))
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("computed by")
    )

    class Meta:
        verbose_name = _("portfolio suggestion")
        verbose_name_plural = _("portfolio suggestions")

    def __str__(self) -> str:
        return f"{self.meeting} · {self.computed_at:%Y-%m-%d %H:%M}"
