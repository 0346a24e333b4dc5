"""The board member's dashboard: their meetings and the proposals before them."""

from django.http import HttpResponse
from django.shortcuts import render

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from board.services.meetings import meetings_of_member
from workflow.access import proposals_before_board


@role_required(Role.BOARD_MEMBER)
def board_dashboard(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "board/dashboard.html",
        {
            "meetings": list(meetings_of_member(user=request.user)),
            "proposals": list(proposals_before_board(user=request.user)),
        },
    )
