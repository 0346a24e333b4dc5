from django.urls import path

from assessment import views
from assessment.views import assignment as assignment_views
from assessment.views import conflicts as conflict_views
from assessment.views import pool as pool_views
from assessment.views import results as result_views
from assessment.views import reviews as review_views
from assessment.views import rubrics as rubric_views

app_name = "assessment"

urlpatterns = [
    path("assessor/", views.dashboard, name="dashboard"),
    path("assessor/profile/", pool_views.profile, name="profile"),
    path("assessor/assignments/<int:pk>/declare/", conflict_views.declare, name="declare"),
    path("assessor/assignments/<int:pk>/", review_views.assignment_respond, name="respond"),
    path("assessor/assignments/<int:pk>/review/", review_views.review_edit, name="review"),
    path("staff/reviews/<int:pk>/reopen/", review_views.review_reopen, name="review_reopen"),
    path("staff/calls/<int:pk>/results/", result_views.call_results_page, name="results"),
    path("staff/calls/<int:pk>/results.csv", result_views.call_results_csv, name="results_csv"),
    path("staff/calls/<int:pk>/results/recompute/", result_views.call_results_recompute, name="results_recompute"),
    path("assessors/invitations/<str:token>/", pool_views.invitation, name="invitation"),
    path("staff/assessors/", pool_views.pool, name="pool"),
    path("staff/assessors/invite/", pool_views.pool_invite, name="pool_invite"),
    path("staff/calls/<int:pk>/rubric/", rubric_views.rubric_edit, name="rubric"),
    path("staff/calls/<int:pk>/conflicts/", conflict_views.call_conflicts, name="call_conflicts"),
    path("staff/calls/<int:pk>/assignments/", assignment_views.assignments, name="assignments"),
    path("staff/calls/<int:pk>/assignments/compute/", assignment_views.plan_compute, name="assignment_plan_compute"),
    path(
        "staff/calls/<int:pk>/assignments/plans/<int:plan_pk>/accept/",
        assignment_views.plan_accept,
        name="assignment_plan_accept",
    ),
    path(
        "staff/calls/<int:pk>/assignments/plans/<int:plan_pk>/discard/",
        assignment_views.plan_discard,
        name="assignment_plan_discard",
    ),
    path(
        "staff/calls/<int:pk>/assignments/plans/<int:plan_pk>/pairs/<int:pair_pk>/remove/",
        assignment_views.plan_pair_remove,
        name="assignment_plan_pair_remove",
    ),
    path(
        "staff/calls/<int:pk>/assignments/proposals/<int:proposal_pk>/",
        assignment_views.proposal_assign,
        name="assignment_proposal",
    ),
    path(
        "staff/calls/<int:pk>/assignments/proposals/<int:proposal_pk>/rules/",
        assignment_views.pair_rule_create,
        name="assignment_rule_create",
    ),
    path(
        "staff/calls/<int:pk>/assignments/proposals/<int:proposal_pk>/rules/<int:rule_pk>/remove/",
        assignment_views.pair_rule_delete,
        name="assignment_rule_remove",
    ),
    path(
        "staff/calls/<int:pk>/assignments/<int:assignment_pk>/withdraw/",
        assignment_views.assignment_withdraw,
        name="assignment_withdraw",
    ),
]
