from django.urls import path

from intake import views
from intake.views import answers as answer_views
from intake.views import application
from intake.views import attachments as attachment_views
from intake.views import call_rules as call_rules_views
from intake.views import consortium as consortium_views
from intake.views import eligibility as eligibility_views
from intake.views import memberships as membership_views
from intake.views import people as people_views
from intake.views import questions as question_views
from intake.views import rules as rule_views
from intake.views import stages as stage_views
from intake.views import versions as version_views

app_name = "intake"

urlpatterns = [
    path("calls/", views.calls_open, name="calls_open"),
    path("calls/<int:pk>/", views.call_detail, name="call_detail"),
    path("applicant/", views.applicant_dashboard, name="applicant_dashboard"),
    path("calls/<int:pk>/proposals/new/", views.proposal_create, name="proposal_create"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/edit/", views.proposal_update, name="proposal_update"),
    path("proposals/<int:pk>/application/", application.application_overview, name="application"),
    path(
        "proposals/<int:pk>/application/description/",
        application.application_description,
        name="application_description",
    ),
    path("proposals/<int:pk>/application/ip/", application.application_ip, name="application_ip"),
    path("proposals/<int:pk>/application/outcomes/", application.application_outcomes, name="application_outcomes"),
    path(
        "proposals/<int:pk>/application/consortium/",
        consortium_views.application_consortium,
        name="application_consortium",
    ),
    path("proposals/<int:pk>/application/consortium/add/", consortium_views.member_add, name="member_add"),
    path("proposals/<int:pk>/application/consortium/new/", consortium_views.member_create, name="member_create"),
    path(
        "proposals/<int:pk>/application/consortium/members/<int:member_pk>/remove/",
        consortium_views.member_remove,
        name="member_remove",
    ),
    path(
        "proposals/<int:pk>/application/consortium/co-applicants/invite/",
        consortium_views.coapplicant_invite,
        name="coapplicant_invite",
    ),
    path(
        "proposals/<int:pk>/application/consortium/co-applicants/<int:coapplicant_pk>/remove/",
        consortium_views.coapplicant_remove,
        name="coapplicant_remove",
    ),
    path("proposals/<int:pk>/application/budget/", consortium_views.application_budget, name="application_budget"),
    path(
        "proposals/<int:pk>/application/attachments/",
        attachment_views.application_attachments,
        name="application_attachments",
    ),
    path("proposals/<int:pk>/questions/", answer_views.questions_overview, name="questions"),
    path("proposals/<int:pk>/questions/<int:number>/", answer_views.question_section, name="question_section"),
    path("attachments/<int:pk>/", attachment_views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/remove/", attachment_views.attachment_remove, name="attachment_remove"),
    path("proposals/<int:pk>/versions/<int:number>/", version_views.version_detail, name="version_detail"),
    path("proposals/<int:pk>/versions/<int:number>/pdf/", version_views.version_pdf, name="version_pdf"),
    path("proposals/<int:pk>/versions/<int:number>/receipt/", version_views.version_receipt, name="version_receipt"),
    path("staff/proposals/<int:pk>/versions/compare/", version_views.version_compare, name="version_compare"),
    path("staff/proposals/<int:pk>/eligibility/", eligibility_views.proposal_eligibility, name="eligibility"),
    path("staff/proposals/<int:pk>/eligibility/rules/", call_rules_views.proposal_rules, name="eligibility_rules"),
    path(
        "staff/proposals/<int:pk>/eligibility/overrides/<int:override_pk>/revoke/",
        eligibility_views.override_revoke,
        name="eligibility_override_revoke",
    ),
    path("staff/programs/", views.program_list, name="program_list"),
    path("staff/programs/new/", views.program_create, name="program_create"),
    path("staff/programs/<int:pk>/", views.program_detail, name="program_detail"),
    path("staff/programs/<int:pk>/edit/", views.program_update, name="program_update"),
    path("staff/programs/<int:pk>/people/", people_views.program_people, name="program_people"),
    path(
        "staff/programs/<int:pk>/people/<int:grant_pk>/revoke/",
        people_views.program_role_revoke,
        name="program_role_revoke",
    ),
    path("staff/programs/<int:pk>/members/", membership_views.program_memberships, name="program_memberships"),
    path(
        "staff/programs/<int:pk>/members/<int:membership_pk>/",
        membership_views.program_membership_update,
        name="program_membership_update",
    ),
    path("staff/programs/<int:program_pk>/calls/new/", views.call_create, name="call_create"),
    path("staff/calls/<int:pk>/", views.call_staff_detail, name="call_staff_detail"),
    path("staff/calls/<int:pk>/edit/", call_rules_views.call_update, name="call_update"),
    path("staff/calls/<int:pk>/stages/", stage_views.call_stages, name="call_stages"),
    path("staff/calls/<int:pk>/rules/", rule_views.call_rules_page, name="call_rules"),
    path("staff/calls/<int:pk>/rules/new/", rule_views.call_rule_add, name="call_rule_add"),
    path("staff/rules/<int:pk>/", rule_views.call_rule_update, name="call_rule_update"),
    path("staff/rules/<int:pk>/remove/", rule_views.call_rule_remove, name="call_rule_remove"),
    path("staff/rules/<int:pk>/move/", rule_views.call_rule_move, name="call_rule_move"),
    path("staff/calls/<int:pk>/questions/", question_views.call_questions, name="call_questions"),
    path("staff/calls/<int:pk>/roles/", membership_views.call_consortium_roles, name="call_consortium_roles"),
    path("staff/roles/<int:pk>/", membership_views.consortium_role_update, name="consortium_role_update"),
    path("staff/roles/<int:pk>/remove/", membership_views.consortium_role_remove, name="consortium_role_remove"),
    path("staff/calls/<int:pk>/questions/new/", question_views.question_create, name="question_create"),
    path("staff/calls/<int:pk>/questions/copy/", question_views.questions_copy, name="questions_copy"),
    path(
        "staff/calls/<int:pk>/questions/from-section/<slug:section>/",
        question_views.section_texts_ask,
        name="section_texts_ask",
    ),
    path("staff/calls/<int:pk>/answers.csv", question_views.call_answers_csv, name="call_answers_csv"),
    path("staff/questions/<int:pk>/", question_views.question_update, name="question_update"),
    path("staff/questions/<int:pk>/move/", question_views.question_move, name="question_move"),
    path("staff/questions/<int:pk>/retire/", question_views.question_retire, name="question_retire"),
    path("staff/questions/<int:pk>/remove/", question_views.question_delete, name="question_delete"),
]
