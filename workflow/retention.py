"""Retention and disposition of unsuccessful proposals, and legal holds (docs/retention.md, ADR 0026).

An unsuccessful proposal (in a final state: not invited, ineligible, not funded, withdrawn or
expired) is due for disposition once its program's retention has passed since its decision,
unless it or its call is under a legal hold. Disposition removes its files, its content and
the personal data around it, and keeps a minimal record so the program's figures stay true.
Approved proposals are never disposed of: projects do not exist in Clusterflow yet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import (
    CharField,
    DateTimeField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, JSONObject
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from assessment.models import Assignment, Conflict, Review, Score
from board.models import BoardConflict, DecisionLetter, Vote
from intake.models import (
    Answer,
    Attachment,
    BudgetLine,
    Call,
    CoApplicant,
    ConsortiumMember,
    EligibilityOverride,
    ForegroundIP,
    Milestone,
    Program,
    Proposal,
    ProposalSearchDocument,
    ProposalVersion,
)
from intake.services.documents import proposal_dossiers_delete
from intake.states import FINAL_STATES, PROJECT_STATES
from records.models import AuditRecord, Notification
from records.sql import IsoFormat, insert_from_select
from workflow import actions

logger = logging.getLogger("clusterflow.retention")

#: Unsuccessful proposals: every final state but a funded project's (closed or terminated), which are never
#: disposed of: their agreements, claims and reports are the program's records.
UNSUCCESSFUL_STATES = tuple(sorted(FINAL_STATES - PROJECT_STATES))
#: How far ahead the staff's preview looks.
PREVIEW_DAYS = 30
DISPOSE = actions.DISPOSE.name
LEGAL_HOLD = actions.LEGAL_HOLD.name
LEGAL_HOLD_LIFT = actions.LEGAL_HOLD_LIFT.name


# --- Selectors -----------------------------------------------------------------------------------


def retention_figures() -> list[tuple[Program, int]]:
    """Return each program with its effective retention of unsuccessful proposals in days (its own or the default).

    One query; for the privacy page.
    """
    return [(program, program.effective_retention_days) for program in Program.objects.order_by("name_en", "pk")]


def _decided_at() -> Any:
    """The moment of the decision: the last audit record that moved the proposal into its current state.

    A proposal with no such record (written before the audit trail) falls back on its last change.
    """
    last = (
        AuditRecord.objects.filter(proposal=OuterRef("pk"), to_state=OuterRef("state"))
        .exclude(from_state=OuterRef("state"))
        .order_by("-at", "-pk")
        .values("at")[:1]
    )
    return Coalesce(Subquery(last, output_field=DateTimeField()), F("updated_at"))


def _unsuccessful() -> QuerySet[Proposal]:
    """The unsuccessful proposals not yet disposed of, annotated with ``decided_at``."""
    return Proposal.objects.filter(state__in=UNSUCCESSFUL_STATES, disposed_at__isnull=True).annotate(
        decided_at=_decided_at()
    )


def _past_retention(*, before: datetime) -> Q:
    """Match proposals whose retention ends at or before ``before``: one clause per program, whose days differ."""
    clauses = Q(pk__in=[])
    for pk, days in Program.objects.values_list("pk", "retention_days"):
        cutoff = before - timedelta(days=days or settings.RETENTION_UNSUCCESSFUL_DAYS)
        clauses |= Q(call__program_id=pk, decided_at__lte=cutoff)
    return clauses


def proposals_due_for_disposal(*, now: datetime | None = None) -> QuerySet[Proposal]:
    """Return the proposals the sweep disposes of at ``now``: past their retention and under no legal hold."""
    now = now or timezone.now()
    return _unsuccessful().filter(
        _past_retention(before=now), legal_hold_at__isnull=True, call__legal_hold_at__isnull=True
    )


@dataclass(frozen=True)
class Upcoming:
    """One proposal due for disposition soon, with its decision's moment and its due date."""

    proposal: Proposal
    decided_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class DisposalPreview:
    """What the sweep will dispose of in a program over the next days: a page of them, with their due dates."""

    program: Program
    retention_days: int
    until: datetime
    page: Page[Any]
    rows: list[Upcoming]
    held: int


