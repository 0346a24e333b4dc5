"""The applicant's page of a proposal: its state, what to do next, the actions open to them and its history.

Rendered by intake's proposal page and again by the lifecycle's action endpoint
(``workflow.views.proposal_act``) when a posted action form has errors, so both show the
same page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from accounts.decorators import AuthenticatedRequest
from intake import selectors
from intake.choices import VersionKind
from intake.lifecycle import actions_for, complete, transition_of
from intake.models import Proposal
from intake.states import next_step
from workflow.actions import history_text, reason_for_applicant
from workflow.forms import ACTION_FORMS, ActionForm
from workflow.forms.written import action_forms
from workflow.selectors import audit_records_for


def _moment(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def applicant_timeline(proposal: Proposal) -> list[dict[str, Any]]:
    """Tell the history of ``proposal`` to its applicant: when, what, and the reason meant for them; no names."""
    return [
        {
            "at": record.at,
            "text": history_text(record.action, record.data),
            "reason": record.reason if reason_for_applicant(record.action) else "",
            "due": _moment(record.data.get("due_at") or record.data.get("until")),
            "amount": record.data.get("amount") if record.action == "approve" else None,
        }
        for record in audit_records_for(proposal=proposal)
    ]


def _unmet(proposal: Proposal, action: str) -> tuple[list[str], list[str]]:
    """Return why the applicant cannot perform ``action`` yet: the unmet conditions, and what the proposal lacks.

    What is missing is listed on its own rather than run together in one sentence, so the page
    can say how many things are missing and list them; it is read once, for the list and the check.
    """
    declared = transition_of(action, proposal.state)
    messages: list[str] = []
    missing: list[str] = []
    for check in declared.conditions if declared is not None else []:
        if check is complete:
            missing = proposal.missing_for_submission()
        elif not check(proposal):
            messages.append(check.explain(proposal))
    return messages, missing


def applicant_proposal_page(
    request: AuthenticatedRequest, proposal: Proposal, *, bound: ActionForm | None = None, status: int = 200
) -> HttpResponse:
    """Render the applicant's page of ``proposal``; ``bound`` is a posted action form to show with its errors."""
    forms = []
    for action in actions_for(proposal, request.user):
        form_class = ACTION_FORMS[action]
        if not form_class.by_applicant:
            continue
        form = bound if bound is not None and bound.action == action else form_class(proposal=proposal)
        forms.append((form, *_unmet(proposal, action)))
    # The full application's sections, each with what it lacks: where the applicant completes it.
    checklist_url = (
        reverse("intake:application", args=[proposal.pk]) if proposal.stage.kind == VersionKind.APPLICATION else ""
    )
    return render(
        request,
        "intake/proposal_detail.html",
        {
            "proposal": proposal,
            "call": proposal.call,
            "next_step": next_step(proposal.state, proposal.stage.kind),
            "action_forms": forms,
            "action_forms_html": action_forms(request, proposal.pk, forms, checklist_url=checklist_url),
            "timeline": applicant_timeline(proposal),
            "eligibility": selectors.proposal_eligibility(proposal=proposal),
            "versions": selectors.proposal_versions_listed(proposal=proposal),
        },
        status=status,
    )
