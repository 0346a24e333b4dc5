"""Who may read which proposal: the one access rule of every page, file link, export and interface.

A user reads a proposal as one of: its lead applicant or a co-applicant; staff of its program; an
assessor assigned to it (offered or accepted) who declared no conflict and is not
conflicted (``assessment.selectors.conflicted``); a board member invited to a meeting whose
agenda holds it, on its program's board and not recused (``board.selectors.board_recused``).
Whatever the page, a proposal outside ``proposals_visible_to`` answers 404, never telling that it exists.

The board's decision is confidential until staff release it (``decision_withheld_from``):
until then its applicants read the proposal as still before the board.
"""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.query import ModelIterable
from django.shortcuts import get_object_or_404

from accounts.choices import Role
from accounts.models import User
from assessment.choices import ACTIVE_ASSIGNMENT_STATES
from assessment.models import Assignment
from assessment.selectors import conflicted
from board.models import AgendaItem
from board.selectors import board_recused
from intake import program_roles
from intake.models import Attachment, CoApplicant, Proposal
from intake.selectors import RELATED
from intake.states import DECIDED, ProposalState


def proposals_visible_to(*, user: User) -> QuerySet[Proposal]:
    """Return the proposals ``user`` may read, whatever their roles combine to.

    Applicants read the proposals they lead; staff read their programs' (``intake.program_roles``);
    board members read those on the agenda (now or before) of a meeting they are invited to, never one they are recused
    from (``board.selectors.board_recused``), whatever the page; assessors read those
    they are assigned to (offered or accepted), once they declared no conflict, and never
    one they are conflicted on (``assessment.selectors.conflicted``), whatever the page.

    A board decision not released yet is withheld from whoever is neither staff nor deciding
    it (``decisions_withheld``): such a proposal reads as still before the board.
    """
    proposals = Proposal.objects.select_related(*RELATED)
    if program_roles.acts_everywhere(user, Role.STAFF):
        return proposals
    visible = Q(pk__in=[])
    if user.has_role(Role.STAFF):
        visible |= _staff_of(user)
    if user.has_role(Role.APPLICANT):
        visible |= _applicant_of(user)
    if user.has_role(Role.BOARD_MEMBER):
        visible |= _board_member_of(user)
    if user.has_role(Role.ASSESSOR):
        visible |= _assessor_of(user)
    return decisions_withheld(proposals.filter(visible), user=user)


def proposal_for_user(*, user: User, pk: int) -> Proposal:
    """Return the proposal ``pk`` if ``user`` may read it, or raise 404 (not revealing that it exists)."""
    return get_object_or_404(proposals_visible_to(user=user), pk=pk)


def _staff_of(user: User) -> Q:
    """The proposals of the programs ``user`` is staff of (``intake.program_roles``)."""
    return program_roles.in_programs(user, Role.STAFF, "call__program")


def _assessor_of(user: User) -> Q:
    """The proposals ``user`` is assigned to assess, has declared no conflict with, and is not conflicted on."""
    assigned = Assignment.objects.filter(
        proposal_id=OuterRef("pk"),
        assessor_id=user.pk,
        state__in=ACTIVE_ASSIGNMENT_STATES,
        no_conflict_declared_at__isnull=False,
    )
    return Q(Exists(assigned)) & ~conflicted(assessor=user.pk, proposal=OuterRef("pk"))


def _board_member_of(user: User) -> Q:
    """The proposals on the agenda of a meeting ``user`` is invited to (the chair is one) and not recused from.

    A recused member still reads the proposal's title on the agenda, which lists the
    meeting's items itself; every page of the proposal asks here and answers 404.

    Recusal is ``board.selectors.board_recused``'s rule: a declared conflict, or an
    automatic one as for assessors.
    """
    on_agenda = AgendaItem.objects.filter(proposal_id=OuterRef("pk"), meeting__members=user.pk)
    of_their_board = program_roles.in_programs(user, Role.BOARD_MEMBER, "call__program")
    return Q(Exists(on_agenda)) & of_their_board & ~board_recused(member=user.pk, proposal=OuterRef("pk"))


def _applicant_of(user: User) -> Q:
    """The proposals ``user`` leads or was invited to edit as a co-applicant."""
    return Q(lead_applicant=user) | Q(pk__in=CoApplicant.objects.filter(user=user).values("proposal_id"))


def proposals_of_applicant(*, user: User) -> QuerySet[Proposal]:
    """Return the proposals ``user`` leads or co-applies to, grouped by call (newest call first).

    Each reads as its applicants may know it: a decision not released yet is withheld.
    """
    return decisions_withheld(
        Proposal.objects.filter(_applicant_of(user))
        .select_related("call", "call__program", "stage", "lead_organization")
        .order_by("-call__loi_opens_at", "call_id", "-created_at", "pk"),
        user=user,
    )


# --- The board's decisions, confidential until staff release them ------------------------------

#: What a proposal whose decision is withheld reads as: still before the board.
WITHHELD_AS = ProposalState.BOARD_REVIEW


def decision_released(*, proposal: Any = None) -> Exists:
    """The condition that the board's decision on ``proposal`` was released to its applicants.

    Released when staff released the decisions of the meeting whose agenda holds the
    proposal now (a deferred item's meeting does not count). ``proposal`` is an id or an
    expression of the query this goes into (``OuterRef("pk")`` when omitted).
    """
    return Exists(
        AgendaItem.objects.filter(
            proposal_id=OuterRef("pk") if proposal is None else proposal,
            deferred_to__isnull=True,
            meeting__decisions_released_at__isnull=False,
        )
    )


