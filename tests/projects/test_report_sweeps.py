"""The report sweeps: reminders before reports are due, daily escalation of overdue ones, closing when the plan ends."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from intake.models import Proposal
from intake.states import ProposalState as S
from projects.models import Project, ProjectMilestone, ProjectPartner, Report, ReportState
from records.events import Channel, Event
from records.models import AuditRecord, Notification
from tests.factories import MembershipFactory, ProgramFactory, ProjectFactory, UserFactory
from workflow.project_sweeps import projects_start_closing_due, report_reminders_send, reports_overdue_escalate

pytestmark = pytest.mark.django_db


def _now_for(project: Project, *, days_after_period_one_ends: int) -> datetime:
    """The moment ``days`` after the end of ``project``'s first period (3 months from its start)."""
    from projects.reporting import project_period

    period = project_period(started_on=project.started_on, months=project.claim_period_months, number=1)
    day = period.ends_on + timedelta(days=days_after_period_one_ends)
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def _started(on_days_ago: int = 0) -> Project:
    return ProjectFactory(started_on=timezone.localdate() - timedelta(days=on_days_ago))


def _person_of(project: Project) -> User:
    person = UserFactory()
    MembershipFactory(user=person, organization=ProjectPartner.objects.filter(project=project).first().organization)
    return person


def _emails(event: str, user: User) -> list[Notification]:
    return list(Notification.objects.filter(event=event, recipient=user, channel=Channel.EMAIL))


def test_reminder_lists_every_due_report_in_one_message_per_person_once() -> None:
    first, second = _started(), _started()
    person = _person_of(first)
    MembershipFactory(user=person, organization=ProjectPartner.objects.filter(project=second).first().organization)
    now = _now_for(first, days_after_period_one_ends=20)  # due in 10 days: within the 14 days of reminders

    told = report_reminders_send(now=now)
    again = report_reminders_send(now=now + timedelta(hours=1))

    emails = _emails(Event.REPORT_REMINDER, person)
    assert len(emails) == 1
    assert sorted(item["project"] for item in emails[0].context["reports"]) == sorted([first.pk, second.pk])
    assert emails[0].context["reports"][0]["days"] == 10
    assert told >= 2  # the person and the lead applicants
    assert again == 0
    assert len(_emails(Event.REPORT_REMINDER, first.proposal.lead_applicant)) == 1


def test_no_reminder_for_a_report_handed_in_or_not_yet_near() -> None:
    project = _started()
    person = _person_of(project)
    Report.objects.create(
        project=project, period=1, starts_on=project.started_on, ends_on=project.started_on,
        state=ReportState.SUBMITTED,
        created_by=person,
    )  # fmt: skip

    assert report_reminders_send(now=_now_for(project, days_after_period_one_ends=20)) == 0
    assert report_reminders_send(now=_now_for(project, days_after_period_one_ends=-30)) == 0
    assert _emails(Event.REPORT_REMINDER, person) == []


def test_overdue_reports_escalate_daily_to_their_programs_staff_only() -> None:
    project = _started()
    program = project.proposal.call.program
    staff_here = UserFactory(role=Role.STAFF, programs=[program])
    staff_elsewhere = UserFactory(role=Role.STAFF, programs=[ProgramFactory()])
    now = _now_for(project, days_after_period_one_ends=35)  # 5 days late

    assert reports_overdue_escalate(now=now) == 1
    assert reports_overdue_escalate(now=now + timedelta(hours=2)) == 1  # the same day: nothing new is stored
    reports_overdue_escalate(now=now + timedelta(days=1))

    emails = _emails(Event.REPORTS_OVERDUE, staff_here)
    assert len(emails) == 2
    assert [(item["project"], item["period"], item["days"]) for item in emails[0].context["reports"]] in (
        [(project.pk, 1, 5)], [(project.pk, 1, 6)],
    )  # fmt: skip
    assert _emails(Event.REPORTS_OVERDUE, staff_elsewhere) == []


def test_a_project_whose_last_milestone_is_due_starts_closing_once() -> None:
    due = _started(on_days_ago=400)
    ProjectMilestone.objects.create(project=due, title="End", month=12, due_on=timezone.localdate())
    later = _started(on_days_ago=10)
    ProjectMilestone.objects.create(
        project=later, title="End", month=12, due_on=timezone.localdate() + timedelta(days=1)
    )

    assert projects_start_closing_due() == 1
    assert projects_start_closing_due() == 0

    assert Proposal.objects.get(pk=due.proposal_id).state == S.CLOSING
    assert Proposal.objects.get(pk=later.proposal_id).state == S.ACTIVE
    record = AuditRecord.objects.get(proposal_id=due.proposal_id, action="start_closing")
    assert record.actor is None
