from django.urls import path

from projects import claim_views, outcome_views, report_views, views

app_name = "projects"

urlpatterns = [
    path("projects/", views.project_list, name="project_list"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/agreements/<int:agreement_pk>/", views.agreement_detail, name="agreement_detail"),
    path("projects/<int:pk>/agreements/<int:agreement_pk>/pdf/", views.agreement_pdf, name="agreement_pdf"),
    path("projects/<int:pk>/agreements/<int:agreement_pk>/sign/", views.agreement_sign, name="agreement_sign"),
    path("projects/<int:pk>/partners/<int:partner_pk>/signatory/", views.signatory_name, name="signatory_name"),
    path("projects/<int:pk>/amendments/", views.amendment_list, name="amendment_list"),
    path("projects/<int:pk>/amendments/new/", views.amendment_request, name="amendment_request"),
    path("projects/<int:pk>/amendments/<int:amendment_pk>/", views.amendment_detail, name="amendment_detail"),
    path(
        "projects/<int:pk>/amendments/<int:amendment_pk>/withdraw/",
        views.amendment_withdraw,
        name="amendment_withdraw",
    ),
    path(
        "staff/programs/<int:program_pk>/agreement-templates/<slug:kind>/",
        views.agreement_template_edit,
        name="agreement_template_edit",
    ),
    # Claims (docs/claims.md).
    path("projects/<int:pk>/claims/", claim_views.claim_list, name="claim_list"),
    path("projects/<int:pk>/claims/<int:claim_pk>/", claim_views.claim_detail, name="claim_detail"),
    path("projects/claim-evidence/<int:pk>/", claim_views.claim_evidence_download, name="claim_evidence_download"),
    path("projects/claim-evidence/<int:pk>/remove/", claim_views.claim_evidence_remove, name="claim_evidence_remove"),
    path("staff/programs/<int:pk>/claims/", claim_views.program_claims, name="program_claims"),
    path("staff/programs/<int:pk>/terms/", claim_views.program_terms_edit, name="program_terms"),
    # Milestones and reports (docs/reports.md).
    path("projects/<int:pk>/milestones/<int:milestone_pk>/done/", report_views.milestone_done, name="milestone_done"),
    path("projects/<int:pk>/milestones/<int:milestone_pk>/", report_views.milestone_review, name="milestone_review"),
    path("projects/evidence/<int:pk>/", report_views.evidence_download, name="evidence_download"),
    path("projects/<int:pk>/reports/", report_views.report_list, name="report_list"),
    path("projects/<int:pk>/reports/<int:report_pk>/", report_views.report_detail, name="report_detail"),
    path("projects/<int:pk>/reports/<int:report_pk>/edit/", report_views.report_edit, name="report_edit"),
    path("projects/<int:pk>/reports/<int:report_pk>/submit/", report_views.report_submit, name="report_submit"),
    # The program's outcomes (docs/outcomes.md): its staff's page, and the open data.
    path("staff/programs/<int:pk>/outcomes/", outcome_views.program_outcomes_page, name="program_outcomes"),
    path(
        "staff/programs/<int:pk>/outcomes.csv",
        outcome_views.program_outcomes_csv_download,
        name="program_outcomes_csv",
    ),
    path("open-data/programs/<int:pk>/outcomes/", outcome_views.open_data_outcomes, name="open_data_outcomes"),
    path(
        "open-data/programs/<int:pk>/outcomes.csv",
        outcome_views.open_data_outcomes_csv,
        name="open_data_outcomes_csv",
    ),
]
