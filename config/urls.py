"""The project's URLs: each app's under its own namespace."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from intake.views import home


def favicon(request: HttpRequest) -> HttpResponse:
    """Send browsers, which ask for /favicon.ico whatever the page says, to the static icon rather than a 404."""
    return redirect(static("favicon.ico"))


urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("accounts/", include("accounts.urls")),
    path("privacy/", include("stewardship.urls")),
    path("", include("intake.urls")),
    path("", include("assessment.urls")),
    path("", include("records.urls")),
    path("", include("board.urls")),
    path("", include("workflow.urls")),
    path("", include("funder.urls")),
    path("", include("projects.urls")),
    path("", include("registry.urls")),
    path("directory/", include("registry.directory_urls")),
    path("ip-reviews/", include("registry.ip_review_urls")),
    path("api/v1/", include("api.v1.urls")),
    path("common-grants/", include("api.common_grants.urls")),
    path("admin/", admin.site.urls),
]
