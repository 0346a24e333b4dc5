"""The form staff set or lift a legal hold with."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class LegalHoldForm(forms.Form):
    """The reason for setting or lifting a legal hold, and which of the two the page offered."""

    SET, LIFT = "set", "lift"

    intent = forms.ChoiceField(choices=[(SET, SET), (LIFT, LIFT)], widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example the litigation, inquiry or request that requires the records to be kept."),
        error_messages={"required": _("Give the reason.")},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason."))
        return reason
