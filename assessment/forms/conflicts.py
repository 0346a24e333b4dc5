"""Forms of conflicts of interest: the assessor's declaration and staff's record."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from assessment.services.conflicts import NATURE_MAX_LENGTH
from intake.models import Proposal

NO_CONFLICT = "none"
CONFLICT = "conflict"


class DeclarationForm(forms.Form):
    """The assessor's word: no conflict, or a conflict and its nature."""

    answer = forms.ChoiceField(
        label=_("Do you have a conflict of interest with this proposal?"),
        choices=[
            (NO_CONFLICT, _("No: I have no conflict of interest with this proposal or its consortium.")),
            (CONFLICT, _("Yes: I have a conflict of interest.")),
        ],
        widget=forms.RadioSelect,
    )
    nature = forms.CharField(
        label=_("Nature of the conflict"),
        required=False,
        max_length=NATURE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("If you have a conflict: your tie to the consortium or the project, for program staff only."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("answer") == CONFLICT and not cleaned.get("nature", "").strip():
            self.add_error("nature", _("Say briefly what the conflict is, for program staff."))
        return cleaned


class ConflictRecordForm(forms.Form):
    """Staff's record of a conflict on an assessor's behalf."""

    assessor: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Assessor"), queryset=User.objects.none())
    proposal: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Proposal"), queryset=Proposal.objects.none())
    nature = forms.CharField(
        label=_("Nature of the conflict"), max_length=NATURE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, assessors: Any, proposals: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "record")
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assessor"]).queryset = assessors
        cast(forms.ModelChoiceField, self.fields["proposal"]).queryset = proposals
