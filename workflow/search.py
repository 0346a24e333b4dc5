"""The proposals' search: words in English or French, filters, and only what the searcher may read (docs/search.md).

The words are matched in each proposal's search document (``intake.ProposalSearchDocument``)
through the full-text index of ``records.search``: every folded word as a prefix, so
``equipe`` finds ``équipes``. The hits join the very rule of every proposal page
(``workflow.access.proposals_visible_to``): a conflicted assessor, a recused board member,
staff of another program never get a hit, and a decision not released yet is neither shown nor
searchable by its state. A page of results costs the same number of queries whatever it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import BooleanField, Case, F, OuterRef, QuerySet, Subquery, Value, When

from accounts.choices import Role
from accounts.models import User
from assessment.choices import ACTIVE_ASSIGNMENT_STATES
from assessment.models import Assignment
from intake.models import Call, Proposal, ProposalSearchDocument
from records.search import text_matches
from workflow.access import proposals_shown_in_state, proposals_visible_to, staff_or_board_page_of

#: The columns a result reads: its title, call, program, stage and state, and its document for the snippet.
SHOWN = (
    "title", "state", "approved_amount", "decision_conditions", "submitted_at", "call__title_en", "call__title_fr",
    "call__program__name_en", "call__program__name_fr", "stage__kind", "search_document__body",
    "search_document__search_text",
)  # fmt: skip

#: Who may search the proposals: each finds only the proposals they may read.
SEARCHERS = (Role.STAFF, Role.ASSESSOR, Role.BOARD_MEMBER)


@dataclass(frozen=True)
class ProposalFilters:
    """A search: its folded words (``records.search_text.query_words``, at least one) and filters ("" or None: any)."""

    words: tuple[str, ...]
    call: int | None = None
    stage: str = ""
    state: str = ""


def proposal_searcher(user: User) -> bool:
    """Say whether ``user`` may search the proposals (staff, assessors and board members)."""
    return any(user.has_role(role) for role in SEARCHERS)


def proposal_search_calls(*, user: User, visible: QuerySet[Proposal] | None = None) -> QuerySet[Call]:
    """Return the calls of the proposals ``user`` may read, for the search's filter (1 query).

    ``visible``: ``proposals_visible_to(user=user)`` when the caller built it already (a page
    that searches too builds the rule once).
    """
    visible = proposals_visible_to(user=user) if visible is None else visible
    calls = visible.order_by().values("call_id")
    return Call.objects.filter(pk__in=calls).select_related("program").order_by("-loi_opens_at", "pk")


def proposals_with_words(proposals: QuerySet[Proposal], *, words: Sequence[str]) -> QuerySet[Proposal]:
    """Keep the ``proposals`` whose search document holds every one of ``words`` (folded, each a prefix)."""
    return proposals.filter(
        pk__in=text_matches(ProposalSearchDocument, column="search_text", words=list(words), stored=True)
    )


def proposals_search(
    *, user: User, filters: ProposalFilters, visible: QuerySet[Proposal] | None = None
) -> QuerySet[Proposal]:
    """Return the proposals ``user`` may read that match ``filters``, the newest submission first.

    Each row holds its search document (for the snippet) and says where ``user`` reads it:
    ``on_staff_page`` (staff of its program, or on a meeting's agenda of theirs), else
    ``assignment_pk`` (their assignment, as assessor), else the applicant's page. ``visible``:
    ``proposals_visible_to(user=user)`` when the caller built it already.
    """
    visible = proposals_visible_to(user=user) if visible is None else visible
    proposals = proposals_with_words(visible, words=filters.words)
    if filters.call is not None:
        proposals = proposals.filter(call_id=filters.call)
    if filters.stage:
        proposals = proposals.filter(stage__kind=filters.stage)
    if filters.state:
        proposals = proposals_shown_in_state(proposals, user=user, state=filters.state)
    assignment = Assignment.objects.filter(
        proposal_id=OuterRef("pk"), assessor_id=user.pk, state__in=ACTIVE_ASSIGNMENT_STATES
    ).values("pk")[:1]
    # Only what a result shows (and what withholding a decision rewrites): the rows are read whole otherwise.
    proposals = proposals.select_related(None).select_related("call__program", "stage", "search_document").only(
        *SHOWN
    ).annotate(
        on_staff_page=Case(When(staff_or_board_page_of(user), then=Value(True)), default=Value(False),
                           output_field=BooleanField()),
        assignment_pk=Subquery(assignment),
    )  # fmt: skip
    # Newest submission first on both back ends: ranking would read every hit's long text again.
    return proposals.order_by(F("submitted_at").desc(nulls_last=True), "-pk")
