"""The program's people page: who holds its roles, and granting and revoking them (its staff)."""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import PROGRAM_ROLES, Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import DomainError
from accounts.form_handling import form_submit
from intake import selectors
from intake.forms.people import ProgramRoleGrantForm
from intake.services.program_roles import program_role_grant
from intake.services.program_roles import program_role_revoke as grant_revoke  # the view has the name


@role_required(Role.STAFF)
def program_people(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """List the program's staff, board members, assessors and funders; grant one of its roles by email."""
    program = selectors.program_for_staff(user=request.user, pk=pk)
    form = ProgramRoleGrantForm(request.POST or None)
    done = form_submit(
        request,
        form,
        lambda: program_role_grant(by=request.user, program=program, **form.grant_fields()),
        field="email",
    )
    if done.saved and done.result is not None:
        grant = done.result
        messages.success(
            request,
            _("%(person)s now holds the role “%(role)s” in this program.")
            % {"person": grant.user.get_full_name(), "role": grant.get_role_display()},
        )
        return redirect("intake:program_people", pk=program.pk)
    grants = list(selectors.program_role_grants(program=program))
    by_role = {role: list(rows) for role, rows in groupby(grants, key=lambda grant: grant.role)}
    sections = [(role, Role(role).label, by_role.get(role, [])) for role in PROGRAM_ROLES]
    return render(
        request,
        "intake/staff/program_people.html",
        {"program": program, "sections": sections, "form": form, "funder": Role.FUNDER, "staff": Role.STAFF},
        status=done.status,
    )


@role_required(Role.STAFF)
@require_POST
def program_role_revoke(request: AuthenticatedRequest, pk: int, grant_pk: int) -> HttpResponse:
    """Take back one of the program's grants (not a funder's, and not one's own staff role)."""
    program = selectors.program_for_staff(user=request.user, pk=pk)
    grant = selectors.program_role_for_staff(program=program, pk=grant_pk)
    try:
        grant_revoke(by=request.user, grant=grant)
    except DomainError as error:
        # The refusal's page (the domain-error middleware's) links back to the people page.
        error.back_url = reverse("intake:program_people", args=[program.pk])
        error.back_label = _("Back to the program's people")
        raise
    messages.success(
        request,
        _("%(person)s no longer holds the role “%(role)s” in this program.")
        % {"person": grant.user.get_full_name(), "role": grant.get_role_display()},
    )
    return redirect("intake:program_people", pk=program.pk)
