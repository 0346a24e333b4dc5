from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import views
from accounts.views import authenticator as second_factor_views
from accounts.views import tokens as token_views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/<str:token>/", views.signup_confirm, name="signup_confirm"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        views.PasswordResetView.as_view(
            success_url=reverse_lazy("accounts:password_reset_done"),
            email_template_name="registration/password_reset_email.txt",
            html_email_template_name="registration/password_reset_email.html",
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("accounts:password_reset_complete")),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("profile/", views.profile, name="profile"),
    path("organizations/", views.organizations, name="organizations"),
    path("organizations/memberships/<int:pk>/leave/", views.membership_leave, name="membership_leave"),
    path("organizations/requests/<int:pk>/", views.join_request_answer, name="join_request_answer"),
    path("organizations/requests/<int:pk>/withdraw/", views.join_request_withdraw, name="join_request_withdraw"),
    path("api-tokens/", token_views.api_tokens, name="api_tokens"),
    path("api-tokens/<int:pk>/revoke/", token_views.api_token_revoke, name="api_token_revoke"),
    path("language/", views.set_language, name="set_language"),
    path("second-factor/setup/", second_factor_views.second_factor_setup, name="second_factor_setup"),
    path("second-factor/code/", second_factor_views.second_factor_verify, name="second_factor_verify"),
    path(
        "second-factor/recovery-codes/",
        second_factor_views.second_factor_recovery_codes,
        name="second_factor_recovery_codes",
    ),
    path("second-factor/disable/", second_factor_views.second_factor_disable, name="second_factor_disable"),
]
