"""The member directory's forms: search, profile, announcement, and the relay's messages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import OrganizationType
from accounts.models import Organization
from intake.choices import Sector
from intake.models import Call, ConsortiumRole
from registry.selectors.directory import CLUSTER
from registry.widgets import CountryChoices, InvalidFieldsMarked, PlainSelect

#: What the relay's forms say of addresses.
PRIVACY_NOTE = _(
    "Clusterflow delivers your message without showing your address; if they reply, you see the replier's "
    "address and they see yours."
)


class DirectorySearchForm(InvalidFieldsMarked):
    """The directory's search; its page writes each field's label, widget and errors itself (Bootstrap's markup)."""

    q = forms.CharField(
        label=_("Words, in English or French"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    sector = forms.ChoiceField(
        label=_("Sector"), required=False, choices=[("", _("Any sector")), *Sector.choices], widget=PlainSelect
    )
    region = forms.ChoiceField(label=_("Region"), required=False, widget=PlainSelect)
    country = forms.ChoiceField(label=_("Country"), required=False, widget=PlainSelect)
    kind = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("Any type")), (CLUSTER, _("Cluster organization")), *OrganizationType.choices],
        widget=PlainSelect,
    )

    def __init__(self, *args: Any, regions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", _("Any region")), *((r, r) for r in regions)]
        cast(forms.ChoiceField, self.fields["country"]).choices = CountryChoices(("", _("Any country")))
        for name in ("sector", "region", "country", "kind"):
            self.fields[name].widget.attrs["class"] = "form-select"


class ProfileForm(forms.Form):
    description_en = forms.CharField(
        label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    description_fr = forms.CharField(
        label=_("Description (French)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    capabilities = forms.CharField(
        label=_("Capabilities"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the organization can do for a project."),
    )  # fmt: skip
    technologies = forms.CharField(
        label=_("Technologies"), required=False, max_length=2000, help_text=_("Separate them with commas.")
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectors"), required=False, choices=Sector.choices, widget=forms.CheckboxSelectMultiple
    )
    region = forms.CharField(
        label=_("Region"), required=False, max_length=100,
        help_text=_("A province, state or region, e.g. Ontario or Bavaria."),
    )  # fmt: skip
    is_cluster = forms.BooleanField(
        label=_("We are a cluster organization"), required=False,
        help_text=_("For example a European cluster speaking for its members."),
    )  # fmt: skip


class AnnouncementForm(forms.Form):
    call = forms.ModelChoiceField(label=_("Call"), queryset=Call.objects.none())
    organization = forms.ModelChoiceField(label=_("On behalf of"), queryset=Organization.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    needs = forms.CharField(
        label=_("What the project needs"), widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The expertise, facilities or contributions you are looking for."),
    )  # fmt: skip
    roles = forms.ModelMultipleChoiceField(
        label=_("Roles sought"), required=False, queryset=ConsortiumRole.objects.none(),
        widget=forms.CheckboxSelectMultiple, help_text=_("The roles the call names, if any."),
    )  # fmt: skip

    def __init__(self, *args: Any, calls: list[Call], organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["call"]).queryset = Call.objects.filter(pk__in=[c.pk for c in calls])
        cast(forms.ModelChoiceField, self.fields["organization"]).queryset = organizations
        roles = cast(forms.ModelMultipleChoiceField, self.fields["roles"])
        roles.queryset = ConsortiumRole.objects.filter(call__in=[c.pk for c in calls]).select_related("call")
        roles.label_from_instance = lambda role: f"{role} ({role.call})"  # type: ignore[method-assign,assignment]


class ContactForm(forms.Form):
    sender_organization = forms.ModelChoiceField(label=_("On behalf of"), queryset=Organization.objects.none())
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}), help_text=PRIVACY_NOTE)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["sender_organization"]).queryset = organizations


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 5}), help_text=PRIVACY_NOTE)
