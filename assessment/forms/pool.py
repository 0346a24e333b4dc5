"""Forms of the assessor pool: staff's invitation, the invitee's new account, the assessor's profile."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.choices import Language as UserLanguage
from accounts.forms import NewAccountForm
from accounts.models import Organization
from assessment.choices import Language
from assessment.services.pool import MAX_KEYWORDS, AffiliationData, keywords_normalise
from intake.choices import Sector
from intake.models import Program


class InvitationForm(forms.Form):
    """Whom to invite, for which of the staff's programs (``programs``; the only one preselected)."""

    program: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Program"),
        queryset=Program.objects.none(),
        help_text=_("The expert will assess this program's proposals."),
    )
    email = forms.EmailField(label=_("Email address of the expert"))
    language = forms.ChoiceField(
        label=_("Language of the invitation"), choices=UserLanguage.choices, initial=UserLanguage.ENGLISH
    )
    message = forms.CharField(
        label=_("Personal message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Added to the invitation email; optional."),
    )

    def __init__(self, *args: Any, programs: QuerySet[Program], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["program"])
        field.queryset = programs
        choices = list(programs[:2])
        if len(choices) == 1:
            field.initial = choices[0].pk


class InvitationSignUpForm(NewAccountForm):
    """Create the account of the invited address: the email is the invitation's, not typed."""

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invited_email = email
        self.fields["display_name"].help_text = _("As you would like it shown to program staff.")

    def _email(self, cleaned: dict[str, Any]) -> str:
        return self.invited_email


class ProfileForm(forms.Form):
    """What the assessor knows, the languages they read and how much they take on."""

    sectors = forms.MultipleChoiceField(
        label=_("Sectors of expertise"), choices=Sector.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        max_length=2000,
        help_text=_("Technologies and fields you know well, separated by commas."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you assess in"),
        choices=Language.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    max_assignments_per_call = forms.IntegerField(
        label=_("Most assignments per call"),
        min_value=0,
        max_value=100,
        help_text=_("The most proposals of one call you accept to assess, 0 to 100."),
        error_messages={"min_value": _("The number of assignments cannot be negative.")},
    )
    loaded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def clean_keywords(self) -> list[str]:
        keywords = keywords_normalise(self.cleaned_data["keywords"])
        if len(keywords) > MAX_KEYWORDS:
            raise forms.ValidationError(_("Give at most %(count)s keywords.") % {"count": MAX_KEYWORDS})
        return keywords


def _check_dates(form: forms.BaseForm, cleaned: dict[str, Any]) -> None:
    started, ended = cleaned.get("started_on"), cleaned.get("ended_on")
    if started and ended and ended < started:
        form.add_error("ended_on", _("An affiliation cannot end before it starts."))


_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AffiliationForm(forms.Form):
    """One affiliation with an organization in the list."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects.none())
    role = forms.CharField(label=_("Your role"), max_length=200, required=False)
    started_on = forms.DateField(label=_("From"), required=False, widget=_DATE)
    ended_on = forms.DateField(
        label=_("Until"), required=False, widget=_DATE, help_text=_("Leave empty if it is current.")
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organization"]).queryset = organizations

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_dates(self, cleaned)
        return cleaned

    def data_of(self) -> AffiliationData:
        cleaned = self.cleaned_data
        return AffiliationData(
            pk=cleaned.get("id"),
            organization=cleaned["organization"],
            role=cleaned["role"],
            started_on=cleaned["started_on"],
            ended_on=cleaned["ended_on"],
        )


class _AffiliationFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove this affiliation")

    def affiliations(self) -> list[AffiliationData]:
        """Return the rows filled in and not marked for removal."""
        return [form.data_of() for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]


AffiliationFormSet = forms.formset_factory(
    AffiliationForm, formset=_AffiliationFormSet, extra=1, can_delete=True, max_num=50, validate_max=True
)


class NewOrganizationAffiliationForm(forms.Form):
    """An affiliation with an organization not in the list yet, created with it.

    A plain form with the organization's fields: the service checks duplicates and says so
    in an assessor's terms (the model's own message asks to join the organization instead).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "new")
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(Organization, fields=["legal_name", "kind", "employee_count", "country", "province"])
        )
        self.fields["role"] = forms.CharField(label=_("Your role"), max_length=200, required=False)
        self.fields["started_on"] = forms.DateField(label=_("From"), required=False, widget=_DATE)
        self.fields["ended_on"] = forms.DateField(
            label=_("Until"), required=False, widget=_DATE, help_text=_("Leave empty if it is current.")
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_dates(self, cleaned)
        return cleaned
