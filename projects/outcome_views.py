"""A program's outcomes: its staff's page and CSV, and the open data of the same aggregates (docs/outcomes.md)."""

from __future__ import annotations

from html import escape
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from funder.outcomes import OutcomeChart, OutcomesView, OutcomeTable, program_outcomes_csv, program_outcomes_view
from intake import program_roles
from intake.models import Program
from projects.outcomes import program_outcomes
from records.sql import row_read_compiled_or_404


def _view(program: Program, *, minimum: int = 0) -> OutcomesView:
    return program_outcomes_view(outcomes=program_outcomes(program=program, label=_("Program")), minimum=minimum)


def _staff_program(request: AuthenticatedRequest, pk: int) -> Program:
    """Return the program ``pk`` with its terms if the user is its staff, or raise 404.

    Compiled once per reader and per connection and run with the program's key swapped in
    (``records.sql.row_read_compiled``, ADR 0051).
    """
    user = request.user

    def read(key: int) -> QuerySet[Program]:
        programs = Program.objects.filter(program_roles.in_programs(user, Role.STAFF, "pk"))
        return programs.select_related("project_terms").filter(pk=key)

    return row_read_compiled_or_404(Program, ("program_outcomes", *user.access_key), read, pk)


def _csv(content: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@role_required(Role.STAFF)
def program_outcomes_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show a program's outcomes per call and in total, against its targets, in tables and charts."""
    program = _staff_program(request, pk)
    return render(request, "projects/outcomes.html", _page(program, _view(program), open_data=False))


@role_required(Role.STAFF)
def program_outcomes_csv_download(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Download the program's outcomes as CSV."""
    program = _staff_program(request, pk)
    return _csv(program_outcomes_csv(view=_view(program)), f"program-{program.pk}-outcomes.csv")


def _public_program(pk: int) -> Program:
    return get_object_or_404(Program.objects.select_related("project_terms"), pk=pk)


def open_data_outcomes(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show anyone a program's outcomes: the same aggregates, small calls suppressed, no project named."""
    program = _public_program(pk)
    view = _view(program, minimum=settings.FUNDER_MIN_PROJECTS)
    return render(request, "projects/outcomes.html", _page(program, view, open_data=True))


def open_data_outcomes_csv(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Download the open data of a program's outcomes as CSV, suppressed cells saying why."""
    program = _public_program(pk)
    view = _view(program, minimum=settings.FUNDER_MIN_PROJECTS)
    return _csv(program_outcomes_csv(view=view), f"program-{program.pk}-outcomes-open-data.csv")


def _page(program: Program, view: OutcomesView, *, open_data: bool) -> dict[str, Any]:
    """Return the page's context: each table with its rows, each chart with its bars, written in Python."""
    return {
        "program": program,
        "view": view,
        "open_data": open_data,
        "tables": [(table, outcome_table_rows(table)) for table in view.tables],
        "charts": [(chart, outcome_chart_bars(chart)) for chart in view.charts],
    }


#: A table's row, cell for cell under its header; every value put in is HTML already escaped.
OUTCOME_ROW = '<tr><th scope="row" class="fw-normal">{label}</th>{cells}<td>{target}</td></tr>\n'
#: A chart's bar: its label, its bar and its target's line if any, and its figure.
BAR = (
    '<text x="0" y="{y}" dy="15" font-size="12">{label}</text>{bar}{target}'
    '<text x="{width}" dx="246" y="{y}" dy="15" font-size="12">{text}</text>\n'
)


def outcome_table_rows(table: OutcomeTable) -> SafeString:
    """Return ``table``'s rows as the template wrote them, cell for cell (ADR 0048).

    Some 140 cells, each through a template's loop, conditions and escaping, took most of the
    page's rendering; written here, every value is escaped with ``html.escape`` (what Django's
    ``escape`` applies) and each label translated once.
    """
    met = ' · <span class="text-success">' + escape(_("met")) + "</span>"
    not_met = ' · <span class="text-danger">' + escape(_("not met")) + "</span>"
    html = []
    for row in table.rows:
        texts = row.texts
        last = len(texts) - 1
        cells = "".join(
            f'<td class="text-end{" fw-bold" if index == last else ""}'
            f'{" text-body-secondary fst-italic" if hidden else ""}">{escape(text)}</td>'
            for index, (text, hidden) in enumerate(texts)
        )
        target = ""
        if row.target:
            target = escape(row.target) + (met if row.met is True else not_met if row.met is False else "")
        html.append(OUTCOME_ROW.format(label=escape(row.label), cells=cells, target=target))
    return mark_safe("".join(html))  # noqa: S308 - accepted in .bandit.yaml


def outcome_chart_bars(chart: OutcomeChart) -> SafeString:
    """Return ``chart``'s title text and bars as the template wrote them inside its ``svg`` (ADR 0048)."""
    bars = chart.bars
    title = escape(chart.title) + ": " + ", ".join(f"{escape(bar.label)} {escape(bar.text)}" for bar in bars)
    html = [f'<title id="chart-{escape(chart.key)}-title">{title}</title>\n']
    for index, bar in enumerate(bars):
        y = index * 22
        width = escape(str(localize(bar.width)))
        html.append(
            BAR.format(
                y=y,
                label=escape(Truncator(bar.label).chars(36)),
                bar=f'<rect x="240" y="{y}" width="{width}" height="18" fill="#0b5ed7"></rect>' if bar.width else "",
                target=f'<rect x="{escape(str(localize(bar.target_at)))}" transform="translate(239 0)" y="{y}" '
                f'width="2" height="20" fill="#dc3545"></rect>'
                if bar.target_at
                else "",
                width=width,
                text=escape(bar.text),
            )
        )
    return mark_safe("".join(html))  # noqa: S308 - accepted in .bandit.yaml
