"""The project's URLs: each app's under its own namespace."""

from django.contrib import admin
from django.urls import include, path

from intake.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("privacy/", include("stewardship.urls")),
    path("", include("intake.urls")),
    path("", include("assessment.urls")),
    path("", include("records.urls")),
    path("", include("board.urls")),
    path("", include("workflow.urls")),
    path("", include("funder.urls")),
    path("admin/", admin.site.urls),
]
