"""Forms of the full application's consortium and budget sections.

The grids (contributions, budget) have one field per member and category, named
``<what>_<member id>[_<category>]``; money is parsed strictly: digits, optional thousands
separators and at most two decimals; never negative, never an exponent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from intake.choices import CostCategory
from intake.models import ConsortiumMember, ConsortiumRole, Proposal

#: The largest amount the database holds (14 digits, 2 after the point).
MAX_AMOUNT = Decimal("999999999999.99")
_AMOUNT = re.compile(r"^(?:\d{1,3}(?:[ ,\u00a0\u202f]\d{3})+|\d+)(?:\.\d{1,2})?$")
#: In French the comma marks the cents and spaces group the thousands (``12 500,50``, as the
#: site shows amounts); a point before the cents is still read as such (``12500.50``).
_AMOUNT_FR = re.compile(r"^(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[,.]\d{1,2})?$")


class MoneyField(forms.CharField):
    """A dollar amount typed by a person: ``1234``, ``1,234.50`` or ``1 234.50``; blank is ``None``.

    In French, ``1 234,50`` (the comma before the cents); ``1,234`` is then refused rather
    than read as either.
    """

    default_error_messages = {
        "invalid": _("Enter an amount in dollars, such as 12500 or 12,500.00."),
        "negative": _("An amount cannot be negative."),
        "too_large": _("This amount is too large."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "class": "text-end"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = str(value if value is not None else "").strip().strip("$").strip()
        if not text:
            return None
        if text.startswith("-"):
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        french = get_language() == "fr"
        if not (_AMOUNT_FR if french else _AMOUNT).match(text):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        digits = re.sub(r"[ \u00a0\u202f]", "", text)
        try:
            amount = Decimal(digits.replace(",", ".") if french else digits.replace(",", ""))
        except InvalidOperation as error:  # pragma: no cover - the pattern admits only digits
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from error
        if amount > MAX_AMOUNT:
            raise forms.ValidationError(self.error_messages["too_large"], code="too_large")
        return amount


def _amount_initial(value: Decimal | None) -> str:
    """Return a saved amount as its field shows it: empty when none was given, and a zero as a zero."""
    return "" if value is None else f"{value:.2f}"


class _GridForm(forms.Form):
    """Carry the proposal's ``updated_at`` the user started from, so a save over a newer version is refused."""

    loaded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, proposal: Proposal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["loaded_at"].initial = proposal.updated_at.isoformat()

    def described(self) -> None:
        """Tie each field's error message to its input for assistive technology."""
        for name, field in self.fields.items():
            if self.is_bound and name in self.errors:
                field.widget.attrs["aria-describedby"] = f"{self[name].auto_id}-error"
                field.widget.attrs["aria-invalid"] = "true"
                field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} is-invalid".strip()


class ContributionsForm(_GridForm):
    """Each consortium member's cash and in-kind contributions, and the call's consortium roles it takes.

    The roles (``roles_<member id>``, checkboxes) are asked only when the call names some (``roles``).
    """

    def __init__(
        self,
        *args: Any,
        proposal: Proposal,
        members: Iterable[ConsortiumMember],
        roles: Iterable[ConsortiumRole] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, proposal=proposal, **kwargs)
        self.members = list(members)
        self.roles = list(roles)
        choices = [(str(role.pk), role.name) for role in self.roles]
        for member in self.members:
            name = member.organization.legal_name
            if self.roles:
                self.fields[f"roles_{member.pk}"] = forms.MultipleChoiceField(
                    label=_("Roles of %(organization)s in the consortium") % {"organization": name},
                    choices=choices,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                    initial=[str(role.pk) for role in member.roles.all()],
                )
            self.fields[f"cash_{member.pk}"] = MoneyField(
                label=_("Cash contribution of %(organization)s") % {"organization": name},
                initial=_amount_initial(member.cash_contribution),
            )
            self.fields[f"in_kind_{member.pk}"] = MoneyField(
                label=_("In-kind contribution of %(organization)s") % {"organization": name},
                initial=_amount_initial(member.in_kind_contribution),
            )

    def rows(
        self,
    ) -> list[tuple[ConsortiumMember, list[tuple[forms.BoundField, Decimal | None]], forms.BoundField | None]]:
        """Return each member with its two fields, each beside the amount saved, and its roles' field if any."""
        return [
            (
                member,
                [
                    (self[f"cash_{member.pk}"], member.cash_contribution),
                    (self[f"in_kind_{member.pk}"], member.in_kind_contribution),
                ],
                self[f"roles_{member.pk}"] if self.roles else None,
            )
            for member in self.members
        ]

    def member_roles(self) -> dict[int, set[int]] | None:
        """Return the ids of the roles each member takes, by member id; None when the call names no role."""
        if not self.roles:
            return None
        return {member.pk: {int(pk) for pk in self.cleaned_data[f"roles_{member.pk}"]} for member in self.members}

    def contributions(self) -> dict[int, tuple[Decimal | None, Decimal | None]]:
        """Return each member's cash and in-kind contributions by member id; None where the cell was left empty.

        A zero typed is a contribution of nothing and is kept as zero; an empty cell is not given yet.
        """
        data = self.cleaned_data
        return {member.pk: (data[f"cash_{member.pk}"], data[f"in_kind_{member.pk}"]) for member in self.members}

    def full_clean(self) -> None:
        super().full_clean()
        self.described()


