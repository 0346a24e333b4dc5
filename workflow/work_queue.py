"""The staff home's work queue: what waits for staff in the calls of the programs they act in.

Each kind of waiting work is counted per call (or per board meeting, or per funded project) with
how long its oldest piece has waited, and links to the page where staff do it. The queue reads
the same number of queries whatever the number of programs, calls, proposals, meetings and
projects: one per kind of work read, one for the calls named in it; every read is scoped by
``intake.program_roles.in_programs``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, Exists, F, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import ngettext

from accounts.choices import Role
from accounts.models import User
from assessment.choices import ACTIVE_ASSIGNMENT_STATES, ReviewState
from assessment.models import Assignment, Rubric
from assessment.services.rubrics import DEFAULT_ASSESSORS_PER_PROPOSAL
from board.models import AgendaItem, BoardMeeting, Vote
from board.selectors import board_recused
from intake import program_roles
from intake.choices import VersionKind
from intake.models import Call, ProgramRole, Proposal
from intake.states import DECIDED, ProposalState
from projects.models import (
    Agreement,
    Claim,
    ClaimState,
    CompletionOutcome,
    MilestoneCompletion,
    ProjectPartner,
    Report,
    ReportState,
    Signature,
)

S = ProposalState
LIVE = [str(state) for state in ACTIVE_ASSIGNMENT_STATES]


@dataclass(frozen=True)
class WorkItem:
    """One kind of waiting work in one call: how much, since when, and where staff do it."""

    kind: str
    label: str
    count: int
    call: Call
    #: When the oldest piece of it started waiting (a submission, an update, a missed due date, a meeting held).
    since: datetime | None
    url: str
    #: When it must be done by, for work that is not late yet (the votes before a coming meeting).
    due: datetime | None = None
    #: The funded project it is of, for the work counted per project (signatures, reports, milestones).
    project: str = ""


def _proposals_url(call_id: int, **query: str) -> str:
    return reverse("workflow:call_proposals", kwargs={"pk": call_id}) + "?" + urlencode(query)


def _label(kind: str, count: int) -> str:
    labels = {
        "questionnaires": ngettext(
            "%(count)d eligibility questionnaire to check",
            "%(count)d eligibility questionnaires to check",
            count,
        ),
        "letters": ngettext("%(count)d letter of intent to screen", "%(count)d letters of intent to screen", count),
        "applications": ngettext(
            "%(count)d application whose eligibility to check",
            "%(count)d applications whose eligibility to check",
            count,
        ),
        "short": ngettext(
            "%(count)d proposal in assessment short of assessors",
            "%(count)d proposals in assessment short of assessors",
            count,
        ),
        "overdue": ngettext(
            "%(count)d proposal with reviews overdue", "%(count)d proposals with reviews overdue", count
        ),
        "early_assessed": ngettext(
            "%(count)d assessed proposal to invite to the next stage or decline",
            "%(count)d assessed proposals to invite to the next stage or decline",
            count,
        ),
        "assessed": ngettext(
            "%(count)d assessed proposal not yet on a board meeting",
            "%(count)d assessed proposals not yet on a board meeting",
            count,
        ),
        "votes": ngettext(
            "%(count)d vote missing before a coming board meeting",
            "%(count)d votes missing before a coming board meeting",
            count,
        ),
        "release": ngettext("%(count)d board decision to release", "%(count)d board decisions to release", count),
        "contracting": ngettext(
            "%(count)d approved project whose contracting to start",
            "%(count)d approved projects whose contracting to start",
            count,
        ),
        "signatures": ngettext(
            "%(count)d signature missing on the project's agreements",
            "%(count)d signatures missing on the project's agreements",
            count,
        ),
        "claims": ngettext("%(count)d claim to review", "%(count)d claims to review", count),
        "reports": ngettext("%(count)d report to review", "%(count)d reports to review", count),
        "milestones": ngettext(
            "%(count)d milestone marked done to review", "%(count)d milestones marked done to review", count
        ),
    }
    return labels[kind] % {"count": count}


def _proposals_waiting(user: User) -> list[tuple[str, int, int, datetime | None]]:
    """Return (kind, call id, count, oldest) of the proposals waiting for screening, a check, a decision to send
    or, approved and their decision released, their contracting to start (waiting since the release).

    One query grouped by call, state and stage.
    """
    released_at = AgendaItem.objects.filter(
        proposal_id=OuterRef("pk"), deferred_to__isnull=True, meeting__decisions_released_at__isnull=False
    ).values("meeting__decisions_released_at")[:1]
    rows = (
        Proposal.objects.filter(program_roles.in_programs(user, Role.STAFF, "call__program"))
        .alias(released_at=Subquery(released_at))
        .filter(
            Q(state__in=[S.LOI_SUBMITTED, S.SUBMITTED, S.ASSESSED]) | Q(state=S.APPROVED, released_at__isnull=False)
        )
        .order_by()
        .values("call_id", "state", "stage__kind")
        .annotate(
            count=Count("pk"),
            since=Min(
                Case(When(state=S.APPROVED, then=F("released_at")), default=Coalesce("submitted_at", "updated_at"))
            ),
        )
        .values_list("call_id", "state", "stage__kind", "count", "since")
    )
    found = []
    for call_id, state, stage, count, since in rows:
        if state == S.LOI_SUBMITTED:
            kind = "questionnaires" if stage == VersionKind.QUESTIONNAIRE else "letters"
        elif state == S.SUBMITTED:
            kind = "applications"
        elif state == S.APPROVED:
            kind = "contracting"
        else:
            kind = "assessed" if stage == VersionKind.APPLICATION else "early_assessed"
        found.append((kind, call_id, count, since))
    return found


def _assessments_waiting(user: User, now: datetime) -> list[tuple[str, int, int, datetime | None]]:
    """Return (kind, call id, count, oldest) of the proposals in assessment short of assessors or with reviews overdue.

    Short: fewer live assignments at the proposal's stage than the k of its stage's rubric (the
    default rubric's k when staff have set none). Overdue: a live assignment at its stage past its
    due date whose review is not submitted. One query, one row per proposal in assessment.
    """
    at_stage = Assignment.objects.filter(
        proposal_id=OuterRef("pk"), rubric__stage=OuterRef("stage__kind"), state__in=LIVE
    ).order_by()
    live = at_stage.values("proposal_id").annotate(n=Count("pk")).values("n")
    overdue = (
        at_stage.filter(due_at__lt=now)
        .exclude(review__state=ReviewState.SUBMITTED)
        .values("proposal_id")
        .annotate(first=Min("due_at"))
        .values("first")
    )
    k = Rubric.objects.filter(call_id=OuterRef("call_id"), stage=OuterRef("stage__kind")).values(
        "assessors_per_proposal"
    )[:1]
    rows = (
        Proposal.objects.filter(program_roles.in_programs(user, Role.STAFF, "call__program"), state=S.IN_ASSESSMENT)
        .annotate(
            live=Coalesce(Subquery(live), Value(0)),
            k=Coalesce(Subquery(k), Value(DEFAULT_ASSESSORS_PER_PROPOSAL)),
            overdue_since=Subquery(overdue),
        )
        .filter(Q(live__lt=F("k")) | Q(overdue_since__isnull=False))
        .order_by()
        .values_list("call_id", "live", "k", "overdue_since", "updated_at")
    )
    counts: dict[tuple[str, int], int] = defaultdict(int)
    oldest: dict[tuple[str, int], datetime] = {}
    for call_id, live_count, required, overdue_since, updated_at in rows:
        for kind, holds, since in (
            ("short", live_count < required, updated_at),
            ("overdue", overdue_since is not None, overdue_since),
        ):
            if holds:
                counts[kind, call_id] += 1
                oldest[kind, call_id] = min(since, oldest.get((kind, call_id), since))
    return [(kind, call_id, count, oldest[kind, call_id]) for (kind, call_id), count in counts.items()]


def _meetings_waiting(user: User, now: datetime) -> list[tuple[str, int, BoardMeeting, int]]:
    """Return (kind, call id, meeting, count) of the coming meetings' missing votes and the decisions to release.

    A vote is missing where a member invited to a meeting not yet held, who sits on the board of
    its program and is not recused, has not voted on a proposal of its current agenda still before
    the board (the members' reminders count the same, ``workflow.sweeps``). A decision is to
    release where a meeting's current agenda holds a decided proposal and staff have not released
    the meeting's decisions. Two queries.
    """
    in_programs = program_roles.in_programs(user, Role.STAFF, "meeting__call__program")
    board_seat = ProgramRole.objects.filter(
        user_id=OuterRef("member_id"), program_id=OuterRef("meeting__call__program_id"), role=Role.BOARD_MEMBER
    )
    missing = (
        AgendaItem.objects.filter(
            in_programs,
            deferred_to__isnull=True,
            proposal__state=S.BOARD_REVIEW,
            meeting__decisions_released_at__isnull=True,
            meeting__held_at__gt=now,
        )
        .annotate(member_id=F("meeting__members"))
        .filter(member_id__isnull=False)
        .exclude(board_recused(member=OuterRef("member_id"), proposal=OuterRef("proposal_id")))
        .exclude(Exists(Vote.objects.filter(item_id=OuterRef("pk"), member_id=OuterRef("member_id"))))
        .filter(Exists(board_seat))
        .values_list("meeting_id", flat=True)
    )
    decided = AgendaItem.objects.filter(
        in_programs,
        deferred_to__isnull=True,
        proposal__state__in=DECIDED,
        meeting__decisions_released_at__isnull=True,
    ).values_list("meeting_id", flat=True)
    counts: dict[tuple[str, int], int] = defaultdict(int)
    for kind, meeting_ids in (("votes", missing), ("release", decided)):
        for meeting_id in meeting_ids:
            counts[kind, meeting_id] += 1
    meetings = {
        meeting.pk: meeting
        for meeting in BoardMeeting.objects.filter(pk__in={meeting_id for _kind, meeting_id in counts})
    }
    return [(kind, meetings[pk].call_id, meetings[pk], count) for (kind, pk), count in counts.items()]


#: (kind, call id, project id, project title, count, oldest) of the work waiting on one funded project.
ProjectWork = tuple[str, int, int, str, int, datetime | None]


def _signatures_waiting(user: User) -> list[ProjectWork]:
    """Return the signatures that the current agreements of contracting and active projects still lack, by project.

    An agreement waits for the signature of every partner still in the project; an active
    project waits again when an approved amendment redrafted its agreements. One query, one
    row per current agreement lacking a signature; waiting since the agreement was drafted.
    """
    unsigned = (
        ProjectPartner.objects.filter(project_id=OuterRef("project_id"), removed_at__isnull=True)
        .exclude(Exists(Signature.objects.filter(agreement_id=OuterRef(OuterRef("pk")), partner_id=OuterRef("pk"))))
        .order_by()
        .values("project_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Agreement.objects.filter(
            program_roles.in_programs(user, Role.STAFF, "project__proposal__call__program"),
            superseded_at__isnull=True,
            project__proposal__state__in=[S.CONTRACTING, S.ACTIVE],
        )
        .annotate(missing=Subquery(unsigned))
        .filter(missing__gt=0)
        .order_by()
        .values_list("project__proposal__call_id", "project_id", "project__proposal__title", "missing", "created_at")
    )
    counts: dict[tuple[int, int, str], int] = defaultdict(int)
    oldest: dict[tuple[int, int, str], datetime] = {}
    for call_id, project_id, title, missing, drafted in rows:
        key = (call_id, project_id, title)
        counts[key] += missing
        oldest[key] = min(drafted, oldest.get(key, drafted))
    return [("signatures", *key, count, oldest[key]) for key, count in counts.items()]


def _reviews_waiting(user: User) -> list[ProjectWork]:
    """Return the reports submitted and the milestones marked done that wait for staff's review, by project.

    Two queries, each grouped by project: waiting since the oldest was submitted or marked done.
    """
    reports = (
        Report.objects.filter(
            program_roles.in_programs(user, Role.STAFF, "project__proposal__call__program"),
            state=ReportState.SUBMITTED,
        )
        .order_by()
        .values("project__proposal__call_id", "project_id", "project__proposal__title")
        .annotate(count=Count("pk"), since=Min("submitted_at"))
        .values_list("project__proposal__call_id", "project_id", "project__proposal__title", "count", "since")
    )
    milestones = (
        MilestoneCompletion.objects.filter(
            program_roles.in_programs(user, Role.STAFF, "milestone__project__proposal__call__program"),
            outcome=CompletionOutcome.PENDING,
        )
        .order_by()
        .values("milestone__project__proposal__call_id", "milestone__project_id", "milestone__project__proposal__title")
        .annotate(count=Count("milestone_id", distinct=True), since=Min("submitted_at"))
        .values_list(
            "milestone__project__proposal__call_id",
            "milestone__project_id",
            "milestone__project__proposal__title",
            "count",
            "since",
        )
    )
    return [("reports", *row) for row in reports] + [("milestones", *row) for row in milestones]


def _claims_waiting(user: User) -> list[tuple[str, int, int, datetime | None]]:
    """Return ("claims", call id, count, oldest) of the claims submitted and awaiting review. One query by call.

    They are reviewed in their program's claims queue (``projects:program_claims``).
    """
    rows = (
        Claim.objects.filter(
            program_roles.in_programs(user, Role.STAFF, "project__proposal__call__program"),
            state=ClaimState.SUBMITTED,
        )
        .order_by()
        .values("project__proposal__call_id")
        .annotate(count=Count("pk"), since=Min("submitted_at"))
        .values_list("project__proposal__call_id", "count", "since")
    )
    return [("claims", call_id, count, since) for call_id, count, since in rows]


def staff_work_queue(*, user: User, now: datetime | None = None) -> list[WorkItem]:
    """Return the work waiting for ``user`` as staff across the calls of their programs, the longest waiting first.

    Eleven queries whatever the programs, calls, proposals, meetings and projects: the proposals
    waiting by state, those in assessment, the missing votes, the decisions to release, their
    meetings, the claims to review, the agreements' missing signatures, the reports and the
    milestones to review, the calls' coming meetings (where assessed proposals are sent) and the
    calls with their programs.
    """
    now = now or timezone.now()
    waiting = _proposals_waiting(user) + _assessments_waiting(user, now) + _claims_waiting(user)
    meetings = _meetings_waiting(user, now)
    projects = _signatures_waiting(user) + _reviews_waiting(user)
    call_ids = (
        {call_id for _kind, call_id, _count, _since in waiting}
        | {row[1] for row in meetings}
        | {row[1] for row in projects}
    )
    if not call_ids:
        return []
    # The next meeting of each call with assessed proposals: where they are sent to the board.
    assessed_calls = {call_id for kind, call_id, _count, _since in waiting if kind == "assessed"}
    next_meeting: dict[int, int] = {}
    for call_id, meeting_id in (
        BoardMeeting.objects.filter(call_id__in=assessed_calls, decisions_released_at__isnull=True, held_at__gt=now)
        .order_by("-held_at", "-pk")
        .values_list("call_id", "pk")
    ):
        next_meeting[call_id] = meeting_id  # the soonest is read last
    calls = {call.pk: call for call in Call.objects.filter(pk__in=call_ids).select_related("program")}
    items = []
    for kind, call_id, count, since in waiting:
        if kind in ("questionnaires", "letters"):
            url = _proposals_url(call_id, stage="loi")
        elif kind == "applications":
            url = _proposals_url(call_id, stage="application")
        elif kind in ("short", "overdue"):
            url = reverse("assessment:assignments", kwargs={"pk": call_id})
        elif kind == "early_assessed":
            url = _proposals_url(call_id, state=S.ASSESSED)
        elif kind == "contracting":
            url = _proposals_url(call_id, state=S.APPROVED)
        elif kind == "claims":
            url = reverse("projects:program_claims", kwargs={"pk": calls[call_id].program_id})
        elif call_id in next_meeting:
            url = reverse("board:meeting_send", kwargs={"pk": next_meeting[call_id]})
        else:
            url = reverse("board:meeting_create", kwargs={"pk": call_id})
        items.append(WorkItem(kind, _label(kind, count), count, calls[call_id], since, url))
    for kind, call_id, meeting, count in meetings:
        if kind == "votes":
            url = reverse("board:meeting_agenda", kwargs={"pk": meeting.pk})
            items.append(WorkItem(kind, _label(kind, count), count, calls[call_id], None, url, due=meeting.held_at))
        else:
            url = reverse("board:meeting_letters", kwargs={"pk": meeting.pk})
            items.append(WorkItem(kind, _label(kind, count), count, calls[call_id], meeting.held_at, url))
    for kind, call_id, project_id, title, count, since in projects:
        if kind == "signatures":
            url = reverse("projects:project_detail", kwargs={"pk": project_id}) + "#agreements-heading"
        elif kind == "reports":
            url = reverse("projects:report_list", kwargs={"pk": project_id})
        else:
            url = reverse("projects:project_detail", kwargs={"pk": project_id}) + "#milestones-heading"
        items.append(WorkItem(kind, _label(kind, count), count, calls[call_id], since, url, project=title))
    # The longest waiting first, then what is due soonest.
    return sorted(
        items,
        key=lambda item: (item.since is None, item.since or item.due or now, item.call.pk, item.kind, item.project),
    )
