"""Who may read which proposal and which project: the one access rule of every page, file link, export and interface.

A user reads a proposal as one of: its lead applicant or a co-applicant; staff of its program; an
assessor assigned to it (offered or accepted) who declared no conflict and is not
conflicted (``assessment.selectors.conflicted``); the program's IP manager, for an application of a call
asking for the IP review, once they declared no conflict and if not conflicted as an assessor would be
(``registry.selectors.ip_reviews``); a board member invited to a meeting whose
agenda holds it, on its program's board and not recused (``board.selectors.board_recused``).
Whatever the page, a proposal outside ``proposals_visible_to`` answers 404, never telling that it exists.

The board's decision is confidential until staff release it (``decision_withheld_from``):
until then its applicants read the proposal as still before the board.
"""

from __future__ import annotations

import copy
from typing import Any

from django.db.models import BooleanField, Case, CharField, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.query import ModelIterable
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden
from accounts.models import User
from assessment.choices import ACTIVE_ASSIGNMENT_STATES
from assessment.models import Assignment
from assessment.selectors import conflicted
from board.models import AgendaItem
from board.selectors import board_facts, board_recused
from intake import program_roles
from intake.models import Attachment, CoApplicant, Proposal
from intake.selectors import RELATED
from intake.states import DECIDED, PROJECT_STATES, ProposalState
from projects.models import Claim, ClaimEvidence, MilestoneEvidence, Project, ProjectPartner, Report
from projects.selectors import project_facts
from records.sql import row_read_compiled_by_or_404, row_read_compiled_or_404, rows_read_compiled
from registry.selectors.ip_reviews import ip_manager_may_read


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
        visible |= _applicant_of(user.pk)
    if user.has_role(Role.BOARD_MEMBER):
        visible |= _board_member_of(user)
    if user.has_role(Role.ASSESSOR):
        visible |= _assessor_of(user)
    if user.has_role(Role.IP_MANAGER):
        visible |= _ip_manager_of(user)
    return decisions_withheld(proposals.filter(visible), user=user)


def proposal_for_user(*, user: User, pk: int) -> Proposal:
    """Return the proposal ``pk`` if ``user`` may read it, or raise 404 (not revealing that it exists).

    The read's shape and parameters follow from who reads (their key, roles and grants): it is
    compiled once per connection and run with the proposal's key swapped in
    (``records.sql.row_read_compiled``, ADR 0051), as the staff page's read is. An applicant's
    key is itself a parameter of the read (the proposals they lead or co-apply to): the read of
    a reader who is an applicant only is compiled once for every such reader, with their key
    swapped in too (``_reader_as``); any other reader's, once per reader.
    """
    if _applicant_only(user):
        return row_read_compiled_by_or_404(
            Proposal,
            ("proposal_for_reader", *_access_but_key(user)),
            lambda keys: proposals_visible_to(user=_reader_as(user, keys[1])).filter(pk=keys[0]),
            (pk, user.pk),
        )
    return row_read_compiled_or_404(
        Proposal,
        ("proposal_for_user", *user.access_key),
        lambda key: proposals_visible_to(user=user).filter(pk=key),
        pk,
    )


def _applicant_only(user: User) -> bool:
    """Whether ``user`` reads as an applicant and nothing else: their reads differ from another's by their key alone."""
    return user.is_active and not user.is_superuser and user.roles == {Role.APPLICANT}


def _access_but_key(user: User) -> tuple[object, ...]:
    """What a read scoped by ``user``'s access depends on besides their key (``User.access_key``)."""
    return user.access_key[1:]


def _reader_as(user: User, key: int) -> User:
    """Return a copy of ``user`` under the key ``key``, their roles and grants as read.

    A read scoped by a user's access is built for a copy whose key is a stand-in, so that every
    use of the key is a parameter the compiled read swaps (``records.sql``): the read then
    serves every reader of the same roles and grants. A build that runs a query, or whose
    stand-in is not among its parameters, is not kept (``records.sql._compiled``).
    """
    reader = copy.copy(user)
    reader.pk = key
    return reader


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


def _ip_manager_of(user: User) -> Q:
    """The applications ``user`` reviews as IP manager: of their programs' calls asking for the IP review, submitted,
    declared free of conflict and not conflicted (``registry.selectors.ip_reviews.ip_manager_may_read``)."""
    return ip_manager_may_read(user=user)


