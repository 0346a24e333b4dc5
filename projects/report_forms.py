"""The forms of a project's milestones and reports: parse what people type, then one service each saves it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import DecimalValidator, MinValueValidator
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from intake.forms.answers import NumberField
from intake.forms.consortium import MoneyField
from projects.models import IPKind, IPStatus, ProjectMilestone, ProjectPartner, Report
from projects.reporting import Period


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service as an application's attachment is."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class MilestoneDoneForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Say what was delivered and where the deliverables are; staff read it with the files."),
        max_length=10_000,
    )
    evidence = MultipleFileField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=_("Documents only (PDF, Word, Excel, PowerPoint or OpenDocument), at most 10 files."),
    )


class ReviewForm(forms.Form):
    """Staff's decision on a milestone or a report: accept it, or send it back saying why."""

    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("accept", _("Accept")), ("send_back", _("Send back to the project"))],
        widget=forms.RadioSelect,
    )  # fmt: skip
    message = forms.CharField(
        label=_("Message to the project"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you send it back: say what to change."),
        max_length=10_000,
    )


class ReportCreateForm(forms.Form):
    period = forms.TypedChoiceField(label=_("Period"), coerce=int)
    final = forms.BooleanField(label=_("This is the project's final report"), required=False)

    def __init__(self, *args: Any, periods: list[Period], closing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        period_field = self.fields["period"]
        assert isinstance(period_field, forms.ChoiceField)
        period_field.choices = [
            (period.number, _("Period %(number)s: %(start)s to %(end)s")
             % {"number": period.number, "start": period.starts_on.isoformat(), "end": period.ends_on.isoformat()})
            for period in periods
        ]  # fmt: skip
        if not closing:
            del self.fields["final"]


def _fte(label: Any, required: bool = True, help_text: Any = "") -> NumberField:
    return NumberField(
        label=label,
        required=required,
        help_text=help_text,
        validators=[
            MinValueValidator(Decimal("0"), message=_("Enter a number of zero or more.")),
            DecimalValidator(max_digits=10, decimal_places=2),
        ],
    )


def _count(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0, error_messages={"min_value": _("Enter a number of zero or more.")}
    )


class ReportForm(forms.Form):
    """A report's indicators and risks; ``loaded_at`` is the report's time the person started from."""

    loaded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)
    jobs_created = _fte(_("Jobs created in the period (FTE)"))
    jobs_maintained = _fte(_("Jobs maintained at the period's end (FTE)"))
    jobs_women = _fte(
        _("of which held by women (FTE, optional)"),
        required=False,
        help_text=_("Optional. Only ever shown summed over projects, never as this project's figure."),
    )
    jobs_underrepresented = _fte(
        _("of which held by people of under-represented groups (FTE, optional)"),
        required=False,
        help_text=_("Optional. Only ever shown summed over projects, never as this project's figure."),
    )
    revenue = MoneyField(label=_("Revenue attributable to the project in the period ($)"), required=True)
    follow_on_investment = MoneyField(label=_("Follow-on investment raised in the period ($)"), required=True)
    smes_scaled = _count(_("SMEs scaled in the period"))
    new_products = _count(_("New products and services in the period"))
    participants = _count(_("Participants (organizations taking part)"))
    risks = forms.CharField(
        label=_("Risks and issues"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000
    )

    def __init__(self, *args: Any, report: Report, milestones: list[ProjectMilestone], comments: dict[str, str],
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.milestone_list = milestones
        for name in ("jobs_created", "jobs_maintained", "jobs_women", "jobs_underrepresented", "revenue",
                     "follow_on_investment", "smes_scaled", "new_products", "participants", "risks"):  # fmt: skip
            self.initial.setdefault(name, getattr(report, name))
        self.initial.setdefault("loaded_at", report.updated_at)
        for milestone in milestones:
            name = f"milestone_{milestone.pk}"
            self.fields[name] = forms.CharField(
                label=_("Comment on “%(milestone)s”") % {"milestone": milestone.title},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=5_000,
            )
            self.initial.setdefault(name, comments.get(str(milestone.pk), ""))

    def indicators(self) -> dict[str, Any]:
        names = ("jobs_created", "jobs_maintained", "jobs_women", "jobs_underrepresented", "revenue",
                 "follow_on_investment", "smes_scaled", "new_products", "participants", "risks")  # fmt: skip
        return {name: self.cleaned_data[name] for name in names}

    def milestone_comments(self) -> dict[int, str]:
        return {
            milestone.pk: self.cleaned_data.get(f"milestone_{milestone.pk}", "") for milestone in self.milestone_list
        }

    def milestone_fields(self) -> list[tuple[ProjectMilestone, forms.BoundField]]:
        return [(milestone, self[f"milestone_{milestone.pk}"]) for milestone in self.milestone_list]


class IPRightForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=250, required=False)
    kind = forms.ChoiceField(label=_("Type"), choices=[("", "—"), *IPKind.choices], required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[("", "—"), *IPStatus.choices], required=False)
    owners = forms.ModelMultipleChoiceField(
        label=_("Owners"), queryset=ProjectPartner.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def __init__(self, *args: Any, partners: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owners = self.fields["owners"]
        if partners is not None and isinstance(owners, forms.ModelMultipleChoiceField):
            owners.queryset = partners

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("title"):
            return data  # an empty row: no right
        for name, message in (
            ("kind", _("Choose the right's type.")),
            ("status", _("Choose the right's status.")),
            ("owners", _("Choose at least one owner among the partners.")),
        ):
            if not data.get(name):
                self.add_error(name, message)
        return data


IPRightFormSet = formset_factory(IPRightForm, extra=2, max_num=50, validate_max=True)
