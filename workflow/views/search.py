"""The proposals' search page: for staff, assessors and board members, each finding only what they may read."""

from __future__ import annotations

from html import escape

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from accounts.decorators import AuthenticatedRequest
from intake.choices import VersionKind
from intake.models import Proposal
from intake.states import ProposalState
from records.paging import page_counted
from records.rows import url_around_keys
from records.search_text import snippet
from workflow.access import proposals_visible_to
from workflow.forms.search import ProposalSearchForm
from workflow.search import ProposalFilters, proposal_search_calls, proposal_searcher, proposals_search

#: Results on a page.
PAGE_SIZE = 20
#: The filters a link may preset (``?call=3``) without searching yet.
FILTERS = ("call", "stage", "state")


#: A result, as the list's item: every value put in is HTML already escaped.
ROW = (
    '<li class="border-bottom py-3">\n'
    '      <h3 class="h5 mb-1"><a href="{link}">{title}</a></h3>\n'
    '      <p class="small text-secondary mb-1">{where}</p>\n'
    "      {snippet}\n"
    "    </li>\n"
)


class _ResultWriter:
    """Write a page's results as HTML: the links reversed and the labels translated once a page (ADR 0048).

    Each result is a title and its link, where it stands (program, call, state, stage) and the
    snippet with the searched words marked: written here, rather than variable by variable in
    the template, to the same HTML. Every value is escaped with ``html.escape``, the function
    Django's own ``escape`` applies, without its lazy-string wrapper.
    """

    def __init__(self, words: tuple[str, ...]) -> None:
        self.words = list(words)
        self.staff_url = url_around_keys("workflow:proposal_detail")
        self.assignment_url = url_around_keys("assessment:respond")
        self.applicant_url = url_around_keys("intake:proposal_detail")
        self.states = {value: escape(str(label)) for value, label in ProposalState.choices}
        self.kinds = {value: escape(str(label)) for value, label in VersionKind.choices}

    def rows(self, proposals: list[Proposal]) -> SafeString:
        """Return the list's items for ``proposals``, one a result."""
        html = "".join(self.row(proposal) for proposal in proposals)
        return mark_safe(html)  # noqa: S308 - accepted in .bandit.yaml

    def row(self, proposal: Proposal) -> str:
        """Return the list's item for ``proposal``, in HTML."""
        call = proposal.call
        where = [escape(call.program.name), escape(call.title), self.states.get(proposal.state, escape(proposal.state))]
        if proposal.stage is not None:
            where.append(self.kinds.get(proposal.stage.kind, escape(proposal.stage.kind)))
        fragments = self.snippet(proposal)
        return ROW.format(
            link=self.link(proposal),
            title=escape(proposal.title),
            where=" · ".join(where),
            snippet=f'<p class="mb-0">{fragments}</p>' if fragments else "",
        )

    def link(self, proposal: Proposal) -> str:
        """Where the searcher reads ``proposal``: the staff and board page, their assignment, or the applicant's."""
        if getattr(proposal, "on_staff_page", False):
            before, after = self.staff_url
            return f"{before}{proposal.pk}{after}"
        assignment = getattr(proposal, "assignment_pk", None)
        if assignment is not None:
            before, after = self.assignment_url
            return f"{before}{assignment}{after}"
        before, after = self.applicant_url
        return f"{before}{proposal.pk}{after}"

    def snippet(self, proposal: Proposal) -> str:
        """Return the passage around the first word searched, the words marked, in HTML ("" without a document)."""
        document = getattr(proposal, "search_document", None)
        if document is None:
            return ""
        fragments = snippet(document.body, self.words, folded=document.search_text)
        return "".join(
            f"<mark>{escape(fragment.text)}</mark>" if fragment.matched else escape(fragment.text)
            for fragment in fragments
        )


@login_required
def proposal_search(request: AuthenticatedRequest) -> HttpResponse:
    """Search the proposals the user may read by words, with the call, stage and state filters, 20 to a page."""
    if not proposal_searcher(request.user):
        raise PermissionDenied(_("This page is for program staff, assessors and board members."))
    # A search is submitted with its words' field, even empty; a link may only preset the filters.
    submitted = "q" in request.GET
    # The access rule, built once for the filter's calls and the results (each query holds it).
    visible = proposals_visible_to(user=request.user)
    calls = proposal_search_calls(user=request.user, visible=visible)
    if submitted:
        form = ProposalSearchForm(request.GET, calls=calls)
    else:
        preset = {name: request.GET[name] for name in FILTERS if name in request.GET}
        form = ProposalSearchForm(initial=preset, calls=calls)
    results, page, status = "", None, 200
    if submitted and form.is_valid():
        filters = ProposalFilters(
            words=form.words(),
            call=form.cleaned_data["call"],
            stage=form.cleaned_data["stage"],
            state=form.cleaned_data["state"],
        )
        page = page_counted(
            proposals_search(user=request.user, filters=filters, visible=visible),
            request.GET.get("page"),
            per_page=PAGE_SIZE,
        )
        results = _ResultWriter(filters.words).rows(list(page.object_list))
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
