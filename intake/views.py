"""Views of the intake app: public calls, the applicant's dashboard, staff's programs and calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import StaleAction
from intake import selectors, services
from intake.forms import CallForm, ProgramForm


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/home.html", {"open_calls": selectors.calls_open()[:5]})


def calls_open(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "intake/calls_open.html",
        {"open_calls": selectors.calls_open(), "upcoming_calls": selectors.calls_upcoming()},
    )


def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "intake/call_detail.html", {"call": selectors.call_public(pk=pk)})


@role_required(Role.APPLICANT)
def applicant_dashboard(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "intake/applicant_dashboard.html", {"open_calls": selectors.calls_open()})


@role_required(Role.STAFF)
def program_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "intake/staff/program_list.html", {"programs": selectors.programs_for_staff()})


def _save_form(request: HttpRequest, form: ProgramForm | CallForm, save: Callable[[dict[str, Any]], Model]) -> Any:
    """Run ``save`` on a valid form; on a refusal keep what was typed and say why beside it."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save(form.model_fields())
    except StaleAction as error:
        form.add_error(None, error.message)
        # The next save is made knowingly over the other person's version.
        form.data = data = cast(QueryDict, form.data).copy()
        data["loaded_at"] = type(form.instance).objects.get(pk=form.instance.pk).updated_at.isoformat()
    except ValidationError as error:
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    return None


@role_required(Role.STAFF)
def program_create(request: AuthenticatedRequest) -> HttpResponse:
    form = ProgramForm(request.POST or None)
    program = _save_form(request, form, lambda fields: services.program_create(by=request.user, **fields))
    if program:
        messages.success(request, _("The program is created."))
        return redirect("intake:program_detail", pk=program.pk)
    return render(request, "intake/staff/program_form.html", {"form": form}, status=_status(form))


@role_required(Role.STAFF)
def program_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    program = selectors.program_for_staff(pk=pk)
    return render(
        request,
        "intake/staff/program_detail.html",
        {"program": program, "calls": selectors.calls_for_staff(program=program)},
    )


@role_required(Role.STAFF)
def program_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    program = selectors.program_for_staff(pk=pk)
    form = ProgramForm(request.POST or None, instance=program)
    saved = _save_form(
        request,
        form,
        lambda fields: services.program_update(
            program=program, by=request.user, expected_updated_at=form.cleaned_data["loaded_at"], **fields
        ),
    )
    if saved:
        messages.success(request, _("The program is saved."))
        return redirect("intake:program_detail", pk=pk)
    return render(request, "intake/staff/program_form.html", {"form": form, "program": program}, status=_status(form))


@role_required(Role.STAFF)
def call_create(request: AuthenticatedRequest, program_pk: int) -> HttpResponse:
    program = selectors.program_for_staff(pk=program_pk)
    form = CallForm(request.POST or None)
    call = _save_form(request, form, lambda fields: services.call_create(program=program, by=request.user, **fields))
    if call:
        messages.success(request, _("The call is created."))
        return redirect("intake:call_staff_detail", pk=call.pk)
    return render(request, "intake/staff/call_form.html", {"form": form, "program": program}, status=_status(form))


@role_required(Role.STAFF)
def call_staff_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return render(request, "intake/staff/call_detail.html", {"call": selectors.call_for_staff(pk=pk)})


@role_required(Role.STAFF)
def call_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    call = selectors.call_for_staff(pk=pk)
    form = CallForm(request.POST or None, instance=call)
    saved = _save_form(
        request,
        form,
        lambda fields: services.call_update(
            call=call, by=request.user, expected_updated_at=form.cleaned_data["loaded_at"], **fields
        ),
    )
    if saved:
        messages.success(request, _("The call is saved."))
        return redirect("intake:call_staff_detail", pk=pk)
    return render(
        request,
        "intake/staff/call_form.html",
        {"form": form, "program": call.program, "call": call},
        status=_status(form),
    )


def _status(form: ProgramForm | CallForm) -> int:
    return 400 if form.is_bound and form.errors else 200
