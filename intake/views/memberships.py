"""Staff's pages of a program's members (memberships with dates) and of a call's consortium roles."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import DomainError
from accounts.form_handling import form_submit
from accounts.models import Organization
from intake import selectors
from intake.forms.memberships import ConsortiumRoleForm, MembershipForm
from intake.services.consortium_roles import consortium_role_add, consortium_role_change
from intake.services.consortium_roles import consortium_role_remove as role_remove  # the view has the name
from intake.services.memberships import MEMBERSHIP_ADD, membership_add, membership_change


@role_required(Role.STAFF)
def program_memberships(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """List the program's members, current, to come and ended, with their history; record a new membership."""
    program = selectors.program_for_staff(user=request.user, pk=pk)
    form = MembershipForm(request.POST or None, organizations=Organization.objects.order_by("legal_name", "pk"))
    done = form_submit(
        request, form, lambda: membership_add(by=request.user, program=program, **form.membership_fields())
    )
    if done.saved and done.result is not None:
        messages.success(
            request,
            _("%(organization)s's membership of this program is recorded.")
            % {"organization": done.result.organization.legal_name},
        )
        return redirect("intake:program_memberships", pk=program.pk)
    today = timezone.localdate()
    current, upcoming, ended = [], [], []
    for membership in selectors.program_memberships(program=program):
        if membership.holds_on(today):
            current.append(membership)
        elif membership.starts_on > today:
            upcoming.append(membership)
        else:
            ended.append(membership)
    sections = [
        ("current", _("Current members"), current),
        ("upcoming", _("Memberships to come"), upcoming),
        ("ended", _("Ended memberships"), ended),
    ]
    return render(
        request,
        "intake/staff/program_memberships.html",
        {
            "program": program,
            "sections": sections,
            "form": form,
            "history": list(selectors.program_membership_history(program=program)[:50]),
            "added": MEMBERSHIP_ADD,
        },
        status=done.status,
    )


@role_required(Role.STAFF)
def program_membership_update(request: AuthenticatedRequest, pk: int, membership_pk: int) -> HttpResponse:
    """Change a membership's dates or note; ending it is giving its last day."""
    program = selectors.program_for_staff(user=request.user, pk=pk)
    membership = selectors.program_membership_for_staff(program=program, pk=membership_pk)
    initial = {"starts_on": membership.starts_on, "ends_on": membership.ends_on, "note": membership.note}
    if request.method != "POST" and "end" in request.GET and membership.ends_on is None:
        initial["ends_on"] = timezone.localdate()
    form = MembershipForm(request.POST or None, initial=initial)
    done = form_submit(
        request, form, lambda: membership_change(by=request.user, membership=membership, **form.membership_fields())
    )
    if done.saved:
        messages.success(
            request,
            _("%(organization)s's membership is saved.") % {"organization": membership.organization.legal_name},
        )
        return redirect("intake:program_memberships", pk=program.pk)
    return render(
        request,
        "intake/staff/program_membership_form.html",
        {"program": program, "membership": membership, "form": form},
        status=done.status,
    )


@role_required(Role.STAFF)
def call_consortium_roles(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """List the consortium roles the call names, and name a new one."""
    call = selectors.call_for_staff(user=request.user, pk=pk)
    form = ConsortiumRoleForm(request.POST or None, new=True)
    done = form_submit(request, form, lambda: consortium_role_add(by=request.user, call=call, **form.role_fields()))
    if done.saved and done.result is not None:
        messages.success(request, _("The role “%(role)s” is added.") % {"role": done.result.name})
        return redirect("intake:call_consortium_roles", pk=call.pk)
    return render(
        request,
        "intake/staff/call_consortium_roles.html",
        {"call": call, "roles": list(selectors.call_consortium_roles(call=call)), "form": form},
        status=done.status,
    )


@role_required(Role.STAFF)
def consortium_role_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Rename a consortium role or move it in the call's order."""
    role = selectors.consortium_role_for_staff(user=request.user, pk=pk)
    form = ConsortiumRoleForm(
        request.POST or None,
        new=False,
        initial={"name_en": role.name_en, "name_fr": role.name_fr, "position": role.position},
    )
    done = form_submit(request, form, lambda: consortium_role_change(by=request.user, role=role, **form.role_fields()))
    if done.saved and done.result is not None:
        messages.success(request, _("The role “%(role)s” is saved.") % {"role": done.result.name})
        return redirect("intake:call_consortium_roles", pk=role.call_id)
    return render(
        request,
        "intake/staff/consortium_role_form.html",
        {"call": role.call, "role": role, "form": form},
        status=done.status,
    )


@role_required(Role.STAFF)
@require_POST
def consortium_role_remove(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Remove a consortium role no proposal's member takes."""
    role = selectors.consortium_role_for_staff(user=request.user, pk=pk)
    try:
        role_remove(by=request.user, role=role)
    except DomainError as error:
        error.back_url = reverse("intake:call_consortium_roles", args=[role.call_id])
        error.back_label = _("Back to the call's consortium roles")
        raise
    messages.success(request, _("The role “%(role)s” is removed.") % {"role": role.name})
    return redirect("intake:call_consortium_roles", pk=role.call_id)
