"""The stages page's forms: a call's path, its windows, its path rule, its intake mode and cut-offs; copying them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.choices import (
    SECTION_TEXTS,
    SECTIONS_ALWAYS_USED,
    STAGE_ORDER,
    Advance,
    BuiltInSection,
    IntakeMode,
    PathFigure,
    VersionKind,
    sections_all,
)
from intake.models import Call
from intake.services.stages import CallPath, PathRule, StagePlan

LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"
INPUT_FORMATS = [LOCAL_INPUT_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _local(value: datetime, call: Call) -> datetime:
    return timezone.localtime(value, call.zone).replace(tzinfo=None)


def _datetime_field(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        input_formats=INPUT_FORMATS,
        widget=forms.DateTimeInput(format=LOCAL_INPUT_FORMAT, attrs={"type": "datetime-local"}),
        help_text=_("In the call's timezone."),
    )


class StagesForm(forms.Form):
    """A call's path as staff set it on its stages page; its times are wall-clock times in the call's timezone."""

    loaded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)
    path_figure = forms.ChoiceField(
        label=_("Figure that chooses the path"),
        choices=[("", _("None: every proposal goes through every stage")), *PathFigure.choices],
        required=False,
    )
    path_threshold = forms.DecimalField(
        label=_("Threshold ($)"), required=False, min_value=0, max_digits=14, decimal_places=2,
        help_text=_("Proposals whose figure is below this amount take the shorter path."),
    )  # fmt: skip
    path_below = forms.MultipleChoiceField(
        label=_("Stages below the threshold"),
        choices=VersionKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Stages of the path; they end with the full application."),
    )
    intake_mode = forms.ChoiceField(label=_("Intake"), choices=IntakeMode.choices, widget=forms.RadioSelect)
    cut_offs = forms.CharField(
        label=_("Review cut-offs"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Rolling intake only: one date and time a line (YYYY-MM-DD HH:MM, in the call's timezone). "
            "Add a line to add a cut-off, delete it to remove one."
        ),
    )
    reason = forms.CharField(
        label=_("Why the stages change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required once proposals have been submitted; kept in the call's audit trail."),
    )

    def __init__(self, *args: Any, call: Call, initial_path: CallPath, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.call = call
        for kind in STAGE_ORDER:
            label = VersionKind(kind).label
            self.fields[f"{kind}_include"] = forms.BooleanField(
                label=_("%(stage)s is a stage of the path") % {"stage": label}, required=False
            )
            self.fields[f"{kind}_opens_at"] = _datetime_field(_("%(stage)s opens") % {"stage": label})
            self.fields[f"{kind}_closes_at"] = _datetime_field(_("%(stage)s closes") % {"stage": label})
            if kind != VersionKind.APPLICATION:
                self.fields[f"{kind}_advance"] = forms.ChoiceField(
                    label=_("How a proposal moves on from %(stage)s") % {"stage": label},
                    choices=Advance.choices,
                    initial=Advance.INVITATION,
                )
                self.fields[f"{kind}_assessed"] = forms.BooleanField(
                    label=_("%(stage)s is assessed with its rubric") % {"stage": label}, required=False
                )
        optional = [(slug, label) for slug, label in BuiltInSection.choices if slug not in SECTIONS_ALWAYS_USED]
        self.fields["application_sections"] = forms.MultipleChoiceField(
            label=_("Built-in sections of the full application"),
            choices=optional,
            widget=forms.CheckboxSelectMultiple,
            required=False,
            help_text=_(
                "The consortium and the budget are always part of it. A section left out is not shown to "
                "applicants, assessors or the board; ask what it asked with questions instead."
            ),
        )
        for slug in SECTION_TEXTS:
            self.fields[f"application_words_{slug}"] = forms.IntegerField(
                label=_("Word limit of each text of %(section)s") % {"section": BuiltInSection(slug).label},
                required=False,
                min_value=1,
                help_text=_("Empty: no limit of its own (the call's word limit still applies)."),
            )
        self.fields["loaded_at"].initial = call.updated_at.isoformat()
        if not self.is_bound:
            self.initial.update(self._initial(initial_path))

    def _initial(self, path: CallPath) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "path_figure": path.rule.figure,
            "path_threshold": path.rule.threshold,
            "path_below": list(path.rule.below),
            "intake_mode": path.intake_mode,
            "cut_offs": "\n".join(_local(at, self.call).strftime("%Y-%m-%d %H:%M") for at in path.cut_offs),
        }
        for plan in path.plans:
            initial[f"{plan.kind}_include"] = True
            initial[f"{plan.kind}_opens_at"] = _local(plan.opens_at, self.call)
            initial[f"{plan.kind}_closes_at"] = _local(plan.closes_at, self.call)
            initial[f"{plan.kind}_advance"] = plan.advance
            initial[f"{plan.kind}_assessed"] = plan.assessed
            if plan.kind == VersionKind.APPLICATION:
                initial["application_sections"] = [slug for slug in plan.sections if slug not in SECTIONS_ALWAYS_USED]
                for slug, limit in plan.word_limits.items():
                    initial[f"application_words_{slug}"] = limit
        if not any(plan.kind == VersionKind.APPLICATION for plan in path.plans):
            initial["application_sections"] = [slug for slug in sections_all() if slug not in SECTIONS_ALWAYS_USED]
        return initial

    def stage_rows(self) -> list[dict[str, Any]]:
        """Return each kind of stage with its bound fields, in the path's order, for the template."""
        rows = []
        for kind in STAGE_ORDER:
            rows.append(
                {
                    "kind": kind,
                    "label": VersionKind(kind).label,
                    "fields": [
                        self[name]
                        for name in (f"{kind}_include", f"{kind}_opens_at", f"{kind}_closes_at", f"{kind}_advance",
                                     f"{kind}_assessed", f"{kind}_sections",
                                     *(f"{kind}_words_{slug}" for slug in SECTION_TEXTS))
                        if name in self.fields
                    ],
                }
            )  # fmt: skip
        return rows

    def _aware(self, value: datetime) -> datetime:
        return value.replace(tzinfo=None).replace(tzinfo=self.call.zone)

    def clean_cut_offs(self) -> list[datetime]:
        lines = [line.strip() for line in cast(str, self.cleaned_data.get("cut_offs") or "").splitlines()]
        moments = []
        for line in filter(None, lines):
            for pattern in (*INPUT_FORMATS, "%Y-%m-%d"):
                try:
                    moments.append(self._aware(datetime.strptime(line, pattern)))
                    break
                except ValueError:
                    continue
            else:
                raise forms.ValidationError(
                    _("“%(line)s” is not a date and time: write it as YYYY-MM-DD HH:MM."), params={"line": line}
                )
        return sorted(set(moments))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for kind in STAGE_ORDER:
            if not cleaned.get(f"{kind}_include"):
                continue
            for end in ("opens_at", "closes_at"):
                name = f"{kind}_{end}"
                if cleaned.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Give the time this stage opens or closes."))
        return cleaned

    def _sections(self, kind: str) -> tuple[tuple[str, ...], dict[str, int]]:
        """Return the built-in sections and word limits the form gives the stage of ``kind`` (all, none: early)."""
        if kind != VersionKind.APPLICATION:
            return tuple(sections_all()), {}
        data = self.cleaned_data
        chosen = {*SECTIONS_ALWAYS_USED, *(data.get("application_sections") or ())}
        limits = {
            slug: data[f"application_words_{slug}"] for slug in SECTION_TEXTS if data.get(f"application_words_{slug}")
        }
        return tuple(slug for slug in sections_all() if slug in chosen), limits

    def path(self) -> CallPath:
        """Return the path the valid form describes, its times aware in the call's timezone."""
        data = self.cleaned_data
        plans = tuple(
            StagePlan(
                kind,
                self._aware(data[f"{kind}_opens_at"]),
                self._aware(data[f"{kind}_closes_at"]),
                data.get(f"{kind}_advance") or Advance.INVITATION,
                bool(data.get(f"{kind}_assessed")),
                *self._sections(kind),
            )
            for kind in STAGE_ORDER
            if data.get(f"{kind}_include")
        )
        return CallPath(
            plans=plans,
            rule=PathRule(
                data.get("path_figure") or "", data.get("path_threshold"), tuple(data.get("path_below") or ())
            ),
            intake_mode=data["intake_mode"],
            cut_offs=tuple(data.get("cut_offs") or ()),
        )


class StagesCopyForm(forms.Form):
    """Choose the call whose stage settings to start from, and by how many years to shift its windows."""

    source = forms.ModelChoiceField(label=_("Copy the stages of"), queryset=Call.objects.none())
    years = forms.IntegerField(
        label=_("Shift the windows by (years)"),
        required=False,
        min_value=0,
        max_value=50,
        help_text=_("Empty: the fewest whole years that put every window in the future."),
    )

    def __init__(self, *args: Any, calls: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source = cast(forms.ModelChoiceField, self.fields["source"])
        source.queryset = calls
        source.label_from_instance = lambda obj: f"{obj.program.name} · {obj.title}"  # type: ignore[method-assign]
