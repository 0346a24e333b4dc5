"""Forms of reviewing: accepting or declining an assignment, the review itself, and staff's reopening."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.choices import Confidence, Recommendation
from assessment.models import Criterion, Review, Score
from assessment.services.reviews import ReviewInput, ScoreInput

#: The longest comment, so a pasted document cannot fill the database.
COMMENT_MAX_LENGTH = 10_000


class RespondForm(forms.Form):
    """The assessor's answer to an offered assignment; declining needs a reason."""

    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[("accept", _("I accept this assignment")), ("decline", _("I decline this assignment"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for declining"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required if you decline. Staff read it to assign someone else."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("answer") == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason you decline this assignment."))
        return data


class ReviewForm(forms.Form):
    """A score on the criterion's scale and a comment for each criterion, then the overall fields.

    Nothing is required here: a draft may be incomplete. What submission needs is checked
    by the service (``review_missing``) after the draft is saved, so nothing typed is lost.
    """

    recommendation = forms.ChoiceField(
        label=_("Overall recommendation"), choices=[("", "—"), *Recommendation.choices], required=False
    )
    confidence = forms.ChoiceField(
        label=_("Your confidence in this review"), choices=[("", "—"), *Confidence.choices], required=False
    )
    overall_comment = forms.CharField(
        label=_("Overall comment (optional)"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    loaded_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        criteria: list[Criterion],
        review: Review | None = None,
        scores: dict[int, Score] | None = None,
        **kwargs: Any,
    ) -> None:
        scores = scores or {}
        if review is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "recommendation": review.recommendation,
                "confidence": review.confidence,
                "overall_comment": review.overall_comment,
                "loaded_at": review.updated_at.isoformat(),
                **{f"score_{pk}": score.value for pk, score in scores.items()},
                **{f"comment_{pk}": score.comment for pk, score in scores.items()},
            }
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"score_{criterion.pk}"] = forms.TypedChoiceField(
                label=_("Score"),
                choices=[("", "—"), *((n, str(n)) for n in range(criterion.scale_min, criterion.scale_max + 1))],
                coerce=int,
                empty_value=None,
                required=False,
                help_text=_("From %(low)d to %(high)d.") % {"low": criterion.scale_min, "high": criterion.scale_max},
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=COMMENT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_("Required to submit: explain your score."),
            )

    def criterion_fields(self) -> list[tuple[Criterion, forms.BoundField, forms.BoundField]]:
        """Return each criterion with its bound score and comment fields, for the template."""
        return [(c, self[f"score_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]

    def loaded_at_value(self) -> datetime | None:
        """Return when the review was read for this form (None if it did not exist yet)."""
        raw = self.cleaned_data.get("loaded_at") or ""
        try:
            return datetime.fromisoformat(raw) if raw else None
        except ValueError:
            return None

    def review_input(self) -> ReviewInput:
        data = self.cleaned_data
        return ReviewInput(
            scores={
                c.pk: ScoreInput(value=data.get(f"score_{c.pk}"), comment=data.get(f"comment_{c.pk}") or "")
                for c in self.criteria
            },
            recommendation=data.get("recommendation") or "",
            confidence=data.get("confidence") or "",
            overall_comment=data.get("overall_comment") or "",
        )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for reopening"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the proposal's history."),
    )
