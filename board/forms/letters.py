"""Staff's edit of a decision letter before its release."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from board.models import DecisionLetter


class LetterForm(forms.Form):
    """The letter's subject and text, and when the copy being edited was last saved (the optimistic check)."""

    subject = forms.CharField(label=_("Subject"), max_length=250)
    body = forms.CharField(label=_("Text of the letter"), widget=forms.Textarea(attrs={"rows": 18}))
    seen = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, letter: DecisionLetter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].initial = letter.subject
        self.fields["body"].initial = letter.body
        self.fields["seen"].initial = letter.updated_at.isoformat()

    def clean_seen(self) -> datetime:
        try:
            return datetime.fromisoformat(self.cleaned_data["seen"])
        except ValueError:
            raise forms.ValidationError(_("Reload the letter: the form is damaged.")) from None