def proposal_for_ip_manager(*, user: User, pk: int) -> Proposal:
    """Return the application ``pk`` if ``user`` reads it as its program's IP manager, or raise 404."""
    return get_object_or_404(proposals_visible_to(user=user).filter(_ip_manager_of(user)), pk=pk)


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


def _applicant_of(user_id: int) -> Q:
    """The proposals the user ``user_id`` leads or was invited to edit as a co-applicant."""
    return Q(lead_applicant_id=user_id) | Q(pk__in=CoApplicant.objects.filter(user_id=user_id).values("proposal_id"))


def proposals_of_applicant(*, user: User) -> list[Proposal]:
    """Return the proposals ``user`` leads or co-applies to, grouped by call (newest call first).

    Each reads as its applicants may know it: a decision not released yet is withheld. The read
    is compiled once per reader and per connection (``records.sql.rows_read_compiled``).
    """

    shared = _applicant_only(user)

    def read(key: int) -> QuerySet[Proposal]:
        return decisions_withheld(
            Proposal.objects.filter(_applicant_of(key))
            .select_related("call", "call__program", "stage", "lead_organization")
            .order_by("-call__loi_opens_at", "call_id", "-created_at", "pk"),
            user=_reader_as(user, key) if shared else user,
        )

    if shared:  # compiled once for every applicant of the same grants, their key swapped in (``_reader_as``)
        return rows_read_compiled(Proposal, ("proposals_of_reader", *_access_but_key(user)), read, user.pk)
    return rows_read_compiled(Proposal, ("proposals_of_applicant", *user.access_key), read, user.pk)


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


def proposals_shown_in_state(proposals: QuerySet[Proposal], *, user: User, state: str) -> QuerySet[Proposal]:
    """Filter ``proposals`` (read by ``user``) to those ``user`` reads in ``state``: a filter never tells a decision
    withheld from them (such a proposal is found before the board, never approved or declined)."""
    withheld = decision_withheld_from(user=user)
    if withheld is None:
        return proposals.filter(state=state)
    if state == WITHHELD_AS:
        return proposals.filter(Q(state=state) | withheld)
    return proposals.filter(Q(state=state) & ~withheld)


def proposals_visible_with_shown_state(*, user: User) -> QuerySet[Proposal]:
    """Return the proposals ``user`` may read, each with the state ``user`` may know (``shown_state``) to filter
    or sort on: a decision withheld from them reads as still before the board, as on every page."""
    withheld = decision_withheld_from(user=user)
    shown = (
        F("state")
        if withheld is None
        else Case(When(withheld, then=Value(WITHHELD_AS.value)), default=F("state"), output_field=CharField())
    )
    return proposals_visible_to(user=user).annotate(shown_state=shown)


def decisions_visible_to(*, user: User) -> QuerySet[Proposal]:
    """Return the proposals whose board decision ``user`` may know: decided (approved, declined, or a project since),
    read by ``user`` (``proposals_visible_to``) and not withheld from them (``decision_withheld_from``)."""
    decided = proposals_visible_to(user=user).filter(state__in=[*DECIDED, *PROJECT_STATES])
    withheld = decision_withheld_from(user=user)
    return decided if withheld is None else decided.exclude(withheld)


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
    return proposals_visible_to(user=user).filter(staff_or_board_page_of(user))


def proposal_for_staff_or_board(*, user: User, pk: int, page: bool = False) -> Proposal:
    """Return the proposal ``pk`` if ``user`` reads it on the staff and board page (404 otherwise), with its facts.

    With ``page``, its IP review (if any) and the review's author come in the same read, for the
    page's verdict (``registry.selectors.ip_reviews.ip_review_of`` then reads no more).

    The lifecycle's approve and decline are the chair's, once a quorum has voted: only with
    ``board_facts`` can the page offer them and an action refuse them with the right reason.
    Staff who are not board members are never the chair, so their read goes without the
    subqueries. The funded project's facts (its final report accepted...) come too, so the
    page explains why Close waits. Who reads a proposal here is ``proposals_for_staff_or_board``.
    """

    def read(key: int) -> QuerySet[Proposal]:
        proposals = proposals_for_staff_or_board(user=user).annotate(**project_facts())
        if user.has_role(Role.BOARD_MEMBER):
            proposals = proposals.annotate(**board_facts())
        if page:  # a one-to-one reached through its reverse name: registry sits above intake
            proposals = proposals.select_related("ip_review__reviewer")
        return proposals.filter(pk=key)

    # The read's shape and parameters follow from who reads (their key, roles and grants): compiled
    # once per reader and per connection, run with the proposal's key swapped in (ADR 0047).
    shape = ("staff_or_board", page, *user.access_key)
    return row_read_compiled_or_404(Proposal, shape, read, pk)


