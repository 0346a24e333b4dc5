"""Who reads which asset and which licence request: the one rule of every registry page, search and export.

An asset's listing, chosen by its owners, says who reads it once published:

- ``public``: everyone, signed in or not;
- ``members``: the members of its program (``registry.selectors.members.members_q``);
- ``private``: nobody more than what follows.

Whatever its listing and state, its owners' people (the members of an owning organization),
and the IP manager and staff of its program, read it; an asset not published (a draft,
one waiting for the IP manager's check, one withdrawn) is read by them only, a draft by its
owners' people only. A licence request is read by its requesting side (the people of the
requesting organization), the asset's owners' people and the program's IP manager and staff.

Each rule is a condition joined to the query it filters (an ``IN`` on a subquery not
correlated with the rows, read once per query, or an ``EXISTS``), so a list, a search page or
an export costs the same number of queries whatever it holds.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.choices import Role
from accounts.models import User
from intake import program_roles
from registry.choices import AssetState, Listing
from registry.models import AssetOwner, IPAsset, Licence, LicenceRequest
from registry.selectors.members import member_programs

#: The roles that keep a program's registry: they read all of its assets but drafts, and its requests.
KEEPERS = (Role.IP_MANAGER, Role.STAFF)


def _signed_in(user: Any) -> bool:
    return isinstance(user, User) and user.is_authenticated and user.is_active


def owner_q(*, user_id: int, asset_field: str = "pk") -> Q:
    """Select the assets (through ``asset_field``) one of whose owners ``user_id`` acts for.

    An ``IN`` on the assets their organizations own, not correlated with the rows it filters: the
    database reads it once per query, not once per asset (a list counts every asset it may show).
    """
    owned = AssetOwner.objects.filter(organization__memberships__user_id=user_id).values("asset_id")
    return Q(**{f"{asset_field}__in": owned})


def keeper_q(user: User, *, program_field: str = "program") -> Q:
    """Select the rows of the programs ``user`` is IP manager or staff of."""
    condition = Q(pk__in=[])
    for role in KEEPERS:
        if user.has_role(role):
            condition |= program_roles.in_programs(user, role, program_field)
    return condition


def asset_visible_q(user: Any) -> Q:
    """Return the condition on assets that ``user`` (anonymous included) may read."""
    published = Q(state=AssetState.PUBLISHED)
    visible = published & Q(listing=Listing.PUBLIC)
    if not _signed_in(user):
        return visible
    visible |= published & Q(listing=Listing.MEMBERS, program_id__in=member_programs(user_id=user.pk))
    visible |= owner_q(user_id=user.pk)
    visible |= ~Q(state=AssetState.DRAFT) & keeper_q(user)
    return visible


def assets_visible_to(*, user: Any) -> QuerySet[IPAsset]:
    """Return the assets ``user`` may read, with their program."""
    return IPAsset.objects.select_related("program").filter(asset_visible_q(user))


def asset_for_user(*, user: Any, pk: int) -> IPAsset:
    """Return the asset ``pk`` if ``user`` may read it, or raise 404 (never saying that it exists)."""
    return get_object_or_404(assets_visible_to(user=user), pk=pk)


def is_owner(*, user: Any, asset: IPAsset) -> bool:
    """Return whether ``user`` acts for one of ``asset``'s owners."""
    return _signed_in(user) and AssetOwner.objects.filter(asset=asset, organization__memberships__user=user).exists()


def is_keeper(*, user: Any, asset: IPAsset) -> bool:
    """Return whether ``user`` is the IP manager of ``asset``'s program (they check and publish)."""
    return _signed_in(user) and program_roles.holds(user, Role.IP_MANAGER, asset.program_id)


def request_visible_q(user: Any) -> Q:
    """Return the condition on licence requests that ``user`` may read."""
    if not _signed_in(user):
        return Q(pk__in=[])
    requester = Q(requested_by=user.pk) | Q(organization__memberships__user=user.pk)
    return requester | owner_q(user_id=user.pk, asset_field="asset_id") | keeper_q(user, program_field="asset__program")


def requests_visible_to(*, user: Any) -> QuerySet[LicenceRequest]:
    """Return the licence requests ``user`` may read, with their asset and organizations."""
    return LicenceRequest.objects.filter(
        pk__in=LicenceRequest.objects.filter(request_visible_q(user)).values("pk")
    ).select_related("asset", "asset__program", "organization", "requested_by")


def request_for_user(*, user: Any, pk: int) -> LicenceRequest:
    """Return the licence request ``pk`` if ``user`` may read it, or raise 404."""
    return get_object_or_404(requests_visible_to(user=user), pk=pk)


def is_requester(*, user: Any, request: LicenceRequest) -> bool:
    """Return whether ``user`` is on the requesting side of ``request``."""
    return _signed_in(user) and (
        request.requested_by_id == user.pk or request.organization.memberships.filter(user=user).exists()
    )


def licence_for_user(*, user: Any, pk: int) -> Licence:
    """Return the licence ``pk`` if ``user`` may read its request (its document included), or raise 404."""
    visible = LicenceRequest.objects.filter(request_visible_q(user)).values("pk")
    return get_object_or_404(
        Licence.objects.select_related("asset", "licensee", "request", "recorded_by").filter(request__in=visible),
        pk=pk,
    )
