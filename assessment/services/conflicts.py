"""Use cases of conflicts of interest: the assessor's declaration, staff's record, staff's list per call.

Whether a pair is conflicted is decided in one place, ``assessment.selectors``; here are
only the ways a conflict becomes known and what follows: a conflicted assessor's live
assignment is withdrawn, and staff are told of a declared conflict. Staff's record of a
conflict may set aside a submitted review and reopen the assessment: that is the workflow's
action ``workflow.reviews.conflict_record``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import FormerMembership, Membership, User
from assessment.choices import ACTIVE_ASSIGNMENT_STATES, AssignmentState, ConflictSource
from assessment.models import Affiliation, AssessorProfile, Assignment, Conflict
from assessment.selectors import affiliation_conflict_exists, automatic_conflict, conflicted, membership_conflict_since
from intake.models import Call, ConsortiumMember, ProgramRole, Proposal
from intake.program_roles import audience
from records.events import Event
from records.notifications import notify_audiences

#: The longest nature of a conflict an assessor or staff may write.
NATURE_MAX_LENGTH = 2000


def _pair_conflicted(*, assessor_id: int, proposal_id: int) -> bool:
    return (
        Proposal.objects.filter(pk=proposal_id)
        .filter(conflicted(assessor=assessor_id, proposal=OuterRef("pk")))
        .exists()
    )


def _pair_affiliated(*, assessor_id: int, proposal_id: int) -> bool:
    """Whether the pair conflicts automatically: a tie to the consortium, or the assessor leads a competitor."""
    return (
        Proposal.objects.filter(pk=proposal_id)
        .filter(automatic_conflict(person=assessor_id, proposal=OuterRef("pk")))
        .exists()
    )


# --- The assessor's declaration ----------------------------------------------------------------


@dataclass(frozen=True)
class Declaration:
    """What the declaration page shows: the assignment, and either the proposal's title and consortium
    or the fact that an affiliation conflicts the assessor (then nothing of the proposal)."""

    assignment: Assignment
    affiliated: bool
    on_record: bool
    declared: bool
    consortium: list[ConsortiumMember] = field(default_factory=list)


def assignment_for_declaration(*, user: User, pk: int) -> Declaration:
    """Return ``user``'s live assignment ``pk`` for the declaration page, or raise 404.

    The title and consortium are given only when no conflict (by affiliation or on record) is known.
    """
    assignment = get_object_or_404(
        Assignment.objects.select_related("proposal", "proposal__call").filter(
            assessor=user, state__in=ACTIVE_ASSIGNMENT_STATES
        ),
        pk=pk,
    )
    affiliated = _pair_affiliated(assessor_id=user.pk, proposal_id=assignment.proposal_id)
    on_record = Conflict.objects.filter(assessor_id=user.pk, proposal_id=assignment.proposal_id).exists()
    consortium: list[ConsortiumMember] = []
    if not (affiliated or on_record):
        consortium = list(
            ConsortiumMember.objects.filter(proposal_id=assignment.proposal_id)
            .select_related("organization")
            .order_by("-is_lead", "organization__legal_name", "pk")
        )
    return Declaration(
        assignment=assignment,
        affiliated=affiliated,
        on_record=on_record,
        declared=assignment.no_conflict_declared_at is not None,
        consortium=consortium,
    )


def _lock_for_declaration(assignment: Assignment, by: User) -> Assignment:
    current = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if current.assessor_id != by.pk:
        raise ActionForbidden(_("Only the assessor of this assignment can declare for it."))
    if current.state not in ACTIVE_ASSIGNMENT_STATES:
        raise StaleAction(_("This assignment was withdrawn or declined meanwhile; there is nothing to declare."))
    if current.no_conflict_declared_at is not None:
        raise StaleAction(_("You already declared that you have no conflict of interest with this proposal."))
    if _pair_affiliated(assessor_id=by.pk, proposal_id=current.proposal_id):
        raise DomainError(
            _(
                "You are affiliated with or a member of an organization of this proposal's consortium, or you lead "
                "another proposal of this call: you have a conflict of interest and cannot assess it. Program staff "
                "will assign it to someone else."
            )
        )
    if Conflict.objects.filter(assessor_id=by.pk, proposal_id=current.proposal_id).exists():
        raise StaleAction(_("A conflict of interest with this proposal is already on record."))
    return current


def conflict_declare_none(*, assignment: Assignment, by: User) -> Assignment:
    """Record the assessor's word that they have no conflict with the proposal: they may now read it."""
    with transaction.atomic():
        current = _lock_for_declaration(assignment, by)
        current.no_conflict_declared_at = timezone.now()
        current.save(update_fields=["no_conflict_declared_at", "updated_at"])
    return current