def disposals_upcoming(*, program: Program, page: int | str = 1, now: datetime | None = None) -> DisposalPreview:
    """Return the program's proposals due for disposition within ``PREVIEW_DAYS`` (already due included).

    Those under a legal hold are listed too, with their hold, and counted apart. Each row
    carries ``due_at``; four queries whatever the page's size.
    """
    now = now or timezone.now()
    until = now + timedelta(days=PREVIEW_DAYS)
    days = program.effective_retention_days
    upcoming = (
        _unsuccessful()
        .filter(Q(decided_at__lte=until - timedelta(days=days)), call__program=program)
        .select_related("call", "lead_organization", "legal_hold_by", "call__legal_hold_by")
        .order_by(F("decided_at").asc(), "pk")
    )
    held = upcoming.filter(Q(legal_hold_at__isnull=False) | Q(call__legal_hold_at__isnull=False)).count()
    shown = Paginator(upcoming, 50).get_page(page)
    rows = [Upcoming(p, p.decided_at, p.decided_at + timedelta(days=days)) for p in shown.object_list]  # type: ignore[attr-defined]
    return DisposalPreview(program=program, retention_days=days, until=until, page=shown, rows=rows, held=held)


# --- Legal holds ---------------------------------------------------------------------------------


def _require_staff(by: User, program_id: int | None = None) -> None:
    """Refuse anyone but staff; with ``program_id``, anyone but the staff of that program.

    A hold is the program's business: staff of another program may neither set nor lift it.
    A proposal's program is checked once its row is read under the lock.
    """
    allowed = by.has_role(Role.STAFF) if program_id is None else by.acts_in(Role.STAFF, program_id)
    if not allowed:
        raise ActionForbidden(_("Only program staff can set or lift a legal hold."))


