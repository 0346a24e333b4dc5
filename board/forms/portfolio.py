"""Forms of the meeting's portfolio: the selection mode, the envelope, the constraints and the bounds per group."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from board.models import BoundDimension, BoundMeasure, SelectionMode
from board.services.portfolio import Bound, Constraints, region_choices
from intake.choices import Sector


class PortfolioForm(forms.Form):
    """The mode and the constraints of the whole portfolio; empty fields constrain nothing."""

    mode = forms.ChoiceField(label=_("Selection mode"), choices=SelectionMode.choices, widget=forms.RadioSelect)
    envelope = forms.DecimalField(
        label=_("Envelope ($)"),
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        help_text=_("Empty: what remains of the call's envelope after its approvals."),
    )
    sme_min_count = forms.IntegerField(label=_("At least this many SME-led projects"), required=False, min_value=0)
    sme_min_share = forms.DecimalField(
        label=_("At least this share of the funds to SME-led projects (%)"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        help_text=_("A project is SME-led when its lead organization is an SME by the call's definition."),
    )
    min_leverage = forms.DecimalField(
        label=_("Minimum leverage"),
        required=False,
        min_value=Decimal("0"),
        max_digits=6,
        decimal_places=2,
        help_text=_("Industry dollars (cash and in kind) per cluster dollar, over the whole portfolio, e.g. 1.00."),
    )
    priority_sectors = forms.MultipleChoiceField(
        label=_("Priority areas"),
        required=False,
        choices=Sector.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The portfolio holds at least one project of each sector ticked."),
    )
    updated_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)


def _group_choices() -> list[tuple[Any, Any]]:
    return [
        ("", "—"),
        (_("Sectors"), [(f"{BoundDimension.SECTOR}:{value}", label) for value, label in Sector.choices]),
        (_("Regions"), [(f"{BoundDimension.REGION}:{value}", label) for value, label in region_choices()]),
    ]


class BoundForm(forms.Form):
    """A minimum and/or maximum, in projects or funds, for one sector or region."""

    group = forms.ChoiceField(label=_("Sector or region"), required=False, choices=_group_choices)
    measure = forms.ChoiceField(label=_("Measure"), choices=BoundMeasure.choices, initial=BoundMeasure.COUNT)
    minimum = forms.DecimalField(
        label=_("Minimum"), required=False, min_value=Decimal("0"), max_digits=14, decimal_places=2
    )
    maximum = forms.DecimalField(
        label=_("Maximum"), required=False, min_value=Decimal("0"), max_digits=14, decimal_places=2
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        group, low, high = data.get("group"), data.get("minimum"), data.get("maximum")
        if not group:
            if low is not None or high is not None:
                self.add_error("group", _("Choose the sector or region this limit is for."))
            return data
        if low is None and high is None and not self.errors:
            self.add_error("minimum", _("Give a minimum, a maximum or both."))
        if data.get("measure") == BoundMeasure.COUNT:
            for name in ("minimum", "maximum"):
                value = data.get(name)
                if value is not None and value != value.to_integral_value():
                    self.add_error(name, _("A number of projects is a whole number."))
        if low is not None and high is not None and low > high:
            self.add_error("maximum", _("The maximum is below the minimum."))
        return data

    def bound(self) -> Bound | None:
        """Return the bound typed, or None for an empty row."""
        data = self.cleaned_data
        if not data.get("group") or data.get("DELETE"):
            return None
        dimension, value = data["group"].split(":", 1)
        return Bound(dimension, value, data["measure"], data.get("minimum"), data.get("maximum"))


class _BoundFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[tuple[str, str]] = set()
        for form in self.forms:
            bound = form.bound()
            if bound is None:
                continue
            key = (f"{bound.dimension}:{bound.value}", bound.measure)
            if key in seen:
                form.add_error("group", _("This sector or region already has a limit of this measure above."))
                raise forms.ValidationError(_("Each sector or region has at most one limit of each measure."))
            seen.add(key)

    def bounds(self) -> tuple[Bound, ...]:
        return tuple(bound for form in self.forms if (bound := form.bound()) is not None)


BoundFormSet = forms.formset_factory(
    BoundForm, formset=_BoundFormSet, extra=3, can_delete=True, max_num=60, validate_max=True
)


def constraints_from(form: PortfolioForm, formset: Any) -> Constraints:
    """Return the constraints typed in the valid ``form`` and ``formset``."""
    data = form.cleaned_data
    return Constraints(
        mode=data["mode"],
        envelope=data.get("envelope"),
        sme_min_count=data.get("sme_min_count"),
        sme_min_share=data.get("sme_min_share"),
        min_leverage=data.get("min_leverage"),
        priority_sectors=tuple(data.get("priority_sectors") or ()),
        bounds=formset.bounds(),
    )


def initial_of(constraints: Constraints) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return the initial data of the form and of the formset for the stored ``constraints``."""
    form = {
        "mode": constraints.mode,
        "envelope": constraints.envelope,
        "sme_min_count": constraints.sme_min_count,
        "sme_min_share": constraints.sme_min_share,
        "min_leverage": constraints.min_leverage,
        "priority_sectors": list(constraints.priority_sectors),
        "updated_at": constraints.updated_at.isoformat() if constraints.updated_at else "",
    }
    rows = [
        {"group": f"{b.dimension}:{b.value}", "measure": b.measure, "minimum": b.minimum, "maximum": b.maximum}
        for b in constraints.bounds
    ]
    return form, rows
