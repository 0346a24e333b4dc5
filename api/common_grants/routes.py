"""The CommonGrants v0.4 routes and their views (docs/common-grants.md), imported on first use (``api.lazy``)."""

from django.urls import path

from api.common_grants import views

app_name = "common_grants"

urlpatterns = [
    path("opportunities", views.OpportunityList.as_view(), name="opportunities"),
    path("opportunities/search", views.OpportunitySearch.as_view(), name="opportunity_search"),
    path("opportunities/<str:opp_id>", views.OpportunityDetail.as_view(), name="opportunity"),
    path("applications/search", views.ApplicationSearch.as_view(), name="application_search"),
    path("applications/<str:app_id>", views.ApplicationDetail.as_view(), name="application"),
    path("awards", views.AwardList.as_view(), name="awards"),
    path("awards/search", views.AwardSearch.as_view(), name="award_search"),
    path("awards/<str:awd_id>", views.AwardDetail.as_view(), name="award"),
]
