"""The assessor pool: staff's list and invitations, the invitee's acceptance, the assessor's profile."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import DomainError, StaleAction
from accounts.models import Organization, User
from assessment.forms.pool import (
    AffiliationFormSet,
    InvitationForm,
    InvitationSignUpForm,
    NewOrganizationAffiliationForm,
    ProfileForm,
)
from assessment.services import pool as services


def _add_errors(form: Any, error: ValidationError) -> None:
    by_field = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    for field, field_errors in by_field.items():
        form.add_error(field if field in form.fields else None, field_errors)


@role_required(Role.STAFF)
def pool(request: AuthenticatedRequest) -> HttpResponse:
    """List every assessor with their expertise, cap and, for a chosen call, load and availability."""
    calls = list(services.calls_for_pool())
    chosen = next((call for call in calls if str(call.pk) == request.GET.get("call", "")), None)
    return render(
        request,
        "assessment/staff/pool.html",
        {
            "rows": services.assessor_pool(call=chosen),
            "calls": calls,
            "chosen": chosen,
            "invitations": list(services.invitations_pending()),
        },
    )


@role_required(Role.STAFF)
def pool_invite(request: AuthenticatedRequest) -> HttpResponse:
    """Invite an expert by email to join the pool."""
    form = InvitationForm(request.POST or None, initial={"language": translation.get_language()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                invitation = services.invitation_send(
                    email=form.cleaned_data["email"],
                    by=request.user,
                    message=form.cleaned_data["message"],
                    language=form.cleaned_data["language"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The invitation is sent to %(email)s.") % {"email": invitation.email})
                return redirect("assessment:pool")
    return render(request, "assessment/staff/pool_invite.html", {"form": form}, status=status)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Accept an invitation to the pool: signed in, with one button; otherwise sign in or create the account."""
    found = services.invitation_for_token(token=token)
    if found is None:
        return render(request, "assessment/invitation_invalid.html", status=404)
    if not services.invitation_pending(found):
        reason = (
            _("This invitation was already used. Sign in to reach the assessor pages.")
            if found.accepted_at
            else _("This invitation has expired. Ask program staff to invite you again.")
        )
        return render(request, "assessment/invitation_invalid.html", {"reason": reason}, status=410)
    user = request.user
    signup_form = None
    status = 200
    if isinstance(user, User):
        if not services.invitation_is_for(found, user):
            # Another account holds the link: it accepts nothing, and the page says what to do.
            return render(
                request, "assessment/invitation.html", {"invitation": found, "other_account": True}, status=403
            )
        if request.method == "POST":
            services.invitation_accept(invitation=found, user=user)
            messages.success(request, _("Welcome to the assessor pool. Tell us what you know."))
            return redirect("assessment:profile")
    else:
        email_taken = User.objects.filter(email__iexact=found.email).exists()
        if not email_taken:
            signup_form = InvitationSignUpForm(
                request.POST or None, email=found.email, initial={"preferred_language": translation.get_language()}
            )
            if request.method == "POST":
                status = 400
                if signup_form.is_valid():
                    try:
                        new_user = services.invitation_accept_new_account(
                            invitation=found,
                            display_name=signup_form.cleaned_data["display_name"],
                            password=signup_form.cleaned_data["password1"],
                            preferred_language=signup_form.cleaned_data["preferred_language"],
                        )
                    except ValidationError as error:
                        _add_errors(signup_form, error)
                    else:
                        login(request, new_user, backend=settings.AUTHENTICATION_BACKENDS[0])
                        messages.success(request, _("Welcome to the assessor pool. Tell us what you know."))
                        return redirect("assessment:profile")
    return render(
        request,
        "assessment/invitation.html",
        {"invitation": found, "signup_form": signup_form},
        status=status,
    )


def _organizations() -> QuerySet[Organization]:
    return Organization.objects.order_by("legal_name", "country", "pk")


@role_required(Role.ASSESSOR)
def profile(request: AuthenticatedRequest) -> HttpResponse:
    """The assessor's expertise, languages, cap and affiliations; or add an organization not in the list."""
    profile = services.assessor_profile_for(user=request.user)
    organizations = _organizations()
    status = 200
    if request.method == "POST" and "create" in request.POST:
        new_form = NewOrganizationAffiliationForm(request.POST)
        status = 400
        if new_form.is_valid():
            data = new_form.cleaned_data
            try:
                affiliation = services.affiliation_add_new_organization(
                    user=request.user,
                    legal_name=data["legal_name"],
                    kind=data["kind"],
                    employee_count=data["employee_count"],
                    country=data["country"],
                    province=data["province"],
                    role=data["role"],
                    started_on=data["started_on"],
                    ended_on=data["ended_on"],
                )
            except ValidationError as error:
                _add_errors(new_form, error)
            except DomainError as error:
                new_form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("%(organization)s is added to your affiliations.") % {"organization": affiliation.organization},
                )
                return redirect("assessment:profile")
        form, formset = _profile_forms(profile, request.user, organizations)
    elif request.method == "POST":
        new_form = NewOrganizationAffiliationForm()
        form = ProfileForm(request.POST)
        formset = AffiliationFormSet(request.POST, prefix="affiliations", form_kwargs={"organizations": organizations})
        status = 400
        if form.is_valid() and formset.is_valid():
            try:
                services.assessor_profile_save(
                    user=request.user,
                    expected_updated_at=form.cleaned_data["loaded_at"],
                    sectors=form.cleaned_data["sectors"],
                    keywords=form.cleaned_data["keywords"],
                    languages=form.cleaned_data["languages"],
                    max_assignments_per_call=form.cleaned_data["max_assignments_per_call"],
                    affiliations=cast(Any, formset).affiliations(),
                )
            except ValidationError as error:
                _add_errors(form, error)
            except DomainError as error:
                form.add_error(None, error.message)
                status = error.status
                if isinstance(error, StaleAction):
                    profile.refresh_from_db()
                    form.data = data = cast(QueryDict, form.data).copy()
                    data["loaded_at"] = profile.updated_at.isoformat()
            else:
                messages.success(request, _("Your assessor profile is saved."))
                return redirect("assessment:profile")
    else:
        new_form = NewOrganizationAffiliationForm()
        form, formset = _profile_forms(profile, request.user, organizations)
    return render(
        request,
        "assessment/profile.html",
        {"profile": profile, "form": form, "formset": formset, "new_form": new_form},
        status=status,
    )


def _profile_forms(profile: Any, user: User, organizations: Any) -> tuple[ProfileForm, Any]:
    form = ProfileForm(
        initial={
            "sectors": profile.sectors,
            "keywords": ", ".join(profile.keywords),
            "languages": profile.languages,
            "max_assignments_per_call": profile.max_assignments_per_call,
            "loaded_at": profile.updated_at.isoformat(),
        }
    )
    formset = AffiliationFormSet(
        prefix="affiliations",
        form_kwargs={"organizations": organizations},
        initial=[
            {
                "id": affiliation.pk,
                "organization": affiliation.organization_id,
                "role": affiliation.role,
                "started_on": affiliation.started_on,
                "ended_on": affiliation.ended_on,
            }
            for affiliation in services.assessor_affiliations(user=user)
        ],
    )
    return form, formset
