"""Staff's changes of a call's rules: the call's edit form with its preview, and applying the rules to a proposal."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import StaleAction
from accounts.form_handling import form_save, form_submit
from intake import selectors, services
from intake.eligibility import Rules, rules_to_data
from intake.forms import CallForm
from intake.forms.eligibility import ApplyCallRulesForm
from intake.models import Call, Proposal
from intake.services.call_rules import (
    VerdictChange,
    call_rules_by_stage,
    call_rules_change_preview,
    proposal_call_rules_apply,
    proposal_rules_comparison,
)
from workflow import access


def _preview_token(new_rules_by_stage: Mapping[str, Rules], preview: list[VerdictChange]) -> str:
    """Name what a preview showed: the new rules and each verdict they change, so a save follows only that preview."""
    shown = {
        "rules": {stage: rules_to_data(rules) for stage, rules in sorted(new_rules_by_stage.items())},
        "verdicts": [[change.proposal.pk, change.code, change.before, change.after] for change in preview],
    }
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()


@role_required(Role.STAFF)
def call_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Edit a call. New rules that would change a submitted proposal's verdict are shown first and need a reason.

    The first save of such rules saves nothing: it shows which proposals' verdicts would change
    and asks for the reason; saving again the same rules, with the reason, saves them.
    """
    call = selectors.call_for_staff(user=request.user, pk=pk)
    saved_call = copy.copy(call)  # the form sets its values on ``call`` as it validates them
    form = CallForm(request.POST or None, instance=call)
    context: dict[str, Any] = {"program": call.program, "call": saved_call, "form": form}
    if request.method == "POST" and form.is_valid():
        new_rules = call_rules_by_stage(call=saved_call, fields=form.model_fields())
        preview = call_rules_change_preview(call=saved_call, new_rules_by_stage=new_rules)
        context["preview"] = preview
        token = _preview_token(new_rules, preview)
        if preview and form.cleaned_data["rules_previewed"] != token:
            form.data = data = form.data.copy() if isinstance(form.data, QueryDict) else QueryDict(mutable=True)
            data["rules_previewed"] = token
            form.add_error(
                None,
                _(
                    "Nothing is saved yet: the new rules would change the verdicts of the submitted proposals below, "
                    "which keep the rules frozen at their submission. Give the reason and save again."
                ),
            )
            return render(request, "intake/staff/call_form.html", context, status=400)
    done = form_submit(
        request,
        form,
        lambda: services.staff_edit_save(
            instance=call,
            by=request.user,
            expected_updated_at=form.cleaned_data["loaded_at"],
            reason=form.cleaned_data["reason"],
            **form.model_fields(),
        ),
        current=lambda: Call.objects.get(pk=pk).updated_at,
        status=400,
    )
    if done.saved:
        saved = _("The call is saved.")
        if context.get("preview"):
            saved += " " + _(
                "The submitted proposals keep the rules frozen at their submission: apply the new ones to a proposal "
                "from its eligibility page."
            )
        messages.success(request, saved)
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
