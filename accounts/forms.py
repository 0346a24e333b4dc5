"""Forms of the accounts app."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import MaxValueValidator
from django.db import transaction
from django.http import HttpRequest
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import login_throttle
from accounts.choices import ApiScope, Language
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
        device = login_throttle.device_for(self.request, email=email) if email else ""
        if email and login_throttle.login_throttled(email=email, address=address, device=device):
            raise self._throttled_error()
        try:
            return super().clean()
        except forms.ValidationError:
            if email and login_throttle.login_throttled(email=email, address=address, device=device):
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


def _requests_throttled_error() -> forms.ValidationError:
    minutes = max(1, settings.LOGIN_THROTTLE_WINDOW_SECONDS // 60)
    message = ngettext(
        "Too many requests for this email address or from your network. Wait up to %(minutes)d minute and try again.",
        "Too many requests for this email address or from your network. Wait up to %(minutes)d minutes and try again.",
        minutes,
    )
    return forms.ValidationError(message, code="throttled", params={"minutes": minutes})


class ThrottledEmailForm(forms.Form):
    """A public form that sends an email to the address typed: served a limited number of times (ADR 0017).

    The request is counted once the rest of the form is valid, per email address and per
    client, whether or not an account uses the address.
    """

    throttle_scope = ""

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        email = cleaned.get("email")
        if email and not self.errors:
            address = login_throttle.client_address(self.request) if self.request is not None else ""
            if not login_throttle.request_allowed(scope=self.throttle_scope, email=email, address=address):
                raise _requests_throttled_error()
        return cleaned


class SignUpForm(ThrottledEmailForm):
    """Ask for an account: the address, the name and the language; the password comes with the emailed link.

    Whether the address has an account already is not told here (ADR 0017): the answer is
    always "check your email", and the email says what to do.
    """

    throttle_scope = login_throttle.SIGN_UP

    email = forms.EmailField(label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    display_name = forms.CharField(
        label=_("Your name"), max_length=150, help_text=_("As you would like it shown to others.")
    )
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)

    def clean_email(self) -> str:
        return login_throttle.normalized_email(self.cleaned_data["email"])

    def save(self) -> None:
        """Queue the answer's email once the request's work has committed: the worker alone looks the address up."""
        from accounts.tasks import sign_up_email_send

        data = {name: self.cleaned_data[name] for name in ("email", "display_name", "preferred_language")}
        transaction.on_commit(lambda: sign_up_email_send.delay(**data))


class PasswordPairForm(forms.Form):
    """Choose a password, typed twice, checked by the site's password validators against the account's details."""

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

    def _email(self, cleaned: dict[str, Any]) -> str:
        """The address the new account will have, which the password must not resemble."""
        return ""

    def _display_name(self, cleaned: dict[str, Any]) -> str:
        return str(cleaned.get("display_name", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            candidate = User(email=self._email(cleaned), display_name=self._display_name(cleaned))
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class SignUpPasswordForm(PasswordPairForm):
    """The second step of signing up, reached by the emailed link: the password of the new account."""

    def __init__(self, *args: Any, email: str, display_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.new_email, self.new_display_name = email, display_name

    def _email(self, cleaned: dict[str, Any]) -> str:
        return self.new_email

    def _display_name(self, cleaned: dict[str, Any]) -> str:
        return self.new_display_name


class NewAccountForm(PasswordPairForm):
    """The name, language and password of an account whose address is known already (an invitation's)."""

    display_name = forms.CharField(
        label=_("Your name"), max_length=150, help_text=_("As you would like it shown to others.")
    )
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)

    field_order = ["display_name", "preferred_language", "password1", "password2"]


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


class JoinRequestAnswerForm(forms.Form):
    """Approve, or refuse with a reason that the person who asked will read."""

    reason = forms.CharField(
        label=_("Reason for refusing"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed to refuse; the person who asked will read it."),
    )

    def __init__(self, *args: Any, approve: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.approve = approve

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not self.approve and not reason:
            raise forms.ValidationError(_("Give the reason for refusing: the person who asked will read it."))
        return reason


class QueuedPasswordResetForm(ThrottledEmailForm, PasswordResetForm):
    """Queue the reset email for a Celery task, which alone looks the address up (ADR 0017).

    The request does the same work whether an account uses the address or not (it counts
    the request, then queues one task once the request's work has committed), so neither
    its answer nor its time tells who has an account. The task sends the link to an active
    account, and nothing to an unknown or deactivated address.
    """

    throttle_scope = login_throttle.PASSWORD_RESET

    def save(  # type: ignore[override]
        self,
        domain_override: str | None = None,
        subject_template_name: str = "registration/password_reset_subject.txt",
        email_template_name: str = "registration/password_reset_email.html",
        use_https: bool = False,
        token_generator: Any = None,
        from_email: str | None = None,
        request: HttpRequest | None = None,
        html_email_template_name: str | None = None,
        extra_email_context: dict[str, Any] | None = None,
    ) -> None:
        from accounts.tasks import password_reset_email_send

        # The emailed link is on the site's address (``SITE_URL``), whatever host the request came by.
        site = urlsplit(settings.SITE_URL)
        domain = domain_override or site.netloc
        use_https = site.scheme == "https"
        email = self.cleaned_data["email"]
        templates = {
            "subject_template_name": subject_template_name,
            "email_template_name": email_template_name,
            "html_email_template_name": html_email_template_name,
        }
        transaction.on_commit(
            lambda: password_reset_email_send.delay(email=email, domain=domain, use_https=use_https, **templates)
        )

    def send_now(self, *, domain: str, use_https: bool, **templates: Any) -> None:
        """Send the reset link to the active accounts of the address (in the worker)."""
        super().save(domain_override=domain, use_https=use_https, **templates)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        """Render the email in its recipient's language and queue it for sending, with retries."""
        from accounts.tasks import send_email

        with translation.override(context["user"].preferred_language):
            subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
            body = loader.render_to_string(email_template_name, context)
            html = loader.render_to_string(html_email_template_name, context) if html_email_template_name else None
        send_email.delay(subject=subject, body=body, to=[to_email], html=html)


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


class ApiTokenForm(forms.Form):
    """A new personal access token of the API: its name, its scope and how many days it lasts."""

    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, to tell it from your others.")
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=ApiScope.choices,
        initial=ApiScope.READ,
        widget=forms.RadioSelect,
        help_text=_("A read token only reads; a read and write token also starts and submits proposals."),
    )
    days = forms.IntegerField(label=_("Lasts (days)"), min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        days = cast(forms.IntegerField, self.fields["days"])
        days.max_value = settings.API_TOKEN_MAX_DAYS
        days.validators.append(MaxValueValidator(settings.API_TOKEN_MAX_DAYS))
        days.widget.attrs["max"] = settings.API_TOKEN_MAX_DAYS
        days.initial = settings.API_TOKEN_DEFAULT_DAYS
        days.help_text = ngettext("At most %(max)d day.", "At most %(max)d days.", settings.API_TOKEN_MAX_DAYS) % {
            "max": settings.API_TOKEN_MAX_DAYS
        }
