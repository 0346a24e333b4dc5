"""Staff's stages page of a call: its path, windows, path rule, intake mode and cut-offs; copying another call's."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.form_handling import form_save, validation_errors_show
from intake import selectors
from intake.forms.stages import StagesCopyForm, StagesForm
from intake.models import Call
from intake.services.stage_changes import PathImpact, call_has_submissions, call_path_change, call_path_impact
from intake.services.stages import call_path_copy, call_path_current, call_path_problems


@role_required(Role.STAFF)
def call_stages(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show and change ``pk``'s path; once proposals are submitted, preview the change and ask why before saving."""
    call = selectors.call_for_staff(user=request.user, pk=pk)
    copy_form = StagesCopyForm(
        request.GET if "source" in request.GET else None,
        calls=selectors.calls_for_staff_of(user=request.user).exclude(pk=call.pk),
    )
    initial_path = call_path_current(call=call)
    if copy_form.is_bound and copy_form.is_valid():
        source = copy_form.cleaned_data["source"]
        initial_path = call_path_copy(source=source, years=copy_form.cleaned_data["years"])
        messages.info(
            request,
            _("The stages of “%(call)s” are filled in below. Review them, then save.") % {"call": source.title},
        )
    form = StagesForm(request.POST or None, call=call, initial_path=initial_path)
    submitted = call_has_submissions(call=call)
    impact: PathImpact | None = None
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        elif submitted and "confirm" not in request.POST:
            problems = call_path_problems(call=call, path=form.path())
            if problems:
                validation_errors_show(form, ValidationError(problems))
                status = 400
            else:
                impact = call_path_impact(call=call, path=form.path())
        else:
            done = form_save(
                form,
                lambda: call_path_change(
                    call=call,
                    path=form.path(),
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    expected_updated_at=form.cleaned_data["loaded_at"],
                ),
                field="reason",
                current=lambda: Call.objects.get(pk=pk).updated_at,
                status=None,
            )
            if done.saved:
                messages.success(request, _("The call's stages are saved."))
                return redirect("intake:call_staff_detail", pk=pk)
            status = done.status
            if submitted and "reason" in form.errors and len(form.errors) == 1:
                impact = call_path_impact(call=call, path=form.path())
    return render(
        request,
        "intake/staff/call_stages.html",
        {
            "call": call,
            "form": form,
            "copy_form": copy_form,
            "submitted": submitted,
            "impact": impact,
        },
        status=status,
    )
