"""The claims' sweeps: partners reminded before their claims are due, staff told daily of the overdue ones.

A period's claim is due ``CLAIM_DUE_DAYS`` days after the period ends (``projects.claims.claim_due_on``);
it is outstanding while its partner has no claim of the period submitted, approved or paid (a draft
or a claim sent back for changes is still outstanding). Active and closing projects are swept. In a
closing project, the periods that began before it started closing are swept as in an active one, and
each partner's **final claim** is due ``CLAIM_DUE_DAYS`` days after the project started closing (the
time of its ``start_closing`` audit record), outstanding while the partner has no final claim
submitted, approved or paid. Idempotent by key, as the other sweeps (``workflow.sweeps``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from accounts.models import Membership, User
from intake.states import ProposalState
from projects.claims import claim_due_on, claim_period_dates
from projects.models import Claim, ClaimState, ProjectPartner
from records.events import Event
from records.models import AuditRecord
from workflow.sweeps import reminders_of_fresh_items, staff_told_once_a_day

#: The states of a claim that answer its period: it is no longer outstanding.
ANSWERED = (ClaimState.SUBMITTED, ClaimState.APPROVED, ClaimState.PAID)
#: The projects whose partners' claims are swept.
SWEPT = (ProposalState.ACTIVE, ProposalState.CLOSING)


@dataclass(frozen=True)
class Outstanding:
    """A partner's claim of a period (or its final claim), not submitted yet, and when it is due."""

    partner_id: int
    organization_id: int
    program_id: int
    project_id: int
    title: str
    partner: str
    period: int | None
    due_on: date
    final: bool = False

    @property
    def key(self) -> str:
        """What the reminders' tokens name this claim by: its partner and period, or its partner's final claim."""
        return f"{self.partner_id}:final" if self.final else f"{self.partner_id}:{self.period}"

    def item(self, **extra: Any) -> dict[str, Any]:
        return {
            "project": self.project_id, "title": self.title, "partner": self.partner, "period": self.period,
            "final": self.final, "due_on": self.due_on.isoformat(), **extra,
        }  # fmt: skip


def claims_outstanding(*, today: date, until: date) -> list[Outstanding]:
    """Return every active or closing project's partners' claims due by ``until`` and not submitted (three reads)."""
    partners = list(
        ProjectPartner.objects.filter(
            removed_at__isnull=True, project__started_on__isnull=False, project__proposal__state__in=SWEPT
        ).select_related("project", "project__proposal__call", "organization")
    )
    answered_claims = Claim.objects.filter(partner__in=[p.pk for p in partners], state__in=ANSWERED)
    answered: set[tuple[int, int | None]] = set(answered_claims.values_list("partner_id", "period"))
    answered |= {
        (partner_id, None) for partner_id in answered_claims.filter(final=True).values_list("partner_id", flat=True)
    }
    closing_since = _closing_since(
        {p.project.proposal_id for p in partners if p.project.proposal.state == ProposalState.CLOSING}
    )
    found = []
    for partner in partners:
        project = partner.project
        closing = closing_since.get(project.proposal_id)
        if closing is not None:
            due = claim_due_on(closing)
            if due <= until and (partner.pk, None) not in answered:
                found.append(
                    Outstanding(
                        partner.pk, partner.organization_id, project.proposal.call.program_id, project.pk,
                        project.proposal.title, str(partner.organization), None, due, final=True,
                    )
                )  # fmt: skip
        period = 1
        while True:
            start, end = claim_period_dates(project=project, period=period)
            due = claim_due_on(end)
            if due > until or (closing is not None and start >= closing):
                break
            if end < today and (partner.pk, period) not in answered:
                found.append(
                    Outstanding(
                        partner.pk,
                        partner.organization_id,
                        project.proposal.call.program_id,
                        project.pk,
                        project.proposal.title,
                        str(partner.organization),
                        period,
                        due,
                    )
                )
            period += 1
    return found


def claim_reminders_send(*, now: datetime | None = None) -> int:
    """Remind each partner's people of its claims due soon, one message per person listing them all.

    A claim is due soon ``CLAIM_REMINDER_DAYS`` days before it is due (14 and 3 by default); each
    person gets one message listing every claim of theirs that entered a window since the last
    run, each listed once per window (the messages' context keeps what they listed), so a second
    run sends nothing. Return how many people were reminded.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    windows = sorted(settings.CLAIM_REMINDER_DAYS)
    due = [item for item in claims_outstanding(today=today, until=today + timedelta(days=windows[-1]))
           if item.due_on >= today]  # fmt: skip
    people = _people_of({item.organization_id for item in due})
    by_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for item in due:
        window = next(days for days in windows if item.due_on <= today + timedelta(days=days))
        token = f"c{item.key}:{window}d"
        for user in people.get(item.organization_id, []):
            by_person[user.pk].append(item.item(days=(item.due_on - today).days, token=token))
    users = {user.pk: user for members in people.values() for user in members}
    return reminders_of_fresh_items(
        event=Event.CLAIMS_DUE,
        key="claims",
        by_person=by_person,
        people=users,
        since=now - timedelta(days=windows[-1] + 1),
        now=now,
    )


def claims_overdue_escalate(*, now: datetime | None = None) -> int:
    """Tell each staff member, once a day, of every claim of their programs past its due date and not submitted.

    One message per staff member listing all of them (none if none is overdue in their programs),
    keyed by the server's date. Return how many staff members were told.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    overdue = claims_outstanding(today=today, until=today - timedelta(days=1))
    if not overdue:
        return 0
    return staff_told_once_a_day(
        event=Event.CLAIMS_OVERDUE,
        key="claims",
        day=today,
        items_for=lambda _member, programs: [
            item.item() for item in overdue if programs is None or item.program_id in programs
        ],
    )


def _closing_since(proposal_ids: set[int]) -> dict[int, date]:
    """Return the day each of these closing projects' proposals started closing (its last ``start_closing``)."""
    if not proposal_ids:
        return {}
    rows = (
        AuditRecord.objects.filter(proposal_id__in=proposal_ids, action="start_closing")
        .values("proposal_id")
        .annotate(since=Max("at"))
        .values_list("proposal_id", "since")
    )
    return {proposal_id: timezone.localdate(since) for proposal_id, since in rows}


def _people_of(organization_ids: set[int]) -> dict[int, list[User]]:
    """Return the active members of each organization (one read)."""
    people: dict[int, list[User]] = defaultdict(list)
    rows = Membership.objects.filter(organization_id__in=organization_ids, user__is_active=True).values_list(
        "organization_id", "user_id", "user__preferred_language"
    )
    for organization_id, user_id, language in rows:
        people[organization_id].append(User(pk=user_id, preferred_language=language))
    return people
