"""Staff's program view: per call and per program, what was asked, committed and leveraged, in numbers and charts."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from board.services.program import call_overview, program_overview_for
from intake.selectors import call_for_staff, program_for_staff


@role_required(Role.STAFF)
def program_overview(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show a program's figures, call by call and in total."""
    program = program_for_staff(user=request.user, pk=pk)
    overview = program_overview_for(program=program)
    return render(request, "board/program.html", {"program": program, "call": None, "overview": overview})


@role_required(Role.STAFF)
def call_program(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show one call's figures."""
    call = call_for_staff(user=request.user, pk=pk)
    overview = call_overview(call=call)
    return render(request, "board/program.html", {"program": call.program, "call": call, "overview": overview})
