"""Views of the accounts app: sign-up, sign-in, password reset, profile, organizations, language, dashboard routing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import login_throttle, second_factor, selectors, services
from accounts.choices import ROLE_DASHBOARDS, Language
from accounts.decorators import AuthenticatedRequest
from accounts.errors import DomainError
from accounts.forms import (
    EmailAuthenticationForm,
    JoinOrganizationForm,
    JoinRequestAnswerForm,
    OrganizationForm,
    ProfileForm,
    QueuedPasswordResetForm,
    SignUpForm,
    SignUpPasswordForm,
)
from workflow import access
from workflow import organizations as joining


def signup(request: HttpRequest) -> HttpResponse:
    """Ask for an account; whatever the address, the answer is "check your email" (ADR 0017)."""
    if request.user.is_authenticated:
        return redirect("accounts:dashboard")
    form = SignUpForm(request.POST or None, request=request, initial={"preferred_language": translation.get_language()})
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("accounts:signup_sent")
    return render(request, "accounts/signup.html", {"form": form})


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signup_sent.html")


def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Finish a sign-up by the emailed link: choose the password, and the account is created and signed in."""
    if request.user.is_authenticated:
        return redirect("accounts:dashboard")
    found = services.sign_up_token_read(token=token)
    if found is None or selectors.email_taken(email=found.email):
        return render(request, "accounts/signup_confirm.html", {"validlink": False})
    form = SignUpPasswordForm(request.POST or None, email=found.email, display_name=found.display_name)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_sign_up(
                email=found.email,
                display_name=found.display_name,
                password=form.cleaned_data["password1"],
                preferred_language=found.preferred_language,
            )
        except IntegrityError:  # The same link, used twice at once: the other use created the account.
            return render(request, "accounts/signup_confirm.html", {"validlink": False}, status=409)
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        translation.activate(user.preferred_language)
        messages.success(request, _("Welcome to Clusterflow. Add the organization you work for to apply."))
        response = redirect("accounts:organizations")
        login_throttle.device_cookie_set(response, email=user.email)
        return response
    return render(
        request,
        "accounts/signup_confirm.html",
        {"validlink": True, "form": form, "email": found.email},
        status=400 if request.method == "POST" else 200,
    )


class LoginView(auth_views.LoginView):
    """Django's sign-in, which also marks the browser as one its owner signs in from (ADR 0017)."""

    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        login_throttle.device_cookie_set(response, email=form.get_user().email)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, whose form counts requests per address and per client (ADR 0017)."""

    form_class = QueuedPasswordResetForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's new password by the emailed link, which also lifts a sign-in lockout of the address (ADR 0017).

    Following the link proves the browser is its owner's: it gets the device cookie, so a
    stranger who keeps failing on the address does not lock it out again.
    """

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        email = form.user.email
        login_throttle.login_unlock_by_reset(email=email, address=login_throttle.client_address(self.request))
        login_throttle.device_cookie_set(response, email=email)
        return response


@login_required
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """Send the user to the dashboard of their first role; one with none, to their projects if they take part in one."""
    for role, url_name in ROLE_DASHBOARDS.items():
        if request.user.has_role(role):
            return redirect(url_name)
    if access.projects_visible_to(user=request.user).exists():
        return redirect("projects:project_list")
    return render(request, "accounts/no_role.html")


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(
            user=request.user,
            display_name=form.cleaned_data["display_name"],
            preferred_language=form.cleaned_data["preferred_language"],
        )
        translation.activate(request.user.preferred_language)
        messages.success(request, _("Your profile is saved."))
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "memberships": selectors.memberships_for_user(user=request.user),
            "has_second_factor": second_factor.user_has_second_factor(request.user),
            "recovery_codes_left": second_factor.recovery_codes_left(user=request.user),
            "sign_ins": selectors.sign_ins_for_user(user=request.user),
            "sign_in_days": settings.SIGN_IN_HISTORY_DAYS,
        },
    )


@login_required
def organizations(request: AuthenticatedRequest) -> HttpResponse:
    """List the user's organizations; create a new one or join an existing one."""
    joinable = selectors.organizations_to_join(user=request.user)
    create_form = OrganizationForm(request.POST if "create" in request.POST else None, prefix="new")
    join_form = JoinOrganizationForm(
        request.POST if "join" in request.POST else None, organizations=joinable, prefix="join"
    )
    if request.method == "POST":
        try:
            if "create" in request.POST and create_form.is_valid():
                data = dict(create_form.cleaned_data)
                organization = services.organization_create(by=request.user, **data)
                messages.success(request, _("%(name)s is created and you are its member.") % {"name": organization})
                return redirect("accounts:organizations")
            if "join" in request.POST and join_form.is_valid():
                join_request = joining.organization_join_request(
                    user=request.user,
                    organization=join_form.cleaned_data["organization"],
                    title=join_form.cleaned_data["title"],
                )
                messages.success(
                    request,
                    _(
                        "Your request to join %(name)s is sent to its members for approval; "
                        "you will be told of the answer."
                    )
                    % {"name": join_request.organization},
                )
                return redirect("accounts:organizations")
        except DomainError as error:
            messages.error(request, error.message)
    return render(
        request,
        "accounts/organizations.html",
        {
            "memberships": selectors.memberships_for_user(user=request.user),
            "waiting": selectors.join_requests_waiting(user=request.user),
            "to_decide": selectors.join_requests_to_decide(user=request.user),
            "create_form": create_form,
            "join_form": join_form,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def membership_leave(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    membership = selectors.membership_for_user(user=request.user, pk=pk)
    services.membership_delete(user=request.user, membership=membership)
    messages.success(request, _("You left %(name)s.") % {"name": membership.organization})
    return redirect("accounts:organizations")


@login_required
def join_request_answer(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A member (or staff, for an organization with none) approves or refuses a request to join."""
    join_request = selectors.join_request_to_decide(user=request.user, pk=pk)
    approve = "approve" in request.POST
    form = JoinRequestAnswerForm(request.POST or None, approve=approve)
    if request.method == "POST" and form.is_valid():
        decided = joining.organization_join_answer(
            join_request=join_request, by=request.user, approve=approve, reason=form.cleaned_data["reason"]
        )
        done = (
            _("%(person)s is now a member of %(name)s.")
            if approve
            else _("The request of %(person)s to join %(name)s is refused; they are told why.")
        )
        messages.success(request, done % {"person": decided.user.get_full_name(), "name": decided.organization})
        return redirect("accounts:organizations")
    return render(
        request,
        "accounts/join_request.html",
        {"join_request": join_request, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def join_request_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    join_request = selectors.join_request_of_user(user=request.user, pk=pk)
    services.join_request_withdraw(join_request=join_request, by=request.user)
    messages.success(request, _("Your request to join %(name)s is withdrawn.") % {"name": join_request.organization})
    return redirect("accounts:organizations")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; a signed-in user's choice is remembered on the profile."""
    language = request.POST.get("language", "")
    if language not in Language.values:
        messages.error(request, _("Choose English or French."))
        language = translation.get_language()
    elif request.user.is_authenticated:
        services.user_set_language(user=request.user, language=language)
    target = request.POST.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home")
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response
