"""Reads shared by assessment's parts: the one definition of a conflict of interest.

An assessor is conflicted on a proposal when

- a ``Conflict`` row says so (declared by the assessor or recorded by staff);
- they are tied, now or within the last ``AFFILIATION_CONFLICT_YEARS`` years, to any
  organization of the proposal's consortium: by an affiliation of their assessor profile,
  or by a membership of their account (a current ``Membership`` or a ``FormerMembership``
  that ended within those years) — ``organization_tie_exists``;
- they lead another proposal of the same call, a competitor — ``competing_lead_exists``.

Board members are recused on the same ties (``board.selectors.board_recused``). The
automatic parts are computed, never stored, so they follow the consortium, the
affiliations and the memberships as they change. Every page, file link, export and the
solver ask here.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import FormerMembership, Membership
from assessment.models import Conflict, affiliation_conflict_since
from intake.models import ConsortiumMember, Proposal


def conflict_exists(*, assessor: Any, proposal: Any) -> Exists:
    """Return ``EXISTS`` (declared or recorded) conflict of ``assessor`` on ``proposal``.

    Both are ids or expressions (``OuterRef("pk")``, ``F(...)``) of the query it goes into.
    """
    return Exists(Conflict.objects.filter(assessor_id=assessor, proposal_id=proposal))


def affiliation_conflict_exists(*, assessor: Any, proposal: Any) -> Exists:
    """Return ``EXISTS`` a current or recent affiliation of ``assessor`` with a member of ``proposal``'s consortium."""
    recent = Q(organization__affiliations__ended_on__isnull=True) | Q(
        organization__affiliations__ended_on__gte=affiliation_conflict_since()
    )
    # One filter() call: the assessor and the dates are those of the same affiliation.
    same = Q(proposal_id=proposal, organization__affiliations__assessor_id=assessor)
    return Exists(ConsortiumMember.objects.filter(same & recent))


def membership_conflict_since() -> datetime:
    """Memberships that ended at or after this moment still conflict their holder (same years as affiliations)."""
    return timezone.make_aware(datetime.combine(affiliation_conflict_since(), time.min))


def membership_conflict_exists(*, person: Any, proposal: Any) -> Q:
    """The condition that ``person`` is a member, now or within the years, of an organization of the consortium."""
    # Joins, not ``__in`` subqueries: an ``OuterRef`` passed in must refer to the query this goes into.
    current = Membership.objects.filter(user_id=person, organization__consortium_memberships__proposal_id=proposal)
    former = FormerMembership.objects.filter(
        user_id=person,
        organization__consortium_memberships__proposal_id=proposal,
        left_at__gte=membership_conflict_since(),
    )
    return Q(Exists(current)) | Q(Exists(former))


def conflict_moments() -> tuple[date, datetime]:
    """The moments of the clock the automatic conflict reads today: affiliations and memberships ending since then.

    A read of the conflict compiled once keeps them in its key (``records.sql``), so that it is
    compiled again when the day changes; a new moment read by the rules belongs here too.
    """
    return affiliation_conflict_since(), membership_conflict_since()


def organization_tie_exists(*, person: Any, proposal: Any) -> Q:
    """The condition that ``person`` is tied to ``proposal``'s consortium by an affiliation or a membership.

    The automatic conflict of an assessor and the automatic recusal of a board member.
    """
    return Q(affiliation_conflict_exists(assessor=person, proposal=proposal)) | membership_conflict_exists(
        person=person, proposal=proposal
    )


def competing_lead_exists(*, person: Any, proposal: Any) -> Exists:
    """Return ``EXISTS`` another proposal of ``proposal``'s call led by ``person``: they compete with it.

    Any state counts, a draft or a withdrawn proposal included: whoever led one in the call
    is a competitor whose judgement the others' applicants may fairly doubt.
    """
    if hasattr(person, "resolve_expression"):
        # A person of the outer row (a pair of the assignment's, a meeting's members): each row asks
        # its own. The call read by a scalar subquery, one level deeper than the ``EXISTS`` (a
        # reference to an outer query goes one further out), and the competitor found by the (lead
        # applicant, call) index. Written with equalities alone, the test could be computed as one set
        # of every (lead, other proposal of the same call) pair, quadratic in a call's size.
        deeper = OuterRef(proposal) if isinstance(proposal, OuterRef) else proposal
        call = Proposal.objects.filter(pk=deeper).values("call_id")[:1]
        return Exists(Proposal.objects.filter(lead_applicant_id=person, call_id=Subquery(call)).exclude(pk=proposal))
    # One person (a page's viewer, a board member): the competitor's proposal and ``proposal`` joined
    # through their call and told apart by each other's id, in one filter() so that both conditions
    # read the same join. ``proposal`` then appears only in an equality, and PostgreSQL computes the
    # test once for a whole query, as a hashed set of the proposals that compete with that person's
    # (a board's agenda asks it for every item, ADR 0069), rather than once for each row. Run for
    # each row, it is an index probe of ``proposal``, of its call and of the (lead applicant, call)
    # index, on SQLite as on PostgreSQL.
    return Exists(
        Proposal.objects.filter(Q(lead_applicant_id=person, call__proposals=proposal) & ~Q(pk=F("call__proposals")))
    )


def automatic_conflict(*, person: Any, proposal: Any) -> Q:
    """The conflicts computed from the data, not recorded: a tie to the consortium, or leading a competitor."""
    return organization_tie_exists(person=person, proposal=proposal) | Q(
        competing_lead_exists(person=person, proposal=proposal)
    )


def conflicted(*, assessor: Any, proposal: Any) -> Q:
    """The condition that ``assessor`` is conflicted on ``proposal``, for ``filter``/``exclude``.

    ``assessor`` and ``proposal`` are ids or expressions of the query, e.g. in a queryset of
    proposals: ``conflicted(assessor=user.pk, proposal=OuterRef("pk"))`` (use ``OuterRef``
    inside ``Exists``; at the top level of a proposal queryset pass ``F("pk")``).
    """
    return Q(conflict_exists(assessor=assessor, proposal=proposal)) | automatic_conflict(
        person=assessor, proposal=proposal
    )
