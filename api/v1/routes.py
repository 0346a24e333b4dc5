"""The routes of version 1 of the REST API (docs/api.md), with its OpenAPI 3 schema and docs: imported on first use."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from api.v1 import views

app_name = "api_v1"

router = SimpleRouter(use_regex_path=False)
router.register("programs", views.ProgramViewSet, basename="program")
router.register("calls", views.CallViewSet, basename="call")
router.register("proposals", views.ProposalViewSet, basename="proposal")
router.register("decisions", views.DecisionViewSet, basename="decision")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("reports", views.ReportViewSet, basename="report")
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("assets", views.AssetViewSet, basename="asset")

#: The schema describes these routes only (not the CommonGrants routes, which have their own).
resources = router.urls

urlpatterns = [
    *resources,
    path(
        "schema/",
        SpectacularAPIView.as_view(patterns=[path("api/v1/", include((resources, app_name)))]),
        name="schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api_v1:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
]
