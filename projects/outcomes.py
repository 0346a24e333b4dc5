"""A program's outcomes: per call and in total, what its funded projects committed, were paid and achieved.

Every figure is summed in the database, grouped by call, in two queries whatever the number
of projects and reports (docs/outcomes.md defines each). The projects' partners: each project
counted once through its lead partner's row (committed, paid, the outcomes its application
expected), and the partners still in it summed (industry contribution, participants, SMEs).
The latest accepted report's jobs maintained and the accepted reports' IP rights are
subqueries of the lead's row. The accepted reports: the outcomes reported, summed. The
program's targets are its ``ProgramTerms`` (the defaults where it has none).

The diversity figures of the reports are summed here and nowhere shown per project beyond the
project's own pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.utils import translation

from intake.eligibility import COMPANY_KINDS
from intake.eligibility.base import DEFAULT_SME_MAX_EMPLOYEES
from intake.models import CallRule, Program
from projects.models import ProgramTerms, ProjectPartner, Report, ReportedIPRight, ReportState
from records.sql import rows_read_compiled

ZERO = Decimal("0")
#: The application's expected outcomes summed for the comparison (``intake.completeness.OUTCOME_FIELDS``).
EXPECTED = ("jobs_during", "jobs_after", "revenue_during", "revenue_after", "ip_rights_during", "smes_scaled_during")
#: The reports' indicators summed over the accepted reports.
REPORTED = (
    "jobs_created",
    "revenue",
    "follow_on_investment",
    "smes_scaled",
    "new_products",
    "jobs_women",
    "jobs_underrepresented",
)


def _ratio(numerator: Decimal | int, denominator: Decimal | int, places: str = "0.01") -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


@dataclass
class Outcomes:
    """One call's outcomes, or the program's total (``call_id`` None)."""

    label: str
    call_id: int | None = None
    projects: int = 0
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    cash: Decimal = ZERO
    in_kind: Decimal = ZERO
    participants: int = 0
    smes: int = 0
    expected: dict[str, Decimal | int] = field(default_factory=dict)
    reported: dict[str, Decimal | int] = field(default_factory=dict)
    #: Jobs maintained at each project's latest accepted report, summed.
    jobs_maintained: Decimal = ZERO
    #: The jobs (created and maintained) of the accepted reports that give the diversity figures.
    jobs_with_diversity: Decimal = ZERO
    reports_accepted: int = 0
    ip_rights: int = 0

    @property
    def remaining(self) -> Decimal:
        """Committed and not paid yet."""
        return self.committed - self.paid

    @property
    def industry(self) -> Decimal:
        return self.cash + self.in_kind

    @property
    def leverage(self) -> Decimal | None:
        """Industry dollars per cluster dollar committed; None before any commitment."""
        return _ratio(self.industry, self.committed)

    def per_project(self, value: Decimal | int) -> Decimal | None:
        """``value`` per project, to one decimal; None without a project."""
        return _ratio(value, self.projects, "0.1")

    @property
    def participants_per_project(self) -> Decimal | None:
        return self.per_project(self.participants)

    @property
    def smes_per_project(self) -> Decimal | None:
        return self.per_project(self.smes)

    @property
    def ip_rights_per_project(self) -> Decimal | None:
        return self.per_project(self.ip_rights)

    @property
    def jobs_expected(self) -> Decimal | int:
        """Jobs the applications expected during the project and in the three years after."""
        return self.expected.get("jobs_during", 0) + self.expected.get("jobs_after", 0)

    @property
    def women_share(self) -> Decimal | None:
        """The share (percent) of the jobs held by women, among the reports that give it."""
        return _ratio(Decimal(self.reported.get("jobs_women", 0)) * 100, self.jobs_with_diversity, "0.1")

    @property
    def underrepresented_share(self) -> Decimal | None:
        return _ratio(Decimal(self.reported.get("jobs_underrepresented", 0)) * 100, self.jobs_with_diversity, "0.1")

    def add(self, other: Outcomes) -> None:
        """Add ``other``'s figures to these (for the program's total)."""
        for name in ("projects", "committed", "paid", "cash", "in_kind", "participants", "smes", "jobs_maintained",
                     "jobs_with_diversity", "reports_accepted", "ip_rights"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in ((self.expected, other.expected), (self.reported, other.reported)):
            for name, value in theirs.items():
                mine[name] = mine.get(name, 0) + value


@dataclass(frozen=True)
class ProgramOutcomes:
    """A program's outcomes per call (those with projects, by title) and in total, with its targets."""

    program: Program
    terms: ProgramTerms
    calls: list[Outcomes]
    total: Outcomes


def _sme_definition() -> Coalesce:
    """The call's SME definition, as the eligibility engine and the funder's figures read it (its first
    ``min_partners_of_types`` rule's ``sme_max_employees``; the default otherwise)."""
    return Coalesce(
        Subquery(
            CallRule.objects.filter(call=OuterRef("project__proposal__call"), kind="min_partners_of_types")
            .order_by("position", "pk")
            .annotate(cap=Cast(KeyTextTransform("sme_max_employees", "params"), IntegerField()))
            .values("cap")[:1]
        ),
        Value(DEFAULT_SME_MAX_EMPLOYEES),
    )


FTE = DecimalField(max_digits=10, decimal_places=2)


