"""The IP manager's pages: the applications to review, the declaration before reading one, and the review."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.form_handling import form_submit
from intake.models import ConsortiumMember, Proposal
from registry.ip_review_forms import IPDeclarationForm, IPReviewForm
from registry.models import IPReview, IPReviewDeclaration
from registry.selectors.ip_reviews import ip_automatically_conflicted, ip_review_rows, ip_review_scope
from registry.services.ip_reviews import ip_review_declare_conflict, ip_review_declare_none, ip_review_submit
from workflow.access import proposal_for_ip_manager


@role_required(Role.IP_MANAGER)
def review_list(request: AuthenticatedRequest) -> HttpResponse:
    """List the applications of the IP manager's programs whose calls ask for the IP review."""
    return render(request, "registry/ip_review_list.html", {"rows": ip_review_rows(user=request.user)})


@role_required(Role.IP_MANAGER)
def declare(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Declare no conflict (then read the application) or a conflict (staff arrange its review)."""
    proposal = get_object_or_404(
        Proposal.objects.filter(ip_review_scope(user=request.user)).select_related("call", "call__program"), pk=pk
    )
    declared = IPReviewDeclaration.objects.filter(proposal=proposal, ip_manager=request.user).first()
    if declared is not None and not declared.conflict:
        return redirect("ip_review:review", pk=pk)
    conflicted = declared is not None or ip_automatically_conflicted(user=request.user, proposal=proposal)
    form = IPDeclarationForm(request.POST or None)

    def save() -> IPReviewDeclaration:
        if form.cleaned_data["answer"] == "none":
            return ip_review_declare_none(proposal=proposal, by=request.user)
        return ip_review_declare_conflict(proposal=proposal, by=request.user, nature=form.cleaned_data["nature"])

    done = form_submit(request, form, save) if not conflicted else None
    if done is not None and done.saved and done.result is not None:
        if done.result.conflict:
            messages.success(request, _("Your conflict is recorded; program staff will arrange this IP review."))
            return redirect("ip_review:list")
        return redirect("ip_review:review", pk=pk)
    consortium = (
        []
        if conflicted
        else list(
            ConsortiumMember.objects.filter(proposal=proposal)
            .select_related("organization")
            .order_by("-is_lead", "organization__legal_name", "pk")
        )
    )
    context = {
        "proposal": proposal,
        "form": form,
        "conflicted": conflicted,
        "declared": declared,
        "consortium": consortium,
    }
    return render(request, "registry/ip_review_declare.html", context, status=done.status if done else 200)


@role_required(Role.IP_MANAGER)
def review(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Read the application's IP plan, work plan and partners' background IP; record the findings and verdict."""
    proposal = proposal_for_ip_manager(user=request.user, pk=pk)
    current = IPReview.objects.filter(proposal=proposal).first()
    form = IPReviewForm(request.POST or None, review=current)
    done = form_submit(
        request,
        form,
        lambda: ip_review_submit(
            proposal=proposal,
            by=request.user,
            findings=form.cleaned_data["findings"],
            verdict=form.cleaned_data["verdict"],
            changes_needed=form.cleaned_data["changes_needed"],
            expected_updated_at=form.cleaned_data["loaded_at"],
        ),
        current=lambda: IPReview.objects.get(proposal=proposal).updated_at,
    )
    if done.saved:
        messages.success(request, _("The IP review is recorded; program staff are told."))
        return redirect("ip_review:list")
    context = {
        "proposal": proposal,
        "form": form,
        "review": current,
        "partners": ConsortiumMember.objects.filter(proposal=proposal)
        .select_related("organization")
        .order_by("-is_lead", "organization__legal_name", "pk"),
        "milestones": proposal.milestones.all(),
        "foreground_ip": proposal.foreground_ip.select_related("owner__organization"),
    }
    return render(request, "registry/ip_review_form.html", context, status=done.status)
