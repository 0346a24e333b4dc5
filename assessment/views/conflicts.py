"""Conflicts of interest: the assessor's declaration before reading, staff's list and record per call."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.form_handling import form_submit
from assessment.choices import AssignmentState
from assessment.forms.conflicts import CONFLICT, ConflictRecordForm, DeclarationForm
from assessment.services import conflicts as services
from intake.selectors import call_for_staff
from workflow import reviews as review_actions


@role_required(Role.ASSESSOR)
def declare(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show only the title and the consortium, and take the assessor's declaration."""
    declaration = services.assignment_for_declaration(user=request.user, pk=pk)
    form = DeclarationForm(request.POST or None)

    def save() -> tuple[str, str]:
        assignment = declaration.assignment
        if form.cleaned_data["answer"] == CONFLICT:
            services.conflict_declare(assignment=assignment, by=request.user, nature=form.cleaned_data["nature"])
            return (
                _("Your conflict of interest is recorded and the assignment withdrawn. Staff are told."),
                reverse("assessment:dashboard"),
            )
        current = services.conflict_declare_none(assignment=assignment, by=request.user)
        # On to the proposal: its review once accepted, or else the answer that opens it.
        if current.state == AssignmentState.ACCEPTED:
            return (
                _("Thank you. You can now read the proposal and review it."),
                reverse("assessment:review", kwargs={"pk": assignment.pk}),
            )
        return (
            _("Thank you. Accept the assignment to read the proposal and review it, or decline it."),
            reverse("assessment:respond", kwargs={"pk": assignment.pk}),
        )

    # Every refusal, a forbidden one too, is said on the form.
    done = form_submit(request, form, save, raised=lambda error: False)
    if done.saved and done.result is not None:
        message, url = done.result
        messages.success(request, message)
        return redirect(url)
    return render(request, "assessment/declare.html", {"declaration": declaration, "form": form}, status=done.status)


@role_required(Role.STAFF)
def call_conflicts(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """List every conflict on the call's proposals, and record one on an assessor's behalf."""
    call = call_for_staff(user=request.user, pk=pk)
    form = ConflictRecordForm(
        request.POST or None,
        assessors=services.assessors_for_record(call=call),
        proposals=services.proposals_of_call(call=call),
    )
    done = form_submit(
        request,
        form,
        lambda: review_actions.conflict_record(
            by=request.user,
            assessor=form.cleaned_data["assessor"],
            proposal=form.cleaned_data["proposal"],
            nature=form.cleaned_data["nature"],
        ),
        raised=lambda error: True,
    )
    if done.saved:
        messages.success(request, _("The conflict is recorded; any live assignment of the pair is withdrawn."))
        return redirect("assessment:call_conflicts", pk=call.pk)
    return render(
        request,
        "assessment/staff/conflicts.html",
        {"call": call, "rows": services.conflicts_for_call(call=call), "form": form},
        status=done.status,
    )
