"""The full application: its overview with the progress, and the sections built here.

``application_nav`` gives every section page the context of
``templates/intake/application/_nav.html``: merge it into the page's context.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.form_handling import form_save
from intake.choices import BuiltInSection, VersionKind
from intake.completeness import (
    OUTCOME_FIELDS,
    SECTIONS,
    missing_by_section,
    proposal_stage,
    rules_by_section,
    sections_used,
    word_limit_of,
)
from intake.forms.application import (
    JOINT,
    DescriptionForm,
    ForegroundIPFormSet,
    IPTermsForm,
    MilestoneFormSet,
    OutcomesForm,
)
from intake.models import Proposal
from intake.selectors import EligibilityResult
from intake.services import application as services
from intake.services.application import application_missing, application_rules
from workflow import access


def application_nav(
    proposal: Proposal,
    current: str,
    *,
    missing: dict[str, list[str]] | None = None,
    results: list[EligibilityResult] | None = None,
) -> dict[str, Any]:
    """Return the context of the sections' navigation, with ``current`` (a section slug, or "") marked.

    Merge it into the page's context, then ``{% include "intake/application/_nav.html" %}``.
    ``missing`` is ``missing_by_section(proposal)`` and ``results`` is
    ``application_rules(proposal=proposal)`` when the caller already has them. Each section
    carries the call's rules its entries answer to (``rules``, live) and how many of them it
    breaks with no override (``broken``): a complete section that breaks one is never shown
    as plainly complete. ``current_rules`` are the current section's.
    """
    if missing is None:
        missing = missing_by_section(proposal)
    if results is None:
        results = application_rules(proposal=proposal)
    used = sections_used(proposal)
    by_section = rules_by_section(results, used)
    sections = []
    for section in used:
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
                "rules": by_section[section.slug],
                "broken": sum(1 for result in by_section[section.slug] if result.overridable),
            }
        )
    return {
        "application_nav": {
            "proposal": proposal,
            "sections": sections,
            "complete_count": sum(1 for section in sections if section["complete"]),
            "breaking_count": sum(1 for section in sections if section["broken"]),
            "current_rules": by_section.get(current, []),
            "total": len(sections),
            "overview_url": reverse("intake:application", kwargs={"pk": proposal.pk}),
            "on_overview": current == "",
        }
    }


def section_page_check(proposal: Proposal, section: str) -> None:
    """Refuse (404) the page of a built-in ``section`` that ``proposal``'s call does not use."""
    if section not in {used.slug for used in sections_used(proposal)}:
        raise Http404(_("This call's full application has no such section."))


def _word_limit(proposal: Proposal, section: str) -> int:
    """Return the word limit of ``section``'s texts: its stage's for the section, within the call's for every text."""
    own, every_text = word_limit_of(proposal, section), proposal.call.word_limit(VersionKind.APPLICATION)
    limits = [limit for limit in (own, every_text) if limit]
    return min(limits, default=0)


def _page(request: AuthenticatedRequest, pk: int, current: str) -> tuple[Proposal, dict[str, Any]]:
    """Fetch the proposal the user may read and the context every application page shares."""
    proposal = access.proposal_for_user(user=request.user, pk=pk)
    if current:
        section_page_check(proposal, current)
    missing = application_missing(proposal=proposal)
    at_application_stage = proposal_stage(proposal) == VersionKind.APPLICATION
    return proposal, {
        "proposal": proposal,
        "call": proposal.call,
        "missing": missing,
        "at_application_stage": at_application_stage,
        "can_edit": at_application_stage and proposal.is_editable,
        "section_title": next((section.label for section in SECTIONS if section.slug == current), ""),
        **application_nav(proposal, current, missing=missing),
    }


