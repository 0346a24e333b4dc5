"""Staff's edit form of a call, and applying the call's current rules to a submitted proposal."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import StaleAction
from accounts.form_handling import form_save, form_submit
from intake import selectors, services
from intake.forms import CallForm
from intake.forms.eligibility import ApplyCallRulesForm
from intake.models import Call, Proposal
from intake.services.call_rules import proposal_call_rules_apply, proposal_rules_comparison
from workflow import access


@role_required(Role.STAFF)
def call_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Edit a call's texts, windows and envelope; its rules are changed on its rules page (``call_rules_page``)."""
    call = selectors.call_for_staff(user=request.user, pk=pk)
    saved_call = copy.copy(call)  # the form sets its values on ``call`` as it validates them
    form = CallForm(request.POST or None, instance=call)
    context: dict[str, Any] = {"program": call.program, "call": saved_call, "form": form}
    done = form_submit(
        request,
        form,
        lambda: services.staff_edit_save(
            instance=call,
            by=request.user,
            expected_updated_at=form.cleaned_data["loaded_at"],
            **form.model_fields(),
        ),
        current=lambda: Call.objects.get(pk=pk).updated_at,
        status=400,
    )
    if done.saved:
        messages.success(request, _("The call is saved."))
        return redirect(reverse("intake:call_staff_detail", args=[pk]))
    return render(request, "intake/staff/call_form.html", context, status=done.status)


def _rules_page(
    request: AuthenticatedRequest, proposal: Proposal, form: ApplyCallRulesForm | None, status: int = 200
) -> HttpResponse:
    comparison = proposal_rules_comparison(proposal=proposal)
    if form is None:
        form = ApplyCallRulesForm(
            initial={"loaded_at": proposal.call.updated_at.isoformat(), "version": comparison.in_force.version}
        )
    return render(
        request,
        "intake/eligibility_rules.html",
        {"proposal": proposal, "call": proposal.call, "comparison": comparison, "form": form},
        status=status,
    )


@role_required(Role.STAFF)
def proposal_rules(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show the rules a submitted proposal is checked against beside the call's; on POST, apply the call's.

    A refusal because the call changed or a new version came in answers 409 with the page read
    anew, the reason kept, so staff apply knowingly what they now see.
    """
    proposal = access.proposal_for_staff(user=request.user, pk=pk)
    if request.method != "POST":
        return _rules_page(request, proposal, None)
    form = ApplyCallRulesForm(request.POST)
    if not form.is_valid():
        return _rules_page(request, proposal, form, status=400)
    done = form_save(
        form,
        lambda: proposal_call_rules_apply(
            proposal=proposal,
            by=request.user,
            reason=form.cleaned_data["reason"],
            expected_call_updated_at=form.cleaned_data["loaded_at"],
            expected_version=form.cleaned_data["version"],
        ),
    )
    if done.saved:
        messages.success(
            request, _("The call's current rules now apply to this proposal; the reason is in its history.")
        )
        return redirect(reverse("intake:eligibility", kwargs={"pk": pk}))
    if isinstance(done.refusal, StaleAction):
        proposal = access.proposal_for_staff(user=request.user, pk=pk)
        fresh = ApplyCallRulesForm(
            {
                "reason": form.cleaned_data["reason"],
                "loaded_at": proposal.call.updated_at.isoformat(),
                "version": proposal_rules_comparison(proposal=proposal).in_force.version or "",
            }
        )
        fresh.is_valid()
        fresh.add_error(None, done.refusal.message)
        form = fresh
    return _rules_page(request, proposal, form, status=done.status)
