"""The registry's forms: an asset and its owners, the IP manager's check, a licence request and its answers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from intake.choices import Sector
from intake.filetypes import ACCEPT_ATTRIBUTE, ACCEPTED_DESCRIPTION
from intake.models import Program, ProgramMembership
from projects.models import Project
from registry.choices import AssetCategory, AssetType, Listing
from registry.models import IPAsset
from registry.services.assets import ASSET_FIELDS, Share
from registry.widgets import InvalidFieldsMarked, PlainSelect

#: How many co-owners the form offers beside the user's own organization.
CO_OWNERS = 3


def _choice(field: forms.Field) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, field)


class ProjectChoiceField(forms.ModelChoiceField):
    """A funded project, named by its proposal's title."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.proposal.title)


class DateInput(forms.DateInput):
    input_type = "date"


class AssetForm(forms.ModelForm):
    """An asset's description, listing and licence terms, and its owners with their shares."""

    program = forms.ModelChoiceField(queryset=Program.objects.none(), label=_("Program"))
    sector_choices = forms.MultipleChoiceField(
        choices=Sector.choices, required=False, widget=forms.CheckboxSelectMultiple, label=_("Sectors")
    )
    owner = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("Your organization (an owner)"))
    share = forms.DecimalField(
        label=_("Its share (%)"), max_digits=5, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("100"),
        initial=Decimal("100"),
    )  # fmt: skip

    class Meta:
        model = IPAsset
        fields = [name for name in ASSET_FIELDS if name != "sectors"]
        widgets = {
            "filed_on": DateInput(),
            "granted_on": DateInput(),
            "expires_on": DateInput(),
            "teaser_en": forms.Textarea(attrs={"rows": 3}),
            "teaser_fr": forms.Textarea(attrs={"rows": 3}),
            "field_of_use": forms.Textarea(attrs={"rows": 2}),
            "origin": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, user: User, asset: IPAsset | None = None, **kwargs: Any) -> None:
        kwargs["instance"] = asset
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        members = ProgramMembership.objects.holding_on(today)
        own = Organization.objects.filter(memberships__user=user).order_by("legal_name")
        if asset is None or asset.pk is None:
            _choice(self.fields["program"]).queryset = Program.objects.filter(
                pk__in=members.filter(organization__memberships__user=user).values("program_id")
            ).order_by("name_en")
            _choice(self.fields["owner"]).queryset = own.filter(pk__in=members.values("organization_id"))
        else:
            del self.fields["program"]
            _choice(self.fields["owner"]).queryset = own.filter(ip_ownerships__asset=asset)
            self.initial["sector_choices"] = asset.sector_list
            owners = list(asset.owners.all())
            mine = set(own.filter(ip_ownerships__asset=asset).values_list("pk", flat=True))
            ours = [owner for owner in owners if owner.organization_id in mine]
            if ours:
                self.initial["owner"], self.initial["share"] = ours[0].organization_id, ours[0].share
            others = [owner for owner in owners if not ours or owner.pk != ours[0].pk]
            for index, owner in enumerate(others[:CO_OWNERS], start=1):
                self.initial[f"co_owner_{index}"], self.initial[f"co_share_{index}"] = (
                    owner.organization_id,
                    owner.share,
                )
        co_owners = Organization.objects.filter(pk__in=members.values("organization_id")).order_by("legal_name")
        for index in range(1, CO_OWNERS + 1):
            self.fields[f"co_owner_{index}"] = forms.ModelChoiceField(
                queryset=co_owners, required=False, label=_("Co-owner %(number)s") % {"number": index}
            )
            self.fields[f"co_share_{index}"] = forms.DecimalField(
                required=False, max_digits=5, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("100"),
                label=_("Share of co-owner %(number)s (%%)") % {"number": index},
            )  # fmt: skip
        _choice(self.fields["project"]).queryset = (
            Project.objects.filter(partners__organization__memberships__user=user).select_related("proposal").distinct()
        )
        self.fields["project"] = ProjectChoiceField(
            queryset=_choice(self.fields["project"]).queryset, required=False, label=self.fields["project"].label
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for index in range(1, CO_OWNERS + 1):
            owner, share = data.get(f"co_owner_{index}"), data.get(f"co_share_{index}")
            if owner is not None and share is None:
                self.add_error(f"co_share_{index}", _("Give this co-owner's share."))
            if owner is None and share is not None:
                self.add_error(f"co_owner_{index}", _("Choose the co-owner this share is of."))
        return data

    def asset_fields(self) -> dict[str, Any]:
        """Return the asset's fields as the service takes them."""
        fields = {name: self.cleaned_data[name] for name in self._meta.fields or () if name in self.cleaned_data}
        fields["sectors"] = ",".join(self.cleaned_data.get("sector_choices") or [])
        return fields

    def shares(self) -> list[Share]:
        """Return the owners and their shares as the service takes them."""
        shares = [Share(organization=self.cleaned_data["owner"], share=self.cleaned_data["share"])]
        for index in range(1, CO_OWNERS + 1):
            owner, share = self.cleaned_data.get(f"co_owner_{index}"), self.cleaned_data.get(f"co_share_{index}")
            if owner is not None and share is not None:
                shares.append(Share(organization=owner, share=share))
        return shares


class SendBackForm(forms.Form):
    message = forms.CharField(
        label=_("What the owners should change"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class SearchForm(InvalidFieldsMarked):
    """The registry's search box and filters; every field optional. Its selects are written without a template
    per option (``registry.widgets.PlainSelect``), and its page writes each field's label, widget and errors
    itself (Bootstrap's markup, as the directory's search does): the form is on every page of results.
    """

    q = forms.CharField(label=_("Words (English or French)"), required=False, max_length=200)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any type")), *AssetType.choices], widget=PlainSelect
    )
    sector = forms.ChoiceField(
        label=_("Sector"), required=False, choices=[("", _("Any sector")), *Sector.choices], widget=PlainSelect
    )
    jurisdiction = forms.CharField(label=_("Jurisdiction (country code)"), required=False, max_length=16)
    listing = forms.ChoiceField(
        label=_("Listing"), required=False, choices=[("", _("Any listing")), *Listing.choices], widget=PlainSelect
    )
    category = forms.ChoiceField(
        label=_("Background or foreground"),
        required=False,
        choices=[("", _("Either")), *AssetCategory.choices],
        widget=PlainSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "plainselect form-select" if isinstance(field.widget, PlainSelect) else "textinput form-control"
            )


class LicenceRequestForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("For the organization"))
    intended_use = forms.CharField(label=_("Intended use"), widget=forms.Textarea(attrs={"rows": 4}))
    field_of_use = forms.CharField(label=_("Field of use"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    territory = forms.CharField(label=_("Territory"), required=False, max_length=200)

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self.fields["organization"]).queryset = organizations
        if organizations.count() == 1:
            self.initial["organization"] = organizations.first()


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Why the request is declined"), widget=forms.Textarea(attrs={"rows": 3}),
                             required=False)  # fmt: skip


class AgreeForm(forms.Form):
    terms = forms.CharField(label=_("Main terms, as signed"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    exclusive = forms.BooleanField(label=_("Exclusive licence"), required=False)
    field_of_use = forms.CharField(label=_("Field of use"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    territory = forms.CharField(label=_("Territory"), required=False, max_length=200)
    starts_on = forms.DateField(label=_("Starts"), widget=DateInput())
    ends_on = forms.DateField(label=_("Ends"), required=False, widget=DateInput())
    document = forms.FileField(
        label=_("The signed licence"),
        help_text=ACCEPTED_DESCRIPTION,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )
