"""Forms of the assignment pages: assign by hand, pin or forbid a pair, accept a plan."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from assessment.choices import PairRuleKind


class AssessorChoiceForm(forms.Form):
    """Choose one assessor among those offered (the allowed ones, best affinity first)."""

    assessor = forms.TypedChoiceField(label=_("Assessor"), coerce=int)

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assessor"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose an assessor")), *choices]

    def chosen_assessor(self) -> User:
        return User.objects.get(pk=self.cleaned_data["assessor"])


class PairRuleForm(AssessorChoiceForm):
    kind = forms.ChoiceField(label=_("Rule"), choices=PairRuleKind.choices)


class AcceptPlanForm(forms.Form):
    """The number of pairs the user saw: accepting a plan changed since is refused."""

    expected_pairs = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
