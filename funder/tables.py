"""The funder's figures as tables and charts: one column per program and the total, small cells hidden.

The page and the CSV export read the same rows, so a figure hidden on one is hidden on the
other. Every figure drawn from a program's proposals follows that program's suppression
for proposals; every figure drawn from its approved projects, the one for projects
(``funder.suppression``). The funds paid and the outcomes reported (the projects' accepted
reports) follow the projects' suppression like the funds committed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from funder.selectors import Column, FunderFigures
from funder.suppression import COMPLEMENT
from intake.states import ProposalState

#: How a cell's value reads: a count, dollars, a ratio, an average.
COUNT, MONEY, RATIO, AVERAGE = "count", "money", "ratio", "average"
#: The width, in the chart's units, of its longest bar.
BAR_WIDTH = 340
#: Characters a spreadsheet reads as the start of a formula (a program's name is typed by staff).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Cell:
    """One figure of one column: its value, how it reads, and why it is hidden (``note``; empty when shown)."""

    value: Decimal | int | None
    kind: str = COUNT
    note: str = ""

    @property
    def hidden(self) -> bool:
        return bool(self.note)


@dataclass(frozen=True)
class Row:
    label: str
    cells: list[Cell]


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    caption: str
    rows: list[Row]


@dataclass(frozen=True)
class Bar:
    label: str
    cell: Cell
    width: int


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    bars: list[Bar]

    @property
    def height(self) -> int:
        return 22 * len(self.bars)


@dataclass(frozen=True)
class FunderOverview:
    """What the funder's page and export show: the columns' names, the tables and the charts."""

    columns: list[str]
    tables: list[Table]
    charts: list[Chart]
    minimum: int


def _note(column: Column, base: str, minimum: int) -> str:
    """Why ``column``'s figure drawn from ``base`` is hidden; empty when shown (the calls are public: never)."""
    reason = {"proposals": column.proposals_hidden, "projects": column.projects_hidden}.get(base, "")
    if not reason:
        return ""
    if reason == COMPLEMENT:
        return _("suppressed: another program's figure could be derived from it")
    if base == "proposals":
        return ngettext("suppressed: fewer than %(n)s proposal", "suppressed: fewer than %(n)s proposals", minimum) % {
            "n": minimum
        }
    return ngettext("suppressed: fewer than %(n)s project", "suppressed: fewer than %(n)s projects", minimum) % {
        "n": minimum
    }


def _row(
    figures: FunderFigures, label: str, base: str, value: Callable[[Column], Decimal | int | None], kind: str = COUNT
) -> Row:
    """One figure for every column, hidden where its ``base`` ("proposals", "projects") is."""
    cells = []
    for column in [*figures.clusters, figures.total]:
        note = _note(column, base, figures.minimum)
        cells.append(Cell(value=None if note else value(column), kind=kind, note=note))
    return Row(label=label, cells=cells)


def _outcome(name: str) -> Callable[[Column], Decimal | int | None]:
    return lambda column: column.outcomes.get(name, 0)


def _reported(name: str) -> Callable[[Column], Decimal | int | None]:
    return lambda column: column.reported.get(name, 0)


def _in_state(state: str) -> Callable[[Column], Decimal | int | None]:
    return lambda column: column.by_state.get(state, 0)


