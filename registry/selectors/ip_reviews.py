"""Which applications the IP review concerns, and which of them an IP manager may read.

An IP manager acts only in the programs they hold the role for (``intake.program_roles``), only on
the applications of calls that ask for the IP review (``Call.ip_review``), only once submitted
(``IP_REVIEW_STATES``). They read an application after declaring no conflict of interest with it,
and never one they are conflicted on as an assessor would be (``assessment.selectors.conflicted``:
a conflict on record, a tie to a partner organization, leading a competing proposal) or declared a
conflict with. ``workflow.access.proposals_visible_to`` reads ``ip_manager_may_read``: one rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q

from accounts.choices import Role
from accounts.models import User
from assessment.selectors import automatic_conflict, conflicted
from intake import program_roles
from intake.models import Proposal
from intake.states import PROJECT_STATES, ProposalState
from registry.models import IPReview, IPReviewDeclaration, IPVerdict

S = ProposalState
#: The states of an application the IP review reads: submitted, and every later one but a withdrawal or refusal.
IP_REVIEW_STATES = frozenset(
    {S.SUBMITTED, S.CHANGES_REQUESTED, S.IN_ASSESSMENT, S.ASSESSED, S.BOARD_REVIEW, S.APPROVED, S.DECLINED}
    | PROJECT_STATES
)


def ip_review_scope(*, user: User) -> Q:
    """The applications the IP review of ``user`` concerns: of their programs, of calls asking for it, submitted."""
    if not user.has_role(Role.IP_MANAGER):
        return Q(pk__in=[])
    return (
        program_roles.in_programs(user, Role.IP_MANAGER, "call__program")
        & Q(call__ip_review=True)
        & Q(state__in=IP_REVIEW_STATES)
    )


def ip_declared_no_conflict(*, user: User) -> Exists:
    """``EXISTS`` ``user``'s declaration of no conflict with the proposal of the query (``OuterRef("pk")``)."""
    return Exists(IPReviewDeclaration.objects.filter(proposal_id=OuterRef("pk"), ip_manager_id=user.pk, conflict=False))


def ip_manager_may_read(*, user: User) -> Q:
    """The applications ``user`` reads as IP manager: in scope, declared no conflict, and not conflicted."""
    if not user.has_role(Role.IP_MANAGER):
        return Q(pk__in=[])
    return (
        ip_review_scope(user=user)
        & Q(ip_declared_no_conflict(user=user))
        & ~conflicted(assessor=user.pk, proposal=OuterRef("pk"))
    )


@dataclass(frozen=True)
class IPReviewRow:
    """One application on the IP manager's list: what they may know before declaring, and where it stands."""

    proposal: Proposal
    #: ``None`` until they declared; else whether they declared a conflict.
    declared_conflict: bool | None
    #: Conflicted automatically (a tie to a partner, a competing lead) or on record: nothing to declare.
    conflicted: bool
    verdict: str
    verdict_label: str


def ip_review_rows(*, user: User) -> list[IPReviewRow]:
    """Return the applications of ``user``'s IP review, oldest call first, in one query.

    A conflicted application shows its title only, with no link: the IP manager reads nothing of it.
    """
    mine = IPReviewDeclaration.objects.filter(proposal_id=OuterRef("pk"), ip_manager_id=user.pk)
    proposals = (
        Proposal.objects.filter(ip_review_scope(user=user))
        .select_related("call", "call__program", "ip_review")
        .annotate(
            declared=Exists(mine),
            declared_conflict=Exists(mine.filter(conflict=True)),
            is_conflicted=ExpressionWrapper(
                conflicted(assessor=user.pk, proposal=OuterRef("pk")), output_field=BooleanField()
            ),
        )
        .order_by("call__application_closes_at", "call_id", "title", "pk")
    )
    rows = []
    for proposal in proposals:
        # The reverse one-to-one read by select_related: no query; absent, it raises an AttributeError.
        review = getattr(proposal, "ip_review", None)
        rows.append(
            IPReviewRow(
                proposal=proposal,
                declared_conflict=proposal.declared_conflict if proposal.declared else None,  # type: ignore[attr-defined]
                conflicted=proposal.is_conflicted,  # type: ignore[attr-defined]
                verdict=review.verdict if review else "",
                verdict_label=str(review.get_verdict_display()) if review else "",
            )
        )
    return rows


def ip_automatically_conflicted(*, user: User, proposal: Proposal) -> bool:
    """Return whether ``user`` is tied to ``proposal``'s consortium or leads a competitor (1 query)."""
    tied = automatic_conflict(person=user.pk, proposal=OuterRef("pk"))
    return Proposal.objects.filter(pk=proposal.pk).filter(tied).exists()


def ip_review_of(*, proposal: Proposal) -> IPReview | None:
    """Return ``proposal``'s IP review, if recorded: for the staff's and the board's proposal page.

    No query when the proposal was read with it (``workflow.access.proposal_for_staff_or_board``
    with ``page``); one otherwise.
    """
    related = Proposal.ip_review.related  # type: ignore[attr-defined]
    if related.is_cached(proposal):
        cached: IPReview | None = related.get_cached_value(proposal)
        return cached
    return IPReview.objects.filter(proposal_id=proposal.pk).select_related("reviewer").first()


def ip_review_prefill(*, review: IPReview | None) -> dict[str, str] | None:
    """Return what staff's request for changes starts with after a "needs changes" verdict, or None."""
    if review is None or review.verdict != IPVerdict.NEEDS_CHANGES:
        return None
    return {"message": review.changes_needed}
