"""The board: its meetings, their agendas, the members' conflicts and votes, and the decision letters.

The tables keep the names they had when these models lived in ``workflow`` (``db_table``),
so moving them changed no data.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.models import Proposal


class VoteChoice(models.TextChoices):
    APPROVE = "approve", _("Approve")
    DECLINE = "decline", _("Decline")
    ABSTAIN = "abstain", _("Abstain")


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
