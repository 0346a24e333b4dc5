"""Staff's page of a proposal's eligibility checks and overrides: override a failed check, revoke an override.

Showing the page of a submitted proposal records the lapse of any override whose figure
changed since it was granted (``intake.services.overrides.overrides_record_lapses``).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import ActionForbidden, DomainError, StaleAction
from intake import selectors
from intake.forms.eligibility import EligibilityOverrideForm, OverrideRevokeForm
from intake.models import Proposal
from intake.services.call_rules import rules_differences
from intake.services.overrides import overrides_record_lapses
from workflow import access
from workflow.actions.screening import proposal_override_eligibility, proposal_revoke_override


def _page(
    request: AuthenticatedRequest,
    proposal: Proposal,
    *,
    bound: EligibilityOverrideForm | None = None,
    bound_revoke: OverrideRevokeForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    found = proposal.eligibility_checks()
    overrides_record_lapses(proposal=proposal, found=found)
    results = selectors.proposal_eligibility(proposal=proposal, found=found)
    can_override = not proposal.is_editable and not proposal.is_final
    forms = [
        (
            result,
            bound
            if bound is not None and bound.check_code == result.check.code
            else EligibilityOverrideForm(check_code=result.check.code),
        )
        for result in results
        if result.overridable and can_override
    ]
    overrides = [
        (
            row,
            (
                bound_revoke
                if bound_revoke is not None and bound_revoke.override_id == row.override.pk
                else OverrideRevokeForm(override_id=row.override.pk)
            )
            if row.revocable
            else None,
        )
        for row in selectors.proposal_overrides(proposal=proposal, results=results)
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
            "overrides": overrides,
            "can_override": can_override,
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


def _url(pk: int) -> str:
    return reverse("intake:eligibility", kwargs={"pk": pk})


@role_required(Role.STAFF)
def proposal_eligibility(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show every eligibility check and override of the proposal; on POST, override the failed check ``check``."""
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
    return redirect(_url(pk))


@role_required(Role.STAFF)
def override_revoke(request: AuthenticatedRequest, pk: int, override_pk: int) -> HttpResponse:
    """Revoke one override of the proposal (POST only), with the reason given; the override is kept, marked revoked.

    The proposal is fetched before the method is checked, so another program's staff get 404 either way.
    """
    proposal = access.proposal_for_staff(user=request.user, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    override = selectors.proposal_override(proposal=proposal, pk=override_pk)
    form = OverrideRevokeForm(request.POST, override_id=override.pk)
    if not form.is_valid():
        return _page(request, proposal, bound_revoke=form, status=400)
    try:
        proposal_revoke_override(
            proposal=proposal, override_id=override.pk, reason=form.cleaned_data["reason"], by=request.user
        )
    except ActionForbidden:
        raise
    except DomainError as error:
        status = error.status if isinstance(error, StaleAction) else 400
        return _page(request, proposal, bound_revoke=form, error=error.message, status=status)
    messages.success(request, _("The override is revoked; the reason is in the proposal's history."))
    return redirect(_url(pk))
