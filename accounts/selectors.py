"""Reads of the accounts app."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.choices import JoinRequestState, Role
from accounts.models import ApiToken, JoinRequest, Membership, Organization, SignInRecord, User


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    """Return the memberships of ``user`` with their organizations."""
    return Membership.objects.filter(user=user).select_related("organization")


def organizations_to_join(*, user: User) -> QuerySet[Organization]:
    """Return the organizations ``user`` is not a member of and has not already asked to join."""
    waiting = JoinRequest.objects.filter(user=user, state=JoinRequestState.PENDING)
    return (
        Organization.objects.exclude(memberships__user=user)
        .exclude(pk__in=waiting.values("organization_id"))
        .order_by("legal_name")
    )


def membership_for_user(*, user: User, pk: int) -> Membership:
    """Return one of ``user``'s own memberships, or raise 404."""
    return get_object_or_404(Membership, pk=pk, user=user)


def _staff() -> Q:
    return Q(is_active=True, groups__name=Role.STAFF)


def join_request_deciders(*, join_request: JoinRequest) -> QuerySet[User]:
    """Return who may answer ``join_request``: the organization's active members, or active staff when it has none.

    Any program's staff, not one program's: organizations are shared by every program (a
    company may take part in several clusters), so a request to join one is of no program.
    """
    members = User.objects.filter(is_active=True, memberships__organization_id=join_request.organization_id)
    if members.exists():
        return members.exclude(pk=join_request.user_id)
    return User.objects.filter(_staff()).exclude(pk=join_request.user_id).distinct()


def join_requests_to_decide(*, user: User) -> QuerySet[JoinRequest]:
    """Return the waiting requests ``user`` may answer, oldest first, with their people and organizations.

    Staff of any program answer those of organizations without members: organizations are
    shared by every program, so these requests are not scoped by program.
    """
    mine = Membership.objects.filter(user=user, organization_id=OuterRef("organization_id"))
    where = Q(Exists(mine))
    if user.has_role(Role.STAFF):
        where |= ~Q(Exists(Membership.objects.filter(organization_id=OuterRef("organization_id"))))
    return (
        JoinRequest.objects.filter(where, state=JoinRequestState.PENDING)
        .exclude(user=user)
        .select_related("user", "organization")
        .order_by("created_at", "pk")
    )


def join_requests_waiting(*, user: User) -> QuerySet[JoinRequest]:
    """Return ``user``'s own requests still waiting for an answer."""
    return JoinRequest.objects.filter(user=user, state=JoinRequestState.PENDING).select_related("organization")


def join_request_to_decide(*, user: User, pk: int) -> JoinRequest:
    """Return a waiting request ``user`` may answer, or raise 404."""
    return get_object_or_404(join_requests_to_decide(user=user), pk=pk)


def join_request_of_user(*, user: User, pk: int) -> JoinRequest:
    """Return one of ``user``'s own requests, or raise 404."""
    return get_object_or_404(JoinRequest.objects.select_related("organization"), pk=pk, user=user)


def email_taken(*, email: str) -> bool:
    """Return whether an account, active or not, uses ``email`` (whatever its case)."""
    return User.objects.filter(email__iexact=email.strip()).exists()


#: How many of the last sign-ins the profile shows.
SIGN_INS_SHOWN = 10


def sign_ins_for_user(*, user: User, limit: int = SIGN_INS_SHOWN) -> list[SignInRecord]:
    """Return the user's last ``limit`` sign-ins, newest first."""
    return list(SignInRecord.objects.filter(user=user).order_by("-at", "-pk")[:limit])


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """Return ``user``'s personal access tokens, newest first, revoked and expired ones included."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def api_token_of(*, user: User, pk: int) -> ApiToken:
    """Return ``user``'s token ``pk``, or raise 404 (another's token is never found)."""
    return get_object_or_404(ApiToken, user=user, pk=pk)


def api_token_by_hash(*, key_hash: str) -> ApiToken | None:
    """Return the token whose secret hashes to ``key_hash``, with its holder, or None."""
    return ApiToken.objects.select_related("user").filter(key_hash=key_hash).first()
