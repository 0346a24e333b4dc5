"""The full application: its overview with the progress, and the sections built here.

``application_nav`` gives every section page the context of
``templates/intake/application/_nav.html``: merge it into the page's context.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from intake import selectors
from intake.choices import VersionKind
from intake.completeness import SECTIONS, missing_by_section, proposal_stage
from intake.models import Proposal
from intake.services.application import application_missing


def application_nav(proposal: Proposal, current: str, *, missing: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """Return the context of the sections' navigation, with ``current`` (a section slug, or "") marked.

    Merge it into the page's context, then ``{% include "intake/application/_nav.html" %}``.
    ``missing`` is ``missing_by_section(proposal)`` when the caller already has it.
    """
    if missing is None:
        missing = missing_by_section(proposal)
    sections = []
    for section in SECTIONS:
        try:
            url: str | None = reverse(section.url_name, kwargs={"pk": proposal.pk})
        except NoReverseMatch:  # a section whose page does not exist yet is listed without a link
            url = None
        sections.append(
            {
                "slug": section.slug,
                "label": section.label,
                "url": url,
                "complete": not missing[section.slug],
                "missing": missing[section.slug],
                "current": section.slug == current,
            }
        )
    return {
        "application_nav": {
            "proposal": proposal,
            "sections": sections,
            "complete_count": sum(1 for section in sections if section["complete"]),
            "total": len(sections),
            "overview_url": reverse("intake:application", kwargs={"pk": proposal.pk}),
            "on_overview": current == "",
        }
    }


def _page(request: AuthenticatedRequest, pk: int, current: str) -> tuple[Proposal, dict[str, Any]]:
    """Fetch the proposal the user may read and the context every application page shares."""
    proposal = selectors.proposal_for_user(user=request.user, pk=pk)
    missing = application_missing(proposal=proposal)
    at_application_stage = proposal_stage(proposal) == VersionKind.APPLICATION
    return proposal, {
        "proposal": proposal,
        "call": proposal.call,
        "missing": missing,
        "at_application_stage": at_application_stage,
        "can_edit": at_application_stage and proposal.is_editable,
        **application_nav(proposal, current, missing=missing),
    }


@role_required(Role.APPLICANT)
def application_overview(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show the sections of the full application, how many are complete and what each lacks."""
    _proposal, context = _page(request, pk, "")
    return render(request, "intake/application/overview.html", context)
