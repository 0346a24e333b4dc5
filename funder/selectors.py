"""The funder's figures: per program (cluster) and in total, aggregates only, in five queries.

A funder (the government department's program officer) reads the programs they hold the
role for (``intake.program_roles``; a grant without a program reads them all) and only
sums over them: never a proposal's content, an applicant's name or an assessor's score.
Each figure is summed in the database, grouped by program, so the page costs the same
five queries whatever the number of proposals: the programs with their number of calls,
the proposals by state, the approved projects' amounts (committed and paid) and expected
outcomes, their consortia, and their accepted reports.

What the funder reads follows the one rule of the decisions' confidentiality
(``workflow.access.decision_withheld_from``): a decision not released to its applicants
counts as still before the board, and its project is not counted yet.

The funds paid are summed with the approved projects' amounts; the outcomes reported are the
sums over the projects' accepted reports (one more query, the IP rights they name counted by a
subquery of each report: ``projects.outcomes``), under the same suppression as every figure
drawn from the projects. The program's targets are on its staff's outcomes page and its open data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Case, CharField, Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce

from accounts.choices import Role
from accounts.models import User
from funder.suppression import Suppression, suppression
from intake import program_roles
from intake.completeness import OUTCOME_FIELDS
from intake.eligibility import COMPANY_KINDS
from intake.eligibility.base import DEFAULT_SME_MAX_EMPLOYEES
from intake.models import CallRule, ConsortiumMember, Program, Proposal
from intake.states import FUNDED_STATES, ProposalState
from projects.models import Report, ReportState
from projects.outcomes import ip_rights_of_report
from workflow.access import WITHHELD_AS, decision_withheld_from

ZERO = Decimal("0")
S = ProposalState
#: The reports' indicators the funder reads, summed (never the diversity figures, nor a project's own).
REPORTED = ("jobs_created", "revenue", "follow_on_investment", "smes_scaled", "new_products")


@dataclass
class Column:
    """One program's figures, or the total of the programs read (``program`` None)."""

    label: str
    program: Program | None = None
    calls: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    projects: int = 0
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    cash: Decimal = ZERO
    in_kind: Decimal = ZERO
    participants: int = 0
    smes: int = 0
    outcomes: dict[str, Decimal | int] = field(default_factory=dict)
    #: The outcomes the projects' accepted reports state (``REPORTED``), and how many reports.
    reported: dict[str, Decimal | int] = field(default_factory=dict)
    #: Why the figures drawn from its proposals, and from its projects, are hidden ("" when shown).
    proposals_hidden: str = ""
    projects_hidden: str = ""

    @property
    def proposals(self) -> int:
        return sum(self.by_state.values())

    @property
    def approved(self) -> int:
        """Approved proposals, the funded projects they became included."""
        return sum(self.by_state.get(state, 0) for state in FUNDED_STATES)

    @property
    def declined(self) -> int:
        return self.by_state.get(S.DECLINED, 0)

    @property
    def industry(self) -> Decimal:
        """The approved consortia's contribution, cash and in kind (the eligibility engine's sum)."""
        return self.cash + self.in_kind

    @property
    def leverage(self) -> Decimal | None:
        """Industry dollars per cluster dollar committed; None before any commitment."""
        if self.committed == ZERO:
            return None
        return (self.industry / self.committed).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def per_project(self, value: Decimal | int) -> Decimal | None:
        """Return ``value`` per approved project, to one decimal; None without a project."""
        if not self.projects:
            return None
        return (Decimal(value) / self.projects).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def add(self, other: Column) -> None:
        """Add ``other``'s figures to these (for the total)."""
        self.calls += other.calls
        for state, count in other.by_state.items():
            self.by_state[state] = self.by_state.get(state, 0) + count
        self.projects += other.projects
        self.committed += other.committed
        self.paid += other.paid
        self.cash += other.cash
        self.in_kind += other.in_kind
        self.participants += other.participants
        self.smes += other.smes
        for name, value in other.outcomes.items():
            self.outcomes[name] = self.outcomes.get(name, 0) + value
        for name, value in other.reported.items():
            self.reported[name] = self.reported.get(name, 0) + value


@dataclass(frozen=True)
class FunderFigures:
    """The figures of each program the funder reads, their total, and the suppression's minimum."""

    clusters: list[Column]
    total: Column
    minimum: int


def funder_programs(*, user: User) -> list[Program]:
    """Return the programs ``user`` reads as a funder, by name, each with ``calls_count`` (1 query)."""
    return list(
        Program.objects.filter(program_roles.in_programs(user, Role.FUNDER, "pk"))
        .annotate(calls_count=Count("calls"))
        .order_by("name_en", "pk")
    )