def conflict_declare(*, assignment: Assignment, by: User, nature: str) -> Conflict:
    """Record the assessor's declared conflict, withdraw their assignment and tell the program's staff."""
    nature = nature.strip()
    if not nature:
        raise ValidationError({"nature": _("Say briefly what the conflict is, for program staff.")})
    with transaction.atomic():
        current = _lock_for_declaration(assignment, by)
        conflict = Conflict.objects.create(
            assessor=by,
            proposal_id=current.proposal_id,
            source=ConflictSource.DECLARED,
            nature=nature[:NATURE_MAX_LENGTH],
        )
        current.state = AssignmentState.WITHDRAWN
        current.responded_at = timezone.now()
        current.save(update_fields=["state", "responded_at", "updated_at"])
        notify_audiences(
            audiences=[(Event.CONFLICT_DECLARED, audience(Role.STAFF, current.proposal.call.program_id))],
            occurrence=f"conflict{conflict.pk}",
            proposal=current.proposal,
            context={"assessor": str(by), "nature": conflict.nature},
        )
    return conflict


# --- Staff's record ---------------------------------------------------------------------------


# --- Staff's list per call --------------------------------------------------------------------


@dataclass
class ConflictRow:
    """One conflicted pair of a call, stored or found by affiliation."""

    assessor_name: str
    assessor_email: str
    proposal_id: int
    proposal_title: str
    source: str
    source_label: str
    nature: str
    recorded_by: str
    created_at: datetime | None
    #: The consortium's organizations the assessor is affiliated with (automatic rows).
    organizations: list[str] = field(default_factory=list)
    #: The consortium's organizations the assessor is, or was within the years, a member of.
    memberships: list[str] = field(default_factory=list)
    #: The titles of the proposals of the call the assessor leads, competing with this one.
    competing: list[str] = field(default_factory=list)


def _assesses_for(call: Call, field: str) -> Q:
    """Select the rows whose ``field`` (a user id) is an assessor of ``call``'s program with a profile."""
    grants = ProgramRole.objects.filter(user_id=OuterRef(field), role=Role.ASSESSOR, program_id=call.program_id)
    return Q(Exists(AssessorProfile.objects.filter(user_id=OuterRef(field)))) & Q(Exists(grants))


