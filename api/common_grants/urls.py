"""The CommonGrants v0.4 routes, under ``/common-grants/`` (docs/common-grants.md), imported on first use.

Their views are ``api/common_grants/routes.py``'s (``api.lazy``); ``tests/api/test_lazy_routes.py``
checks that these routes are that module's.
"""

from api.lazy import lazy_paths

app_name = "common_grants"

ROUTES = (
    ("opportunities", "opportunities"),
    ("opportunities/search", "opportunity_search"),
    ("opportunities/<str:opp_id>", "opportunity"),
    ("applications/search", "application_search"),
    ("applications/<str:app_id>", "application"),
    ("awards", "awards"),
    ("awards/search", "award_search"),
    ("awards/<str:awd_id>", "award"),
)

urlpatterns = lazy_paths("api.common_grants.routes", ROUTES)
