"""Forms of the letter of intent's long texts and amounts, and of the full application's sections."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from intake.choices import ForegroundIPKind
from intake.eligibility import word_count
from intake.forms.consortium import MoneyField
from intake.models import ConsortiumMember


class WordLimitedField(forms.CharField):
    """A long text held to a word limit: the limit is shown, counted live in the browser and enforced here."""

    def __init__(self, *, word_limit: int = 0, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 8}))
        super().__init__(**kwargs)
        self.set_word_limit(word_limit)

    def set_word_limit(self, limit: int) -> None:
        self.word_limit = limit
        if limit:
            self.widget.attrs["data-word-limit"] = str(limit)
            self.widget.attrs["data-word-count-text"] = str(_("%(count)s of %(limit)s words"))
            self.widget.attrs["data-word-over-text"] = str(_("%(count)s of %(limit)s words: over the limit"))

    def validate(self, value: Any) -> None:
        super().validate(value)
        count = word_count(value or "")
        if self.word_limit and count > self.word_limit:
            raise ValidationError(
                ngettext(
                    "This text has %(count)s words; the limit is %(limit)s. Shorten it by %(over)s word.",
                    "This text has %(count)s words; the limit is %(limit)s. Shorten it by %(over)s words.",
                    count - self.word_limit,
                )
                % {"count": count, "limit": self.word_limit, "over": count - self.word_limit},
                code="word_limit",
            )


class KeywordsField(forms.CharField):
    """Words or phrases separated by commas, kept as a list: trimmed, each once whatever its case."""

    MAX_KEYWORDS = 12
    MAX_LENGTH = 60

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("Separate them with commas, e.g. robotics, computer vision."))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        keywords: list[str] = []
        for part in text.replace(";", ",").replace("\n", ",").split(","):
            keyword = " ".join(part.split())
            if keyword and keyword.casefold() not in {known.casefold() for known in keywords}:
                keywords.append(keyword)
        return keywords

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        too_long = [keyword for keyword in value if len(keyword) > self.MAX_LENGTH]
        if too_long:
            raise ValidationError(
                _("Keep each keyword under %(limit)s characters: %(keywords)s.")
                % {"limit": self.MAX_LENGTH, "keywords": ", ".join(too_long)}
            )
        if len(value) > self.MAX_KEYWORDS:
            raise ValidationError(
                _("Give at most %(limit)s keywords; there are %(count)s.")
                % {"limit": self.MAX_KEYWORDS, "count": len(value)}
            )


def _count(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, min_value=0, max_value=2_147_483_647, widget=forms.NumberInput(attrs={"min": 0})
    )


class _SectionForm(forms.Form):
    """Carry the proposal's ``updated_at`` the applicant started from (see ``proposal_lock_for_editing``)."""

    loaded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)


class DescriptionForm(_SectionForm):
    project_description = WordLimitedField(
        label=_("Project description"), help_text=_("The problem, the solution and why this consortium.")
    )
    work_plan = WordLimitedField(label=_("Work plan"), help_text=_("The phases of the work and who does what."))

    def __init__(self, *args: Any, word_limit: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("project_description", "work_plan"):
            field = self.fields[name]
            assert isinstance(field, WordLimitedField)
            field.set_word_limit(word_limit)
            field.help_text = _("%(help)s Up to %(limit)s words.") % {"help": field.help_text, "limit": word_limit}


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=250)
    description = forms.CharField(label=_("Deliverables"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    month = forms.IntegerField(
        label=_("Due in month"),
        min_value=1,
        max_value=120,
        help_text=_("Months after the project starts, 1 to 120."),
    )


class _RowsFormSet(forms.BaseFormSet):
    """Rows the applicant adds and removes; an empty row is ignored."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove this row")


MilestoneFormSet = forms.formset_factory(
    MilestoneForm, formset=_RowsFormSet, extra=1, can_delete=True, max_num=100, validate_max=True
)


class IPTermsForm(_SectionForm):
    ip_ownership_terms = WordLimitedField(label=_("Proposed ownership of the foreground IP"))
    ip_partner_licensing = WordLimitedField(label=_("Licensing terms among the partners"))
    ip_member_licensing = WordLimitedField(label=_("Licensing terms for cluster members"))

    def __init__(self, *args: Any, word_limit: int, members: list[ConsortiumMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("ip_ownership_terms", "ip_partner_licensing", "ip_member_licensing"):
            field = self.fields[name]
            assert isinstance(field, WordLimitedField)
            field.set_word_limit(word_limit)
            field.help_text = _("Up to %(limit)s words.") % {"limit": word_limit}
        self.members = members
        for member in members:
            self.fields[f"background_ip_{member.pk}"] = forms.CharField(
                label=_("Background IP of %(organization)s") % {"organization": member.organization},
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_("What it brings to the project; write “none” if it brings none."),
            )

    def background_ip(self) -> dict[int, str]:
        return {member.pk: self.cleaned_data[f"background_ip_{member.pk}"] for member in self.members}


JOINT = "joint"


class ForegroundIPForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ForegroundIPKind.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ChoiceField(label=_("Proposed owner"))

    def __init__(self, *args: Any, members: list[ConsortiumMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = [(JOINT, _("Joint ownership")), *((str(m.pk), str(m.organization)) for m in members)]

    def owner_pk(self) -> int | None:
        value = self.cleaned_data["owner"]
        return None if value == JOINT else int(value)


ForegroundIPFormSet = forms.formset_factory(
    ForegroundIPForm, formset=_RowsFormSet, extra=1, can_delete=True, max_num=100, validate_max=True
)


class OutcomesForm(_SectionForm):
    jobs_during = _count(_("Jobs created during the project"))
    jobs_after = _count(_("Jobs created in the three years after"))
    revenue_during = MoneyField(label=_("Revenue during the project ($)"))
    revenue_after = MoneyField(label=_("Revenue in the three years after ($)"))
    ip_rights_during = _count(_("IP rights during the project"))
    ip_rights_after = _count(_("IP rights in the three years after"))
    smes_scaled_during = _count(_("SMEs scaled during the project"))
    smes_scaled_after = _count(_("SMEs scaled in the three years after"))

    def outcomes(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "loaded_at"}
