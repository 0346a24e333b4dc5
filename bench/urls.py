"""The project's URLs plus the bench-only floor view; used only through override_settings."""

from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def floor(request: HttpRequest) -> HttpResponse:
    """Answer after one tiny query: the cost of the request stack plus one round trip."""
    ContentType.objects.exists()
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("__bench__/floor/", floor, name="bench_floor"),
    path("", include("config.urls")),
]
