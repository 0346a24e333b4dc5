from django.urls import path

from registry import directory_views as views

app_name = "directory"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:program_pk>/", views.search, name="search"),
    path("<int:program_pk>/organizations/<int:pk>/", views.profile, name="profile"),
    path("<int:program_pk>/organizations/<int:pk>/contact/", views.contact, name="contact"),
    path("organizations/<int:pk>/edit/", views.profile_edit, name="profile_edit"),
    path("<int:program_pk>/announcements/", views.announcement_list, name="announcement_list"),
    path("<int:program_pk>/announcements/new/", views.announcement_create, name="announcement_create"),
    path("announcements/<int:pk>/", views.announcement_detail, name="announcement"),
    path("announcements/<int:pk>/answer/", views.announcement_answer, name="announcement_answer"),
    path("announcements/<int:pk>/close/", views.announcement_close_view, name="announcement_close"),
    path("messages/", views.thread_list, name="thread_list"),
    path("messages/<int:pk>/", views.thread, name="thread"),
]
