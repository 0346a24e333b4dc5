"""Reads of the accounts app."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Membership, Organization, User


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    """Return the memberships of ``user`` with their organizations."""
    return Membership.objects.filter(user=user).select_related("organization")


def organizations_to_join(*, user: User) -> QuerySet[Organization]:
    """Return the organizations ``user`` is not a member of yet."""
    return Organization.objects.exclude(memberships__user=user).order_by("legal_name")


def membership_for_user(*, user: User, pk: int) -> Membership:
    """Return one of ``user``'s own memberships, or raise 404."""
    return get_object_or_404(Membership, pk=pk, user=user)


def email_taken(*, email: str) -> bool:
    """Return whether an account, active or not, uses ``email`` (whatever its case)."""
    return User.objects.filter(email__iexact=email.strip()).exists()
