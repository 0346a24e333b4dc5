"""Staff's results of a call: the ranking with its flags, and the streamed export of every score."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from assessment.services.results import call_results, call_scores_csv
from intake.selectors import call_for_staff


@role_required(Role.STAFF)
def call_results_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Rank the call's proposals by weighted total, with each criterion's mean, the spread and outliers."""
    call = call_for_staff(user=request.user, pk=pk)
    return render(
        request,
        "assessment/staff/results.html",
        {"call": call, "results": call_results(call=call), "outlier_points": settings.ASSESSMENT_OUTLIER_POINTS},
    )


@login_required
def call_results_csv(request: AuthenticatedRequest, pk: int) -> StreamingHttpResponse:
    """Stream every score and comment of the call's submitted reviews as CSV, one row per score."""
    # ``role_required`` is typed for plain responses; the same check, for a streamed one.
    if not request.user.has_role(Role.STAFF):
        raise PermissionDenied(_("This page is for users with the role: %(role)s.") % {"role": Role.STAFF.label})
    call = call_for_staff(user=request.user, pk=pk)
    response = StreamingHttpResponse(call_scores_csv(call=call), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="call-{call.pk}-scores.csv"'
    return response
