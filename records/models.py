"""The records every app writes: the audit log (with its hash chain) and the notifications (inbox and email).

Generic and low in the app order: a record or a notification may point at the proposal or
the board meeting it concerns, by lazy reference (``"intake.Proposal"``), so this app
imports no app above it. The tables keep the names they had when these models lived in
``workflow`` (``db_table``), so moving them changed no data.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from records.events import Channel, Event


class AuditRecordQuerySet(models.QuerySet["AuditRecord"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("Audit records are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Audit records are append-only.")


class AuditRecord(models.Model):
    """One step of a proposal, of a board meeting, of a call or of a program's members: append-only.

    A meeting's record (its agenda sent, the meeting opened early) has no proposal and empty
    states: it is shown on the meeting's page, never in an applicant's history. A call's record
    (its stages changed after proposals were submitted, its consortium roles) likewise has only its
    call, and a program's record (a membership recorded, changed or removed) only its program.
    """

    proposal = models.ForeignKey(
        "intake.Proposal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_records",
        verbose_name=_("proposal"),
    )
    meeting = models.ForeignKey(
        "board.BoardMeeting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_records",
        verbose_name=_("board meeting"),
    )
    call = models.ForeignKey(
        "intake.Call",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_records",
        verbose_name=_("call"),
    )
    program = models.ForeignKey(
        "intake.Program",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_records",
        verbose_name=_("program"),
    )
    action = models.CharField(_("action"), max_length=40)
    from_state = models.CharField(_("from"), max_length=32)
    to_state = models.CharField(_("to"), max_length=32)
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
        db_table = "workflow_auditrecord"
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["proposal", "at"], name="audit_proposal_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(proposal__isnull=False)
                | Q(meeting__isnull=False)
                | Q(call__isnull=False)
                | Q(program__isnull=False),
                name="audit_record_has_a_subject",
            )
        ]

    def __str__(self) -> str:
        if self.proposal_id is None and self.meeting_id is None and self.call_id is None:
            return f"program {self.program_id}: {self.action}"
        if self.proposal_id is None and self.meeting_id is None:
            return f"call {self.call_id}: {self.action}"
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

    Links are numbered 1, 2, 3… in the order the sealer (``records.audit_chain``) finds the
    records, so a record whose transaction commits late still joins the chain.
    """

    seq = models.PositiveBigIntegerField(primary_key=True)
    record = models.OneToOneField(AuditRecord, on_delete=models.PROTECT, related_name="seal")
    previous = models.CharField(max_length=64, blank=True)
    digest = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(default=timezone.now)

    objects = AuditSealQuerySet.as_manager()

    class Meta:
        db_table = "workflow_auditseal"
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
        "intake.Proposal", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
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
        db_table = "workflow_notification"
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
