"""The proposals' search page: for staff, assessors and board members, each finding only what they may read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.decorators import AuthenticatedRequest
from intake.models import Proposal
from records.search_text import Fragment, snippet
from workflow.forms.search import ProposalSearchForm
from workflow.search import ProposalFilters, proposal_search_calls, proposal_searcher, proposals_search

#: Results on a page.
PAGE_SIZE = 20
#: The filters a link may preset (``?call=3``) without searching yet.
FILTERS = ("call", "stage", "state")


def _link(proposal: Proposal) -> str:
    """Where the searcher reads ``proposal``: the staff and board page, their assignment, or the applicant's page."""
    if getattr(proposal, "on_staff_page", False):
        return reverse("workflow:proposal_detail", kwargs={"pk": proposal.pk})
    assignment = getattr(proposal, "assignment_pk", None)
    if assignment is not None:
        return reverse("assessment:respond", kwargs={"pk": assignment})
    return reverse("intake:proposal_detail", kwargs={"pk": proposal.pk})


def _snippet(proposal: Proposal, words: tuple[str, ...]) -> list[Fragment]:
    document = getattr(proposal, "search_document", None)
    if document is None:
        return []
    return snippet(document.body, list(words), folded=document.search_text)


@login_required
def proposal_search(request: AuthenticatedRequest) -> HttpResponse:
    """Search the proposals the user may read by words, with the call, stage and state filters, 20 to a page."""
    if not proposal_searcher(request.user):
        raise PermissionDenied(_("This page is for program staff, assessors and board members."))
    # A search is submitted with its words' field, even empty; a link may only preset the filters.
    submitted = "q" in request.GET
    calls = proposal_search_calls(user=request.user)
    if submitted:
        form = ProposalSearchForm(request.GET, calls=calls)
    else:
        preset = {name: request.GET[name] for name in FILTERS if name in request.GET}
        form = ProposalSearchForm(initial=preset, calls=calls)
    results, page, status = [], None, 200
    if submitted and form.is_valid():
        filters = ProposalFilters(
            words=form.words(),
            call=form.cleaned_data["call"],
            stage=form.cleaned_data["stage"],
            state=form.cleaned_data["state"],
        )
        page = Paginator(proposals_search(user=request.user, filters=filters), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        results = [(proposal, _link(proposal), _snippet(proposal, filters.words)) for proposal in page.object_list]
    elif submitted:
        status = 400
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workflow/proposal_search.html",
        {
            "form": form,
            "filters": [form["call"], form["stage"], form["state"]],
            "page": page,
            "results": results,
            "query": query.urlencode(),
        },
        status=status,
    )
