"""Views of the accounts app: sign-up, profile, organizations, language, dashboard routing."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import second_factor, selectors, services
from accounts.choices import ROLE_DASHBOARDS, Language
from accounts.decorators import AuthenticatedRequest
from accounts.errors import DomainError
from accounts.forms import JoinOrganizationForm, OrganizationForm, ProfileForm, SignUpForm


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:dashboard")
    form = SignUpForm(request.POST or None, initial={"preferred_language": translation.get_language()})
    if request.method == "POST" and form.is_valid():
        user = services.user_sign_up(
            email=form.cleaned_data["email"],
            display_name=form.cleaned_data["display_name"],
            password=form.cleaned_data["password1"],
            preferred_language=form.cleaned_data["preferred_language"],
        )
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(request, _("Welcome to Clusterflow. Add the organization you work for to apply."))
        return redirect("accounts:organizations")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """Send the user to the dashboard of their first role."""
    for role, url_name in ROLE_DASHBOARDS.items():
        if request.user.has_role(role):
            return redirect(url_name)
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
                membership = services.membership_create(
                    user=request.user,
                    organization=join_form.cleaned_data["organization"],
                    title=join_form.cleaned_data["title"],
                )
                messages.success(request, _("You joined %(name)s.") % {"name": membership.organization})
                return redirect("accounts:organizations")
        except DomainError as error:
            messages.error(request, error.message)
    return render(
        request,
        "accounts/organizations.html",
        {
            "memberships": selectors.memberships_for_user(user=request.user),
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
