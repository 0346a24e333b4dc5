"""The claims' pages: a project's claims, a claim (its figures, history and the steps each person may take),
its evidence's download, the staff's queue of a program's claims to review, and a program's terms."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import ActionForbidden, StaleAction
from accounts.form_handling import form_submit
from intake import program_roles
from intake.selectors import program_for_staff
from projects.claim_forms import (
    ApproveForm,
    ClaimLinesForm,
    ClaimStartForm,
    EvidenceForm,
    MessageForm,
    PaymentForm,
    ProgramTermsForm,
    RejectForm,
    VersionForm,
)
from projects.claims import claim_current_period, claim_due_on, claim_figures, claims_of_project, claims_queue
from projects.models import CLAIM_EDITABLE, Claim, ClaimState
from projects.selectors import program_terms
from projects.services import program_terms_save
from records.downloads import stored_file_download
from records.models import AuditRecord
from workflow import access, claims
from workflow.actions import history_text


@login_required
def claim_list(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """List the project's claims the person reads; its partners' people start one for their partner."""
    project = access.project_for_user(user=request.user, pk=pk)
    partners = list(access.project_partners_of(user=request.user, project=project))
    form = None
    if partners and project.started_on is not None:
        period = claim_current_period(project=project, on=timezone.localdate())
        form = ClaimStartForm(
            request.POST or None, partners=[(p.pk, str(p.organization)) for p in partners], period=period
        )
        done = form_submit(
            request,
            form,
            lambda: claims.claim_create(
                project=project,
                partner=next(p for p in partners if p.pk == form.cleaned_data["partner"]),
                by=request.user,
                period=form.cleaned_data["period"],
                final=form.cleaned_data["final"],
            ),
        )
        if done.saved and done.result is not None:
            messages.success(request, _("The claim is started: enter its costs and upload its evidence."))
            return redirect("projects:claim_detail", pk=project.pk, claim_pk=done.result.pk)
        status = done.status
    elif request.method == "POST":
        raise Http404
    else:
        status = 200
    visible = access.claims_visible_to(user=request.user).filter(project=project).values("pk")
    rows = claims_of_project(project=project).filter(pk__in=visible)
    return render(
        request,
        "projects/claim_list.html",
        {"project": project, "proposal": project.proposal, "claims": rows, "form": form},
        status=status,
    )


@login_required
def claim_detail(request: AuthenticatedRequest, pk: int, claim_pk: int) -> HttpResponse:
    """Show a claim (figures, explanation, evidence, history); take the step posted, as ``action``."""
    claim = access.claim_for_user(user=request.user, project_pk=pk, pk=claim_pk)
    project = claim.project
    is_partner = access.project_partners_of(user=request.user, project=project).filter(pk=claim.partner_id).exists()
    is_staff = program_roles.holds(request.user, Role.STAFF, project.proposal.call.program_id)
    editable = is_partner and claim.state in CLAIM_EDITABLE
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms: dict[str, Any] = {}
    version = {"version": claim.version}
    if editable:
        lines = {line.category: line for line in claim.lines.all()}
        initial = {**version}
        for category, line in lines.items():
            initial[f"cash_{category}"], initial[f"in_kind_{category}"] = line.cash, line.in_kind
        forms["lines"] = ClaimLinesForm(request.POST if action == "lines" else None, initial=initial)
        forms["evidence"] = EvidenceForm(request.POST if action == "evidence" else None,
                                         request.FILES if action == "evidence" else None)  # fmt: skip
    if is_staff and claim.state == ClaimState.SUBMITTED:
        forms["approve"] = ApproveForm(request.POST if action == "approve" else None, initial=version)
        forms["request_changes"] = MessageForm(request.POST if action == "request_changes" else None, initial=version)
        forms["reject"] = RejectForm(request.POST if action == "reject" else None, initial=version)
    if is_staff and claim.state == ClaimState.APPROVED:
        forms["pay"] = PaymentForm(
            request.POST if action == "pay" else None,
            initial={**version, "amount": claim.remaining, "paid_on": timezone.localdate()},
        )
    status = 200
    if action == "submit" and editable:
        forms["submit"] = submit_form = VersionForm(request.POST)
        done = form_submit(request, submit_form, lambda: claims.claim_submit(
            claim=claim, by=request.user, expected_version=submit_form.cleaned_data["version"]))  # fmt: skip
        if done.saved:
            messages.success(request, _("The claim is submitted for review."))
            return redirect(request.path)
        status = done.status
    elif action in forms:
        form = forms[action]
        done = form_submit(request, form, lambda: _step(action, claim, request, form.cleaned_data))
        if done.saved:
            messages.success(request, str(DONE[action]))
            return redirect(request.path)
        status = done.status
    elif request.method == "POST":
        return HttpResponse(_("This step is not open to you on this claim."), status=403)
    figures = claim_figures(claim=claim)
    history = [
        (record, history_text(record.action, record.data))
        for record in AuditRecord.objects.filter(proposal_id=project.proposal_id, data__claim=claim.pk)
        .select_related("actor")
        .order_by("at", "pk")
    ]
    return render(
        request,
        "projects/claim_detail.html",
        {
            "project": project, "proposal": project.proposal, "claim": claim, "figures": figures,
            "lines": list(claim.lines.all()), "evidence": list(claim.evidence.all()), "history": history,
            "payments": list(claim.payments.select_related("recorded_by")),
            "forms": forms, "editable": editable, "is_staff": is_staff,
            "due_on": claim_due_on(claim.period_end),
        },
        status=status,
    )  # fmt: skip


DONE = {
    "lines": _("The costs are saved; the figures below are computed again."),
    "evidence": _("The document is uploaded."),
    "approve": _("The claim is approved."),
    "request_changes": _("The claim is sent back to the partner with your message."),
    "reject": _("The claim is rejected."),
    "pay": _("The payment is recorded."),
}


def _step(action: str, claim: Claim, request: AuthenticatedRequest, data: dict[str, Any]) -> Any:
    by, version = request.user, data.get("version")
    if action == "lines":
        form = ClaimLinesForm(request.POST)
        form.is_valid()
        return claims.claim_lines_save(claim=claim, by=by, lines=form.lines(), expected_version=version)
    if action == "evidence":
        return claims.claim_evidence_upload(claim=claim, by=by, kind=data["kind"], upload=data["file"])
    if action == "approve":
        return claims.claim_approve(claim=claim, by=by, amount=data["amount"], reason=data["reason"],
                                    expected_version=version)  # fmt: skip
    if action == "request_changes":
        return claims.claim_request_changes(claim=claim, by=by, message=data["message"], expected_version=version)
    if action == "reject":
        return claims.claim_reject(claim=claim, by=by, reason=data["reason"], expected_version=version)
    return claims.claim_pay(claim=claim, by=by, amount=data["amount"], paid_on=data["paid_on"],
                            expected_version=version)  # fmt: skip


@login_required
def claim_evidence_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    """Send a claim's evidence to a person who may read the claim, as a download never rendered inline."""
    evidence = access.claim_evidence_for_user(user=request.user, pk=pk)
    return stored_file_download(
        evidence.file,
        filename=evidence.original_name,
        content_type=evidence.content_type,
        missing=_("The file of this document is missing."),
    )


