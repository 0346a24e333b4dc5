"""The assessor pool: staff's list and invitations, the invitee's acceptance, the assessor's profile."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.form_handling import form_submit
from accounts.models import Organization, User
from assessment.forms.pool import (
    AffiliationFormSet,
    InvitationForm,
    InvitationSignUpForm,
    NewOrganizationAffiliationForm,
    ProfileForm,
)
from assessment.services import pool as services
from intake.program_roles import programs_of


@role_required(Role.STAFF)
def pool(request: AuthenticatedRequest) -> HttpResponse:
    """List the assessors of the staff's programs: expertise, cap and, for a chosen call, load and availability."""
    calls = list(services.calls_for_pool(user=request.user))
    chosen = next((call for call in calls if str(call.pk) == request.GET.get("call", "")), None)
    return render(
        request,
        "assessment/staff/pool.html",
        {
            "rows": services.assessor_pool(user=request.user, call=chosen),
            "calls": calls,
            "chosen": chosen,
            "invitations": list(services.invitations_pending(user=request.user)),
        },
    )


@role_required(Role.STAFF)
def pool_invite(request: AuthenticatedRequest) -> HttpResponse:
    """Invite an expert by email to assess for one of the staff's programs."""
    form = InvitationForm(
        request.POST or None,
        programs=programs_of(request.user, Role.STAFF),
        initial={"language": translation.get_language()},
    )
    done = form_submit(
        request,
        form,
        lambda: services.invitation_send(
            email=form.cleaned_data["email"],
            by=request.user,
            program=form.cleaned_data["program"],
            message=form.cleaned_data["message"],
            language=form.cleaned_data["language"],
        ),
        raised=lambda error: True,
    )
    if done.saved and done.result is not None:
        messages.success(request, _("The invitation is sent to %(email)s.") % {"email": done.result.email})
        return redirect("assessment:pool")
    return render(request, "assessment/staff/pool_invite.html", {"form": form}, status=done.status)


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
            form = signup_form
            done = form_submit(
                request,
                form,
                lambda: services.invitation_accept_new_account(
                    invitation=found,
                    display_name=form.cleaned_data["display_name"],
                    password=form.cleaned_data["password1"],
                    preferred_language=form.cleaned_data["preferred_language"],
                ),
                raised=lambda error: True,
            )
            if done.saved and done.result is not None:
                login(request, done.result, backend=settings.AUTHENTICATION_BACKENDS[0])
                messages.success(request, _("Welcome to the assessor pool. Tell us what you know."))
                return redirect("assessment:profile")
            status = done.status
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
        added = form_submit(
            request,
            new_form,
            lambda: services.affiliation_add_new_organization(
                user=request.user,
                legal_name=new_form.cleaned_data["legal_name"],
                kind=new_form.cleaned_data["kind"],
                employee_count=new_form.cleaned_data["employee_count"],
                country=new_form.cleaned_data["country"],
                province=new_form.cleaned_data["province"],
                role=new_form.cleaned_data["role"],
                started_on=new_form.cleaned_data["started_on"],
                ended_on=new_form.cleaned_data["ended_on"],
            ),
            raised=lambda error: False,
            status=400,
        )
        if added.saved and added.result is not None:
            messages.success(
                request,
                _("%(organization)s is added to your affiliations.") % {"organization": added.result.organization},
            )
            return redirect("assessment:profile")
        status = added.status
        form, formset = _profile_forms(profile, request.user, organizations)
    elif request.method == "POST":
        new_form = NewOrganizationAffiliationForm()
        form = ProfileForm(request.POST)
        formset = AffiliationFormSet(request.POST, prefix="affiliations", form_kwargs={"organizations": organizations})

        def current() -> datetime:
            # The page shows the profile as saved now beside the refused edit.
            profile.refresh_from_db()
            return profile.updated_at

        done = form_submit(
            request,
            form,
            lambda: services.assessor_profile_save(
                user=request.user,
                expected_updated_at=form.cleaned_data["loaded_at"],
                sectors=form.cleaned_data["sectors"],
                keywords=form.cleaned_data["keywords"],
                languages=form.cleaned_data["languages"],
                max_assignments_per_call=form.cleaned_data["max_assignments_per_call"],
                affiliations=cast(Any, formset).affiliations(),
            ),
            others_valid=formset.is_valid(),
            current=current,
            raised=lambda error: False,
        )
        if done.saved:
            messages.success(request, _("Your assessor profile is saved."))
            return redirect("assessment:profile")
        status = done.status
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
