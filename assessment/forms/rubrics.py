"""Forms of the rubric page: the rubric's settings and one row per criterion."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.services.rubrics import CriterionData


class RubricForm(forms.Form):
    """How many assessors read each proposal and the score that passes."""

    assessors_per_proposal = forms.IntegerField(
        label=_("Assessors per proposal"),
        min_value=1,
        max_value=10,
        help_text=_("How many assessors score each proposal (k), 1 to 10."),
    )
    pass_threshold = forms.DecimalField(
        label=_("Pass threshold"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text=_("The weighted score out of 100 a proposal needs to pass."),
    )
    reviews_shared = forms.BooleanField(
        label=_("Assessors see each other's reviews once they have submitted their own"),
        required=False,
        help_text=_("Without the assessors' names. Leave unticked to keep every assessor blind to the others."),
    )
    loaded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)


class CriterionForm(forms.Form):
    """One criterion, in English and French, with its weight and scale."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    name_fr = forms.CharField(label=_("Name (French)"), max_length=200)
    guidance_en = forms.CharField(
        label=_("Guidance (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    guidance_fr = forms.CharField(
        label=_("Guidance (French)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    weight = forms.DecimalField(
        label=_("Weight"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        initial=Decimal("1"),
        help_text=_("Above zero; the weights are relative to each other."),
        error_messages={"min_value": _("The weight must be above zero.")},
    )
    scale_min = forms.IntegerField(label=_("Lowest score"), min_value=0, max_value=100, initial=0)
    scale_max = forms.IntegerField(label=_("Highest score"), min_value=1, max_value=100, initial=5)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("scale_min"), cleaned.get("scale_max")
        if low is not None and high is not None and high <= low:
            self.add_error("scale_max", _("The highest score must be above the lowest."))
        return cleaned

    def data_of(self) -> CriterionData:
        cleaned = self.cleaned_data
        return CriterionData(
            pk=cleaned.get("id"),
            name_en=cleaned["name_en"],
            name_fr=cleaned["name_fr"],
            guidance_en=cleaned["guidance_en"],
            guidance_fr=cleaned["guidance_fr"],
            weight=cleaned["weight"],
            scale_min=cleaned["scale_min"],
            scale_max=cleaned["scale_max"],
        )


class _CriteriaFormSet(forms.BaseFormSet):
    """Criteria staff add, remove and reorder; an untouched empty row is ignored."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove this criterion")
        form.fields["ORDER"].label = _("Position")
        form.fields["ORDER"].help_text = _("Criteria are shown in the order of these numbers.")

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        if not self.criteria():
            raise forms.ValidationError(_("A rubric needs at least one criterion."))

    def criteria(self) -> list[CriterionData]:
        """Return the kept criteria in the order staff gave them."""
        return [
            form.data_of() for form in self.ordered_forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


CriterionFormSet = forms.formset_factory(
    CriterionForm, formset=_CriteriaFormSet, extra=1, can_delete=True, can_order=True, max_num=30, validate_max=True
)
