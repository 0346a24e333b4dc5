"""Forms of the funded project's agreements, signatures and amendments: they parse input, services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from intake.choices import CostCategory


class SignatoryForm(forms.Form):
    signatory = forms.ModelChoiceField(
        label=_("Signatory"),
        queryset=User.objects.none(),
        help_text=_("A member of the organization, who signs both agreements for it."),
        error_messages={"required": _("Choose the person who signs for the organization.")},
    )

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["signatory"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = candidates
        field.label_from_instance = lambda user: f"{user.get_full_name()} <{user.email}>"  # type: ignore[method-assign,assignment]


class SignForm(forms.Form):
    """The click-to-sign adapter's proof: the password again, and the second factor's code where the person has one."""

    sha256 = forms.CharField(widget=forms.HiddenInput)
    consent = forms.BooleanField(
        label=_("I have read this agreement and I sign it for my organization."),
        error_messages={"required": _("Confirm that you have read the agreement and sign it.")},
    )
    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, fields: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "token" not in fields:
            del self.fields["token"]
        else:
            self.fields["token"].required = True


class TemplateForm(forms.Form):
    body_en = forms.CharField(label=_("Text (English)"), strip=False, widget=forms.Textarea(attrs={"rows": 18}))
    body_fr = forms.CharField(label=_("Text (French)"), strip=False, widget=forms.Textarea(attrs={"rows": 18}))


class AmendmentForm(forms.Form):
    """The amended figures, one field each, prefilled with the current ones; the view keeps only what changed."""

    reason = forms.CharField(label=_("Why the project needs this amendment"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self,
        *args: Any,
        partners: list[Any],
        milestones: list[Any],
        organizations: QuerySet[Organization],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.partners = partners
        self.milestones = milestones
        money: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "min_value": 0}
        for partner in partners:
            lines = {line.category: line.amount for line in partner.budget_lines.all()}
            self.fields[f"funding_{partner.pk}"] = forms.DecimalField(
                label=_("%(organization)s: cluster funding ($)") % {"organization": partner.organization},
                initial=partner.funding_approved,
                **money,
            )
            for category, label in CostCategory.choices:
                self.fields[f"budget_{partner.pk}_{category}"] = forms.DecimalField(
                    label=f"{partner.organization}: {label} ($)", initial=lines.get(category, 0), **money
                )
            if not partner.is_lead:
                self.fields[f"remove_{partner.pk}"] = forms.BooleanField(
                    label=_("Remove %(organization)s from the project") % {"organization": partner.organization},
                    required=False,
                )
        for milestone in milestones:
            self.fields[f"milestone_{milestone.pk}"] = forms.DateField(
                label=_("%(milestone)s: due") % {"milestone": milestone.title},
                initial=milestone.due_on,
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )
        self.fields["add_organization"] = forms.ModelChoiceField(
            label=_("Add a partner (optional)"), queryset=organizations, required=False
        )
        self.fields["add_cash"] = forms.DecimalField(label=_("Its cash contribution ($)"), required=False, **money)
        self.fields["add_in_kind"] = forms.DecimalField(
            label=_("Its in-kind contribution ($)"), required=False, **money
        )
        self.fields["add_funding"] = forms.DecimalField(label=_("Its cluster funding ($)"), required=False, **money)
        for category, label in CostCategory.choices:
            self.fields[f"add_budget_{category}"] = forms.DecimalField(
                label=_("Its budget: %(category)s ($)") % {"category": label}, required=False, **money
            )

    def changes(self) -> dict[str, Any]:
        """Return what the person changed, as the structured changes ``projects.amendments`` validates."""
        data = self.cleaned_data
        changes: dict[str, Any] = {}
        for partner in self.partners:
            lines = {line.category: line.amount for line in partner.budget_lines.all()}
            if data[f"funding_{partner.pk}"] != partner.funding_approved:
                changes.setdefault("funding", {})[str(partner.pk)] = str(data[f"funding_{partner.pk}"])
            for category in CostCategory.values:
                amount = data[f"budget_{partner.pk}_{category}"]
                if amount != lines.get(category, 0):
                    changes.setdefault("budget", {}).setdefault(str(partner.pk), {})[category] = str(amount)
            if data.get(f"remove_{partner.pk}"):
                changes.setdefault("remove_partners", []).append(partner.pk)
        for milestone in self.milestones:
            day = data.get(f"milestone_{milestone.pk}")
            if day and day != milestone.due_on:
                changes.setdefault("milestones", {})[str(milestone.pk)] = day.isoformat()
        if data.get("add_organization"):
            changes["add_partners"] = [
                {
                    "organization": data["add_organization"].pk,
                    "cash": str(data.get("add_cash") or 0),
                    "in_kind": str(data.get("add_in_kind") or 0),
                    "funding": str(data.get("add_funding") or 0),
                    "budget": {
                        category: str(data[f"add_budget_{category}"])
                        for category in CostCategory.values
                        if data.get(f"add_budget_{category}")
                    },
                }
            ]
        return changes


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("refuse", _("Refuse"))], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason (required to refuse; the requester reads it)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "refuse" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason the amendment is refused."))
        return data