def conflicts_for_call(*, call: Call) -> list[ConflictRow]:
    """Return every conflict on ``call``'s proposals: declared, recorded, and automatic (3 queries).

    The automatic ones are computed for the assessors of the call's program who have a
    profile (another program's assessors are none of its staff's business): affiliations in one
    query (``affiliation_conflict_exists`` decides their dates), then memberships (current,
    or ended within the years) and leads of another proposal of the call together in a
    second; the same rules as ``assessment.selectors.automatic_conflict``, read here with
    their reasons for staff.
    """
    stored = Conflict.objects.filter(proposal__call=call).select_related("assessor", "proposal", "recorded_by")
    rows = [
        ConflictRow(
            assessor_name=conflict.assessor.display_name,
            assessor_email=conflict.assessor.email,
            proposal_id=conflict.proposal_id,
            proposal_title=conflict.proposal.title,
            source=conflict.source,
            source_label=conflict.get_source_display(),
            nature=conflict.nature,
            recorded_by=str(conflict.recorded_by or ""),
            created_at=conflict.created_at,
        )
        for conflict in stored
    ]
    automatic: dict[tuple[int, int], ConflictRow] = {}
    candidates = (
        Affiliation.objects.filter(
            _assesses_for(call, "assessor_id"),
            organization__consortium_memberships__proposal__call=call,
        )
        .annotate(
            pair_proposal_id=F("organization__consortium_memberships__proposal_id"),
            pair_proposal_title=F("organization__consortium_memberships__proposal__title"),
        )
        .filter(affiliation_conflict_exists(assessor=OuterRef("assessor_id"), proposal=OuterRef("pair_proposal_id")))
        .values_list(
            "assessor_id",
            "assessor__display_name",
            "assessor__email",
            "pair_proposal_id",
            "pair_proposal_title",
            "organization__legal_name",
        )
        .order_by()
        .distinct()
    )
    label = str(ConflictSource.AUTOMATIC.label)

    def row_for(assessor_id: int, name: str, email: str, proposal_id: int, title: str) -> ConflictRow:
        return automatic.setdefault(
            (assessor_id, proposal_id),
            ConflictRow(
                assessor_name=name,
                assessor_email=email,
                proposal_id=proposal_id,
                proposal_title=title,
                source=ConflictSource.AUTOMATIC,
                source_label=label,
                nature="",
                recorded_by="",
                created_at=None,
            ),
        )

    for assessor_id, name, email, proposal_id, title, organization in candidates:
        row = row_for(assessor_id, name, email, proposal_id, title)
        if organization not in row.organizations:
            row.organizations.append(organization)
    # Memberships (current, or ended within the years) and competing leads, in one query.
    profiled = _assesses_for(call, "user_id")
    columns = ("tie_user", "tie_name", "tie_email", "tie_proposal", "tie_title", "tie_text", "tie_kind")

    def membership_ties(model: type[Membership] | type[FormerMembership], **filters: Any) -> QuerySet[Any]:
        return (
            model.objects.filter(profiled, organization__consortium_memberships__proposal__call=call, **filters)
            .annotate(
                tie_user=F("user_id"),
                tie_name=F("user__display_name"),
                tie_email=F("user__email"),
                tie_proposal=F("organization__consortium_memberships__proposal_id"),
                tie_title=F("organization__consortium_memberships__proposal__title"),
                tie_text=F("organization__legal_name"),
                tie_kind=Value("member"),
            )
            .values_list(*columns)
            .order_by()
        )

    competitors = (
        Proposal.objects.filter(_assesses_for(call, "lead_applicant_id"), call=call)
        .annotate(
            tie_user=F("lead_applicant_id"),
            tie_name=F("lead_applicant__display_name"),
            tie_email=F("lead_applicant__email"),
            tie_proposal=F("call__proposals__pk"),
            tie_title=F("call__proposals__title"),
            tie_text=F("title"),
            tie_kind=Value("lead"),
        )
        .exclude(tie_proposal=F("pk"))
        .values_list(*columns)
        .order_by()
    )
    ties = membership_ties(Membership).union(
        membership_ties(FormerMembership, left_at__gte=membership_conflict_since()), competitors
    )
    for assessor_id, name, email, proposal_id, title, text, kind in ties:
        row = row_for(assessor_id, name, email, proposal_id, title)
        found = row.memberships if kind == "member" else row.competing
        if text not in found:
            found.append(text)
    for row in automatic.values():
        row.organizations.sort()
        row.memberships.sort()
        row.competing.sort()
    rows.extend(automatic.values())
    rows.sort(key=lambda row: (row.proposal_title.lower(), row.proposal_id, row.assessor_name.lower(), row.source))
    return rows


def assessors_for_record(*, call: Call) -> QuerySet[User]:
    """Return the users staff may record a conflict for: the active assessors of ``call``'s program."""
    return User.objects.filter(audience(Role.ASSESSOR, call.program_id)).order_by("display_name", "email")


def proposals_of_call(*, call: Call) -> QuerySet[Proposal]:
    """Return the proposals of ``call`` staff may record a conflict on, by title."""
    return Proposal.objects.filter(call=call).order_by("title", "pk")