def _calls(program: Program) -> int:
    return program.calls_count  # type: ignore[attr-defined]


def funder_figures(*, user: User, label: str) -> FunderFigures:
    """Return the figures of every program ``user`` reads as a funder and their total (named ``label``).

    Five queries whatever the number of calls, proposals and reports. Small cells are then hidden
    (``funder.suppression``): ``settings.FUNDER_MIN_PROJECTS`` is the fewest proposals, and
    the fewest approved projects, a shown figure may be drawn from.
    """
    programs = funder_programs(user=user)
    columns = {program.pk: Column(label=program.name, program=program, calls=_calls(program)) for program in programs}
    ids = list(columns)
    withheld = decision_withheld_from(user=user)
    proposals = Proposal.objects.filter(call__program__in=ids).order_by()
    if withheld is None:
        shown_state: F | Case = F("state")
        decided = proposals
    else:
        shown_state = Case(When(withheld, then=Value(WITHHELD_AS)), default=F("state"), output_field=CharField())
        decided = proposals.filter(~withheld)
    for program_id, state, count in (
        proposals.annotate(shown_state=shown_state)
        .values_list("call__program_id", "shown_state")
        .annotate(n=Count("pk"))
    ):
        by_state = columns[program_id].by_state
        by_state[state] = by_state.get(state, 0) + count
    approved = decided.filter(state__in=FUNDED_STATES)
    for row in approved.values("call__program_id").annotate(
        n=Count("pk"),
        committed=Sum("approved_amount"),
        paid=Sum("project__paid"),
        **{name: Sum(name) for name in OUTCOME_FIELDS},
    ):
        column = columns[row["call__program_id"]]
        column.projects = row["n"]
        column.committed = row["committed"] or ZERO
        column.paid = row["paid"] or ZERO
        column.outcomes = {name: row[name] or 0 for name in OUTCOME_FIELDS}
    # An SME by its call's definition, as the eligibility engine and the board's figures count it.
    # The definition is the call's first ``min_partners_of_types`` rule's (``Rules.sme_max_employees``).
    definition = Coalesce(
        Subquery(
            CallRule.objects.filter(call=OuterRef("proposal__call"), kind="min_partners_of_types")
            .order_by("position", "pk")
            .annotate(cap=Cast(KeyTextTransform("sme_max_employees", "params"), IntegerField()))
            .values("cap")[:1]
        ),
        Value(DEFAULT_SME_MAX_EMPLOYEES),
    )
    is_sme = Q(organization__kind__in=COMPANY_KINDS, organization__employee_count__lt=definition)
    for program_id, cash, in_kind, participants, smes in (
        ConsortiumMember.objects.filter(proposal__in=approved.values("pk"))
        .order_by()
        .values_list("proposal__call__program_id")
        .annotate(
            cash=Sum("cash_contribution"),
            in_kind=Sum("in_kind_contribution"),
            participants=Count("pk"),
            smes=Count("pk", filter=is_sme),
        )
    ):
        column = columns[program_id]
        column.cash, column.in_kind = cash or ZERO, in_kind or ZERO
        column.participants, column.smes = participants, smes
    reports: Any = Report.objects.filter(project__proposal__in=approved.values("pk"), state=ReportState.ACCEPTED)
    for row in (
        reports.order_by()
        .values("project__proposal__call__program_id")
        .annotate(reports=Count("pk"), rights=Sum(ip_rights_of_report()), **{name: Sum(name) for name in REPORTED})
    ):
        columns[row["project__proposal__call__program_id"]].reported = {
            "ip_rights": row["rights"] or 0,
            **{name: row[name] or 0 for name in ("reports", *REPORTED)},
        }
    total = Column(label=label)
    for column in columns.values():
        total.add(column)
    minimum = settings.FUNDER_MIN_PROJECTS
    _hide(columns, total, suppression({pk: c.proposals for pk, c in columns.items()}, minimum=minimum), "proposals")
    _hide(columns, total, suppression({pk: c.projects for pk, c in columns.items()}, minimum=minimum), "projects")
    return FunderFigures(clusters=list(columns.values()), total=total, minimum=minimum)


def _hide(columns: dict[int, Column], total: Column, hidden: Suppression[int], base: str) -> None:
    """Mark the columns (and the total) whose figures drawn from ``base`` are hidden."""
    for pk, reason in hidden.clusters.items():
        setattr(columns[pk], f"{base}_hidden", reason)
    setattr(total, f"{base}_hidden", hidden.total)
