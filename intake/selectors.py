"""Reads of programs, calls and proposals, each checking who may read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
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
    return get_object_or_404(Call.objects.select_related("program"), pk=pk)


def programs_for_staff() -> QuerySet[Program]:
    """Return every program with the number of its calls."""
    return Program.objects.annotate(call_count=Count("calls")).order_by("name_en")


def program_for_staff(*, pk: int) -> Program:
    return get_object_or_404(Program, pk=pk)


def calls_for_staff(*, program: Program) -> QuerySet[Call]:
    """Return the calls of ``program``, newest first."""
    return program.calls.select_related("program").order_by("-loi_opens_at", "pk")


def call_for_staff(*, pk: int) -> Call:
    return get_object_or_404(Call.objects.select_related("program"), pk=pk)


#: What a page of one proposal shows of its relations, read with it.
RELATED = ("call", "call__program", "lead_organization", "lead_applicant")


def proposals_visible_to(*, user: User) -> QuerySet[Proposal]:
    """Return the proposals ``user`` may read, whatever their roles combine to.

    Applicants read the proposals they lead; staff read all; board members read those on
    the agenda (now or before) of a meeting they are invited to, never one they are recused
    from (``workflow.selectors.board_recused``), whatever the page; assessors read those
    they are assigned to (offered or accepted), once they declared no conflict, and never
    one they are conflicted on (``assessment.selectors.conflicted``), whatever the page.
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
    return proposals.filter(visible)


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
    """Return the proposals ``user`` leads or co-applies to, grouped by call (newest call first)."""
    return (
        Proposal.objects.filter(_applicant_of(user))
        .select_related("call", "call__program", "lead_organization")
        .order_by("-call__loi_opens_at", "call_id", "-created_at", "pk")
    )


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