def proposal_to_act_on(*, user: User, pk: int) -> Proposal:
    """Return the proposal ``pk`` for a staff's or the board's action (``proposal_for_staff_or_board``).

    One that ``user`` reads otherwise (their own, as an applicant) raises ``ActionForbidden``, as
    any action not theirs on a proposal they read; one they do not read answers 404.
    """
    try:
        return proposal_for_staff_or_board(user=user, pk=pk)
    except Http404:
        proposal_for_user(user=user, pk=pk)
        raise ActionForbidden(_("You may not do this to this proposal.")) from None


def staff_or_board_page_of(user: User) -> Q:
    """The condition on proposals ``user`` reads on the staff and board page (``proposals_for_staff_or_board``)."""
    on_their_agenda = AgendaItem.objects.filter(proposal_id=OuterRef("pk"), meeting__members=user.pk)
    return _staff_of(user) | Q(Exists(on_their_agenda))


def proposal_for_staff(*, user: User, pk: int) -> Proposal:
    """Return the proposal ``pk`` if ``user`` is staff of its program, or raise 404.

    For staff's own pages (eligibility overrides, comparing versions): a staff member of
    another program who reads the proposal otherwise (as its applicant) does not reach them.
    """
    return get_object_or_404(proposals_visible_to(user=user).filter(_staff_of(user)), pk=pk)


# --- The funded projects -------------------------------------------------------------------------


def projects_visible_to(*, user: User) -> QuerySet[Project]:
    """Return the funded projects ``user`` may read: the one access rule of every project page and file.

    Staff and the IP manager read their programs' projects; the lead applicant and the co-applicants read theirs;
    the people of a partner (members of a partner organization the project still counts) read
    the projects it is a partner of. Nobody else reads a project, not even another partner's
    project of the same call: a project outside this answers 404.
    """
    projects = Project.objects.select_related(
        "proposal", "proposal__call", "proposal__call__program", "proposal__lead_organization"
    )
    if program_roles.acts_everywhere(user, Role.STAFF):
        return projects
    partner_of = ProjectPartner.objects.filter(
        project_id=OuterRef("pk"), removed_at__isnull=True, organization__memberships__user=user.pk
    )
    visible = (
        Q(proposal__lead_applicant=user)
        | Q(proposal__in=CoApplicant.objects.filter(user=user).values("proposal_id"))
        | Q(Exists(partner_of))
    )
    for role in (Role.STAFF, Role.IP_MANAGER):
        if user.has_role(role):
            visible |= program_roles.in_programs(user, role, "proposal__call__program")
    return projects.filter(visible)


def project_for_user(*, user: User, pk: int) -> Project:
    """Return the project ``pk`` if ``user`` may read it, or raise 404 (not revealing that it exists)."""
    return get_object_or_404(projects_visible_to(user=user), pk=pk)


def project_for_staff(*, user: User, pk: int) -> Project:
    """Return the project ``pk`` if ``user`` is staff of its program, or raise 404."""
    return get_object_or_404(
        projects_visible_to(user=user).filter(program_roles.in_programs(user, Role.STAFF, "proposal__call__program")),
        pk=pk,
    )


def project_partners_of(*, user: User, project: Project) -> QuerySet[ProjectPartner]:
    """Return the partners of ``project`` that ``user`` acts for: a member of the partner's organization."""
    return ProjectPartner.objects.filter(
        project=project, removed_at__isnull=True, organization__memberships__user=user.pk
    ).select_related("organization")


# --- The partners' claims (docs/claims.md) -------------------------------------------------------


