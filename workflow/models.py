"""The audit log of the lifecycle and the notifications (inbox and email)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
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
    """One transition (or extension) of one proposal: append-only, never edited or deleted."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="audit_records", verbose_name=_("proposal")
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

    def __str__(self) -> str:
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
