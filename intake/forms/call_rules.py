"""Staff's forms of a call's rules page: choosing a kind, one kind's parameters and stages, a change's reason."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import OrganizationType
from intake.choices import DOCUMENT_TYPES, VersionKind
from intake.eligibility import KINDS, PARTNER_GROUPS, params_problems
from intake.eligibility.kinds import kind_label
from intake.eligibility.params import ATTACHMENTS, BANDS, CHOICE, GROUPS, INT, ROLES, TYPES, Param
from intake.models import CallRule

WHO_CHOICES = [("lead", _("The lead")), ("every", _("Every partner"))]


class KindChoiceForm(forms.Form):
    """The first step of adding a rule: which kind."""

    kind = forms.ChoiceField(label=_("Kind of rule"), choices=lambda: [(code, k.label) for code, k in KINDS.items()])


def _field(param: Param) -> forms.Field:
    """Return the form field of one parameter; what is typed is kept as typed, and checked by ``params_problems``."""
    required = param.required and param.default is None
    if param.type == TYPES:
        return forms.MultipleChoiceField(
            label=param.label, choices=OrganizationType.choices, widget=forms.CheckboxSelectMultiple, required=False
        )
    if param.type == GROUPS:
        return forms.MultipleChoiceField(
            label=param.label,
            choices=[(group, kind_label(group)) for group in PARTNER_GROUPS],
            widget=forms.CheckboxSelectMultiple,
            required=False,
        )
    if param.type == ATTACHMENTS:
        return forms.MultipleChoiceField(
            label=param.label, choices=DOCUMENT_TYPES, widget=forms.CheckboxSelectMultiple, required=False
        )
    if param.type == CHOICE:
        return forms.ChoiceField(label=param.label, choices=WHO_CHOICES, required=False)
    if param.type == ROLES:
        return forms.CharField(
            label=param.label, required=False, help_text=_("Separate the roles with commas, e.g. adopter, ai-provider.")
        )
    if param.type == BANDS:
        return forms.CharField(
            label=param.label,
            required=False,
            widget=forms.Textarea(attrs={"rows": 4}),
            help_text=_(
                "One band a line: its minimum and maximum total eligible costs, and optionally the cluster's "
                "maximum share in that band (%), separated by commas, e.g. 500000, 2000000, 40"
            ),
        )
    help_text = _("A whole number.") if param.type == INT else _("Up to two digits after the decimal point.")
    return forms.CharField(label=param.label, required=required, help_text=help_text, max_length=32)


def _bands_text(bands: Any) -> str:
    lines = []
    for band in bands or []:
        parts = [str(band["min"]), str(band["max"])]
        if band.get("max_cluster_share") not in (None, ""):
            parts.append(str(band["max_cluster_share"]))
        lines.append(", ".join(parts))
    return "\n".join(lines)


def _bands_data(text: str) -> list[dict[str, Any]] | str:
    """Return the bands typed one a line; the text itself when a line cannot be read (``params_problems`` says so)."""
    bands: list[dict[str, Any]] = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [part.strip().replace("$", "").replace(" ", "") for part in line.split(",")]
        if len(parts) not in (2, 3):
            return text
        bands.append({"min": parts[0], "max": parts[1], "max_cluster_share": parts[2] if len(parts) == 3 else None})
    return bands


class RuleForm(forms.Form):
    """One rule's parameters and stages, for a kind; ``loaded_at`` carries the call's version the staff started from."""

    stages = forms.MultipleChoiceField(
        label=_("Stages it applies at"), choices=VersionKind.choices, widget=forms.CheckboxSelectMultiple
    )
    loaded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the change would change verdicts of submitted proposals; kept in their history."),
    )

    def __init__(self, *args: Any, kind: str, rule: CallRule | None = None, **kwargs: Any) -> None:
        self.kind = kind
        initial = kwargs.setdefault("initial", {})
        if rule is not None:
            initial.setdefault("stages", list(rule.stages))
            for param in KINDS[kind].params:
                value = rule.params.get(param.name)
                if param.type == BANDS:
                    value = _bands_text(value)
                elif param.type == ROLES:
                    value = ", ".join(value or [])
                initial.setdefault(param.name, value)
        else:
            initial.setdefault("stages", [VersionKind.APPLICATION])
            for param in KINDS[kind].params:
                if param.default is not None:
                    initial.setdefault(param.name, param.default)
        super().__init__(*args, **kwargs)
        for param in KINDS[kind].params:
            self.fields[param.name] = _field(param)
        # The parameters first, then the stages and the reason.
        self.order_fields([param.name for param in KINDS[kind].params])

    @property
    def param_fields(self) -> list[forms.BoundField]:
        return [self[param.name] for param in KINDS[self.kind].params]

    def params(self) -> dict[str, Any]:
        """Return the parameters as typed, in their JSON form (Decimals as the strings typed)."""
        found: dict[str, Any] = {}
        for param in KINDS[self.kind].params:
            value = self.cleaned_data.get(param.name)
            if param.type == BANDS:
                value = _bands_data(value or "")
            elif param.type == ROLES:
                value = [part.strip() for part in (value or "").split(",") if part.strip()]
            elif param.type in (TYPES, GROUPS, ATTACHMENTS):
                value = list(value or [])
            elif isinstance(value, str):
                value = value.strip()
                if param.type != INT and value:
                    value = value.replace(" ", "").replace("$", "").replace("%", "")
            if value in ("", None) and param.type not in (TYPES, GROUPS, ATTACHMENTS, ROLES, BANDS):
                value = None
            found[param.name] = value
        return {name: value for name, value in found.items() if value is not None}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        for name, messages in params_problems(self.kind, self.params()).items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        return cleaned


class RuleChangeForm(forms.Form):
    """Removing or moving a rule: the call's version staff started from and, once verdicts change, a reason."""

    loaded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)
    reason = RuleForm.base_fields["reason"]
