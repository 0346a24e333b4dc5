from django.urls import path

from board.views import agenda, dashboard, letters, meetings, portfolio, program, votes

app_name = "board"

urlpatterns = [
    path("board/", dashboard.board_dashboard, name="dashboard"),
    path("staff/calls/<int:pk>/meetings/", meetings.meeting_list, name="meeting_list"),
    path("staff/calls/<int:pk>/meetings/new/", meetings.meeting_new, name="meeting_create"),
    path("staff/meetings/<int:pk>/edit/", meetings.meeting_edit, name="meeting_update"),
    path("staff/meetings/<int:pk>/send/", meetings.meeting_send, name="meeting_send"),
    path("staff/meetings/<int:pk>/agenda-ready/", meetings.meeting_agenda_ready_view, name="meeting_agenda_ready"),
    path("staff/meetings/<int:pk>/open-early/", meetings.meeting_open_early_view, name="meeting_open_early"),
    path("board/meetings/<int:pk>/", agenda.meeting_agenda_view, name="meeting_agenda"),
    path("board/meetings/<int:pk>/ranking/", agenda.meeting_ranking_view, name="meeting_ranking"),
    path("staff/meetings/<int:pk>/lottery/seed/", agenda.lottery_seed_view, name="lottery_seed"),
    path("staff/meetings/<int:pk>/lottery/draw/", agenda.lottery_draw_view, name="lottery_draw"),
    path("board/items/<int:pk>/defer/", meetings.agenda_item_defer_view, name="agenda_item_defer"),
    path("board/meetings/<int:pk>/conflicts/", votes.meeting_conflicts, name="conflicts"),
    path("board/meetings/<int:pk>/votes/", votes.meeting_votes, name="votes"),
    path("board/meetings/<int:pk>/items/<int:item_pk>/vote/", votes.item_vote, name="vote"),
    path("board/meetings/<int:pk>/items/<int:item_pk>/decide/", votes.item_decide, name="decide"),
    path("staff/meetings/<int:pk>/letters/", letters.meeting_letters, name="meeting_letters"),
    path("staff/meetings/<int:pk>/letters/release/", letters.meeting_decisions_release, name="letters_release"),
    path("staff/letters/<int:pk>/", letters.letter_edit, name="letter_edit"),
    path("proposals/<int:pk>/decision-letter/pdf/", letters.decision_letter_pdf, name="decision_letter_pdf"),
    path("board/meetings/<int:pk>/portfolio/", portfolio.portfolio_view, name="portfolio"),
    path(
        "staff/meetings/<int:pk>/portfolio/constraints/",
        portfolio.portfolio_constraints_edit,
        name="portfolio_constraints",
    ),
    path("staff/meetings/<int:pk>/portfolio/compute/", portfolio.portfolio_compute_view, name="portfolio_compute"),
    path("staff/programs/<int:pk>/figures/", program.program_overview, name="program_overview"),
    path("staff/calls/<int:pk>/figures/", program.call_program, name="call_program"),
]