def claims_visible_to(*, user: User) -> QuerySet[Claim]:
    """Return the claims ``user`` may read: their programs' as staff, their project's as its applicants, and their
    partner's as its people. Another partner's people, and the IP manager, read none of a partner's claims.
    """
    claims = Claim.objects.select_related(
        "project", "project__proposal", "project__proposal__call", "project__proposal__call__program",
        "partner", "partner__organization",
    )  # fmt: skip
    if program_roles.acts_everywhere(user, Role.STAFF):
        return claims
    of_their_partner = ProjectPartner.objects.filter(
        pk=OuterRef("partner_id"), removed_at__isnull=True, organization__memberships__user=user.pk
    )
    visible = (
        Q(project__proposal__lead_applicant=user)
        | Q(project__proposal__in=CoApplicant.objects.filter(user=user).values("proposal_id"))
        | Q(Exists(of_their_partner))
    )
    if user.has_role(Role.STAFF):
        visible |= program_roles.in_programs(user, Role.STAFF, "project__proposal__call__program")
    return claims.filter(visible)


def assignments_visible_to(*, user: User) -> QuerySet[Assignment]:
    """Return the assessment assignments ``user`` may read: their own as an assessor, their programs' as staff.

    Applicants read none: who assesses a proposal is never told to its applicants.
    """
    assignments = Assignment.objects.select_related("proposal", "proposal__call")
    if program_roles.acts_everywhere(user, Role.STAFF):
        return assignments
    visible = Q(pk__in=[])
    if user.has_role(Role.ASSESSOR):
        visible |= Q(assessor=user.pk)
    if user.has_role(Role.STAFF):
        visible |= program_roles.in_programs(user, Role.STAFF, "proposal__call__program")
    return assignments.filter(visible)


def claim_for_user(*, user: User, project_pk: int, pk: int) -> Claim:
    """Return the claim ``pk`` of project ``project_pk`` if ``user`` may read it, or raise 404."""
    return get_object_or_404(claims_visible_to(user=user), pk=pk, project_id=project_pk)


def claim_evidence_for_user(*, user: User, pk: int) -> ClaimEvidence:
    """Return the claim's evidence ``pk`` if ``user`` may read its claim, or raise 404."""
    return get_object_or_404(
        ClaimEvidence.objects.select_related("claim"), pk=pk, claim__in=claims_visible_to(user=user)
    )


# --- A project's milestones and reports (docs/reports.md) ----------------------------------------


def project_people(project: Project) -> Q:
    """The people who act for ``project`` (a condition on users): its applicants and its partners' people.

    They mark its milestones done and write its reports; its program's staff review them. The IP
    manager and other readers of the project read them only.
    """
    return (
        Q(pk=project.proposal.lead_applicant_id)
        | Q(pk__in=CoApplicant.objects.filter(proposal_id=project.proposal_id).values("user_id"))
        | Q(
            memberships__organization__in=ProjectPartner.objects.filter(
                project=project, removed_at__isnull=True
            ).values("organization_id")
        )
    )


def project_acts_for(*, user: Any, project: Project) -> bool:
    """Say whether ``user`` acts for ``project`` (``project_people``): marks milestones done, writes reports."""
    if not getattr(user, "is_authenticated", False):
        return False
    return User.objects.filter(project_people(project), pk=user.pk).exists()


def project_reviews(*, user: Any, project: Project) -> bool:
    """Say whether ``user`` reviews ``project``'s milestones and reports: staff of its program."""
    return bool(getattr(user, "is_authenticated", False)) and user.acts_in(Role.STAFF, project.proposal.call.program_id)


def report_for_user(*, user: User, project: Project, pk: int) -> Report:
    """Return report ``pk`` of ``project`` (which ``user`` reads: ``project_for_user``), or raise 404."""
    return get_object_or_404(Report.objects.filter(project=project).select_related("project"), pk=pk)


def reports_visible_to(*, user: User) -> QuerySet[Report]:
    """Return the reports ``user`` may read: every report of a project they read (``projects_visible_to``).

    The project's page lists all its reports to every reader of the project; so does this.
    """
    return Report.objects.filter(project__in=projects_visible_to(user=user).values("pk")).select_related("project")


def evidence_for_user(*, user: User, pk: int) -> MilestoneEvidence:
    """Return the milestone evidence ``pk`` if ``user`` may read its project, or raise 404."""
    return get_object_or_404(
        MilestoneEvidence.objects.filter(project__in=projects_visible_to(user=user).values("pk")), pk=pk
    )
