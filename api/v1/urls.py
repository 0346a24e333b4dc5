"""The routes of version 1 of the REST API (docs/api.md), declared here and imported on first use (``api.lazy``).

Their views, DRF's router and the OpenAPI schema and docs are built in ``api/v1/routes.py``;
``tests/api/test_lazy_routes.py`` checks that these routes are that module's.
"""

from api.lazy import lazy_paths

app_name = "api_v1"

ROUTES = (
    ("programs/", "program-list"),
    ("programs/<int:pk>/", "program-detail"),
    ("calls/", "call-list"),
    ("calls/<int:pk>/", "call-detail"),
    ("calls/<int:pk>/results/", "call-results"),
    ("proposals/", "proposal-list"),
    ("proposals/<int:pk>/", "proposal-detail"),
    ("proposals/<int:pk>/actions/<str:name>/", "proposal-act"),
    ("proposals/<int:pk>/submit/", "proposal-submit"),
    ("decisions/", "decision-list"),
    ("decisions/<int:pk>/", "decision-detail"),
    ("projects/", "project-list"),
    ("projects/<int:pk>/", "project-detail"),
    ("claims/", "claim-list"),
    ("claims/<int:pk>/", "claim-detail"),
    ("reports/", "report-list"),
    ("reports/<int:pk>/", "report-detail"),
    ("assignments/", "assignment-list"),
    ("assignments/<int:pk>/", "assignment-detail"),
    ("assignments/<int:pk>/review/", "assignment-review"),
    ("assets/", "asset-list"),
    ("assets/<int:pk>/", "asset-detail"),
    ("schema/", "schema"),
    ("docs/", "docs"),
)

urlpatterns = lazy_paths("api.v1.routes", ROUTES)
