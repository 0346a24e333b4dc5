"""Staff's forms on a proposal's eligibility: override a failed check, revoke an override, apply the call's rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class EligibilityOverrideForm(forms.Form):
    """The written reason for setting aside one failed check; prefixed with the check's code.

    The page shows one per failed check, so each form's fields carry the check's code as a
    prefix (unique ids on the page) and the posted ``check`` says which form was sent.
    """

    reason = forms.CharField(
        label=_("Reason for the override"),
        help_text=_("Required. It is kept in the proposal's history."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )

    def __init__(self, *args: Any, check_code: str, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", check_code)
        super().__init__(*args, **kwargs)
        self.check_code = check_code

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason for the override."))
        return reason


class ApplyCallRulesForm(forms.Form):
    """The written reason for checking a submitted proposal against its call's current rules.

    It carries the call's ``updated_at`` and the proposal's version the user saw, so that rules
    changed or a version submitted since are refused rather than applied unseen.
    """

    reason = forms.CharField(
        label=_("Reason for applying the call's current rules"),
        help_text=_("Required. It is kept in the proposal's history."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    loaded_at = forms.DateTimeField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason for applying the call's current rules."))
        return reason


class OverrideRevokeForm(forms.Form):
    """The written reason for revoking one override; prefixed with the override's id, one per override shown."""

    reason = forms.CharField(
        label=_("Reason for the revocation"),
        help_text=_("Required. The override is kept, marked revoked, with this reason in the proposal's history."),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )

    def __init__(self, *args: Any, override_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"revoke-{override_id}")
        super().__init__(*args, **kwargs)
        self.override_id = override_id

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason for the revocation."))
        return reason
