"""Staff's retention pages: what will be disposed of soon in a program, and the legal holds.

Each is its program's staff's: a program, call or proposal of another program answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import StaleAction
from intake import program_roles
from intake.models import Call, Proposal
from intake.selectors import call_for_staff, program_for_staff
from workflow.forms.retention import LegalHoldForm
from workflow.retention import (
    call_legal_hold_lift,
    call_legal_hold_set,
    disposals_upcoming,
    proposal_legal_hold_lift,
    proposal_legal_hold_set,
)


@role_required(Role.STAFF)
def disposals_preview(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """List the program's proposals due for disposition within 30 days, with each one's due date and hold."""
    program = program_for_staff(user=request.user, pk=pk)
    preview = disposals_upcoming(program=program, page=request.GET.get("page", 1))
    return render(request, "workflow/retention/preview.html", {"preview": preview, "program": program})


def _legal_hold_page(
    request: AuthenticatedRequest, *, load: Callable[[], tuple[bool, dict[str, Any]]], set_: Any, lift: Any
) -> HttpResponse:
    """Show a hold (``load`` reads it) and a form to set or lift it; on POST, do it or say why not.

    When somebody set or lifted it first, the page answers 409 with what happened, shows the
    hold as it is now and keeps the reason typed.
    """
    held, context = load()
    intent = LegalHoldForm.LIFT if held else LegalHoldForm.SET
    form = LegalHoldForm(request.POST or None, initial={"intent": intent})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            chosen = form.cleaned_data["intent"]
            try:
                (set_ if chosen == LegalHoldForm.SET else lift)(by=request.user, reason=form.cleaned_data["reason"])
            except StaleAction as error:
                held, context = load()
                intent = LegalHoldForm.LIFT if held else LegalHoldForm.SET
                data = request.POST.copy()
                data["intent"] = intent
                form = LegalHoldForm(data)
                form.is_valid()
                form.add_error(None, error.message)
                status = 409
            else:
                if chosen == LegalHoldForm.SET:
                    messages.success(
                        request, _("The legal hold is set: nothing it covers will be disposed of until it is lifted.")
                    )
                else:
                    messages.success(request, _("The legal hold is lifted."))
                return redirect(request.path)
    return render(
        request,
        "workflow/retention/legal_hold.html",
        {**context, "form": form, "held": held, "intent": intent},
        status=status,
    )


@role_required(Role.STAFF)
def proposal_legal_hold(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show a proposal's legal hold and set or lift it (audited)."""
    proposal = get_object_or_404(
        Proposal.objects.filter(program_roles.in_programs(request.user, Role.STAFF, "call__program")), pk=pk
    )

    def load() -> tuple[bool, dict[str, Any]]:
        current = Proposal.objects.select_related("call", "legal_hold_by").get(pk=pk)
        return current.legal_hold_at is not None, {"proposal": current, "call": current.call}

    return _legal_hold_page(
        request,
        load=load,
        set_=lambda **kw: proposal_legal_hold_set(proposal=proposal, **kw),
        lift=lambda **kw: proposal_legal_hold_lift(proposal=proposal, **kw),
    )


@role_required(Role.STAFF)
def call_legal_hold(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show a call's legal hold and set or lift it (recorded on the call and logged)."""
    call = call_for_staff(user=request.user, pk=pk)

    def load() -> tuple[bool, dict[str, Any]]:
        current = Call.objects.select_related("program", "legal_hold_by", "legal_hold_lifted_by").get(pk=pk)
        return current.legal_hold_at is not None, {"call": current}

    return _legal_hold_page(
        request,
        load=load,
        set_=lambda **kw: call_legal_hold_set(call=call, **kw),
        lift=lambda **kw: call_legal_hold_lift(call=call, **kw),
    )
