"""The assessor's answer to an assignment and their review; staff's reopening of a submitted review."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import StaleAction
from assessment.forms.reviews import ReopenForm, RespondForm, ReviewForm
from assessment.services import reviews
from intake.services.versions import version_sheet
from workflow import reviews as review_actions


@role_required(Role.ASSESSOR)
def assignment_respond(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show an assignment's title, call and due date, and take the assessor's acceptance or decline."""
    assignment = reviews.assignment_for_assessor(user=request.user, pk=pk)
    if assignment.next_step == reviews.Step.DECLARE:
        return redirect("assessment:declare", pk=pk)
    form = RespondForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["answer"] == "accept":
            reviews.assignment_accept(assignment=assignment, by=request.user)
            messages.success(request, _("You accepted the assignment. You can now read the proposal and review it."))
            return redirect("assessment:review", pk=pk)
        reviews.assignment_decline(assignment=assignment, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("You declined the assignment. Staff have been told."))
        return redirect("assessment:dashboard")
    status = 400 if form.is_bound else 200
    return render(request, "assessment/review_respond.html", {"assignment": assignment, "form": form}, status=status)


@role_required(Role.ASSESSOR)
def review_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show the submitted version and the rubric; save the review as a draft or submit it."""
    page = reviews.review_page_for_assessor(user=request.user, pk=pk)
    form = ReviewForm(request.POST or None, criteria=page.criteria, review=page.review, scores=page.scores)
    status = 200
    if request.method == "POST" and not page.is_submitted:
        if form.is_valid():
            submit = "submit" in request.POST
            service = review_actions.review_submit if submit else reviews.review_save_draft
            try:
                service(
                    assignment=page.assignment,
                    by=request.user,
                    data=form.review_input(),
                    expected_updated_at=form.loaded_at_value(),
                )
            except reviews.ReviewIncomplete as incomplete:
                for name, message in incomplete.errors.items():
                    form.add_error(name, message)
                form.add_error(None, incomplete.message)
                return _review_page(request, page, _refreshed(request, form, pk), status=400)
            except StaleAction as stale:
                form.add_error(None, stale.message)
                return _review_page(request, page, form, status=409)
            if submit:
                messages.success(request, _("Your review is submitted. Thank you."))
            else:
                messages.success(request, _("Your draft is saved."))
            return redirect("assessment:review", pk=pk)
        status = 400
    return _review_page(request, page, form, status=status)


def _refreshed(request: AuthenticatedRequest, form: ReviewForm, pk: int) -> ReviewForm:
    """Keep the typed values and errors, with the draft's new time so the next save is not refused as stale."""
    saved = reviews.review_page_for_assessor(user=request.user, pk=pk)
    data = request.POST.copy()
    if saved.review is not None:
        data["loaded_at"] = saved.review.updated_at.isoformat()
    fresh = ReviewForm(data, criteria=saved.criteria, review=saved.review, scores=saved.scores)
    fresh.is_valid()
    for name, errors in form.errors.items():
        for error in errors:
            if error not in fresh.errors.get(name, []):
                fresh.add_error(None if name == "__all__" else name, error)
    return fresh


def _review_page(
    request: AuthenticatedRequest, page: reviews.ReviewPage, form: ReviewForm, *, status: int = 200
) -> HttpResponse:
    sheet = version_sheet(data=page.version.data) if page.version else None
    if sheet is not None and page.version is not None:
        linked = {attachment.pk for attachment in page.version.attachments.all()}
        for item in sheet["attachments"]:
            item["url"] = (
                reverse("intake:attachment_download", kwargs={"pk": item["id"]}) if item["id"] in linked else ""
            )
    return render(
        request,
        "assessment/review.html",
        {
            "page": page,
            "assignment": page.assignment,
            "proposal": page.assignment.proposal,
            "call": page.assignment.proposal.call,
            "version": page.version,
            "data": page.version.data if page.version else {},
            "sheet": sheet,
            "form": form,
        },
        status=status,
    )


@role_required(Role.STAFF)
def review_reopen(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Ask for the reason, then return a submitted review to its assessor as a draft (audited)."""
    review = reviews.review_for_staff(user=request.user, pk=pk)
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        review_actions.review_reopen(review=review, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The review is reopened: its assessor can change and submit it again."))
        return redirect("workflow:proposal_detail", pk=review.assignment.proposal_id)
    status = 400 if form.is_bound else 200
    return render(request, "assessment/review_reopen.html", {"review": review, "form": form}, status=status)