def _of_project(model: Any, field: str, *, order: str, output: Any) -> Subquery:
    """``field`` of the project's latest accepted report (by ``order``), as a subquery of a partner's row."""
    return Subquery(
        model.objects.filter(project=OuterRef("project"), state=ReportState.ACCEPTED).order_by(order).values(field)[:1],
        output_field=output,
    )


def _ip_rights_of_project() -> Coalesce:
    """The IP rights the project's accepted reports name, as a subquery of a partner's row.

    Each accepted report's rights are counted on the index of the rights' report, then summed:
    counted over a join of the rights to the project's reports, PostgreSQL read every right once
    per project (a hash join), about nine tenths of the page's SQL time.
    """
    return Coalesce(
        Subquery(
            Report.objects.filter(project=OuterRef("project"), state=ReportState.ACCEPTED)
            .order_by()
            .values("project")
            .annotate(n=Sum(ip_rights_of_report()))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def ip_rights_of_report() -> Coalesce:
    """The number of IP rights a report names, as a subquery of the report's row (summed with the reports)."""
    return Coalesce(
        Subquery(
            ReportedIPRight.objects.filter(report=OuterRef("pk"))
            .order_by()
            .values("report")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def _partners_by_call(program_id: int) -> QuerySet[Any]:
    """The projects' partners of program ``program_id`` summed by call, each project counted through its lead's row.

    A project has exactly one lead (``partner_one_lead``); its partners are counted through the
    rows still in it.
    """
    lead, current = Q(is_lead=True), Q(removed_at__isnull=True)
    is_sme = current & Q(organization__kind__in=COMPANY_KINDS, organization__employee_count__lt=_sme_definition())
    partners: Any = ProjectPartner.objects.filter(project__proposal__call__program_id=program_id).order_by()
    return partners.values(
        "project__proposal__call_id", "project__proposal__call__title_en", "project__proposal__call__title_fr"
    ).annotate(
        n=Count("pk", filter=lead),
        committed=Sum("project__amount", filter=lead),
        paid=Sum("project__paid", filter=lead),
        **{name: Sum(f"project__proposal__{name}", filter=lead) for name in EXPECTED},
        cash=Sum("cash_committed", filter=current),
        in_kind=Sum("in_kind_committed", filter=current),
        participants=Count("pk", filter=current),
        smes=Count("pk", filter=is_sme),
        # The project's latest accepted report's jobs maintained, and the IP rights of its accepted reports.
        maintained=Sum(_of_project(Report, "jobs_maintained", order="-period", output=FTE), filter=lead),
        rights=Sum(_ip_rights_of_project(), filter=lead),
    )


def _reports_by_call(program_id: int) -> QuerySet[Any]:
    """The accepted reports of program ``program_id``'s projects, their outcomes summed by call."""
    diversity_given = Q(jobs_women__isnull=False) | Q(jobs_underrepresented__isnull=False)
    reports: Any = Report.objects.filter(project__proposal__call__program_id=program_id, state=ReportState.ACCEPTED)
    return (
        reports.order_by()
        .values("project__proposal__call_id")
        .annotate(
            n=Count("pk"),
            with_diversity=Sum(F("jobs_created") + F("jobs_maintained"), filter=diversity_given),
            **{name: Sum(name) for name in REPORTED},
        )
    )


def program_outcomes(*, program: Program, label: str) -> ProgramOutcomes:
    """Return ``program``'s outcomes per call and in total (named ``label``): two queries, whatever the rows.

    ``program`` is read with its terms (``select_related("project_terms")``) or they are the defaults.
    Building and compiling the two queries cost about three times what the database took to run
    them; each is compiled once per connection and run with the program's key swapped in
    (``records.sql.rows_read_compiled``, ADR 0051).
    """
    terms = getattr(program, "project_terms", None) or ProgramTerms(program=program)
    by_call: dict[int, Outcomes] = {}
    partners: list[Any] = rows_read_compiled(ProjectPartner, "program_outcomes_partners", _partners_by_call, program.pk)
    for row in partners:
        title = _localized(row["project__proposal__call__title_en"], row["project__proposal__call__title_fr"])
        outcomes = Outcomes(label=title, call_id=row["project__proposal__call_id"])
        outcomes.projects, outcomes.committed, outcomes.paid = row["n"], row["committed"] or ZERO, row["paid"] or ZERO
        outcomes.expected = {name: row[name] or 0 for name in EXPECTED}
        outcomes.cash, outcomes.in_kind = row["cash"] or ZERO, row["in_kind"] or ZERO
        outcomes.participants, outcomes.smes = row["participants"], row["smes"]
        outcomes.jobs_maintained, outcomes.ip_rights = row["maintained"] or ZERO, row["rights"] or 0
        by_call[row["project__proposal__call_id"]] = outcomes
    reports: list[Any] = rows_read_compiled(Report, "program_outcomes_reports", _reports_by_call, program.pk)
    for row in reports:
        outcomes = by_call[row["project__proposal__call_id"]]
        outcomes.reports_accepted = row["n"]
        outcomes.jobs_with_diversity = row["with_diversity"] or ZERO
        outcomes.reported = {name: row[name] or 0 for name in REPORTED}
    total = Outcomes(label=label)
    calls = sorted(by_call.values(), key=lambda outcomes: (outcomes.label, outcomes.call_id or 0))
    for outcomes in calls:
        total.add(outcomes)
    return ProgramOutcomes(program=program, terms=terms, calls=calls, total=total)


def _localized(english: str, french: str) -> str:
    return french if (translation.get_language() or "en").startswith("fr") and french else english
