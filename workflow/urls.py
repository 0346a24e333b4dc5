from django.urls import path

from workflow import views

app_name = "workflow"

urlpatterns = [
    path("staff/", views.staff_dashboard, name="staff_dashboard"),
    path("board/", views.board_dashboard, name="board_dashboard"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox_mark_read"),
    path("staff/calls/<int:pk>/proposals/", views.call_proposals, name="call_proposals"),
    path("manage/proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/act/<str:action>/", views.proposal_act, name="proposal_act"),
]
