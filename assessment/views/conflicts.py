"""Conflicts of interest: the assessor's declaration before reading, staff's list and record per call."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import DomainError
from assessment.forms.conflicts import CONFLICT, ConflictRecordForm, DeclarationForm
from assessment.services import conflicts as services
from intake.selectors import call_for_staff
from workflow import reviews as review_actions


@role_required(Role.ASSESSOR)
def declare(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show only the title and the consortium, and take the assessor's declaration."""
    declaration = services.assignment_for_declaration(user=request.user, pk=pk)
    form = DeclarationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if form.cleaned_data["answer"] == CONFLICT:
                    services.conflict_declare(
                        assignment=declaration.assignment, by=request.user, nature=form.cleaned_data["nature"]
                    )
                    messages.success(
                        request,
                        _("Your conflict of interest is recorded and the assignment withdrawn. Staff are told."),
                    )
                    return redirect("assessment:dashboard")
                services.conflict_declare_none(assignment=declaration.assignment, by=request.user)
            except ValidationError as error:
                form.add_error("nature" if hasattr(error, "error_dict") else None, error.messages)
            except DomainError as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                messages.success(request, _("Thank you. You can now read the proposal."))
                return redirect("assessment:dashboard")
    return render(request, "assessment/declare.html", {"declaration": declaration, "form": form}, status=status)


@role_required(Role.STAFF)
def call_conflicts(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """List every conflict on the call's proposals, and record one on an assessor's behalf."""
    call = call_for_staff(pk=pk)
    form = ConflictRecordForm(
        request.POST or None,
        assessors=services.assessors_for_record(),
        proposals=services.proposals_of_call(call=call),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                review_actions.conflict_record(
                    by=request.user,
                    assessor=form.cleaned_data["assessor"],
                    proposal=form.cleaned_data["proposal"],
                    nature=form.cleaned_data["nature"],
                )
            except ValidationError as error:
                by_field = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
                for field, field_errors in by_field.items():
                    form.add_error(field if field in form.fields else None, field_errors)
            else:
                messages.success(request, _("The conflict is recorded; any live assignment of the pair is withdrawn."))
                return redirect("assessment:call_conflicts", pk=call.pk)
    return render(
        request,
        "assessment/staff/conflicts.html",
        {"call": call, "rows": services.conflicts_for_call(call=call), "form": form},
        status=status,
    )
