"""Reads of programs, calls and proposals' own figures.

Who may read which proposal is ``workflow.access``'s to say: this module reads what staff
manage (programs and calls) and what a proposal already fetched holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import (
    Count,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, Greatest, JSONObject
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from intake import program_roles
from intake.answers import ANSWER_COLUMNS, QUESTION_COLUMNS, stage_answers_keep
from intake.choices import IntakeMode
from intake.eligibility import Application, Check, Rules
from intake.models import (
    Answer,
    Call,
    CallRule,
    ConsortiumRole,
    EligibilityOverride,
    Program,
    ProgramMembership,
    ProgramRole,
    Proposal,
    ProposalVersion,
    Question,
    Stage,
)
from intake.models.rules_in_force import RulesInForce, VersionRules
from intake.states import FUNDED_STATES
from records.models import AuditRecord
from records.sql import (
    JSONColumn,
    JSONRows,
    row_read_compiled_or_404,
    rows_read_compiled,
    rows_read_compiled_for,
)


def calls_open(*, now: datetime | None = None) -> QuerySet[Call]:
    """Return the calls that accept letters of intent or full applications at ``now``."""
    now = now or timezone.now()
    return (
        Call.objects.filter(loi_opens_at__lte=now, application_closes_at__gt=now)
        .select_related("program")
        .prefetch_related("stages")
        .order_by("loi_closes_at", "pk")
    )


def calls_upcoming(*, now: datetime | None = None) -> QuerySet[Call]:
    """Return the calls announced but not open yet."""
    now = now or timezone.now()
    return (
        Call.objects.filter(loi_opens_at__gt=now)
        .select_related("program")
        .prefetch_related("stages")
        .order_by("loi_opens_at", "pk")
    )


def calls_public() -> QuerySet[Call]:
    """Return every call (each is public, as ``call_public`` says), with what a list of them shows read alongside.

    Each call carries ``last_modified_at``: the latest change to it, its stages or its rules; the most recently
    changed come first (the order CommonGrants' list of opportunities asks for). A page of them
    reads its program with it and its stages, cut-offs, rules and consortium roles in four more queries.
    """
    stages_changed = Stage.objects.filter(call=OuterRef("pk")).order_by().values("call")
    rules_changed = CallRule.objects.filter(call=OuterRef("pk")).order_by().values("call")
    return (
        Call.objects.select_related("program")
        .prefetch_related(
            "stages",
            "cut_offs",
            "rules",
            Prefetch("consortium_roles", queryset=ConsortiumRole.objects.order_by("position", "pk")),
        )
        .annotate(
            last_modified_at=Greatest(
                "updated_at",
                Coalesce(Subquery(stages_changed.annotate(at=Max("updated_at")).values("at")), "updated_at"),
                Coalesce(Subquery(rules_changed.annotate(at=Max("updated_at")).values("at")), "updated_at"),
            )
        )
        .order_by("-last_modified_at", "-pk")
    )


def call_public_by_uuid(*, uuid: UUID) -> Call:
    """Return the call whose public identifier is ``uuid``, read as ``calls_public`` reads each, or raise 404."""
    return get_object_or_404(calls_public(), uuid=uuid)


def call_public(*, pk: int) -> Call:
    """Return a call anyone may read about (every call is public), or raise 404."""
    return get_object_or_404(
        Call.objects.select_related("program", "legal_hold_by").prefetch_related("stages", "cut_offs"), pk=pk
    )


def programs_for_staff(*, user: User) -> QuerySet[Program]:
    """Return the programs ``user`` is staff of, each with the number of its calls."""
    return (
        Program.objects.filter(program_roles.in_programs(user, Role.STAFF, "pk"))
        .annotate(call_count=Count("calls"))
        .order_by("name_en")
    )


def program_for_staff(*, user: User, pk: int) -> Program:
    """Return the program ``pk`` if ``user`` is its staff, or raise 404."""
    return get_object_or_404(Program.objects.filter(program_roles.in_programs(user, Role.STAFF, "pk")), pk=pk)


def program_role_grants(*, program: Program) -> QuerySet[ProgramRole]:
    """Return who holds a role for ``program``: its grants and the funders who read every program.

    With the people granted and who granted, so the page reads them in one query.
    """
    return (
        ProgramRole.objects.filter(Q(program=program) | Q(program__isnull=True))
        .select_related("user", "granted_by")
        .order_by("role", "user__display_name", "user__email")
    )


def program_role_for_staff(*, program: Program, pk: int) -> ProgramRole:
    """Return the grant ``pk`` of ``program`` (fetched with ``program_for_staff``) its staff may revoke, or raise 404.

    A funder's grant is the superuser's to revoke (in the admin), so it answers 404 here.
    """
    grants = ProgramRole.objects.filter(program=program).exclude(role=Role.FUNDER).select_related("user", "program")
    return get_object_or_404(grants, pk=pk)


def program_memberships(*, program: Program) -> QuerySet[ProgramMembership]:
    """Return the memberships of ``program`` by organization, oldest first, with who recorded them (1 query)."""
    return (
        ProgramMembership.objects.filter(program=program)
        .select_related("organization", "created_by")
        .order_by("organization__legal_name", "organization_id", "starts_on", "pk")
    )


def program_membership_for_staff(*, program: Program, pk: int) -> ProgramMembership:
    """Return the membership ``pk`` of ``program`` (already fetched for its staff), or raise 404."""
    return get_object_or_404(
        ProgramMembership.objects.select_related("organization", "program"), program=program, pk=pk
    )


def program_membership_history(*, program: Program) -> QuerySet[AuditRecord]:
    """Return the audit log's records of ``program``'s memberships, newest first, with who acted."""
    return AuditRecord.objects.filter(program=program).select_related("actor").order_by("-at", "-pk")


def organizations_members_on(*, program_id: int, organization_ids: Iterable[int], on: date) -> set[int]:
    """Return which of ``organization_ids`` hold a membership of ``program_id`` valid on ``on`` (1 query).

    The eligibility engine's ``Partner.member`` (its rule "membership of the program"): the day is
    today while a proposal is editable, its submission's in a version (``Proposal.membership_day``).
    """
    return ProgramMembership.objects.organizations_on(program_id=program_id, organization_ids=organization_ids, day=on)


def call_consortium_roles(*, call: Call) -> QuerySet[ConsortiumRole]:
    """Return the consortium roles ``call`` names, in their order, each with how many members take it."""
    return ConsortiumRole.objects.filter(call=call).annotate(taken=Count("members")).order_by("position", "pk")


def consortium_role_for_staff(*, user: User, pk: int) -> ConsortiumRole:
    """Return the consortium role ``pk`` if ``user`` is staff of its call's program, or raise 404."""
    roles = ConsortiumRole.objects.filter(program_roles.in_programs(user, Role.STAFF, "call__program")).select_related(
        "call__program"
    )
    return get_object_or_404(roles, pk=pk)


def calls_for_staff(*, program: Program) -> QuerySet[Call]:
    """Return the calls of ``program`` (fetched with ``program_for_staff``), newest first."""
    return program.calls.select_related("program").prefetch_related("stages").order_by("-loi_opens_at", "pk")


def calls_for_staff_of(*, user: User) -> QuerySet[Call]:
    """Return the calls of every program ``user`` is staff of, newest first (to copy one's stages from)."""
    return (
        Call.objects.filter(program_roles.in_programs(user, Role.STAFF))
        .select_related("program")
        .order_by("program__name_en", "-loi_opens_at", "pk")
    )


def call_for_staff(*, user: User, pk: int) -> Call:
    """Return the call ``pk`` if ``user`` is staff of its program, or raise 404."""
    calls = (
        Call.objects.filter(program_roles.in_programs(user, Role.STAFF))
        .select_related("program", "legal_hold_by")
        .prefetch_related("stages", "cut_offs")
    )
    return get_object_or_404(calls, pk=pk)


def call_for_staff_list(*, user: User, pk: int) -> Call:
    """Return the call ``pk`` for staff's list of its proposals if ``user`` is staff of its program (404 otherwise).

    The call as ``call_for_staff`` reads it, with only what the list reads besides: a rolling
    call's cut-offs (its review batches), not its stages. The read is compiled once per reader
    and per connection and run with the call's key swapped in (``records.sql.row_read_compiled``,
    ADR 0051): building and compiling it cost more than the database took to run it.
    """
    if not user.has_role(Role.STAFF):
        raise Http404

    def read(key: int) -> QuerySet[Call]:
        calls = Call.objects.filter(program_roles.in_programs(user, Role.STAFF))
        return calls.select_related("program", "legal_hold_by").filter(pk=key)

    # The read's shape and parameters follow from who reads: their key, roles and grants.
    shape = ("call_for_staff_list", *user.access_key)
    call = row_read_compiled_or_404(Call, shape, read, pk)
    if call.intake_mode == IntakeMode.ROLLING:
        prefetch_related_objects([call], "cut_offs")
    return call


def call_for_staff_results(*, user: User, pk: int) -> Call:
    """Return the call ``pk`` for staff's results of it if ``user`` is staff of its program (404 otherwise).

    The call as ``call_for_staff`` reads it, with its program and its stages (kept as a prefetch
    keeps them: ``call.stages.all()`` reads nothing more), and without what the results do not
    read: who put it on legal hold, its cut-offs. Each of the two reads is compiled once per
    connection (the call's per reader) and run with the call's key swapped in
    (``records.sql.row_read_compiled``, ADR 0051): building and compiling them cost several
    times what the database took to run them.
    """
    if not user.has_role(Role.STAFF):
        raise Http404

    def read(key: int) -> QuerySet[Call]:
        return Call.objects.filter(program_roles.in_programs(user, Role.STAFF)).select_related("program").filter(pk=key)

    # The read's shape and parameters follow from who reads: their key, roles and grants.
    call = row_read_compiled_or_404(Call, ("call_for_staff_results", *user.access_key), read, pk)
    # A call's stages take distinct places (``Stage.position``), so they come in the prefetch's order.
    stages = rows_read_compiled(
        Stage, "call_stages", lambda key: Stage.objects.filter(call_id=key).order_by("position", "pk"), call.pk
    )
    _stages_keep(call, stages)
    return call


def _stages_keep(call: Call, stages: list[Stage]) -> None:
    """Keep ``stages`` as ``prefetch_related("stages")`` keeps them: each with its call, in the call's cache."""
    for stage in stages:
        Stage.call.field.set_cached_value(stage, call)
    kept = call.stages.all()  # not evaluated: given its rows as a prefetch gives them
    kept._result_cache = stages
    kept._prefetch_done = True  # type: ignore[attr-defined]
    call.__dict__.setdefault("_prefetched_objects_cache", {})["stages"] = kept


#: What a page of one proposal shows of its relations, read with it.
RELATED = ("call", "call__program", "stage", "lead_organization", "lead_applicant")


def submission_facts() -> dict[str, Any]:
    """Return the annotations a submission reads with the proposal's locked row (``workflow.actions.base.perform``).

    The call's rule rows, the questions of the proposal's stage with its answers, and its lead
    organization's memberships of the program, each as a JSON array, instead of a query each
    once the row is locked; and the row's ``updated_at`` as the read's snapshot holds it
    (``READ_AT``): see ``locked_facts_keep``.
    """
    rules = (
        CallRule.objects.filter(call_id=OuterRef("call_id"))
        .order_by()
        .values("call_id")
        .annotate(rows=JSONRows(JSONObject(**{name: _json_column(name) for name in RULE_COLUMNS})))
        .values("rows")
    )
    questions = (
        Question.objects.filter(call_id=OuterRef("call_id"), stage=OuterRef("stage__kind"), retired_at__isnull=True)
        .order_by()
        .values("call_id")
        .annotate(rows=JSONRows(JSONObject(**{name: _json_column(name) for name in QUESTION_COLUMNS})))
        .values("rows")
    )
    answer_columns = {"question_id": "question_id", **ANSWER_COLUMNS}
    answers = (
        Answer.objects.filter(
            proposal_id=OuterRef("pk"), question__stage=OuterRef("stage__kind"), question__retired_at__isnull=True
        )
        .order_by()
        .values("proposal_id")
        .annotate(rows=JSONRows(JSONObject(**{name: _json_column(path) for name, path in answer_columns.items()})))
        .values("rows")
    )
    memberships = (
        ProgramMembership.objects.filter(
            organization_id=OuterRef("lead_organization_id"), program_id=OuterRef("call__program_id")
        )
        .order_by()
        .values("organization_id")
        .annotate(rows=JSONRows(JSONObject(starts_on="starts_on", ends_on="ends_on")))
        .values("rows")
    )
    return {
        "submission_rules": Subquery(rules),
        "submission_questions": Subquery(questions),
        "submission_answers": Subquery(answers),
        "submission_memberships": Subquery(memberships),
        READ_AT: _read_at(),
    }


def version_rules_facts() -> dict[str, Any]:
    """Return the annotations of what ``latest_version_rules`` reads for the proposal's stage, for its locked row.

    The number, schema and rules of its latest submitted version of the stage it is in (all
    None without one): an action whose guards read the rules in force (``start_assessment``'s
    ``eligible``) decides them without a query of its own; and ``READ_AT``, as for a submission.
    """
    latest = (
        ProposalVersion.objects.filter(proposal_id=OuterRef("pk"), kind=OuterRef("stage__kind"))
        .order_by("-number")
        .values("number")
    )
    return {
        "version_rules_number": Subquery(latest.values("number")[:1]),
        "version_rules_schema": Subquery(latest.values("frozen_schema")[:1]),
        "version_rules_data": Subquery(latest.values("frozen_rules")[:1]),
        READ_AT: _read_at(),
    }


def _read_at() -> Subquery:
    return Subquery(Proposal.objects.filter(pk=OuterRef("pk")).order_by().values("updated_at"))


#: The columns of a call's rule that ``Call.rules_keep`` keeps.
RULE_COLUMNS = ("id", "kind", "params", "stages", "position")


def _json_column(path: str) -> Any:
    """A column of a rule, a question or an answer in a JSON object: a JSON one as JSON (``JSONColumn``)."""
    return JSONColumn(path) if path in ("params", "stages", "choices", "columns", "value") else F(path)


def locked_facts_keep(proposal: Proposal) -> None:
    """Keep what ``submission_facts`` or ``version_rules_facts`` read with ``proposal`` where its readers look first.

    Unless it may be stale: a proposal another transaction changed while this one waited for
    its lock is given back changed, but PostgreSQL reads the other tables of that statement as
    they were before the wait (``intake.locks.proposal_locked``): an answer saved, or a version
    submitted, meanwhile would be missing. Every change of a proposal's content and every
    submission bumps its ``updated_at`` under the same lock, so when the snapshot's ``updated_at``
    (``READ_AT``) is not the row's, nothing is kept and each is read again, now that the lock is held.
    """
    facts = {name: proposal.__dict__.pop(name) for name in LOCKED_FACTS if name in proposal.__dict__}
    if facts.get(READ_AT) != proposal.updated_at:
        return
    stage = proposal_stage(proposal)
    if "submission_rules" in facts:
        proposal.call.rules_keep(facts["submission_rules"] or [])
        stage_answers_keep(proposal, stage, facts["submission_questions"] or [], facts["submission_answers"] or [])
        proposal.lead_memberships_keep(
            (date.fromisoformat(row["starts_on"]), date.fromisoformat(row["ends_on"]) if row["ends_on"] else None)
            for row in facts["submission_memberships"] or []
        )
    if "version_rules_number" in facts:
        number = facts["version_rules_number"]
        proposal.version_rules_keep(
            stage, None if number is None else (number, facts["version_rules_schema"], facts["version_rules_data"])
        )


#: The row's ``updated_at`` as the locked read's snapshot holds it: see ``locked_facts_keep``.
READ_AT = "locked_read_at"
#: The annotations of ``version_rules_facts``.
VERSION_RULES_FACTS = ("version_rules_number", "version_rules_schema", "version_rules_data", READ_AT)


#: The annotations of ``submission_facts``.
SUBMISSION_FACTS = (
    "submission_rules", "submission_questions", "submission_answers", "submission_memberships", READ_AT
)  # fmt: skip
#: Every annotation ``locked_facts_keep`` reads.
LOCKED_FACTS = tuple(dict.fromkeys((*SUBMISSION_FACTS, *VERSION_RULES_FACTS)))


def proposal_state_counts(*, call: Call) -> dict[str, int]:
    """Return how many proposals of ``call`` are in each state (states with none are left out)."""
    rows = Proposal.objects.filter(call=call).order_by().values_list("state").annotate(count=Count("pk"))
    return dict(rows)


#: The long texts of each stage, by field, each held to the stage's word limit.
LOI_TEXTS = Proposal.LOI_TEXTS
APPLICATION_TEXTS = Proposal.APPLICATION_TEXTS


def proposal_stage(proposal: Proposal) -> str:
    """Return whether ``proposal`` is at the letter-of-intent or the full-application stage."""
    return proposal.eligibility_stage()


def call_rules(*, call: Call, stage: str) -> Rules:
    """Return the rules of ``call`` as the eligibility engine reads them, for ``stage``."""
    return Proposal(call=call).eligibility_rules(stage)


def proposal_rules(*, proposal: Proposal, stage: str | None = None) -> RulesInForce:
    """Return the rules ``proposal`` is checked against at ``stage`` (its current one by default), and their source.

    The call's current rules while the applicant may edit it; once submitted, those frozen in its
    latest submitted version of the stage, or the call's rules staff applied to it since
    (``Proposal.rules_in_force`` decides, for the lifecycle's ``eligible`` condition as for every page).
    """
    return proposal.rules_in_force(stage or proposal.eligibility_stage())


def _proposals_rules_read(ids: tuple[int, ...]) -> QuerySet[Any]:
    """The latest submitted version of each stage of the proposals ``ids``, with its rules and those staff applied."""
    latest = (
        ProposalVersion.objects.filter(proposal=OuterRef("proposal"), kind=OuterRef("kind"))
        .order_by("-number")
        .values("number")[:1]
    )
    return (
        ProposalVersion.objects.filter(proposal__in=ids)
        .filter(number=Subquery(latest))
        .order_by()
        .values_list(
            # The rules as their JSON text, kept beside the document: ``document_rules`` reads each text once a process.
            "proposal_id", "kind", "number", "frozen_schema", "frozen_rules",
            "proposal__rules_applied", "proposal__rules_applied_version", "proposal__rules_applied_at",
        )
    )  # fmt: skip


def proposals_rules_prefetch(*, proposals: list[Proposal]) -> None:
    """Read the rules frozen for every one of ``proposals`` at once (1 query, whatever their number).

    Each proposal gets the number, schema and rules of its latest submitted version of each
    stage, and the call's rules staff applied to it (read with the version, so a proposal built
    from a few columns gets them too): ``rules_in_force`` then reads no more. A proposal without
    a version was never submitted, so staff cannot have applied rules to it either. The read is
    compiled once per number of proposals (``records.sql.rows_read_compiled_for``).
    """
    ids = list(dict.fromkeys(proposal.pk for proposal in proposals))
    rows = rows_read_compiled_for(ProposalVersion, "proposals_rules", _proposals_rules_read, ids)
    found: dict[int, dict[str, VersionRules]] = {proposal.pk: {} for proposal in proposals}
    applied: dict[int, tuple[Any, Any, Any]] = {}
    for proposal_id, kind, number, schema, rules, *applied_fields in rows:
        found[proposal_id][kind] = (number, schema, rules)
        applied[proposal_id] = (applied_fields[0], applied_fields[1], applied_fields[2])
    for proposal in proposals:
        proposal.versions_rules = found[proposal.pk]  # type: ignore[attr-defined]
        if proposal.pk in applied:
            proposal.rules_applied, proposal.rules_applied_version, proposal.rules_applied_at = applied[proposal.pk]


def _versions_listed(pk: int) -> QuerySet[ProposalVersion]:
    return (
        ProposalVersion.objects.filter(proposal_id=pk)
        .order_by("number")
        .only("pk", "proposal_id", "number", "kind", "submitted_at", "frozen_schema", "frozen_rules")
    )


def proposal_versions_listed(*, proposal: Proposal) -> list[ProposalVersion]:
    """Return ``proposal``'s submitted versions, oldest first, as their list shows them: without their documents.

    The rules each froze are read with it (not the rest of its document), and ``proposal`` is given
    those of its latest version of each stage, as ``proposals_rules_prefetch`` gives them: read
    first, the page's eligibility reads no more (one query for both). The read is compiled once per
    connection and run with the proposal's key swapped in (``records.sql.rows_read_compiled``).
    """
    versions = rows_read_compiled(ProposalVersion, "proposal_versions_listed", _versions_listed, proposal.pk)
    latest: dict[str, VersionRules] = {}
    for version in versions:  # oldest first: the latest of each stage is kept
        latest[version.kind] = (version.number, version.frozen_schema, version.frozen_rules)
    proposal.versions_rules = latest  # type: ignore[attr-defined]
    return versions


def proposal_application(*, proposal: Proposal, stage: str) -> Application:
    """Return what the applicant entered in ``proposal`` as the eligibility engine reads it (1 query, 3 at most)."""
    return proposal.eligibility_application(stage)


@dataclass(frozen=True)
class EligibilityResult:
    """One eligibility check of a proposal, with the override that covers it if any, and those that lapsed."""

    check: Check
    override: EligibilityOverride | None
    #: Overrides of this check at this stage, not revoked, that no longer cover it: the figure
    #: or the limit changed since (whether or not the lapse is recorded yet), oldest first.
    lapsed: tuple[EligibilityOverride, ...] = ()

    @property
    def overridable(self) -> bool:
        """Whether staff may still override it: a failed check no override covers."""
        return not self.check.passed and self.override is None


#: What became of an override, as its row on the staff's eligibility page says.
IN_FORCE, LAPSED, REVOKED, OTHER_STAGE = "in_force", "lapsed", "revoked", "other_stage"


@dataclass(frozen=True)
class OverrideRow:
    """One override of a proposal, whatever became of it, with its check's label and its status now."""

    override: EligibilityOverride
    label: str
    status: str  # IN_FORCE, LAPSED, REVOKED or OTHER_STAGE

    @property
    def revocable(self) -> bool:
        return self.status != REVOKED


def eligibility_overrides_of(*, proposal: Proposal) -> list[EligibilityOverride]:
    """Return every override of ``proposal``'s eligibility checks, oldest first, with who granted it (1 query).

    Compiled once per connection and run with the proposal's key swapped in (``records.sql.rows_read_compiled``).
    """
    return rows_read_compiled(EligibilityOverride, "eligibility_overrides_of", _overrides_of, proposal.pk)


def _overrides_of(pk: int) -> QuerySet[EligibilityOverride]:
    return EligibilityOverride.objects.filter(proposal_id=pk).select_related("by").order_by("at", "pk")


def proposal_eligibility(
    *, proposal: Proposal, found: list[Check] | None = None, overrides: list[EligibilityOverride] | None = None
) -> list[EligibilityResult]:
    """Return each eligibility check of ``proposal`` at its current stage, beside its overrides (3 queries).

    Checked against the rules ``proposal_rules`` gives: a submitted proposal's frozen ones, not the call's later
    ones. ``found`` is ``proposal.eligibility_checks()`` and ``overrides`` is ``eligibility_overrides_of(proposal)``
    when the caller has them (then no query).
    """
    if overrides is None:
        overrides = eligibility_overrides_of(proposal=proposal)
    results = []
    for check in proposal.eligibility_checks() if found is None else found:
        own = [o for o in overrides if o.check_code == check.code and o.stage == check.stage and o.revoked_at is None]
        covering = next((o for o in own if o.covers(check)), None)
        results.append(
            EligibilityResult(check=check, override=covering, lapsed=tuple(o for o in own if o is not covering))
        )
    return results


def proposal_overrides(*, proposal: Proposal, results: list[EligibilityResult]) -> list[OverrideRow]:
    """Return every override of ``proposal``, oldest first, each with what became of it beside ``results``.

    ``results`` is ``proposal_eligibility(proposal=proposal)``: an override is in force when it
    covers one of them, lapsed when it is of their stage and covers none, and of another stage
    otherwise (a letter of intent's once the full application is checked).
    """
    labels = {result.check.code: result.check.label for result in results}
    stage = results[0].check.stage if results else ""
    covering = {result.override.pk for result in results if result.override is not None}
    rows = []
    for override in (
        EligibilityOverride.objects.filter(proposal=proposal).select_related("by", "revoked_by").order_by("at", "pk")
    ):
        if override.revoked_at is not None:
            status = REVOKED
        elif override.pk in covering:
            status = IN_FORCE
        elif override.lapsed_at is not None or override.stage == stage:
            status = LAPSED
        else:
            status = OTHER_STAGE
        rows.append(
            OverrideRow(override=override, label=labels.get(override.check_code, override.check_code), status=status)
        )
    return rows


def proposal_override(*, proposal: Proposal, pk: int) -> EligibilityOverride:
    """Return the override ``pk`` of ``proposal`` (already fetched for its staff), or raise 404."""
    return get_object_or_404(EligibilityOverride.objects.filter(proposal=proposal), pk=pk)


def proposal_funding_requested(*, proposal: Proposal) -> Decimal:
    """Return what ``proposal`` asks of the cluster: the sum of its partners' requests."""
    total = proposal.members.aggregate(total=Sum("funding_requested"))["total"]
    return total if total is not None else Decimal("0")


def call_committed(*, call: Call) -> Decimal:
    """Return what the board has committed of ``call``'s envelope: the amounts of its approved proposals."""
    total = Proposal.objects.filter(call=call, state__in=FUNDED_STATES).aggregate(total=Sum("approved_amount"))["total"]
    return total if total is not None else Decimal("0")


def proposal_answers_failing(*, proposal: Proposal) -> list[str]:
    """Return the wording of each live question of the proposal's stage whose answer that must hold it does not give."""
    from intake.answers import answer_holds
    from intake.models import Answer, Question

    questions = Question.objects.filter(
        call_id=proposal.call_id, stage=proposal.stage.kind, retired_at__isnull=True, must_hold__isnull=False
    ).order_by("position", "pk")
    given = dict(Answer.objects.filter(proposal=proposal, question__in=questions).values_list("question_id", "value"))
    return [
        question.label
        for question in questions
        if not answer_holds(kind=question.kind, must_hold=question.must_hold, value=given.get(question.pk))
    ]
