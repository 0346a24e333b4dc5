"""Staff forms for programs and calls; the applicant's form for a proposal."""

from __future__ import annotations

import zoneinfo
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.form_handling import BootstrapBoundField
from accounts.models import Organization, User
from intake.choices import Sector, VersionKind
from intake.completeness import LOI_DETAIL_FIELDS
from intake.forms.application import KeywordsField, MoneyField, WordLimitedField
from intake.models import Call, Program, Proposal

#: The letter of intent's texts and amounts, beside its title and lead organization.
LOI_FIELDS = ("summary", *LOI_DETAIL_FIELDS)
#: The windows of the call form; its stages' windows are set on the stages page, after creation.
WINDOW_FIELDS = ["review_due_at", "board_meeting_at"]
#: The dates a new call is created with: its default two-stage path (letter of intent, full application).
CREATION_WINDOW_FIELDS = ["loi_opens_at", "loi_closes_at", "application_closes_at"]
LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


class _OptimisticForm(forms.ModelForm):
    """Carry the ``updated_at`` the user started from, so a save over somebody else's is refused."""

    loaded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_at"].initial = self.instance.updated_at.isoformat()

    def model_fields(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name in (self._meta.fields or ())}


class ProgramForm(_OptimisticForm):
    class Meta:
        model = Program
        fields = ["slug", "name_en", "name_fr", "description_en", "description_fr", "retention_days"]


class CallForm(_OptimisticForm):
    """Edit a call; its windows are typed and shown in the call's own timezone.

    Its stages and their windows are not here: they are the stages page's (``intake.forms.stages``); nor
    its rules, which are the rules page's (``intake.forms.call_rules``).
    """

    window_fields = WINDOW_FIELDS

    timezone = forms.ChoiceField(
        label=_("Timezone"),
        choices=lambda: sorted(
            (name, name.replace("_", " ")) for name in zoneinfo.available_timezones() if "/" in name
        ),
        help_text=_("Deadlines are shown to everyone in this timezone."),
    )

    class Meta:
        model = Call
        fields = [
            "slug", "title_en", "title_fr", "description_en", "description_fr",
            "timezone", *WINDOW_FIELDS, "funding_envelope", "ip_review", "partial_randomisation",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.window_fields:
            field = cast(forms.DateTimeField, self.fields[name])
            field.widget = forms.DateTimeInput(format=LOCAL_INPUT_FORMAT, attrs={"type": "datetime-local"})
            field.input_formats = [LOCAL_INPUT_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
            field.help_text = _("In the call's timezone.")
            value = self.initial.get(name)
            if value is not None and self.instance.pk:
                self.initial[name] = timezone.localtime(value, self.instance.zone).replace(tzinfo=None)

    def clean(self) -> dict[str, Any]:
        """Read the typed windows as wall-clock times in the chosen timezone."""
        cleaned = super().clean() or {}
        name = cleaned.get("timezone")
        if name in zoneinfo.available_timezones():
            zone = zoneinfo.ZoneInfo(name)
            for field in self.window_fields:
                value = cleaned.get(field)
                if value is not None:
                    cleaned[field] = value.replace(tzinfo=None).replace(tzinfo=zone)
        return cleaned


class CallCreateForm(CallForm):
    """Open a new call: the call form, with the windows of its first path (letter of intent, full application)."""

    window_fields = [*CREATION_WINDOW_FIELDS, *WINDOW_FIELDS]

    class Meta(CallForm.Meta):
        fields = [*CallForm.Meta.fields[:6], *CREATION_WINDOW_FIELDS, *CallForm.Meta.fields[6:]]


class ProposalForm(forms.Form):
    """The applicant's letter of intent: what it is about and which organization leads it."""

    #: Each field written as crispy's Bootstrap 5 pack wrote it (``{{ field.bootstrap }}``, ADR 0067).
    bound_field_class = BootstrapBoundField

    title = forms.CharField(label=_("Title"), max_length=250)
    summary = WordLimitedField(
        label=_("Summary"), help_text=_("What the project will do, and for whom. Required before you submit.")
    )
    lead_organization = forms.ModelChoiceField(
        label=_("Lead organization"),
        queryset=Organization.objects.none(),
        help_text=_("One of the organizations you are a member of."),
    )
    challenge = WordLimitedField(label=_("The challenge"), help_text=_("The problem the project takes on."))
    technology = WordLimitedField(label=_("The technology"), help_text=_("What the consortium will develop."))
    expected_partners = WordLimitedField(
        label=_("Expected partners"), help_text=_("The organizations you expect to join, and what each brings.")
    )
    estimated_total_cost = MoneyField(label=_("Estimated total project cost ($)"))
    estimated_funding_requested = MoneyField(label=_("Estimated funding requested from the cluster ($)"))
    sectors = forms.MultipleChoiceField(
        label=_("Sectors"),
        choices=Sector.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The fields the project belongs to; they help match it with expert assessors."),
    )
    keywords = KeywordsField(label=_("Keywords"))
    # The ``updated_at`` the applicant started from, so that a save over a newer version is refused.
    loaded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: User, call: Call, proposal: Proposal | None = None, **kwargs: Any) -> None:
        if proposal is not None:
            kwargs.setdefault(
                "initial",
                {
                    **{name: getattr(proposal, name) for name in LOI_FIELDS},
                    "title": proposal.title,
                    "lead_organization": proposal.lead_organization_id,
                    "loaded_at": proposal.updated_at.isoformat(),
                },
            )
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["lead_organization"])
        field.queryset = Organization.objects.filter(memberships__user=user).order_by("legal_name")
        if proposal is None and not self.is_bound and "lead_organization" not in self.initial:
            # An applicant of one organization leads for it: nothing to choose.
            only = list(field.queryset[:2])
            if len(only) == 1:
                self.initial["lead_organization"] = only[0].pk
        for name in ("summary", "challenge", "technology", "expected_partners"):
            text = self.fields[name]
            assert isinstance(text, WordLimitedField)
            limit = call.word_limit(VersionKind.LOI)
            if limit is None:
                continue
            text.set_word_limit(limit)
            text.help_text = _("%(help)s Up to %(limit)s words.") % {"help": text.help_text, "limit": limit}

    def loi_fields(self) -> dict[str, Any]:
        """Return the letter of intent's texts and amounts as cleaned."""
        return {name: self.cleaned_data[name] for name in LOI_FIELDS}
