"""The forms of the claims' pages and of a program's terms for its projects."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from intake import filetypes
from intake.choices import CostCategory
from projects.models import EvidenceKind, ProgramTerms

AMOUNT: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}


class VersionForm(forms.Form):
    """A form acting on a claim as the person saw it: its version, refused (409) if somebody acted since."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class ClaimStartForm(forms.Form):
    partner = forms.TypedChoiceField(label=_("Partner"), coerce=int)
    period = forms.IntegerField(label=_("Period"), min_value=1)
    final = forms.BooleanField(label=_("This is the partner's final claim"), required=False)

    def __init__(self, *args: Any, partners: list[tuple[int, str]], period: int, **kwargs: Any) -> None:
        kwargs["initial"] = {"period": period}
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["partner"]).choices = partners


class ClaimLinesForm(VersionForm):
    """The claim's actual costs: per category, cash and in kind apart."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in CostCategory.choices:
            self.fields[f"cash_{value}"] = forms.DecimalField(
                label=_("%(category)s: cash ($)") % {"category": label}, initial=Decimal("0"), **AMOUNT
            )
            self.fields[f"in_kind_{value}"] = forms.DecimalField(
                label=_("%(category)s: in kind ($)") % {"category": label}, initial=Decimal("0"), **AMOUNT
            )

    def rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(str(label), self[f"cash_{value}"], self[f"in_kind_{value}"]) for value, label in CostCategory.choices]

    def lines(self) -> dict[str, tuple[Decimal, Decimal]]:
        data = self.cleaned_data
        return {value: (data[f"cash_{value}"], data[f"in_kind_{value}"]) for value in CostCategory.values}


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type of document"), choices=EvidenceKind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=filetypes.ACCEPTED_DESCRIPTION,
        widget=forms.ClearableFileInput(attrs={"accept": filetypes.ACCEPT_ATTRIBUTE}),
    )


class ApproveForm(VersionForm):
    amount = forms.DecimalField(
        label=_("Approved amount ($)"),
        required=False,
        help_text=_("Empty: the computed payable. Never more."),
        **AMOUNT,
    )
    reason = forms.CharField(
        label=_("Reason, if less than computed"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MessageForm(VersionForm):
    message = forms.CharField(label=_("Changes needed"), widget=forms.Textarea(attrs={"rows": 3}))


class RejectForm(VersionForm):
    reason = forms.CharField(label=_("Reason for rejecting"), widget=forms.Textarea(attrs={"rows": 3}))


class PaymentForm(VersionForm):
    amount = forms.DecimalField(label=_("Amount paid ($)"), **AMOUNT)
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))


class ProgramTermsForm(forms.ModelForm):
    class Meta:
        model = ProgramTerms
        fields = [
            "claim_period_months", "holdback_percent", "assurance_threshold", "assurance_first_and_last",
            "target_participants", "target_smes", "target_ip_rights", "target_leverage", "target_jobs",
        ]  # fmt: skip
