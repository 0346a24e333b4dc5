"""Views of the workflow app: the staff and board dashboards."""

from django.http import HttpResponse
from django.shortcuts import render

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from intake.selectors import calls_open


@role_required(Role.STAFF)
def staff_dashboard(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "workflow/staff_dashboard.html", {"open_calls": calls_open()})


@role_required(Role.BOARD_MEMBER)
def board_dashboard(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "workflow/board_dashboard.html")
