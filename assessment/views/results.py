"""Staff's results of a call: the ranking with its flags, and the streamed export of every score."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from assessment.services.calibration import calibration_recompute
from assessment.services.results import call_results, call_scores_csv, results_stages
from intake.choices import VersionKind
from intake.models import Call
from intake.selectors import call_for_staff


def _stage(request: AuthenticatedRequest, call: Call) -> tuple[str, list[tuple[str, str]]]:
    """Return the stage asked for (``?stage=loi``; else the full application) and the stages to choose from."""
    stages = results_stages(call=call)
    asked = request.GET.get("stage", VersionKind.APPLICATION)
    return (asked if asked in dict(stages) else VersionKind.APPLICATION), stages


def _url_around_key(name: str) -> tuple[str, str]:
    """Return the URL of ``name`` as the text before and after its key: reversed once a page, not once a link."""
    sentinel = "918273645"
    before, after = reverse(name, args=[int(sentinel)]).split(sentinel)
    return before, after


@role_required(Role.STAFF)
def call_results_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show a page (``?page=``) of the call's proposals at a stage ranked by weighted total, with means and flags."""
    call = call_for_staff(user=request.user, pk=pk)
    stage, stages = _stage(request, call)
    return render(
        request,
        "assessment/staff/results.html",
        {
            "call": call,
            "results": call_results(call=call, stage=stage, page_number=request.GET.get("page")),
            "stage": stage,
            "stages": stages,
            "outlier_points": settings.ASSESSMENT_OUTLIER_POINTS,
            "proposal_url": _url_around_key("workflow:proposal_detail"),
            "reopen_url": _url_around_key("assessment:review_reopen"),
        },
    )


@role_required(Role.STAFF)
@require_POST
def call_results_recompute(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Refit the stage's calibration, reliability and chances now, then show the results again."""
    call = call_for_staff(user=request.user, pk=pk)
    stage = request.POST.get("stage", VersionKind.APPLICATION)
    if stage not in dict(results_stages(call=call)):
        stage = VersionKind.APPLICATION
    if calibration_recompute(call=call, stage=stage):
        messages.success(request, _("The calibration, reliability and chances of funding are recomputed."))
    else:
        messages.error(request, _("This stage has no rubric yet, so there is nothing to recompute."))
    return redirect(f"{reverse('assessment:results', args=[call.pk])}?stage={stage}")


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
