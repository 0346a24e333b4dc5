"""A program's outcomes as tables, charts and CSV: for its staff, and as open data (docs/outcomes.md).

The staff's page, its CSV, the open-data page and its CSV read the same rows
(``projects.outcomes.program_outcomes``): one column per call with funded projects and the
program's total, and the program's target beside each figure that has one. The open data
hides every call's column drawn from fewer than ``settings.FUNDER_MIN_PROJECTS`` projects, and
another where one could be derived by subtraction (``funder.suppression``); it names no project.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from funder.suppression import COMPLEMENT, suppression
from funder.tables import AVERAGE, COUNT, MONEY, RATIO, Cell, _csv_cell, _csv_safe
from intake import formatting
from projects.outcomes import Outcomes, ProgramOutcomes

#: A share in percent (the diversity figures).
PERCENT = "percent"
#: The width, in the chart's units, of its longest bar.
BAR_WIDTH = 340


def cell_text(cell: Cell) -> str:
    """Return how ``cell`` reads on the page: why it is hidden, a dash for none, or its figure."""
    if cell.hidden:
        return cell.note
    if cell.value is None:
        return "—"
    if cell.kind == MONEY:
        return formatting.money(cell.value)
    if cell.kind == PERCENT:
        return f"{cell.value} %"
    return str(cell.value)


@dataclass(frozen=True)
class OutcomeRow:
    label: str
    cells: list[Cell]
    #: The program's target of this figure as it reads, and whether the total meets it (None: no target).
    target: str = ""
    met: bool | None = None
    target_value: Decimal | None = None

    @property
    def texts(self) -> list[tuple[str, bool]]:
        """Each cell as the page reads it, and whether it is hidden (rendered without a template per cell)."""
        return [(cell_text(cell), cell.hidden) for cell in self.cells]


@dataclass(frozen=True)
class OutcomeTable:
    key: str
    title: str
    caption: str
    rows: list[OutcomeRow]


@dataclass(frozen=True)
class Bar:
    label: str
    cell: Cell
    width: int

    @property
    def text(self) -> str:
        return cell_text(self.cell)

    #: Where the target falls on the bar's scale (0: none).
    target_at: int = 0


@dataclass(frozen=True)
class OutcomeChart:
    key: str
    title: str
    bars: list[Bar]
    target: str = ""

    @property
    def height(self) -> int:
        return 22 * len(self.bars)


@dataclass(frozen=True)
class OutcomesView:
    columns: list[str]
    tables: list[OutcomeTable]
    charts: list[OutcomeChart]
    #: For the open data: the fewest projects a shown column is drawn from (0: nothing hidden).
    minimum: int = 0


Value = Callable[[Outcomes], Decimal | int | None]


def _note(reason: str, minimum: int) -> str:
    if not reason:
        return ""
    if reason == COMPLEMENT:
        return _("suppressed: another call's figure could be derived from it")
    return ngettext("suppressed: fewer than %(n)s project", "suppressed: fewer than %(n)s projects", minimum) % {
        "n": minimum
    }


def program_outcomes_view(*, outcomes: ProgramOutcomes, minimum: int = 0) -> OutcomesView:
    """Return ``outcomes`` as the tables and charts of the page and the CSV; with ``minimum``, small columns hidden."""
    columns = [*outcomes.calls, outcomes.total]
    notes: dict[int, str] = {}
    if minimum:
        hidden = suppression({index: column.projects for index, column in enumerate(outcomes.calls)}, minimum=minimum)
        notes = {index: _note(reason, minimum) for index, reason in hidden.clusters.items()}
        notes[len(outcomes.calls)] = _note(hidden.total, minimum)
    terms = outcomes.terms

    def row(label: str, value: Value, kind: str = COUNT, target: Decimal | int | None = None) -> OutcomeRow:
        """One figure per column; with a ``target`` (at least), whether the total meets it."""
        cells = [
            Cell(value=None if notes.get(index) else value(column), kind=kind, note=notes.get(index, ""))
            for index, column in enumerate(columns)
        ]
        if target is None:
            return OutcomeRow(label=label, cells=cells)
        reached = cells[-1].value
        return OutcomeRow(
            label=label,
            cells=cells,
            target=_("at least %(target)s") % {"target": target},
            met=None if reached is None else Decimal(reached) >= Decimal(target),
            target_value=Decimal(target),
        )

    tables = [
        OutcomeTable(
            key="funds",
            title=_("Funds"),
            caption=_(
                "The cluster's funding of the projects: committed by the board, paid on their claims and what remains; "
                "the industry contribution their partners committed, cash and in kind, and the leverage."
            ),
            rows=[
                row(_("Funded projects"), lambda o: o.projects),
                row(_("Funds committed"), lambda o: o.committed, MONEY),
                row(_("Funds paid"), lambda o: o.paid, MONEY),
                row(_("Funds remaining"), lambda o: o.remaining, MONEY),
                row(_("Industry contribution"), lambda o: o.industry, MONEY),
                row(_("of which cash"), lambda o: o.cash, MONEY),
                row(_("of which in kind"), lambda o: o.in_kind, MONEY),
                row(_("Leverage (industry $ per cluster $)"), lambda o: o.leverage, RATIO, terms.target_leverage),
            ],
        ),
        OutcomeTable(
            key="per-project",
            title=_("Per project"),
            caption=_(
                "Averages per funded project: its partners, the SMEs among them (by its call's definition) and the "
                "IP rights its accepted reports name."
            ),
            rows=[
                row(
                    _("Participants per project"),
                    lambda o: o.participants_per_project,
                    AVERAGE,
                    terms.target_participants,
                ),
                row(_("SMEs per project"), lambda o: o.smes_per_project, AVERAGE, terms.target_smes),
                row(
                    _("IP rights per project (reported and accepted)"),
                    lambda o: o.ip_rights_per_project,
                    AVERAGE,
                    terms.target_ip_rights,
                ),
                row(_("Participants"), lambda o: o.participants),
                row(_("SMEs among them"), lambda o: o.smes),
                row(_("IP rights reported and accepted"), lambda o: o.ip_rights),
            ],
        ),
        OutcomeTable(
            key="outcomes",
            title=_("Outcomes: expected and reported"),
            caption=_(
                "What the applications expected, during the project and in the three years after, beside what the "
                "projects' accepted reports state to date."
            ),
            rows=[
                row(_("Jobs expected during the project"), lambda o: o.expected.get("jobs_during", 0)),
                row(_("Jobs expected in the three years after"), lambda o: o.expected.get("jobs_after", 0)),
                row(
                    _("Jobs created, reported (FTE)"),
                    lambda o: o.reported.get("jobs_created", 0),
                    COUNT,
                    terms.target_jobs,
                ),
                row(_("Jobs maintained, latest reports (FTE)"), lambda o: o.jobs_maintained),
                row(_("Revenue expected during the project"), lambda o: o.expected.get("revenue_during", 0), MONEY),
                row(
                    _("Revenue expected in the three years after"), lambda o: o.expected.get("revenue_after", 0), MONEY
                ),
                row(_("Revenue reported"), lambda o: o.reported.get("revenue", 0), MONEY),
                row(_("Follow-on investment reported"), lambda o: o.reported.get("follow_on_investment", 0), MONEY),
                row(_("SMEs scaled, expected during the project"), lambda o: o.expected.get("smes_scaled_during", 0)),
                row(_("SMEs scaled, reported"), lambda o: o.reported.get("smes_scaled", 0)),
                row(_("New products and services, reported"), lambda o: o.reported.get("new_products", 0)),
                row(_("Reports accepted"), lambda o: o.reports_accepted),
            ],
        ),
        OutcomeTable(
            key="diversity",
            title=_("Who holds the jobs"),
            caption=_(
                "Shares of the jobs created and maintained, among the accepted reports that give them (they are "
                "optional). Only ever shown summed over projects."
            ),
            rows=[
                row(_("Held by women (%)"), lambda o: o.women_share, PERCENT),
                row(_("Held by people of under-represented groups (%)"), lambda o: o.underrepresented_share, PERCENT),
            ],
        ),
    ]
    calls = len(outcomes.calls)
    charts = [
        _chart(
            "committed", _("Funds committed and paid, by call"), outcomes.calls, tables[0].rows[1], tables[0].rows[2]
        ),
        _ratios_chart(tables[1].rows[:3], calls),
        _chart(
            "jobs",
            _("Jobs expected during the project and reported, by call"),
            outcomes.calls,
            tables[2].rows[0],
            tables[2].rows[2],
        ),
    ]
    return OutcomesView(columns=[column.label for column in columns], tables=tables, charts=charts, minimum=minimum)


def _chart(key: str, title: str, calls: list[Outcomes], first: OutcomeRow, second: OutcomeRow) -> OutcomeChart:
    """Two bars per call (``first``'s figure, then ``second``'s), on one scale; a hidden cell has no bar."""
    labels, cells = [], []
    for index, call in enumerate(calls):
        labels += [f"{call.label} · {first.label}", f"{call.label} · {second.label}"]
        cells += [first.cells[index], second.cells[index]]
    return OutcomeChart(key=key, title=title, bars=_bars(labels, cells))


def _ratios_chart(rows: list[OutcomeRow], calls: int) -> OutcomeChart:
    """The program's per-project ratios (its total), each against its target."""
    cells = [row.cells[calls] for row in rows]
    targets = [row.target_value or Decimal("0") for row in rows]
    largest = max([*(Decimal(cell.value or 0) for cell in cells if not cell.hidden), *targets, Decimal("1")])
    bars = [
        Bar(
            label=row.label,
            cell=cell,
            width=0 if cell.hidden else round(Decimal(cell.value or 0) * BAR_WIDTH / largest),
            target_at=round(target * BAR_WIDTH / largest),
        )
        for row, cell, target in zip(rows, cells, targets, strict=True)
    ]
    return OutcomeChart(
        key="ratios", title=_("Per project, against the targets (the line)"), bars=bars, target=_("target")
    )


def _bars(labels: list[str], cells: list[Cell]) -> list[Bar]:
    largest = max([Decimal(cell.value or 0) for cell in cells if not cell.hidden] or [Decimal("0")])
    return [
        Bar(
            label=label,
            cell=cell,
            width=0 if cell.hidden or not largest else round(Decimal(cell.value or 0) * BAR_WIDTH / largest),
        )
        for label, cell in zip(labels, cells, strict=True)
    ]


def program_outcomes_csv(*, view: OutcomesView) -> str:
    """Return ``view``'s tables as CSV: a line per figure, a column per call, the total and the target."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Table"), _("Figure"), *(_csv_safe(label) for label in view.columns), _("Target")])
    for table in view.tables:
        for row in table.rows:
            writer.writerow([table.title, row.label, *(_csv_cell(cell) for cell in row.cells), row.target])
    return out.getvalue()
