"""The IP manager's forms: the declaration before reading an application, and the IP review."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.models import IPReview, IPVerdict


class IPDeclarationForm(forms.Form):
    """No conflict of interest, or a conflict and its nature."""

    CHOICES = (
        ("none", _("I have no conflict of interest with this application")),
        ("conflict", _("I have a conflict of interest with this application")),
    )
    answer = forms.ChoiceField(label=_("Your declaration"), choices=CHOICES, widget=forms.RadioSelect)
    nature = forms.CharField(
        label=_("Nature of the conflict"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only if you declare a conflict: program staff read it."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("answer") == "conflict" and not (cleaned.get("nature") or "").strip():
            self.add_error("nature", _("Say briefly what the conflict is, for program staff."))
        return cleaned


class IPReviewForm(forms.Form):
    """The IP review: findings and verdict; what must change when it needs changes."""

    findings = forms.CharField(
        label=_("Findings"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The IP plan read against the work plan and each partner's background IP."),
    )
    verdict = forms.ChoiceField(label=_("Verdict"), choices=IPVerdict.choices, widget=forms.RadioSelect)
    changes_needed = forms.CharField(
        label=_("Changes needed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when the verdict is that the plan needs changes; staff may send it to the applicants."),
    )
    loaded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, review: IPReview | None = None, **kwargs: Any) -> None:
        if review is not None:
            kwargs.setdefault(
                "initial",
                {"findings": review.findings, "verdict": review.verdict, "changes_needed": review.changes_needed},
            )
        super().__init__(*args, **kwargs)
        self.fields["loaded_at"].initial = review.updated_at.isoformat() if review is not None else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("verdict") == IPVerdict.NEEDS_CHANGES and not (cleaned.get("changes_needed") or "").strip():
            self.add_error("changes_needed", _("Say what the applicants must change."))
        return cleaned