def decision_withheld_from(*, user: User) -> Q | None:
    """The condition on proposals that ``user`` may not know their board decision yet; None if ``user`` may know all.

    The one rule of the decisions' confidentiality: a proposal approved or declined whose
    decision is not released is withheld from everyone but staff and the board members
    deciding it (invited to its meeting and not recused). Its applicants and co-applicants
    see it before the board, on every page, in its history, and hear of it at the release.
    """
    if program_roles.acts_everywhere(user, Role.STAFF):
        return None
    withheld = Q(state__in=DECIDED) & ~Q(decision_released())
    if user.has_role(Role.STAFF):
        withheld &= ~_staff_of(user)
    if user.has_role(Role.BOARD_MEMBER):
        withheld &= ~_board_member_of(user)
    return withheld


def decisions_withheld(proposals: QuerySet[Proposal], *, user: User) -> QuerySet[Proposal]:
    """Return ``proposals`` as ``user`` may read them: each whose decision is withheld reads as before the board.

    Each proposal read gets ``decision_withheld``; one whose decision is withheld from
    ``user`` has its state, approved amount and conditions of funding replaced by what they
    were before the decision (``proposal_decision_withhold``). No query is added: the
    condition is one more column of the same read.
    """
    withheld = decision_withheld_from(user=user)
    if withheld is None:
        return proposals
    annotated = proposals.annotate(
        decision_withheld=Case(When(withheld, then=Value(True)), default=Value(False), output_field=BooleanField())
    )
    annotated._iterable_class = _DecisionsWithheldIterable
    return annotated


class _DecisionsWithheldIterable(ModelIterable):
    """Yield the proposals of a read, each whose ``decision_withheld`` is set read as before the board."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        for proposal in super().__iter__():
            if getattr(proposal, "decision_withheld", False):
                proposal_decision_withhold(proposal)
            yield proposal


def proposal_decision_withhold(proposal: Proposal) -> Proposal:
    """Make ``proposal`` (read, never to be saved as such) read as before the board: no decision, amount or conditions.

    The state is set past the lifecycle's protection on purpose: this copy is only shown.
    Every write reads its row again under a lock (``workflow.actions``,
    ``intake.services.proposal_lock_for_editing``), so the decision itself is never lost.
    """
    proposal.__dict__["state"] = WITHHELD_AS
    proposal.approved_amount = None
    proposal.decision_conditions = ""
    proposal.decision_withheld = True  # type: ignore[attr-defined]
    return proposal


def proposal_decision_withheld(*, proposal: Proposal, user: Any) -> bool:
    """Say whether the board's decision on ``proposal`` is withheld from ``user`` (1 query, none for staff)."""
    if not isinstance(user, User):  # Clusterflow itself (the sweeps) knows every decision.
        return False
    withheld = decision_withheld_from(user=user)
    if withheld is None or proposal.state not in DECIDED:
        return False
    return Proposal.objects.filter(withheld, pk=proposal.pk).exists()


def proposal_state_shown(*, proposal: Proposal, user: Any) -> str:
    """Return the label of ``proposal``'s state as ``user`` may know it: before the board while its decision is hidden.

    For the messages that name the state of a row read again under a lock, to refuse an
    applicant's write: they must not tell a decision the pages withhold.
    """
    if getattr(proposal, "decision_withheld", False) or proposal_decision_withheld(proposal=proposal, user=user):
        return str(WITHHELD_AS.label)
    return str(proposal.get_state_display())


def proposals_before_board(*, user: User) -> QuerySet[Proposal]:
    """Return the proposals awaiting the board's decision that ``user`` may read, oldest call first."""
    return (
        proposals_visible_to(user=user)
        .filter(state=ProposalState.BOARD_REVIEW)
        .order_by("call__board_meeting_at", "call_id", "title", "pk")
    )


def attachment_for_user(*, user: User, pk: int) -> Attachment:
    """Return attachment ``pk`` if ``user`` may read its proposal, or raise 404.

    A removed attachment is still returned: the frozen versions refer to it.
    """
    return get_object_or_404(
        Attachment.objects.select_related("proposal"), pk=pk, proposal__in=proposals_visible_to(user=user)
    )


def proposals_for_staff_or_board(*, user: User) -> QuerySet[Proposal]:
    """Return the proposals ``user`` reads on the staff and board page: as staff of their program, or on an agenda.

    Only staff of the proposal's program, and members of a meeting whose agenda holds it, read
    it there (a recused member reads it with its decision withheld): a staff member of another
    program who applies to this one reads it on the applicant's page.
    """
    on_their_agenda = AgendaItem.objects.filter(proposal_id=OuterRef("pk"), meeting__members=user.pk)
    return proposals_visible_to(user=user).filter(_staff_of(user) | Q(Exists(on_their_agenda)))


def proposal_for_staff(*, user: User, pk: int) -> Proposal:
    """Return the proposal ``pk`` if ``user`` is staff of its program, or raise 404.

    For staff's own pages (eligibility overrides, comparing versions): a staff member of
    another program who reads the proposal otherwise (as its applicant) does not reach them.
    """
    return get_object_or_404(proposals_visible_to(user=user).filter(_staff_of(user)), pk=pk)
