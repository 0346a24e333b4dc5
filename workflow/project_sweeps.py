"""Periodic sweeps of the funded projects: reports due soon, reports overdue, and projects whose work plan ends.

In the style of ``workflow.sweeps``: each reads the database, groups what it found by person
and writes one message per person per run, keyed so that running it again sends nothing.
A report of period ``n`` is due ``REPORT_DUE_DAYS`` days after the period ends
(``projects.reporting``); it is handed in once submitted (or accepted).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import Membership, User
from intake.lifecycle import SYSTEM
from intake.models import CoApplicant, Proposal
from intake.states import ProposalState
from projects.models import REPORT_HANDED_IN, Project, Report
from projects.reporting import Period, project_periods_due
from records.events import Event
from workflow.actions import proposal_start_closing
from workflow.sweeps import reminders_of_fresh_items, staff_told_once_a_day

#: The projects that report: active, or closing (their last reports and the final one).
REPORTING = (ProposalState.ACTIVE, ProposalState.CLOSING)


def _reports_due(today: date, *, until: date) -> list[tuple[dict[str, Any], Period]]:
    """Return each reporting project's periods due on or before ``until`` whose report is not handed in.

    Two reads: the projects, and the reports handed in.
    """
    reporting: Any = Project.objects.filter(proposal__state__in=REPORTING, started_on__isnull=False)
    projects: list[dict[str, Any]] = list(
        reporting.order_by("pk").values(
            "pk",
            "started_on",
            "claim_period_months",
            "proposal__title",
            "proposal__lead_applicant_id",
            "proposal__call__program_id",
            "proposal__call__title_en",
            "proposal__call__title_fr",
        )
    )
    handed_in = set(
        Report.objects.filter(project__in=[row["pk"] for row in projects], state__in=REPORT_HANDED_IN).values_list(
            "project_id", "period"
        )
    )
    due = []
    for row in projects:
        for period in project_periods_due(started_on=row["started_on"], months=row["claim_period_months"], until=until):
            if (row["pk"], period.number) not in handed_in:
                due.append((row, period))
    return due


def _item(row: dict[str, Any], period: Period, language: str, today: date) -> dict[str, Any]:
    return {
        "project": row["pk"],
        "title": row["proposal__title"],
        "call": row["proposal__call__title_fr"] if language.startswith("fr") else row["proposal__call__title_en"],
        "period": period.number,
        "ends_on": period.ends_on.isoformat(),
        "due_on": period.due_on.isoformat(),
        "days": (period.due_on - today).days,
        "token": f"p{row['pk']}:{period.number}:{period.due_on.isoformat()}",
    }


def _people_of(project_ids: list[int], leads: dict[int, int]) -> dict[int, set[int]]:
    """Return, per project, the ids of its people: its lead applicant, co-applicants and partners' people (2 reads)."""
    people: dict[int, set[int]] = defaultdict(set)
    for project_id, lead in leads.items():
        people[project_id].add(lead)
    for project_id, user_id in CoApplicant.objects.filter(proposal__project__in=project_ids).values_list(
        "proposal__project", "user_id"
    ):
        people[project_id].add(user_id)
    for project_id, user_id in Membership.objects.filter(
        organization__project_partnerships__project__in=project_ids,
        organization__project_partnerships__removed_at__isnull=True,
    ).values_list("organization__project_partnerships__project", "user_id"):
        people[project_id].add(user_id)
    return people


def report_reminders_send(*, now: datetime | None = None) -> int:
    """Remind the project's people of its reports due within ``REPORT_REMINDER_DAYS``; return how many people.

    Each person gets one message per run listing every report of their projects due soon and
    not listed to them before (the message's context keeps its tokens: project, period and
    due date), so a second run sends nothing.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = [
        (row, period)
        for row, period in _reports_due(today, until=today + timedelta(days=settings.REPORT_REMINDER_DAYS))
        if period.due_on >= today
    ]
    if not due:
        return 0
    people = _people_of(
        sorted({row["pk"] for row, _period in due}), {row["pk"]: row["proposal__lead_applicant_id"] for row, _p in due}
    )
    languages = dict(
        User.objects.filter(pk__in={pk for ids in people.values() for pk in ids}, is_active=True).values_list(
            "pk", "preferred_language"
        )
    )
    by_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row, period in due:
        for user_id in sorted(people[row["pk"]]):
            if user_id in languages:
                by_person[user_id].append(_item(row, period, languages[user_id], today))
    return reminders_of_fresh_items(
        event=Event.REPORT_REMINDER,
        key="reports",
        by_person=by_person,
        people={pk: User(pk=pk, preferred_language=language) for pk, language in languages.items()},
        since=now - timedelta(days=settings.REPORT_REMINDER_DAYS + 1),
        now=now,
    )


def reports_overdue_escalate(*, now: datetime | None = None) -> int:
    """Tell each staff member, once a day, of the reports of their programs past due and not handed in.

    One message per staff member listing them all (none if their programs have none); the key
    holds the server's date, so the sweep may run as often as it likes. Return how many were told.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    overdue = _reports_due(today, until=today - timedelta(days=1))
    if not overdue:
        return 0

    def items_for(member: User, programs: frozenset[int] | None) -> list[dict[str, Any]]:
        return [
            {**_item(row, period, member.preferred_language, today), "days": (today - period.due_on).days}
            for row, period in overdue
            if programs is None or row["proposal__call__program_id"] in programs
        ]

    return staff_told_once_a_day(event=Event.REPORTS_OVERDUE, key="reports", day=today, items_for=items_for)


def projects_start_closing_due(*, today: date | None = None) -> int:
    """Move each active project whose last milestone is due to closing, as Clusterflow; return how many moved.

    Only active projects are read, so a second run moves nothing; a project without milestones is
    closed by staff. Each moves through its action (audited, its people told); one that somebody
    moved meanwhile is skipped.
    """
    today = today or timezone.localdate()
    due = (
        Project.objects.filter(proposal__state=ProposalState.ACTIVE)
        .annotate(last_due=Max("milestones__due_on"))
        .filter(last_due__lte=today)
        .order_by("pk")
        .values_list("proposal_id", flat=True)
    )
    moved = 0
    for proposal_id in list(due):
        try:
            proposal_start_closing(
                proposal=Proposal(pk=proposal_id),
                by=SYSTEM,
                reason="",
                expected_state=ProposalState.ACTIVE,
            )
        except DomainError:
            continue
        moved += 1
    return moved
