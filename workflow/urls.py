from django.urls import path

from workflow import views

app_name = "workflow"

urlpatterns = [
    path("staff/", views.staff_dashboard, name="staff_dashboard"),
    path("board/", views.board_dashboard, name="board_dashboard"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox_mark_read"),
]
