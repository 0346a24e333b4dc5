"""Forms of outages: record or edit an incident, and change a rule of the service standard."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from intake.models import Call
from workflow.incidents import calls_for_incident, incident_input_errors
from workflow.models import ExtensionRule, Incident
from workflow.outage_extensions import extension_rule_input_errors

LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"
INPUT_FORMATS = [LOCAL_INPUT_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
#: The zones staff may type an outage's times in; the times are stored in UTC.
ZONES = [
    ("America/Toronto", _("Eastern time (Toronto, Ottawa)")),
    ("America/Vancouver", _("Pacific time (Vancouver)")),
    ("America/Edmonton", _("Mountain time (Edmonton)")),
    ("America/Winnipeg", _("Central time (Winnipeg)")),
    ("America/Halifax", _("Atlantic time (Halifax)")),
    ("America/St_Johns", _("Newfoundland time (St. John's)")),
    ("UTC", _("UTC")),
]


class _CallChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.program.name} · {obj.title}"


class IncidentForm(forms.Form):
    """An outage's start and end (typed in a chosen zone), the calls it affected and its description."""

    timezone = forms.ChoiceField(label=_("Times typed in"), choices=ZONES, initial="America/Toronto")
    started_at = forms.DateTimeField(
        label=_("Started"),
        widget=forms.DateTimeInput(format=LOCAL_INPUT_FORMAT, attrs={"type": "datetime-local"}),
        input_formats=INPUT_FORMATS,
    )
    ended_at = forms.DateTimeField(
        label=_("Ended"),
        required=False,
        widget=forms.DateTimeInput(format=LOCAL_INPUT_FORMAT, attrs={"type": "datetime-local"}),
        input_formats=INPUT_FORMATS,
        help_text=_("Leave empty while the outage goes on; it can be applied only once it has ended."),
    )
    all_calls = forms.BooleanField(label=_("All calls"), required=False, initial=True)
    calls = _CallChoice(
        label=_("Calls affected"),
        queryset=Call.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only when not all calls were affected."),
    )
    description_en = forms.CharField(
        label=_("Description in English"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    description_fr = forms.CharField(
        label=_("Description in French"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    updated_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, incident: Incident | None = None, **kwargs: Any) -> None:
        """Offer the calls of ``user``'s programs only (``workflow.incidents.calls_for_incident``)."""
        if incident is not None and "initial" not in kwargs:
            zone = zoneinfo.ZoneInfo("America/Toronto")
            kwargs["initial"] = {
                "timezone": "America/Toronto",
                "started_at": timezone.localtime(incident.started_at, zone).replace(tzinfo=None),
                "ended_at": incident.ended_at and timezone.localtime(incident.ended_at, zone).replace(tzinfo=None),
                "all_calls": incident.all_calls,
                "calls": list(incident.calls.all()),
                "description_en": incident.description_en,
                "description_fr": incident.description_fr,
                "updated_at": incident.updated_at.isoformat(),
            }
        super().__init__(*args, **kwargs)
        self.fields["calls"].queryset = calls_for_incident(user=user)  # type: ignore[attr-defined]

    def _in_zone(self, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        zone = zoneinfo.ZoneInfo(self.cleaned_data.get("timezone") or "UTC")
        return value.replace(tzinfo=None).replace(tzinfo=zone)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "timezone" not in cleaned:
            return cleaned
        cleaned["started_at"] = self._in_zone(cleaned.get("started_at"))
        cleaned["ended_at"] = self._in_zone(cleaned.get("ended_at"))
        errors = incident_input_errors(
            started_at=cleaned["started_at"],
            ended_at=cleaned["ended_at"],
            all_calls=bool(cleaned.get("all_calls")),
            calls=list(cleaned.get("calls") or []),
            description_en=cleaned.get("description_en", ""),
            description_fr=cleaned.get("description_fr", ""),
        )
        for field, message in errors.items():
            if field not in self.errors:
                self.add_error(field, message)
        return cleaned


class ExtensionRuleForm(forms.Form):
    """One rule of the service standard: two bands in whole minutes (both bounds inclusive) and the hours given."""

    outage_min_minutes = forms.IntegerField(label=_("Outage lasted at least (minutes)"), min_value=1)
    outage_max_minutes = forms.IntegerField(
        label=_("Outage lasted at most (minutes)"), min_value=1, required=False, help_text=_("Empty: no upper limit.")
    )
    before_min_minutes = forms.IntegerField(
        label=_("Ended at least this long before the deadline (minutes)"), min_value=0
    )
    before_max_minutes = forms.IntegerField(
        label=_("Ended at most this long before the deadline (minutes)"), min_value=0
    )
    extension_hours = forms.IntegerField(
        label=_("Extension (hours)"), min_value=0, max_value=24 * 30, help_text=_("0: no extension.")
    )
    updated_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, rule: ExtensionRule | None = None, **kwargs: Any) -> None:
        if rule is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "outage_min_minutes": rule.outage_min_minutes,
                "outage_max_minutes": rule.outage_max_minutes,
                "before_min_minutes": rule.before_min_minutes,
                "before_max_minutes": rule.before_max_minutes,
                "extension_hours": rule.extension_hours,
                "updated_at": rule.updated_at.isoformat(),
            }
        super().__init__(*args, **kwargs)
        self.rule = rule

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        names = ("outage_min_minutes", "before_min_minutes", "before_max_minutes")
        if any(cleaned.get(name) is None for name in names) or "outage_max_minutes" in self.errors:
            return cleaned
        errors = extension_rule_input_errors(
            outage_min=cleaned["outage_min_minutes"],
            outage_max=cleaned.get("outage_max_minutes"),
            before_min=cleaned["before_min_minutes"],
            before_max=cleaned["before_max_minutes"],
            rule=self.rule,
        )
        for field, message in errors.items():
            self.add_error(None if field == "__all__" else field, message)
        return cleaned
