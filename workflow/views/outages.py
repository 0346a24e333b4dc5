"""Views of outages: the public status page, and staff's incidents and service standard."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import DomainError
from accounts.form_handling import form_submit
from workflow.forms.outages import ExtensionRuleForm, IncidentForm
from workflow.incidents import (
    incident_create,
    incident_edit_refusal,
    incident_for_staff,
    incident_update,
    incidents_for_staff,
    incidents_public,
)
from workflow.models import ExtensionRule
from workflow.outage_extensions import (
    extension_rule_for_staff,
    extension_rule_save,
    extension_rules,
    incident_apply,
    incident_plan,
    service_standard_editor_require,
)


@require_http_methods(["GET", "HEAD"])
def status_page(request: HttpRequest) -> HttpResponse:
    """Show everyone, signed in or not, the outages and the extensions they gave each call."""
    return render(request, "workflow/outages/status.html", {"incidents": list(incidents_public())})


@role_required(Role.STAFF)
def incident_list(request: AuthenticatedRequest) -> HttpResponse:
    """List the outages recorded, latest first, with whether each was applied."""
    return render(request, "workflow/outages/incident_list.html", {"incidents": list(incidents_for_staff())})


def _incident_fields(form: IncidentForm) -> dict:
    data = form.cleaned_data
    return {
        "started_at": data["started_at"],
        "ended_at": data["ended_at"],
        "all_calls": bool(data["all_calls"]),
        "calls": list(data["calls"]),
        "description_en": data["description_en"],
        "description_fr": data["description_fr"],
    }


@role_required(Role.STAFF)
def incident_new(request: AuthenticatedRequest) -> HttpResponse:
    """Record an outage."""
    form = IncidentForm(request.POST or None, user=request.user)
    done = form_submit(
        request,
        form,
        lambda: incident_create(by=request.user, **_incident_fields(form)),
        raised=lambda error: False,
        status=400,
    )
    if done.saved and done.result is not None:
        messages.success(request, _("The outage is recorded. Apply it once it has ended to extend the deadlines."))
        return redirect("workflow:incident_apply", pk=done.result.pk)
    return render(request, "workflow/outages/incident_form.html", {"form": form}, status=done.status)


@role_required(Role.STAFF)
def incident_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Edit an outage not applied yet; once applied the page says why it cannot be changed."""
    incident = incident_for_staff(user=request.user, pk=pk)
    refusal = incident_edit_refusal(incident)
    form = IncidentForm(request.POST or None, user=request.user, incident=incident)
    status = 200 if request.method != "POST" else 409
    if refusal is None:
        done = form_submit(
            request,
            form,
            lambda: incident_update(
                incident=incident,
                by=request.user,
                expected_updated_at=form.cleaned_data.get("updated_at"),
                **_incident_fields(form),
            ),
            raised=lambda error: error.status != 400,
            back=(reverse("workflow:incident_list"), _("Back to the outages")),
        )
        if done.saved:
            messages.success(request, _("The outage is saved."))
            return redirect("workflow:incident_apply", pk=incident.pk)
        status = done.status
    return render(
        request,
        "workflow/outages/incident_form.html",
        {"incident": incident, "form": form, "refusal": refusal},
        status=status,
    )


@role_required(Role.STAFF)
def incident_apply_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show what applying the outage would extend, per call and stage; on POST, apply it."""
    incident = incident_for_staff(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            count = incident_apply(incident=incident, by=request.user)
        except DomainError as error:
            error.back_url = reverse("workflow:incident_apply", kwargs={"pk": incident.pk})
            error.back_label = _("Back to the outage")
            raise
        messages.success(
            request,
            ngettext(
                "The outage is applied: %(count)d deadline extended.",
                "The outage is applied: %(count)d deadlines extended.",
                count,
            )
            % {"count": count},
        )
        return redirect("workflow:incident_list")
    # Another program's proposals are counted, never shown: applying extends them too, so
    # only staff of their programs as well may apply (``incident_apply``).
    summary: dict[tuple[str, str, int], int] = defaultdict(int)
    elsewhere = 0
    for item in incident_plan(incident=incident):
        if not request.user.acts_in(Role.STAFF, item.proposal.call.program_id):
            elsewhere += 1
            continue
        summary[(item.proposal.call.title, item.proposal.get_state_display(), item.hours)] += 1
    rows = [
        {"call": call, "stage": stage, "hours": hours, "count": count}
        for (call, stage, hours), count in sorted(summary.items())
    ]
    return render(
        request, "workflow/outages/incident_apply.html", {"incident": incident, "rows": rows, "elsewhere": elsewhere}
    )


@role_required(Role.STAFF)
def rule_list(request: AuthenticatedRequest) -> HttpResponse:
    """Show the service standard, the installation's one table: each rule's bands and the extension it gives."""
    return render(request, "workflow/outages/rule_list.html", {"rules": list(extension_rules())})


def _rule_form(request: AuthenticatedRequest, rule: ExtensionRule | None) -> HttpResponse:
    form = ExtensionRuleForm(request.POST or None, rule=rule)

    def save() -> ExtensionRule:
        data = form.cleaned_data
        return extension_rule_save(
            rule=rule,
            outage_min=data["outage_min_minutes"],
            outage_max=data["outage_max_minutes"],
            before_min=data["before_min_minutes"],
            before_max=data["before_max_minutes"],
            hours=data["extension_hours"],
            by=request.user,
            expected_updated_at=data.get("updated_at"),
        )

    done = form_submit(
        request,
        form,
        save,
        raised=lambda error: error.status != 400,
        back=(reverse("workflow:extension_rules"), _("Back to the standard")),
    )
    if done.saved:
        messages.success(request, _("The service standard is saved."))
        return redirect("workflow:extension_rules")
    return render(request, "workflow/outages/rule_form.html", {"form": form, "rule": rule}, status=done.status)


@role_required(Role.STAFF)
def rule_new(request: AuthenticatedRequest) -> HttpResponse:
    """Add a rule to the service standard."""
    service_standard_editor_require(user=request.user)
    return _rule_form(request, None)


@role_required(Role.STAFF)
def rule_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Change a rule of the service standard."""
    return _rule_form(request, extension_rule_for_staff(user=request.user, pk=pk))
