"""Use cases of the accounts app: one function each, keyword-only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError
from accounts.models import Membership, Organization, User

_SIGN_UP_SALT = "accounts.services.sign_up"


@dataclass(frozen=True)
class SignUpRequest:
    """What a person typed on the sign-up page, carried by the emailed link until they choose a password."""

    email: str
    display_name: str
    preferred_language: str


def sign_up_token(*, request: SignUpRequest) -> str:
    """Return the token of the link that finishes ``request``: signed, so nothing is stored until it is used."""
    payload = {"e": request.email, "n": request.display_name, "l": request.preferred_language}
    return signing.dumps(payload, salt=_SIGN_UP_SALT, compress=True)


def sign_up_token_read(*, token: str) -> SignUpRequest | None:
    """Return the sign-up that ``token`` carries, or None if it is forged or older than ``PASSWORD_RESET_TIMEOUT``."""
    try:
        payload = signing.loads(token, salt=_SIGN_UP_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
    except signing.BadSignature:  # SignatureExpired is one.
        return None
    return SignUpRequest(email=payload["e"], display_name=payload["n"], preferred_language=payload["l"])


def sign_up_email(*, request: SignUpRequest) -> EmailMultiAlternatives | None:
    """Return the email that answers a sign-up (ADR 0015), to be sent by the worker.

    An address nobody uses gets the link to choose a password and so create the account.
    The owner of an active account gets, in their own language, word that somebody tried
    to sign up with their address, and the links to sign in or reset the password; nothing
    is created. A deactivated account's address gets nothing: staff closed it.
    """
    owner = User.objects.filter(email__iexact=request.email).first()
    if owner is not None and not owner.is_active:
        return None
    if owner is None:
        language, template = request.preferred_language, "accounts/email/sign_up_link"
        context = {
            "name": request.display_name,
            "link": settings.SITE_URL
            + reverse("accounts:signup_confirm", kwargs={"token": sign_up_token(request=request)}),
        }
    else:
        language, template = owner.preferred_language, "accounts/email/sign_up_taken"
        context = {
            "name": owner.get_short_name(),
            "login_link": settings.SITE_URL + reverse("accounts:login"),
            "reset_link": settings.SITE_URL + reverse("accounts:password_reset"),
        }
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    return EmailMultiAlternatives(subject=subject, body=body, to=[request.email])


def user_sign_up(*, email: str, display_name: str, password: str, preferred_language: str) -> User:
    """Create an account for a person who signs up; they start as an applicant."""
    with transaction.atomic():
        user = User.objects.create_user(
            email=email, password=password, display_name=display_name, preferred_language=preferred_language
        )
        user_grant_role(user=user, role=Role.APPLICANT)
    return user


def user_grant_role(*, user: User, role: str) -> None:
    """Give ``user`` the role ``role`` (idempotent)."""
    group, _created = Group.objects.get_or_create(name=Role(role).value)
    user.groups.add(group)
    user.forget_roles()


def user_update_profile(*, user: User, display_name: str, preferred_language: str) -> User:
    """Change the name and language of ``user``."""
    user.display_name = display_name
    user.preferred_language = preferred_language
    user.save(update_fields=["display_name", "preferred_language"])
    return user


def user_set_language(*, user: User, language: str) -> None:
    """Remember the language ``user`` chose in the switcher."""
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])


def organization_create(*, by: User, title: str = "", **fields: Any) -> Organization:
    """Create an organization and make ``by`` its first member."""
    organization = Organization(**fields)
    organization.full_clean()
    try:
        with transaction.atomic():
            organization.save()
            Membership.objects.create(user=by, organization=organization, title=title)
    except IntegrityError as error:
        raise DomainError(
            _("An organization with this legal name already exists in this country: join it instead.")
        ) from error
    return organization


def organization_register(
    *, legal_name: str, kind: str, employee_count: int, country: str, province: str
) -> Organization:
    """Create an organization that nobody joins by creating it (a consortium's partner, an assessor's former employer).

    The same legal name in the same country, whatever its case, is the same organization:
    it is refused with a message to choose it instead.
    """
    legal_name = legal_name.strip()
    existing = Organization.objects.filter(legal_name__iexact=legal_name, country=country).first()
    if existing is not None:
        raise ValidationError(
            {
                "legal_name": _("%(organization)s already exists in this country: choose it in the list instead.")
                % {"organization": existing.legal_name}
            }
        )
    organization = Organization(
        legal_name=legal_name, kind=kind, employee_count=employee_count, country=country, province=province
    )
    organization.full_clean()
    try:
        with transaction.atomic():
            organization.save()
    except IntegrityError as error:
        raise DomainError(
            _("An organization with this legal name already exists in this country: choose it in the list.")
        ) from error
    return organization


def membership_create(*, user: User, organization: Organization, title: str = "") -> Membership:
    """Add ``user`` to ``organization``; joining twice is refused with a message."""
    try:
        with transaction.atomic():
            return Membership.objects.create(user=user, organization=organization, title=title)
    except IntegrityError as error:
        raise DomainError(_("You are already a member of %(name)s.") % {"name": organization.legal_name}) from error


def membership_delete(*, user: User, membership: Membership) -> None:
    """Leave an organization: only the member themself may."""
    if membership.user_id != user.pk:
        raise ActionForbidden(_("You can only leave your own organizations."))
    membership.delete()