@role_required(Role.APPLICANT)
def application_overview(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show the sections of the full application, how many are complete and what each lacks."""
    _proposal, context = _page(request, pk, "")
    return render(request, "intake/application/overview.html", context)


def _save(form: forms.Form, save: Callable[[], object], *, proposal_pk: int) -> int:
    """Run ``save``; on a refusal say why on ``form`` (keeping what was typed) and return the status, else 0."""
    done = form_save(form, save, current=lambda: Proposal.objects.get(pk=proposal_pk).updated_at)
    return 0 if done.saved else done.status


def _section_response(
    request: AuthenticatedRequest,
    proposal: Proposal,
    context: dict[str, Any],
    template: str,
    *,
    form: forms.Form,
    save: Callable[[], object],
    others_valid: bool = True,
    **more: Any,
) -> HttpResponse:
    """Save a posted section through ``save`` when ``form`` and ``others_valid`` are valid, and answer."""
    status = 200
    if request.method == "POST":
        status = _save(form, save, proposal_pk=proposal.pk) if form.is_valid() and others_valid else 400
        if not status:
            messages.success(request, _("This section is saved."))
            return redirect(request.path)
    return render(request, template, {**context, "form": form, **more}, status=status)


@role_required(Role.APPLICANT)
def application_description(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The project description and the work plan with its milestones, saved together."""
    proposal, context = _page(request, pk, "description")
    limit = _word_limit(proposal, BuiltInSection.DESCRIPTION)
    if request.method == "POST":
        form = DescriptionForm(request.POST, word_limit=limit)
        formset = MilestoneFormSet(request.POST, prefix="milestones")
    else:
        form = DescriptionForm(
            initial={
                "project_description": proposal.project_description,
                "work_plan": proposal.work_plan,
                "loaded_at": proposal.updated_at.isoformat(),
            },
            word_limit=limit,
        )
        formset = MilestoneFormSet(
            prefix="milestones",
            initial=[
                {"title": m.title, "description": m.description, "month": m.month} for m in proposal.milestones.all()
            ],
        )
    return _section_response(
        request,
        proposal,
        context,
        "intake/application/description.html",
        form=form,
        others_valid=formset.is_valid(),
        save=lambda: services.application_description_save(
            proposal=proposal,
            by=request.user,
            expected_updated_at=form.cleaned_data["loaded_at"],
            project_description=form.cleaned_data["project_description"],
            work_plan=form.cleaned_data["work_plan"],
            milestones=[
                services.MilestoneData(title=row["title"], description=row["description"], month=row["month"])
                for row in _kept(formset)
            ],
        ),
        formset=formset,
    )


def _kept(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    """Return the cleaned rows of ``formset`` that were filled in and not marked for removal."""
    return [row for row in formset.cleaned_data if row and not row.get("DELETE")]


@role_required(Role.APPLICANT)
def application_ip(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The IP plan: each member's background IP, the foreground IP expected, the ownership and licensing terms."""
    proposal, context = _page(request, pk, "ip")
    limit = _word_limit(proposal, BuiltInSection.IP)
    members = list(proposal.members.all())
    if request.method == "POST":
        form = IPTermsForm(request.POST, word_limit=limit, members=members)
        formset = ForegroundIPFormSet(request.POST, prefix="foreground", form_kwargs={"members": members})
    else:
        form = IPTermsForm(
            initial={
                "ip_ownership_terms": proposal.ip_ownership_terms,
                "ip_partner_licensing": proposal.ip_partner_licensing,
                "ip_member_licensing": proposal.ip_member_licensing,
                "loaded_at": proposal.updated_at.isoformat(),
                **{f"background_ip_{member.pk}": member.background_ip for member in members},
            },
            word_limit=limit,
            members=members,
        )
        formset = ForegroundIPFormSet(
            prefix="foreground",
            form_kwargs={"members": members},
            initial=[
                {"kind": item.kind, "description": item.description, "owner": str(item.owner_id or JOINT)}
                for item in proposal.foreground_ip.all()
            ],
        )

    def save() -> object:
        return services.application_ip_save(
            proposal=proposal,
            by=request.user,
            expected_updated_at=form.cleaned_data["loaded_at"],
            background_ip=form.background_ip(),
            foreground_ip=[
                services.ForegroundIPData(
                    kind=row["kind"],
                    description=row["description"],
                    owner_id=None if row["owner"] == JOINT else int(row["owner"]),
                )
                for row in _kept(formset)
            ],
            ip_ownership_terms=form.cleaned_data["ip_ownership_terms"],
            ip_partner_licensing=form.cleaned_data["ip_partner_licensing"],
            ip_member_licensing=form.cleaned_data["ip_member_licensing"],
        )

    background_fields = [(member, form[f"background_ip_{member.pk}"]) for member in members]
    return _section_response(
        request,
        proposal,
        context,
        "intake/application/ip.html",
        form=form,
        save=save,
        others_valid=formset.is_valid(),
        formset=formset,
        members=members,
        background_fields=background_fields,
    )


@role_required(Role.APPLICANT)
def application_outcomes(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The expected outcomes during the project and in the three years after."""
    proposal, context = _page(request, pk, "outcomes")
    if request.method == "POST":
        form = OutcomesForm(request.POST)
    else:
        form = OutcomesForm(
            initial={
                **{name: getattr(proposal, name) for name in OUTCOME_FIELDS},
                "loaded_at": proposal.updated_at.isoformat(),
            }
        )
    rows = [
        {
            "label": label,
            "during_field": form[f"{name}_during"],
            "after_field": form[f"{name}_after"],
            "during": getattr(proposal, f"{name}_during"),
            "after": getattr(proposal, f"{name}_after"),
            "is_money": name == "revenue",
        }
        for name, label in OUTCOME_ROWS
    ]
    return _section_response(
        request,
        proposal,
        context,
        "intake/application/outcomes.html",
        form=form,
        save=lambda: services.application_outcomes_save(
            proposal=proposal,
            by=request.user,
            expected_updated_at=form.cleaned_data["loaded_at"],
            outcomes=form.outcomes(),
        ),
        rows=rows,
    )


#: The outcomes, each asked during the project and in the three years after.
OUTCOME_ROWS = (
    ("jobs", gettext_lazy("Jobs created")),
    ("revenue", gettext_lazy("Revenue ($)")),
    ("ip_rights", gettext_lazy("IP rights")),
    ("smes_scaled", gettext_lazy("SMEs scaled")),
)
