"""Forms of the accounts app."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.db import transaction
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import login_throttle
from accounts.choices import Language
from accounts.models import Organization, User


class EmailAuthenticationForm(AuthenticationForm):
    """Sign in with an email address; after too many failures, say so and how long to wait."""

    username = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean(self) -> dict[str, Any]:
        # The authentication backend refuses a throttled sign-in; this gives the refusal its own words.
        email = self.cleaned_data.get("username")
        address = login_throttle.client_address(self.request) if self.request is not None else ""
        if email and login_throttle.login_throttled(email=email, address=address):
            raise self._throttled_error()
        try:
            return super().clean()
        except forms.ValidationError:
            if email and login_throttle.login_throttled(email=email, address=address):
                raise self._throttled_error() from None
            raise

    def _throttled_error(self) -> forms.ValidationError:
        minutes = max(1, settings.LOGIN_THROTTLE_WINDOW_SECONDS // 60)
        message = ngettext(
            "Too many failed sign-ins for this email address or from your network. Wait up to %(minutes)d minute "
            "and try again, or reset your password.",
            "Too many failed sign-ins for this email address or from your network. Wait up to %(minutes)d minutes "
            "and try again, or reset your password.",
            minutes,
        )
        return forms.ValidationError(message, code="throttled", params={"minutes": minutes})


class SignUpForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    display_name = forms.CharField(
        label=_("Your name"), max_length=150, help_text=_("As you would like it shown to others.")
    )
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email address exists already: sign in instead."))
        return email

    def _email(self, cleaned: dict[str, Any]) -> str:
        """The address the new account will have, which the password must not resemble."""
        return str(cleaned.get("email", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            candidate = User(email=self._email(cleaned), display_name=cleaned.get("display_name", ""))
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "preferred_language"]


class OrganizationForm(forms.ModelForm):
    title = forms.CharField(label=_("Your job title"), max_length=150, required=False)

    class Meta:
        model = Organization
        fields = ["legal_name", "kind", "employee_count", "country", "province"]


class JoinOrganizationForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects.none())
    title = forms.CharField(label=_("Your job title"), max_length=150, required=False)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organization"]).queryset = organizations


class QueuedPasswordResetForm(PasswordResetForm):
    """Send the reset email through a Celery task once the request's work has committed."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from accounts.tasks import send_email

        with translation.override(context["user"].preferred_language):
            subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
            body = loader.render_to_string(email_template_name, context)
            html = loader.render_to_string(html_email_template_name, context) if html_email_template_name else None
        transaction.on_commit(lambda: send_email.delay(subject=subject, body=body, to=[to_email], html=html))


class SecondFactorCodeForm(forms.Form):
    """One code from the authenticator app, or (where ``recovery`` is set) a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "off", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args: Any, recovery: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = (
            _("The six digits your authenticator app shows now, or one of your recovery codes.")
            if recovery
            else _("The six digits your authenticator app shows now.")
        )


class SecondFactorDisableForm(SecondFactorCodeForm):
    """Switching the second factor off asks for the password and a code, so a left-open session cannot."""

    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    field_order = ["password", "code"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["code"].widget.attrs.pop("autofocus", None)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."), code="wrong_password")
        return password