@login_required
def claim_evidence_remove(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Ask the claim's partner's people to confirm removing a document; remove it (and its file) when they do.

    Only while the claim is a draft or sent back for changes; others who read the claim get 403,
    everyone else 404.
    """
    evidence = access.claim_evidence_for_user(user=request.user, pk=pk)
    claim = access.claim_for_user(user=request.user, project_pk=evidence.claim.project_id, pk=evidence.claim_id)
    back = reverse("projects:claim_detail", args=[claim.project_id, claim.pk])
    if not access.project_partners_of(user=request.user, project=claim.project).filter(pk=claim.partner_id).exists():
        raise ActionForbidden(_("Only the people of %(partner)s act on its claims.") % {"partner": claim.partner})
    if claim.state not in CLAIM_EDITABLE:
        refusal = StaleAction(
            _("This claim is “%(state)s”: it cannot be changed.") % {"state": claim.get_state_display()}
        )
        refusal.back_url, refusal.back_label = back, _("Back to the claim")
        raise refusal
    form = django_forms.Form(request.POST if request.method == "POST" else None)
    done = form_submit(request, form, lambda: claims.claim_evidence_remove(evidence=evidence, by=request.user))
    if done.saved:
        messages.success(
            request, _("“%(name)s” is removed from the claim's evidence.") % {"name": evidence.original_name}
        )
        return redirect(back)
    return render(
        request,
        "projects/claim_evidence_remove.html",
        {"project": claim.project, "proposal": claim.project.proposal, "claim": claim, "evidence": evidence,
         "form": form, "back": back},
        status=done.status,
    )  # fmt: skip


@role_required(Role.STAFF)
def program_claims(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """List the program's claims awaiting review, the oldest submitted first."""
    program = program_for_staff(user=request.user, pk=pk)
    # Read before rendering: no query runs while the template renders (bench/README.md).
    queue = list(claims_queue(program=program))
    return render(request, "projects/program_claims.html", {"program": program, "claims": queue})


@role_required(Role.STAFF)
def program_terms_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Edit what the program sets for each project it funds: periods, holdback, assurance, targets."""
    program = program_for_staff(user=request.user, pk=pk)
    form = ProgramTermsForm(request.POST or None, instance=program_terms(program))
    done = form_submit(request, form, lambda: program_terms_save(program=program, by=request.user, terms=form.instance))
    if done.saved:
        messages.success(request, _("The program's terms are saved. Projects already open keep theirs."))
        return redirect(reverse("intake:program_detail", args=[program.pk]))
    return render(request, "projects/program_terms.html", {"program": program, "form": form}, status=done.status)
