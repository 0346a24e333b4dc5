from django.urls import path

from workflow import views
from workflow.views import outages as outage_views
from workflow.views import retention as retention_views
from workflow.views import search as search_views

app_name = "workflow"

urlpatterns = [
    path("staff/", views.staff_dashboard, name="staff_dashboard"),
    path("staff/calls/<int:pk>/proposals/", views.call_proposals, name="call_proposals"),
    path("manage/proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("manage/proposals/search/", search_views.proposal_search, name="proposal_search"),
    path("proposals/<int:pk>/act/<str:action>/", views.proposal_act, name="proposal_act"),
    path("staff/programs/<int:pk>/disposals/", retention_views.disposals_preview, name="disposals_preview"),
    path("staff/proposals/<int:pk>/legal-hold/", retention_views.proposal_legal_hold, name="proposal_legal_hold"),
    path("staff/calls/<int:pk>/legal-hold/", retention_views.call_legal_hold, name="call_legal_hold"),
    path("status/", outage_views.status_page, name="status"),
    path("staff/outages/", outage_views.incident_list, name="incident_list"),
    path("staff/outages/new/", outage_views.incident_new, name="incident_create"),
    path("staff/outages/<int:pk>/edit/", outage_views.incident_edit, name="incident_update"),
    path("staff/outages/<int:pk>/apply/", outage_views.incident_apply_view, name="incident_apply"),
    path("staff/service-standard/", outage_views.rule_list, name="extension_rules"),
    path("staff/service-standard/new/", outage_views.rule_new, name="extension_rule_create"),
    path("staff/service-standard/<int:pk>/edit/", outage_views.rule_edit, name="extension_rule_update"),
]
