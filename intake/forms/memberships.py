"""The forms a program's staff keep its members with, and name a call's consortium roles with."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization


def _date_field(label: Any, *, required: bool, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=help_text,
    )


class MembershipForm(forms.Form):
    """A membership's dates and note; a new one names its organization too (``organizations``)."""

    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects.none())
    starts_on = _date_field(_("Member since"), required=True)
    ends_on = _date_field(
        _("Member until"),
        required=False,
        help_text=_("The last day of the membership. Leave empty while it has no end."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, organizations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organizations is None:
            del self.fields["organization"]
        else:
            self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]

    def membership_fields(self) -> dict[str, Any]:
        """Return the fields to hand to ``membership_add`` or ``membership_change``."""
        return {name: self.cleaned_data[name] for name in self.fields}


class ConsortiumRoleForm(forms.Form):
    """A consortium role's names in both languages; a new one may be given its short name."""

    name_en = forms.CharField(label=_("Name (English)"), max_length=120)
    name_fr = forms.CharField(label=_("Name (French)"), max_length=120)
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=50,
        required=False,
        help_text=_(
            "Letters, digits and hyphens; the call's rules name the role by it and it never changes. "
            "Empty: made from the English name."
        ),
    )
    position = forms.IntegerField(label=_("Position"), min_value=0, help_text=_("Roles are listed by position."))

    def __init__(self, *args: Any, new: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["position" if new else "slug"]

    def role_fields(self) -> dict[str, Any]:
        """Return the fields to hand to ``consortium_role_add`` or ``consortium_role_change``."""
        return {name: self.cleaned_data[name] for name in self.fields}
