"""Views of the assessment app; the assessor's dashboard is here, each other part in its own module."""

from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from assessment.services.reviews import Step, assignments_of_assessor

#: Where each next step of a live assignment is taken.
STEP_URLS = {Step.DECLARE: "assessment:declare", Step.RESPOND: "assessment:respond", Step.REVIEW: "assessment:review"}


def _dated(rows: list[Any], now: datetime) -> None:
    """Give each row its due date as the page shows it: in its call's timezone, and the time left.

    Written here rather than by the template's filters (``timezone``, ``date``, ``timeuntil``),
    which cost more than the rest of a row; each call's timezone is read once.
    """
    zones: dict[str, Any] = {}
    for row in rows:
        call = row.proposal.call
        zone = zones.setdefault(call.timezone, call.zone)
        row.due_iso = timezone.localtime(row.due_at).isoformat()
        row.due_shown = formats.date_format(timezone.localtime(row.due_at, zone), "DATETIME_FORMAT")
        row.overdue = row.due_at <= now
        row.time_left = "" if row.overdue else _("%(left)s left") % {"left": timeuntil(row.due_at, now)}


@role_required(Role.ASSESSOR)
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """List the assessor's live and past assignments with their due dates and next steps, in one query."""
    rows = assignments_of_assessor(user=request.user)
    now = timezone.now()
    _dated(rows, now)
    live = [row for row in rows if row.next_step in STEP_URLS]
    past = [row for row in rows if row.next_step not in STEP_URLS]
    for row in live:
        row.step_url = reverse(STEP_URLS[row.next_step], args=[row.pk])
    for row in past:
        row.step_url = reverse("assessment:review", args=[row.pk]) if row.next_step == Step.SUBMITTED else ""
    return render(request, "assessment/dashboard.html", {"live": live, "past": past})
