"""Deadlines: expiring the proposals whose deadline passed, and extending one."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django.db import transaction
from django.db.models import CharField, DateTimeField, F, QuerySet, Value
from django.db.models.functions import Concat, JSONObject
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import DomainError
from accounts.models import User
from intake.lifecycle import SYSTEM
from intake.models import Proposal
from intake.states import ProposalState
from records.events import Channel
from records.models import AuditRecord, Notification
from records.notifications import notification_emails_queue_on_commit, notification_key_expression, notify_audiences
from records.sql import IsoFormat, insert_from_select
from workflow.actions.base import (
    EXTEND_DEADLINE,
    Actor,
    declared_events,
    perform,
    refuse_extension,
    required,
)


def proposal_expire(*, proposal: Proposal, by: Actor = SYSTEM, expected_state: str | None = None) -> Proposal:
    """Expire one proposal whose deadline has passed (the sweep does many at once)."""
    return perform(
        "expire",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
    )


EXPIRABLE = [ProposalState.DRAFT, ProposalState.INVITED, ProposalState.CHANGES_REQUESTED]


def proposals_expire_overdue(*, now: datetime | None = None, chunk: int = 5000) -> int:
    """Expire every proposal whose deadline has passed, set-based; return how many.

    The same rule as ``proposal_expire`` (the ``deadline_passed`` condition, in SQL), applied
    per chunk in one transaction: one audit record per proposal, then the update and one
    notification per proposal and channel, each a single statement. Running it again
    changes nothing.
    """
    now = now or timezone.now()
    overdue = Proposal.objects.with_deadline().filter(state__in=EXPIRABLE, current_deadline__lte=now)
    total = 0
    while True:
        with transaction.atomic():
            ids = list(overdue.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True)[:chunk])
            if not ids:
                return total
            # The chunk's rows are locked and are the only overdue ones in their range of keys,
            # so the statements select them by that range rather than by a list of thousands.
            records = _expiry_records_create(overdue.filter(pk__gte=ids[0], pk__lte=ids[-1]), now=now)
            Proposal.objects.filter(pk__in=records.values("proposal_id")).update(
                state=ProposalState.EXPIRED, updated_at=now
            )
            _expiry_notifications(records)
            total += records.count()


def _expiry_records_create(overdue: QuerySet[Proposal], *, now: datetime) -> QuerySet[AuditRecord]:
    """Write the audit record of the expiry of each of ``overdue``; return them.

    The record ``proposal_expire`` writes: no actor (Clusterflow acts), the state it leaves,
    and the deadline that passed.
    """
    created = insert_from_select(
        AuditRecord,
        source=overdue,
        values={
            "proposal_id": F("pk"),
            "action": Value("expire"),
            "from_state": F("state"),
            "to_state": Value(ProposalState.EXPIRED),
            "at": Value(now, output_field=DateTimeField()),
            "reason": Value(""),
            "data": JSONObject(deadline=IsoFormat("current_deadline")),
        },
        returning=("id",),
    )
    ids = [pk for (pk,) in created]
    if not ids:
        return AuditRecord.objects.none()
    # Records other writers interleave in this range are of other actions or other moments.
    return AuditRecord.objects.filter(pk__gte=min(ids), pk__lte=max(ids), action="expire", at=now)


def _expiry_notifications(records: QuerySet[AuditRecord]) -> None:
    """Notify the lead applicant of each expiry in ``records``, in the inbox and by email, after commit.

    The rows ``notify`` would store for ``event`` with the occurrence ``audit<id>``
    and the deadline as context, built in SQL from the audit records.
    """
    ((event, _audience),) = declared_events("expire")  # the lead applicant, as the SQL below says
    for channel in (Channel.INBOX, Channel.EMAIL):
        created = insert_from_select(
            Notification,
            source=records,
            values={
                "key": notification_key_expression(
                    event=event,
                    occurrence=Concat(Value("audit"), F("pk"), output_field=CharField()),
                    recipient_id=F("proposal__lead_applicant_id"),
                    channel=channel,
                ),
                "event": Value(event),
                "channel": Value(channel),
                "recipient_id": F("proposal__lead_applicant_id"),
                "proposal_id": F("proposal_id"),
                "context": F("data"),
                "created_at": F("at"),
                "attempts": Value(0),
            },
            returning=("id",),
        )
        if channel == Channel.EMAIL:
            notification_emails_queue_on_commit([pk for (pk,) in created])


def proposal_extend_deadline(*, proposal: Proposal, by: Actor, until: datetime | None, reason: str) -> Proposal:
    """Move the current deadline of one proposal to ``until``, giving the reason (audited)."""
    reason = required(reason, _("Give the reason for the extension."))
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().select_related("call", "lead_applicant").get(pk=proposal.pk)
        refuse_extension(proposal=locked, by=by)
        current = cast(datetime, locked.deadline)
        if until is None or until <= current:
            raise DomainError(_("The new deadline must be later than the current one."))
        locked.deadline_extended_until = until
        locked.deadline_extended_for = locked.state
        locked.save(update_fields=["deadline_extended_until", "deadline_extended_for", "updated_at"])
        record = AuditRecord.objects.create(
            proposal=locked,
            action=EXTEND_DEADLINE,
            from_state=locked.state,
            to_state=locked.state,
            actor=by if isinstance(by, User) else None,
            reason=reason,
            data={"from": current.isoformat(), "until": until.isoformat()},
        )
        notify_audiences(
            audiences=[(event, audience(locked)) for event, audience in declared_events(EXTEND_DEADLINE)],
            occurrence=f"audit{record.pk}",
            proposal=locked,
            context={"reason": reason, "until": until.isoformat()},
        )
    return locked
