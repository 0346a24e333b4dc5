"""Use cases of the accounts app: one function each, keyword-only."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError
from accounts.models import FormerMembership, Membership, Organization, User


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
    with transaction.atomic():
        deleted, _rows = Membership.objects.filter(pk=membership.pk).delete()
        if deleted:
            # Kept: a tie that ended within three years still conflicts an assessor or a board member.
            FormerMembership.objects.create(
                user_id=membership.user_id,
                organization_id=membership.organization_id,
                title=membership.title,
                joined_at=membership.created_at,
                left_at=timezone.now(),
            )
