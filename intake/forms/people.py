"""The form a program's staff grant one of its roles with: an existing account, by its email address."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import User

#: The roles a program's staff grant; a funder's is a superuser's to grant, in the admin.
STAFF_GRANTED_ROLES = (Role.STAFF, Role.BOARD_MEMBER, Role.ASSESSOR)


class ProgramRoleGrantForm(forms.Form):
    #: The account the email address names, once the form is valid.
    user: User | None = None

    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("The person must already have a Clusterflow account."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=[(role, Role(role).label) for role in STAFF_GRANTED_ROLES])

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip()
        self.user = User.objects.filter(email__iexact=email).first()
        if self.user is None:
            raise forms.ValidationError(
                _("No account uses this email address. Ask the person to sign up first, then grant the role.")
            )
        return email

    def grant_fields(self) -> dict[str, Any]:
        """Return the account and the role to hand to ``program_role_grant``."""
        return {"user": self.user, "role": self.cleaned_data["role"]}
