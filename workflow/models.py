"""The audit log of the lifecycle and the notifications (inbox and email)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.models import Proposal
from workflow.events import Channel, Event
from workflow.states import ProposalState


class AuditRecordQuerySet(models.QuerySet["AuditRecord"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("Audit records are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Audit records are append-only.")


class AuditRecord(models.Model):
    """One transition (or extension) of one proposal, or one step of a board meeting: append-only.

    A meeting's record (its agenda sent, the meeting opened early) has no proposal and empty
    states: it is shown on the meeting's page, never in an applicant's history.
    """

    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_records",
        verbose_name=_("proposal"),
    )
    meeting = models.ForeignKey(
        "workflow.BoardMeeting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_records",
        verbose_name=_("board meeting"),
    )
    action = models.CharField(_("action"), max_length=40)
    from_state = models.CharField(_("from"), max_length=32, choices=ProposalState.choices)
    to_state = models.CharField(_("to"), max_length=32, choices=ProposalState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        help_text=_("Empty when Clusterflow itself acted (deadline sweeps)."),
    )
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["proposal", "at"], name="audit_proposal_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(proposal__isnull=False) | Q(meeting__isnull=False), name="audit_record_has_a_subject"
            )
        ]

    def __str__(self) -> str:
        if self.proposal_id is None:
            return f"meeting {self.meeting_id}: {self.action}"
        return f"{self.proposal_id}: {self.action} {self.from_state} → {self.to_state}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("Audit records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Audit records are append-only.")


class Notification(models.Model):
    """One message to one person on one channel, written with the change that caused it.

    ``key`` (event, occurrence, recipient, channel) is unique, so nothing is sent twice.
    The text is rendered when shown or sent, in the recipient's language, from ``context``.
    """

    key = models.CharField(max_length=255)
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # Indexed by ``notification_inbox``, which starts with it.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
        db_index=False,
    )
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    context = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # A sender claims a row before sending, so two senders never send it at once; the
    # claim lapses, so a sender that died is replaced by the relay.
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        # The sweeps insert hundreds of thousands of rows at once: every index here is paid
        # for on each. A constraint rather than ``unique=True``, which on PostgreSQL would
        # add a second index on the key for ``LIKE``, which nothing asks.
        constraints = [models.UniqueConstraint(fields=["key"], name="notification_key_unique")]
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_inbox"),
            models.Index(
                fields=["created_at"],
                name="notification_unsent",
                condition=models.Q(sent_at__isnull=True, channel="email"),
            ),
        ]

    def __str__(self) -> str:
        return self.key


# --- The board ------------------------------------------------------------------------------------


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
        verbose_name = _("decision letter")
        verbose_name_plural = _("decision letters")

    def __str__(self) -> str:
        return self.subject
