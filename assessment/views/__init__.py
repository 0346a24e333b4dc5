"""Views of the assessment app; the assessor's dashboard is here, each other part in its own module."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from assessment.services.reviews import Step, assignments_of_assessor


@role_required(Role.ASSESSOR)
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """List the assessor's live and past assignments with their due dates and next steps, in one query."""
    rows = assignments_of_assessor(user=request.user)
    live = [row for row in rows if row.next_step in (Step.DECLARE, Step.RESPOND, Step.REVIEW)]
    past = [row for row in rows if row.next_step not in (Step.DECLARE, Step.RESPOND, Step.REVIEW)]
    return render(request, "assessment/dashboard.html", {"live": live, "past": past, "now": timezone.now()})
