from django.urls import path

from workflow import outage_views, retention_views, views
from workflow.board_views import agenda as board_agenda
from workflow.board_views import letters as board_letters
from workflow.board_views import meetings as board_meetings
from workflow.board_views import program as board_program
from workflow.board_views import votes as board_votes

app_name = "workflow"

urlpatterns = [
    path("staff/", views.staff_dashboard, name="staff_dashboard"),
    path("board/", views.board_dashboard, name="board_dashboard"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox_mark_read"),
    path("staff/calls/<int:pk>/proposals/", views.call_proposals, name="call_proposals"),
    path("manage/proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/act/<str:action>/", views.proposal_act, name="proposal_act"),
    path("staff/calls/<int:pk>/meetings/", board_meetings.meeting_list, name="meeting_list"),
    path("staff/calls/<int:pk>/meetings/new/", board_meetings.meeting_new, name="meeting_create"),
    path("staff/meetings/<int:pk>/edit/", board_meetings.meeting_edit, name="meeting_update"),
    path("staff/meetings/<int:pk>/send/", board_meetings.meeting_send, name="meeting_send"),
    path(
        "staff/meetings/<int:pk>/agenda-ready/", board_meetings.meeting_agenda_ready_view, name="meeting_agenda_ready"
    ),
    path("staff/meetings/<int:pk>/open-early/", board_meetings.meeting_open_early_view, name="meeting_open_early"),
    path("board/meetings/<int:pk>/", board_agenda.meeting_agenda_view, name="meeting_agenda"),
    path("board/items/<int:pk>/defer/", board_meetings.agenda_item_defer_view, name="agenda_item_defer"),
    path("board/meetings/<int:pk>/conflicts/", board_votes.meeting_conflicts, name="board_conflicts"),
    path("board/meetings/<int:pk>/votes/", board_votes.meeting_votes, name="board_votes"),
    path("board/meetings/<int:pk>/items/<int:item_pk>/vote/", board_votes.item_vote, name="board_vote"),
    path("board/meetings/<int:pk>/items/<int:item_pk>/decide/", board_votes.item_decide, name="board_decide"),
    path("staff/meetings/<int:pk>/letters/", board_letters.meeting_letters, name="meeting_letters"),
    path("staff/meetings/<int:pk>/letters/release/", board_letters.meeting_decisions_release, name="letters_release"),
    path("staff/letters/<int:pk>/", board_letters.letter_edit, name="letter_edit"),
    path("staff/programs/<int:pk>/figures/", board_program.program_overview, name="program_overview"),
    path("staff/calls/<int:pk>/figures/", board_program.call_program, name="call_program"),
    path("staff/programs/<int:pk>/disposals/", retention_views.disposals_preview, name="disposals_preview"),
    path("staff/proposals/<int:pk>/legal-hold/", retention_views.proposal_legal_hold, name="proposal_legal_hold"),
    path("staff/calls/<int:pk>/legal-hold/", retention_views.call_legal_hold, name="call_legal_hold"),
    path("status/", outage_views.status_page, name="status"),
    path("staff/outages/", outage_views.incident_list, name="incident_list"),
    path("staff/outages/new/", outage_views.incident_new, name="incident_create"),
    path("staff/outages/<int:pk>/edit/", outage_views.incident_edit, name="incident_update"),
    path("staff/outages/<int:pk>/apply/", outage_views.incident_apply_view, name="incident_apply"),
    path("staff/service-standard/", outage_views.rule_list, name="extension_rules"),
    path("staff/service-standard/new/", outage_views.rule_new, name="extension_rule_create"),
    path("staff/service-standard/<int:pk>/edit/", outage_views.rule_edit, name="extension_rule_update"),
]
