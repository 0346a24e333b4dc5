"""The funder's overview: aggregate figures of the programs they read, on a page and as CSV."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from funder.selectors import funder_figures
from funder.tables import funder_overview, funder_overview_csv


@role_required(Role.FUNDER)
def overview(request: AuthenticatedRequest) -> HttpResponse:
    """Show the figures of each program the funder reads and their total, in tables and charts."""
    figures = funder_figures(user=request.user, label=_("Total"))
    return render(request, "funder/overview.html", {"overview": funder_overview(figures=figures)})


@role_required(Role.FUNDER)
def overview_csv(request: AuthenticatedRequest) -> HttpResponse:
    """Download the same figures as CSV, hidden cells saying why."""
    figures = funder_figures(user=request.user, label=_("Total"))
    response = HttpResponse(
        funder_overview_csv(overview=funder_overview(figures=figures)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="funder-figures.csv"'
    return response
