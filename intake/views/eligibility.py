"""Staff's page of a proposal's eligibility checks, where a failed check can be overridden with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import ActionForbidden, DomainError, StaleAction
from intake import selectors
from intake.forms.eligibility import EligibilityOverrideForm
from intake.models import Proposal
from intake.services.call_rules import rules_differences
from workflow import access
from workflow.actions.screening import proposal_override_eligibility


def _page(
    request: AuthenticatedRequest,
    proposal: Proposal,
    *,
    bound: EligibilityOverrideForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    results = selectors.proposal_eligibility(proposal=proposal)
    forms = [
        (
            result,
            bound
            if bound is not None and bound.check_code == result.check.code
            else EligibilityOverrideForm(check_code=result.check.code),
        )
        for result in results
        if result.overridable
    ]
    rules = selectors.proposal_rules(proposal=proposal)
    return render(
        request,
        "intake/eligibility.html",
        {
            "proposal": proposal,
            "call": proposal.call,
            "checks": results,
            "forms": forms,
            "error": error,
            "rules": rules,
            "rules_differ": bool(
                rules_differences(
                    before=rules.rules, after=proposal.call.eligibility_rules(proposal.eligibility_stage())
                )
            ),
        },
        status=status,
    )


@role_required(Role.STAFF)
def proposal_eligibility(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show every eligibility check of the proposal; on POST, override the failed check named by ``check``."""
    proposal = access.proposal_for_staff(user=request.user, pk=pk)
    if request.method != "POST":
        return _page(request, proposal)
    code = request.POST.get("check", "")
    form = EligibilityOverrideForm(request.POST, check_code=code)
    if not form.is_valid():
        return _page(request, proposal, bound=form, status=400)
    try:
        proposal_override_eligibility(
            proposal=proposal, check_code=code, reason=form.cleaned_data["reason"], by=request.user
        )
    except ActionForbidden:
        raise
    except DomainError as error:
        # A refused override keeps the reason typed, with the message above the forms.
        status = error.status if isinstance(error, StaleAction) else 400
        return _page(request, proposal, bound=form, error=error.message, status=status)
    messages.success(request, _("The check is overridden; the reason is in the proposal's history."))
    return redirect(reverse("intake:eligibility", kwargs={"pk": pk}))
