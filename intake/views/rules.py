"""Staff's rules page of a call: its rule rows with their stages; adding, editing, removing and reordering them.

Once proposals of the call are submitted, a change is shown first with the verdicts it would
change (``intake.services.rule_rows.call_rules_edit_preview``) and saved only when confirmed,
with a reason when verdicts change; it is audited. A save over somebody else's is a 409.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import DomainError
from accounts.form_handling import form_save
from intake import selectors
from intake.eligibility import KINDS
from intake.eligibility.describe import describe, stages_label
from intake.forms.call_rules import KindChoiceForm, RuleChangeForm, RuleForm
from intake.models import Call, CallRule
from intake.services.rule_rows import RuleEdit, call_rules_edit, call_rules_edit_preview
from intake.services.stage_changes import call_has_submissions


def _rule_for_staff(request: AuthenticatedRequest, pk: int) -> tuple[Call, CallRule]:
    """Return rule ``pk`` and its call if the user is staff of the call's program, or raise 404."""
    call_id = CallRule.objects.filter(pk=pk).values_list("call_id", flat=True).first()
    if call_id is None:
        raise Http404
    call = selectors.call_for_staff(user=request.user, pk=call_id)
    rule = next((row for row in call.rule_rows() if row.pk == pk), None)
    if rule is None:
        raise Http404
    return call, rule


def _rows(call: Call) -> list[dict[str, Any]]:
    rows = call.rule_rows()
    return [
        {
            "row": row,
            "label": row.kind_label,
            "text": describe(row.as_rule()),
            "stages": stages_label(row.stages),
            "first": index == 0,
            "last": index == len(rows) - 1,
        }
        for index, row in enumerate(rows)
    ]


@role_required(Role.STAFF)
def call_rules_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """List ``pk``'s rules with their stages, and the choice of a kind to add."""
    call = selectors.call_for_staff(user=request.user, pk=pk)
    return render(
        request,
        "intake/staff/call_rules.html",
        {
            "call": call,
            "rows": _rows(call),
            "kind_form": KindChoiceForm(),
            "submitted": call_has_submissions(call=call),
            "loaded_at": call.updated_at.isoformat(),
        },
    )


def _fingerprint(edit: RuleEdit) -> str:
    """Return a short digest of ``edit``: the confirmation page posts it back to confirm that very change."""
    stages = sorted(str(stage) for stage in edit.stages)
    data = [edit.action, edit.rule_id, edit.kind, dict(edit.params or {}), stages, edit.step]
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _change(
    request: AuthenticatedRequest, call: Call, form: BaseForm, edit: RuleEdit, done_message: str
) -> tuple[HttpResponse | None, dict[str, Any], int]:
    """Preview ``edit`` (with submissions, until confirmed), then save it; the page's context if not saved."""
    fingerprint = _fingerprint(edit)
    context: dict[str, Any] = {"fingerprint": fingerprint}
    submitted = call_has_submissions(call=call)
    # Only the change previewed is confirmed: one changed on the confirmation page is previewed anew.
    if submitted and request.POST.get("confirm") != fingerprint:
        try:
            context["preview"] = call_rules_edit_preview(call=call, edit=edit)
        except (ValidationError, DomainError):
            pass  # a rule removed meanwhile, say: the save below refuses it and says why
        else:
            context["confirming"] = True
            if "confirm" not in request.POST:
                return None, context, 200
            form.add_error(
                None,
                _(
                    "Nothing is saved yet: the change differs from the one previewed. Review what it would "
                    "change below, then confirm."
                ),
            )
            return None, context, 400
    done = form_save(
        form,
        lambda: call_rules_edit(
            call=call,
            by=request.user,
            edit=edit,
            expected_updated_at=form.cleaned_data.get("loaded_at"),
            reason=form.cleaned_data.get("reason") or "",
        ),
        field=None,
        current=lambda: Call.objects.get(pk=call.pk).updated_at,
        status=None,
    )
    if done.saved:
        messages.success(request, done_message)
        return redirect("intake:call_rules", pk=call.pk), context, 302
    if submitted and "reason" in form.errors:
        context["preview"] = call_rules_edit_preview(call=call, edit=edit)
        context["confirming"] = True
    return None, context, done.status or 400


def _rule_form_page(request: AuthenticatedRequest, call: Call, kind: str, rule: CallRule | None) -> HttpResponse:
    initial = {"loaded_at": call.updated_at.isoformat()}
    form = RuleForm(request.POST or None, kind=kind, rule=rule, initial=initial)
    context: dict[str, Any] = {"call": call, "form": form, "kind": KINDS[kind], "rule": rule}
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            edit = RuleEdit(
                action="edit" if rule is not None else "add",
                rule_id=rule.pk if rule is not None else None,
                kind=kind,
                params=form.params(),
                stages=form.cleaned_data["stages"],
            )
            message = _("The rule is saved.") if rule is not None else _("The rule is added.")
            response, more, status = _change(request, call, form, edit, message)
            if response is not None:
                return response
            context.update(more)
    return render(request, "intake/staff/call_rule_form.html", context, status=status)


@role_required(Role.STAFF)
def call_rule_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Add a rule to ``pk``: choose its kind, then its parameters and stages."""
    call = selectors.call_for_staff(user=request.user, pk=pk)
    chooser = KindChoiceForm(request.GET if "kind" in request.GET else None)
    if not chooser.is_bound or not chooser.is_valid():
        status = 400 if chooser.is_bound else 200
        return render(
            request,
            "intake/staff/call_rules.html",
            {"call": call, "rows": _rows(call), "kind_form": chooser, "submitted": call_has_submissions(call=call)},
            status=status,
        )
    return _rule_form_page(request, call, chooser.cleaned_data["kind"], None)


@role_required(Role.STAFF)
def call_rule_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Edit rule ``pk``'s parameters and stages."""
    call, rule = _rule_for_staff(request, pk)
    return _rule_form_page(request, call, rule.kind, rule)


def _rule_change_page(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    call, rule = _rule_for_staff(request, pk)
    form = RuleChangeForm(request.POST or None, initial={"loaded_at": call.updated_at.isoformat()})
    step = -1 if request.POST.get("direction") == "up" else 1
    context: dict[str, Any] = {
        "call": call,
        "form": form,
        "rule": rule,
        "action": action,
        "text": describe(rule.as_rule()),
        "stages": stages_label(rule.stages),
        "direction": request.POST.get("direction", ""),
    }
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            edit = RuleEdit(action=action, rule_id=rule.pk, step=step)
            message = _("The rule is removed.") if action == "remove" else _("The rule is moved.")
            response, more, status = _change(request, call, form, edit, message)
            if response is not None:
                return response
            context.update(more)
    return render(request, "intake/staff/call_rule_change.html", context, status=status)


@role_required(Role.STAFF)
def call_rule_remove(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Remove rule ``pk`` (asked to confirm first)."""
    return _rule_change_page(request, pk, "remove")


@role_required(Role.STAFF)
@require_POST
def call_rule_move(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Move rule ``pk`` up or down the call's list (``direction``); with submissions, confirmed on its own page."""
    return _rule_change_page(request, pk, "move")
