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
from assessment.services.results import call_results, call_scores_csv, results_stages
from intake.choices import VersionKind
from intake.models import Call
from intake.selectors import call_for_staff


def _stage(request: AuthenticatedRequest, call: Call) -> tuple[str, list[tuple[str, str]]]:
    """Return the stage asked for (``?stage=loi``; else the full application) and the stages to choose from."""
    stages = results_stages(call=call)
    asked = request.GET.get("stage", VersionKind.APPLICATION)
    return (asked if asked in dict(stages) else VersionKind.APPLICATION), stages


@role_required(Role.STAFF)
def call_results_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Rank the call's proposals at a stage by weighted total, with each criterion's mean, the spread and outliers."""
    call = call_for_staff(user=request.user, pk=pk)
    stage, stages = _stage(request, call)
    return render(
        request,
        "assessment/staff/results.html",
        {
            "call": call,
            "results": call_results(call=call, stage=stage),
            "stage": stage,
            "stages": stages,
            "outlier_points": settings.ASSESSMENT_OUTLIER_POINTS,
        },
    )


@login_required
def call_results_csv(request: AuthenticatedRequest, pk: int) -> StreamingHttpResponse:
    """Stream every score and comment of the call's submitted reviews at a stage as CSV, one row per score."""
    # ``role_required`` is typed for plain responses; the same check, for a streamed one.
    if not request.user.has_role(Role.STAFF):
        raise PermissionDenied(_("This page is for users with the role: %(role)s.") % {"role": Role.STAFF.label})
    call = call_for_staff(user=request.user, pk=pk)
    stage, _stages = _stage(request, call)
    response = StreamingHttpResponse(call_scores_csv(call=call, stage=stage), content_type="text/csv; charset=utf-8")
    suffix = "" if stage == VersionKind.APPLICATION else f"-{stage}"
    response["Content-Disposition"] = f'attachment; filename="call-{call.pk}-scores{suffix}.csv"'
    return response
