"""The audit log of the lifecycle and the notifications (inbox and email)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone, translation
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


class AuditSealQuerySet(models.QuerySet["AuditSeal"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("Audit seals are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Audit seals are append-only.")


class AuditSeal(models.Model):
    """One link of the audit trail's hash chain: the keyed hash of a record and of the link before it.

    Links are numbered 1, 2, 3… in the order the sealer (``workflow.audit_chain``) finds the
    records, so a record whose transaction commits late still joins the chain.
    """

    seq = models.PositiveBigIntegerField(primary_key=True)
    record = models.OneToOneField(AuditRecord, on_delete=models.PROTECT, related_name="seal")
    previous = models.CharField(max_length=64, blank=True)
    digest = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(default=timezone.now)

    objects = AuditSealQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"{self.seq}: {self.digest[:12]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("Audit seals are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Audit seals are append-only.")


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


# --- Outages --------------------------------------------------------------------------------------


class IncidentSource(models.TextChoices):
    STAFF = "staff", _("Recorded by staff")
    HEALTH_CHECK = "health_check", _("Recorded by the health check")


class Incident(models.Model):
    """A time Clusterflow was out of service for some calls or all; once applied, it extends their deadlines.

    Staff record it (or the health check opens it and closes it on recovery), may edit it
    until it is applied, then apply it once: ``applied_at`` is the record that it was.
    """

    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True, help_text=_("Empty while the outage goes on."))
    all_calls = models.BooleanField(_("all calls"), default=True)
    calls = models.ManyToManyField(
        "intake.Call", blank=True, related_name="incidents", verbose_name=_("calls affected")
    )
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    source = models.CharField(_("source"), max_length=16, choices=IncidentSource.choices, default=IncidentSource.STAFF)
    # Which probe of the health check opened it ("database", "broker"); empty when staff did.
    probe = models.CharField(_("probe"), max_length=16, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("recorded by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("applied by"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=F("started_at")), name="incident_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(applied_at__isnull=True) | Q(ended_at__isnull=False), name="incident_applied_once_ended"
            ),
            # The health check keeps at most one open incident per probe.
            models.UniqueConstraint(
                fields=["probe"], condition=Q(ended_at__isnull=True) & ~Q(probe=""), name="incident_one_open_per_probe"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} UTC"

    @property
    def description(self) -> str:
        """Return the description in the reader's language, or the other one when that is empty."""
        french = translation.get_language() or ""
        first, second = (
            (self.description_fr, self.description_en)
            if french.startswith("fr")
            else (self.description_en, self.description_fr)
        )
        return first or second

    @property
    def duration(self) -> timedelta | None:
        return None if self.ended_at is None else self.ended_at - self.started_at


class ExtensionRule(models.Model):
    """One cell of the service standard: how long an outage lasted, by how long before the deadline it ended.

    Both are whole minutes and both bounds are inclusive (docs/outages.md says why and how
    they are rounded); an empty upper bound has no limit. No two rules overlap.
    """

    outage_min_minutes = models.PositiveIntegerField(_("outage lasted at least (minutes)"))
    outage_max_minutes = models.PositiveIntegerField(
        _("outage lasted at most (minutes)"), null=True, blank=True, help_text=_("Empty: no upper limit.")
    )
    before_min_minutes = models.PositiveIntegerField(_("ended at least this long before the deadline (minutes)"))
    before_max_minutes = models.PositiveIntegerField(_("ended at most this long before the deadline (minutes)"))
    extension_hours = models.PositiveSmallIntegerField(_("extension (hours)"), help_text=_("0: no extension."))
    in_standard = models.BooleanField(
        _("in the published standard"),
        default=True,
        help_text=_("Off for the cells the tri-agency standard marks as impossible, which Clusterflow fills in."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("extension rule")
        verbose_name_plural = _("extension rules")
        ordering = ["outage_min_minutes", "before_min_minutes"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outage_min_minutes__gte=1)
                & (Q(outage_max_minutes__isnull=True) | Q(outage_max_minutes__gte=F("outage_min_minutes")))
                & Q(before_max_minutes__gte=F("before_min_minutes")),
                name="extension_rule_bands_in_order",
            ),
        ]

    def __str__(self) -> str:
        top = "∞" if self.outage_max_minutes is None else self.outage_max_minutes
        return (
            f"{self.outage_min_minutes}-{top} min, {self.before_min_minutes}-{self.before_max_minutes} min"
            f" → {self.extension_hours} h"
        )


class IncidentExtension(models.Model):
    """What applying an incident gave one call at one stage: the public record, with no proposal named."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="extensions")
    call = models.ForeignKey("intake.Call", on_delete=models.PROTECT, related_name="+", verbose_name=_("call"))
    state = models.CharField(_("stage"), max_length=32, choices=ProposalState.choices)
    extension_hours = models.PositiveSmallIntegerField(_("extension (hours)"))

    class Meta:
        verbose_name = _("extension given by an incident")
        verbose_name_plural = _("extensions given by incidents")
        ordering = ["incident", "call", "state", "extension_hours"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "call", "state", "extension_hours"], name="incident_extension_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident} · {self.call_id} · {self.state} · {self.extension_hours} h"