def funder_overview(*, figures: FunderFigures) -> FunderOverview:
    """Return ``figures`` as the page's and the export's tables and charts."""
    f = figures
    states = [_row(f, str(label), "proposals", _in_state(state)) for state, label in ProposalState.choices]
    tables = [
        Table(
            key="proposals",
            title=_("Calls and proposals"),
            caption=_(
                "Calls and proposals by state. A decision not yet released to its applicants counts as "
                "before the board."
            ),
            rows=[
                _row(f, _("Calls"), "calls", lambda column: column.calls),
                _row(f, _("Proposals"), "proposals", lambda column: column.proposals),
                *states,
            ],
        ),
        Table(
            key="funds",
            title=_("Funds"),
            caption=_(
                "Funds of the approved projects: committed by the board, contributed by industry (cash and in kind), "
                "and the leverage, industry dollars per cluster dollar committed."
            ),
            rows=[
                _row(f, _("Approved projects"), "proposals", lambda column: column.approved),
                _row(f, _("Proposals not funded"), "proposals", lambda column: column.declined),
                _row(f, _("Funds committed"), "projects", lambda column: column.committed, MONEY),
                _row(f, _("Funds paid"), "projects", lambda column: column.paid, MONEY),
                _row(f, _("Industry contribution"), "projects", lambda column: column.industry, MONEY),
                _row(f, _("of which cash"), "projects", lambda column: column.cash, MONEY),
                _row(f, _("of which in kind"), "projects", lambda column: column.in_kind, MONEY),
                _row(f, _("Leverage (industry $ per cluster $)"), "projects", lambda column: column.leverage, RATIO),
            ],
        ),
        Table(
            key="consortia",
            title=_("Consortia"),
            caption=_(
                "The consortia of the approved projects: each organization counts once per project it takes part in; "
                "an SME by its call's definition."
            ),
            rows=[
                _row(f, _("Participants"), "projects", lambda column: column.participants),
                _row(f, _("SMEs among them"), "projects", lambda column: column.smes),
                _row(
                    f,
                    _("Participants per project"),
                    "projects",
                    lambda column: column.per_project(column.participants),
                    AVERAGE,
                ),
                _row(f, _("SMEs per project"), "projects", lambda column: column.per_project(column.smes), AVERAGE),
                _row(
                    f,
                    _("IP rights expected per project"),
                    "projects",
                    lambda column: column.per_project(
                        column.outcomes.get("ip_rights_during", 0) + column.outcomes.get("ip_rights_after", 0)
                    ),
                    AVERAGE,
                ),
            ],
        ),
        Table(
            key="outcomes",
            title=_("Outcomes"),
            caption=_(
                "The outcomes the approved projects expect, during the project and in the three years after, as their "
                "applications state them, and the outcomes their accepted reports state to date."
            ),
            rows=[
                _row(f, _("Jobs created during the project"), "projects", _outcome("jobs_during")),
                _row(f, _("Jobs created in the three years after"), "projects", _outcome("jobs_after")),
                _row(f, _("Revenue during the project"), "projects", _outcome("revenue_during"), MONEY),
                _row(f, _("Revenue in the three years after"), "projects", _outcome("revenue_after"), MONEY),
                _row(f, _("IP rights during the project"), "projects", _outcome("ip_rights_during")),
                _row(f, _("IP rights in the three years after"), "projects", _outcome("ip_rights_after")),
                _row(f, _("SMEs scaled during the project"), "projects", _outcome("smes_scaled_during")),
                _row(f, _("SMEs scaled in the three years after"), "projects", _outcome("smes_scaled_after")),
                _row(f, _("Reports accepted"), "projects", _reported("reports")),
                _row(f, _("Jobs created, reported (FTE)"), "projects", _reported("jobs_created")),
                _row(f, _("Revenue reported"), "projects", _reported("revenue"), MONEY),
                _row(f, _("Follow-on investment reported"), "projects", _reported("follow_on_investment"), MONEY),
                _row(f, _("IP rights reported"), "projects", _reported("ip_rights")),
                _row(f, _("SMEs scaled, reported"), "projects", _reported("smes_scaled")),
                _row(f, _("New products and services, reported"), "projects", _reported("new_products")),
            ],
        ),
    ]
    charts = [
        _chart("committed", _("Funds committed by program"), f.clusters, tables[1].rows[2]),
        _chart("industry", _("Industry contribution by program"), f.clusters, tables[1].rows[4]),
        Chart(
            key="states",
            title=_("Proposals by state, in total"),
            bars=_bars([row.label for row in states], [row.cells[-1] for row in states]),
        ),
    ]
    return FunderOverview(
        columns=[column.label for column in [*f.clusters, f.total]], tables=tables, charts=charts, minimum=f.minimum
    )


def _chart(key: str, title: str, clusters: list[Column], row: Row) -> Chart:
    """One bar per program of ``row``'s figure (its total left out: it would dwarf the bars)."""
    return Chart(key=key, title=title, bars=_bars([column.label for column in clusters], row.cells[:-1]))


def _bars(labels: list[str], cells: list[Cell]) -> list[Bar]:
    """Each cell as a bar, the longest shown one ``BAR_WIDTH`` wide; a hidden cell has no bar."""
    largest = max([cell.value or 0 for cell in cells if not cell.hidden] or [0])
    return [
        Bar(
            label=label,
            cell=cell,
            width=0 if cell.hidden or not largest else round(Decimal(cell.value or 0) * BAR_WIDTH / Decimal(largest)),
        )
        for label, cell in zip(labels, cells, strict=True)
    ]


def funder_overview_csv(*, overview: FunderOverview) -> str:
    """Return ``overview``'s tables as CSV: one line per figure, one column per program and the total.

    A hidden cell says why it is hidden; amounts are plain numbers, without currency or grouping.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Table"), _("Figure"), *(_csv_safe(label) for label in overview.columns)])
    for table in overview.tables:
        for row in table.rows:
            writer.writerow([table.title, row.label, *(_csv_cell(cell) for cell in row.cells)])
    return out.getvalue()


def _csv_cell(cell: Cell) -> str:
    if cell.hidden:
        return cell.note
    if cell.value is None:
        return ""
    return f"{Decimal(cell.value):.2f}" if cell.kind == MONEY else str(cell.value)


def _csv_safe(value: str) -> str:
    """Return ``value`` with a quote in front if a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
