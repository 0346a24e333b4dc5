"""A program's outcomes: its staff's page and CSV, and the open data of the same aggregates (docs/outcomes.md)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from funder.outcomes import OutcomesView, program_outcomes_csv, program_outcomes_view
from intake import program_roles
from intake.models import Program
from projects.outcomes import program_outcomes


def _view(program: Program, *, minimum: int = 0) -> OutcomesView:
    return program_outcomes_view(outcomes=program_outcomes(program=program, label=_("Program")), minimum=minimum)


def _staff_program(request: AuthenticatedRequest, pk: int) -> Program:
    programs = Program.objects.filter(program_roles.in_programs(request.user, Role.STAFF, "pk"))
    return get_object_or_404(programs.select_related("project_terms"), pk=pk)


def _csv(content: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@role_required(Role.STAFF)
def program_outcomes_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show a program's outcomes per call and in total, against its targets, in tables and charts."""
    program = _staff_program(request, pk)
    return render(request, "projects/outcomes.html", {"program": program, "view": _view(program), "open_data": False})


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
    return render(request, "projects/outcomes.html", {"program": program, "view": view, "open_data": True})


def open_data_outcomes_csv(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Download the open data of a program's outcomes as CSV, suppressed cells saying why."""
    program = _public_program(pk)
    view = _view(program, minimum=settings.FUNDER_MIN_PROJECTS)
    return _csv(program_outcomes_csv(view=view), f"program-{program.pk}-outcomes-open-data.csv")
