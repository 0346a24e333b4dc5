"""A project's reporting periods and when each report is due (docs/reports.md).

Period ``n`` (from 1) starts ``(n - 1) * claim_period_months`` months after the project's
start and ends the day before the next one starts. Its report is due
``settings.REPORT_DUE_DAYS`` days after the period ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings

from projects.models import Project
from projects.services import months_after


@dataclass(frozen=True)
class Period:
    number: int
    starts_on: date
    ends_on: date

    @property
    def due_on(self) -> date:
        return report_due_on(self.ends_on)


def report_due_on(ends_on: date) -> date:
    """Return the day a report of the period ending ``ends_on`` is due."""
    return ends_on + timedelta(days=settings.REPORT_DUE_DAYS)


def project_period(*, started_on: date, months: int, number: int) -> Period:
    """Return period ``number`` of a project started ``started_on`` with periods of ``months`` months."""
    starts_on = months_after(started_on, (number - 1) * months)
    ends_on = months_after(started_on, number * months) - timedelta(days=1)
    return Period(number=number, starts_on=starts_on, ends_on=ends_on)


def project_periods_started(*, project: Project, today: date) -> list[Period]:
    """Return ``project``'s periods that have started by ``today`` (none before the project starts)."""
    if project.started_on is None or project.started_on > today:
        return []
    periods: list[Period] = []
    number = 1
    while True:
        period = project_period(started_on=project.started_on, months=project.claim_period_months, number=number)
        if period.starts_on > today:
            return periods
        periods.append(period)
        number += 1


def project_periods_due(*, started_on: date, months: int, until: date) -> list[Period]:
    """Return the periods of a project started ``started_on`` whose report is due on or before ``until``."""
    periods: list[Period] = []
    number = 1
    while True:
        period = project_period(started_on=started_on, months=months, number=number)
        if period.due_on > until:
            return periods
        periods.append(period)
        number += 1