def _reason(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Give the reason."))
    return text


def proposal_legal_hold_set(*, proposal: Proposal, by: User, reason: str) -> Proposal:
    """Put ``proposal`` under a legal hold, which suspends its disposition (audited)."""
    _require_staff(by)
    reason = _reason(reason)
    now = timezone.now()
    with transaction.atomic():
        locked = Proposal.objects.select_for_update(of=("self",)).select_related("call").get(pk=proposal.pk)
        _require_staff(by, locked.call.program_id)
        if locked.disposed_at is not None:
            raise StaleAction(_("This proposal was disposed of: there is nothing left to hold."))
        if locked.legal_hold_at is not None:
            raise StaleAction(_("This proposal is already under a legal hold; somebody set it first."))
        locked.legal_hold_at, locked.legal_hold_by, locked.legal_hold_reason = now, by, reason
        locked.save(update_fields=["legal_hold_at", "legal_hold_by", "legal_hold_reason"])
        AuditRecord.objects.create(
            proposal=locked, action=LEGAL_HOLD, from_state=locked.state, to_state=locked.state, actor=by,
            at=now, reason=reason,
        )  # fmt: skip
    logger.info("Legal hold set on proposal %s by user %s", locked.pk, by.pk)
    return locked


def proposal_legal_hold_lift(*, proposal: Proposal, by: User, reason: str) -> Proposal:
    """Lift the legal hold of ``proposal``; its disposition resumes when due (audited)."""
    _require_staff(by)
    reason = _reason(reason)
    now = timezone.now()
    with transaction.atomic():
        locked = Proposal.objects.select_for_update(of=("self",)).select_related("call").get(pk=proposal.pk)
        _require_staff(by, locked.call.program_id)
        if locked.legal_hold_at is None:
            raise StaleAction(_("This proposal is not under a legal hold; somebody lifted it first."))
        held_since = locked.legal_hold_at
        locked.legal_hold_at, locked.legal_hold_by, locked.legal_hold_reason = None, None, ""
        locked.save(update_fields=["legal_hold_at", "legal_hold_by", "legal_hold_reason"])
        AuditRecord.objects.create(
            proposal=locked, action=LEGAL_HOLD_LIFT, from_state=locked.state, to_state=locked.state, actor=by,
            at=now, reason=reason, data={"held_since": held_since.isoformat()},
        )  # fmt: skip
    logger.info("Legal hold lifted on proposal %s by user %s", locked.pk, by.pk)
    return locked


def call_legal_hold_set(*, call: Call, by: User, reason: str) -> Call:
    """Put every proposal of ``call`` under a legal hold, recording who, when and why on the call (logged)."""
    _require_staff(by, call.program_id)
    reason = _reason(reason)
    now = timezone.now()
    with transaction.atomic():
        # Written with update(), so the call's updated_at (its edit form's concurrency check) is untouched.
        changed = Call.objects.filter(pk=call.pk, legal_hold_at__isnull=True).update(
            legal_hold_at=now, legal_hold_by=by, legal_hold_reason=reason
        )
        if not changed:
            raise StaleAction(_("This call is already under a legal hold; somebody set it first."))
    logger.info("Legal hold set on call %s by user %s: %s", call.pk, by.pk, reason)
    return Call.objects.get(pk=call.pk)


def call_legal_hold_lift(*, call: Call, by: User, reason: str) -> Call:
    """Lift the legal hold of ``call``, recording who, when and why on the call (logged)."""
    _require_staff(by, call.program_id)
    reason = _reason(reason)
    now = timezone.now()
    with transaction.atomic():
        changed = Call.objects.filter(pk=call.pk, legal_hold_at__isnull=False).update(
            legal_hold_at=None, legal_hold_by=None, legal_hold_reason="",
            legal_hold_lifted_at=now, legal_hold_lifted_by=by, legal_hold_lift_reason=reason,
        )  # fmt: skip
        if not changed:
            raise StaleAction(_("This call is not under a legal hold; somebody lifted it first."))
    logger.info("Legal hold lifted on call %s by user %s: %s", call.pk, by.pk, reason)
    return Call.objects.get(pk=call.pk)


# --- The disposition sweep -----------------------------------------------------------------------

#: The proposal's fields emptied at disposition, with the value each is left with.
EMPTIED: dict[str, Any] = {
    **dict.fromkeys(
        (
            "summary", "challenge", "technology", "expected_partners", "project_description", "work_plan",
            "ip_ownership_terms", "ip_partner_licensing", "ip_member_licensing", "decision_conditions",
            "legal_hold_reason",
        ),
        "",
    ),
    **dict.fromkeys(
        (
            "jobs_during", "jobs_after", "revenue_during", "revenue_after", "ip_rights_during", "ip_rights_after",
            "smes_scaled_during", "smes_scaled_after",
        ),
        None,
    ),
    "sectors": [],
    "keywords": [],
}  # fmt: skip


def proposals_dispose_due(*, now: datetime | None = None, chunk: int = 5000) -> int:
    """Dispose of every proposal due at ``now``, set-based, a chunk per transaction; return how many.

    Per chunk: lock the proposals, write one ``dispose`` audit record each, delete their
    files from storage, then remove their content and the personal data around them with
    one statement per table, and mark them disposed. A second run finds nothing due.
    """
    now = now or timezone.now()
    due = proposals_due_for_disposal(now=now)
    total, after = 0, 0
    while True:
        with transaction.atomic():
            # Chunks go up the keys: those below ``after`` are disposed of, or were not due.
            ids = list(
                due.filter(pk__gt=after)
                .select_for_update(of=("self",))
                .order_by("pk")
                .values_list("pk", flat=True)[:chunk]
            )
            if not ids:
                return total
            # The chunk's rows are locked and are the only due ones in their range of keys.
            records = _disposal_records_create(due.filter(pk__gte=ids[0], pk__lte=ids[-1]), now=now)
            disposed = records.values("proposal_id")
            _files_delete(disposed)
            _content_remove(disposed, now=now)
            total += len(ids)
            after = ids[-1]


def _disposal_records_create(due: QuerySet[Proposal], *, now: datetime) -> QuerySet[AuditRecord]:
    """Write the ``dispose`` audit record of each of ``due`` (no actor: Clusterflow acts); return them."""
    created = insert_from_select(
        AuditRecord,
        source=due,
        values={
            "proposal_id": F("pk"),
            "action": Value(DISPOSE),
            "from_state": F("state"),
            "to_state": F("state"),
            "at": Value(now, output_field=DateTimeField()),
            "reason": Value(""),
            "data": JSONObject(decided_at=IsoFormat("decided_at")),
        },
        returning=("id",),
    )
    ids = [pk for (pk,) in created]
    if not ids:
        return AuditRecord.objects.none()
    return AuditRecord.objects.filter(pk__gte=min(ids), pk__lte=max(ids), action=DISPOSE, at=now)


def _files_delete(disposed: QuerySet[Any]) -> None:
    """Delete the attachments' files and the versions' printed dossiers from storage.

    Inside the chunk's transaction and before its rows go: should the transaction roll
    back, the next run disposes of the same proposals again, and deleting a file that is
    gone already is no error.
    """
    for name in Attachment.objects.filter(proposal_id__in=disposed).values_list("file", flat=True).iterator():
        if name:
            default_storage.delete(name)
    # The dossiers printed of their versions hold the same content.
    proposal_dossiers_delete(proposal_ids=disposed.values_list("proposal_id", flat=True))


def _raw_delete(queryset: QuerySet[Any]) -> None:
    """Delete ``queryset``'s rows in one statement.

    Django's ``delete()`` loads every row to cascade; here the rows that point at them are
    removed first, in the order ``_content_remove`` follows, so there is nothing to cascade.
    """
    queryset._raw_delete(queryset.db)


def _content_remove(disposed: QuerySet[Any], *, now: datetime) -> None:
    """Remove the content and personal data of the proposals ``disposed``, keeping the minimal record."""
    requested = (
        ConsortiumMember.objects.filter(proposal=OuterRef("pk"))
        .order_by()
        .values("proposal")
        .annotate(total=Sum("funding_requested"))
        .values("total")
    )
    Proposal.objects.filter(pk__in=disposed).update(
        **EMPTIED,
        title=Concat(Value("#"), Cast("pk", CharField()), output_field=CharField()),
        requested_at_disposal=Subquery(requested),
        disposed_at=now,
    )
    through = ProposalVersion.attachments.through
    _raw_delete(through.objects.filter(attachment__proposal_id__in=disposed))
    # The answers first: a file answer points at its attachment.
    _raw_delete(Answer.objects.filter(proposal_id__in=disposed))
    _raw_delete(Attachment.objects.filter(proposal_id__in=disposed))
    _raw_delete(ForegroundIP.objects.filter(proposal_id__in=disposed))
    _raw_delete(BudgetLine.objects.filter(member__proposal_id__in=disposed))
    _raw_delete(ConsortiumMember.objects.filter(proposal_id__in=disposed))
    _raw_delete(Milestone.objects.filter(proposal_id__in=disposed))
    _raw_delete(CoApplicant.objects.filter(proposal_id__in=disposed))
    _raw_delete(Notification.objects.filter(proposal_id__in=disposed))
    _raw_delete(ProposalSearchDocument.objects.filter(proposal_id__in=disposed))
    ProposalVersion.objects.filter(proposal_id__in=disposed).update(data={})
    # The figures of some checks name the consortium's organizations: they go with it.
    EligibilityOverride.objects.filter(proposal_id__in=disposed).update(
        reason="", message="", figure="", lapsed_figure="", revoked_reason=""
    )
    Assignment.objects.filter(proposal_id__in=disposed).exclude(decline_reason="").update(decline_reason="")
    Review.objects.filter(assignment__proposal_id__in=disposed).exclude(overall_comment="").update(overall_comment="")
    Score.objects.filter(review__assignment__proposal_id__in=disposed).exclude(comment="").update(comment="")
    Conflict.objects.filter(proposal_id__in=disposed).exclude(nature="").update(nature="")
    BoardConflict.objects.filter(proposal_id__in=disposed).update(nature="")
    Vote.objects.filter(item__proposal_id__in=disposed).exclude(comment="").update(comment="")
    DecisionLetter.objects.filter(item__proposal_id__in=disposed).update(subject="", body="")
