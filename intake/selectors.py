"""Reads of programs, calls and proposals, each checking who may read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.query import ModelIterable
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from assessment.choices import ACTIVE_ASSIGNMENT_STATES
from assessment.models import Assignment
from assessment.selectors import automatic_conflict, conflicted
from intake.eligibility import Application, Check, Rules
from intake.models import Call, CoApplicant, EligibilityOverride, Program, Proposal
from workflow.models import AgendaItem, BoardConflict
from workflow.states import ProposalState


def calls_open(*, now: datetime | None = None) -> QuerySet[Call]:
    """Return the calls that accept letters of intent or full applications at ``now``."""
    now = now or timezone.now()
    return (
        Call.objects.filter(loi_opens_at__lte=now, application_closes_at__gt=now)
        .select_related("program")
        .order_by("loi_closes_at", "pk")
    )


def calls_upcoming(*, now: datetime | None = None) -> QuerySet[Call]:
    """Return the calls announced but not open yet."""
    now = now or timezone.now()
    return Call.objects.filter(loi_opens_at__gt=now).select_related("program").order_by("loi_opens_at", "pk")


def call_public(*, pk: int) -> Call:
    """Return a call anyone may read about (every call is public), or raise 404."""
    return get_object_or_404(Call.objects.select_related("program", "legal_hold_by"), pk=pk)


def programs_for_staff() -> QuerySet[Program]:
    """Return every program with the number of its calls."""
    return Program.objects.annotate(call_count=Count("calls")).order_by("name_en")


def program_for_staff(*, pk: int) -> Program:
    return get_object_or_404(Program, pk=pk)


def calls_for_staff(*, program: Program) -> QuerySet[Call]:
    """Return the calls of ``program``, newest first."""
    return program.calls.select_related("program").order_by("-loi_opens_at", "pk")


def call_for_staff(*, pk: int) -> Call:
    return get_object_or_404(Call.objects.select_related("program", "legal_hold_by"), pk=pk)


#: What a page of one proposal shows of its relations, read with it.
RELATED = ("call", "call__program", "lead_organization", "lead_applicant")


def proposals_visible_to(*, user: User) -> QuerySet[Proposal]:
    """Return the proposals ``user`` may read, whatever their roles combine to.

    Applicants read the proposals they lead; staff read all; board members read those on
    the agenda (now or before) of a meeting they are invited to, never one they are recused
    from (``workflow.selectors.board_recused``), whatever the page; assessors read those
    they are assigned to (offered or accepted), once they declared no conflict, and never
    one they are conflicted on (``assessment.selectors.conflicted``), whatever the page.

    A board decision not released yet is withheld from whoever is neither staff nor deciding
    it (``decisions_withheld``): such a proposal reads as still before the board.
    """
    proposals = Proposal.objects.select_related(*RELATED)
    if user.has_role(Role.STAFF):
        return proposals
    visible = Q(pk__in=[])
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

    Recusal is ``workflow.selectors.board_recused``'s rule (a declared conflict, or an
    automatic one as for assessors), written here over the same rows because that module
    reads this one (``proposals_visible_to``): importing it back would be a cycle.
    ``tests/workflow/board/test_recusal.py`` holds the two to the same answers.
    """
    on_agenda = AgendaItem.objects.filter(proposal_id=OuterRef("pk"), meeting__members=user.pk)
    declared = BoardConflict.objects.filter(member_id=user.pk, proposal_id=OuterRef("pk"))
    automatic = automatic_conflict(person=user.pk, proposal=OuterRef("pk"))
    return Q(Exists(on_agenda)) & ~Q(Exists(declared)) & ~automatic


def _applicant_of(user: User) -> Q:
    """The proposals ``user`` leads or was invited to edit as a co-applicant."""
    return Q(lead_applicant=user) | Q(pk__in=CoApplicant.objects.filter(user=user).values("proposal_id"))


def proposals_of_applicant(*, user: User) -> QuerySet[Proposal]:
    """Return the proposals ``user`` leads or co-applies to, grouped by call (newest call first).

    Each reads as its applicants may know it: a decision not released yet is withheld.
    """
    return decisions_withheld(
        Proposal.objects.filter(_applicant_of(user))
        .select_related("call", "call__program", "lead_organization")
        .order_by("-call__loi_opens_at", "call_id", "-created_at", "pk"),
        user=user,
    )


# --- The board's decisions, confidential until staff release them ------------------------------

#: The board's decisions, which the applicants learn only when staff release the meeting's decisions.
DECIDED = (ProposalState.APPROVED, ProposalState.DECLINED)
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
    if user.has_role(Role.STAFF):
        return None
    withheld = Q(state__in=DECIDED) & ~Q(decision_released())
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


def proposal_state_counts(*, call: Call) -> dict[str, int]:
    """Return how many proposals of ``call`` are in each state (states with none are left out)."""
    rows = Proposal.objects.filter(call=call).order_by().values_list("state").annotate(count=Count("pk"))
    return dict(rows)


def proposals_before_board(*, user: User) -> QuerySet[Proposal]:
    """Return the proposals awaiting the board's decision that ``user`` may read, oldest call first."""
    return (
        proposals_visible_to(user=user)
        .filter(state=ProposalState.BOARD_REVIEW)
        .order_by("call__board_meeting_at", "call_id", "title", "pk")
    )


#: The long texts of each stage, by field, each held to the stage's word limit.
LOI_TEXTS = Proposal.LOI_TEXTS
APPLICATION_TEXTS = Proposal.APPLICATION_TEXTS


def proposal_stage(proposal: Proposal) -> str:
    """Return whether ``proposal`` is at the letter-of-intent or the full-application stage."""
    return proposal.eligibility_stage()


def call_rules(*, call: Call, stage: str) -> Rules:
    """Return the rules of ``call`` as the eligibility engine reads them, for ``stage``."""
    return Proposal(call=call).eligibility_rules(stage)


def proposal_application(*, proposal: Proposal, stage: str) -> Application:
    """Return what the applicant entered in ``proposal`` as the eligibility engine reads it (3 queries)."""
    return proposal.eligibility_application(stage)


@dataclass(frozen=True)
class EligibilityResult:
    """One eligibility check of a proposal, with staff's override of it if there is one."""

    check: Check
    override: EligibilityOverride | None

    @property
    def overridable(self) -> bool:
        """Whether staff may still override it: a failed check without an override."""
        return not self.check.passed and self.override is None


def proposal_eligibility(*, proposal: Proposal) -> list[EligibilityResult]:
    """Return each eligibility check of ``proposal`` at its current stage, beside its override if any (5 queries)."""
    overrides = {
        override.check_code: override
        for override in EligibilityOverride.objects.filter(proposal=proposal).select_related("by")
    }
    return [
        EligibilityResult(check=check, override=overrides.get(check.code)) for check in proposal.eligibility_checks()
    ]


def proposal_funding_requested(*, proposal: Proposal) -> Decimal:
    """Return what ``proposal`` asks of the cluster: the sum of its partners' requests."""
    total = proposal.members.aggregate(total=Sum("funding_requested"))["total"]
    return total if total is not None else Decimal("0")


def call_committed(*, call: Call) -> Decimal:
    """Return what the board has committed of ``call``'s envelope: the amounts of its approved proposals."""
    total = Proposal.objects.filter(call=call, state=ProposalState.APPROVED).aggregate(total=Sum("approved_amount"))[
        "total"
    ]
    return total if total is not None else Decimal("0")