class BudgetForm(_GridForm):
    """The budget grid: each partner's eligible costs by category and the funding it requests."""

    def __init__(self, *args: Any, proposal: Proposal, members: Iterable[ConsortiumMember], **kwargs: Any) -> None:
        super().__init__(*args, proposal=proposal, **kwargs)
        self.members = list(members)
        for member in self.members:
            name = member.organization.legal_name
            lines = {line.category: line.amount for line in member.budget_lines.all()}
            for category in CostCategory:
                self.fields[f"cost_{member.pk}_{category.value}"] = MoneyField(
                    label=_("%(category)s costs of %(organization)s")
                    % {"category": category.label, "organization": name},
                    initial=_amount_initial(lines.get(category.value)),
                )
            self.fields[f"funding_{member.pk}"] = MoneyField(
                label=_("Funding requested by %(organization)s") % {"organization": name},
                initial=_amount_initial(member.funding_requested),
            )

    def rows(self) -> list[tuple[ConsortiumMember, list[forms.BoundField], forms.BoundField]]:
        return [
            (
                member,
                [self[f"cost_{member.pk}_{category.value}"] for category in CostCategory],
                self[f"funding_{member.pk}"],
            )
            for member in self.members
        ]

    def costs(self) -> dict[int, dict[str, Decimal | None]]:
        return {
            member.pk: {
                category.value: self.cleaned_data[f"cost_{member.pk}_{category.value}"] for category in CostCategory
            }
            for member in self.members
        }

    def funding(self) -> dict[int, Decimal]:
        return {member.pk: self.cleaned_data[f"funding_{member.pk}"] or Decimal("0") for member in self.members}

    def full_clean(self) -> None:
        super().full_clean()
        self.described()


class PartnerAddForm(forms.Form):
    """Add an organization that exists already."""

    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects.none())
    loaded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, proposal: Proposal, organizations: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "add")
        super().__init__(*args, **kwargs)
        self.fields["loaded_at"].initial = proposal.updated_at.isoformat()
        cast(forms.ModelChoiceField, self.fields["organization"]).queryset = organizations


class PartnerCreateForm(forms.ModelForm):
    """Create a partner organization that does not exist yet; the service checks duplicates and wording."""

    loaded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Organization
        fields = ["legal_name", "kind", "employee_count", "country", "province"]

    def __init__(self, *args: Any, proposal: Proposal, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "new")
        super().__init__(*args, **kwargs)
        self.fields["loaded_at"].initial = proposal.updated_at.isoformat()

    def validate_unique(self) -> None:
        """Leave the duplicate check to the service, which words it for a consortium."""


class CoApplicantInviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address of the co-applicant"),
        help_text=_("An applicant who is a member of one of the consortium's organizations."),
    )
    loaded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, proposal: Proposal, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "invite")
        super().__init__(*args, **kwargs)
        self.fields["loaded_at"].initial = proposal.updated_at.isoformat()
