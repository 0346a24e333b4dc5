"""Reads of the registry: who is a member of a program, and the IP figures per program.

A *member* of a program is a person who acts for an organization (``accounts.Membership``)
holding a current membership of the program (``intake.ProgramMembership``: today, by the
server's clock, between its first and last day). ``members_q`` is that rule as a condition on
users; ``member_of_q`` the same rule seen from a row that names its program.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from intake.models import ProgramMembership
from registry.choices import AssetState, AssetType, Listing, RequestState
from registry.models import IPAsset, Licence, LicenceRequest


def _today(day: date | None) -> date:
    return day or timezone.localdate()


def member_of_q(*, user_id: int, program_field: str = "program", day: date | None = None) -> Q:
    """Select the rows whose ``program_field`` is a program the user ``user_id`` is a member of (one ``EXISTS``)."""
    held = ProgramMembership.objects.holding_on(_today(day)).filter(
        program_id=OuterRef(program_field), organization__memberships__user_id=user_id
    )
    return Q(Exists(held))


def member_programs(*, user_id: int, day: date | None = None) -> QuerySet[ProgramMembership, Any]:
    """Return the ids (``program_id``) of the programs the user ``user_id`` is a member of, as a subquery.

    Not correlated with the rows it filters (``program_id__in=``): the database reads it once per
    query, where ``member_of_q``'s ``EXISTS`` is evaluated for every row.
    """
    return (
        ProgramMembership.objects.holding_on(_today(day))
        .filter(organization__memberships__user_id=user_id)
        .values("program_id")
    )


def members_q(*, program_id: int, day: date | None = None) -> Q:
    """Select, among users, the members of the program ``program_id`` on ``day`` (today by default)."""
    held = ProgramMembership.objects.holding_on(_today(day)).filter(
        program_id=program_id, organization__memberships__user_id=OuterRef("pk")
    )
    return Q(is_active=True) & Q(Exists(held))


def program_members(*, program_id: int, day: date | None = None) -> QuerySet[User]:
    """Return the members of the program ``program_id``: the people of its member organizations today."""
    return User.objects.filter(members_q(program_id=program_id, day=day))


def is_member(*, user: Any, program_id: int, day: date | None = None) -> bool:
    """Return whether ``user`` is a member of the program ``program_id``."""
    if not isinstance(user, User):
        return False
    return program_members(program_id=program_id, day=day).filter(pk=user.pk).exists()


def member_organization_ids(*, user: User, program_id: int, day: date | None = None) -> list[int]:
    """Return the organizations ``user`` acts for that hold a current membership of ``program_id``."""
    return list(
        ProgramMembership.objects.holding_on(_today(day))
        .filter(program_id=program_id, organization__memberships__user=user)
        .values_list("organization_id", flat=True)
        .distinct()
    )


def registry_figures(*, program_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Return the IP figures of each program in ``program_ids``, in three queries whatever their number.

    Per program: ``assets`` (published, by type and by listing, and their total), ``to_check``
    (submitted), ``requests`` (by state, and their total) and ``licences`` (granted). The program
    outcomes read these; every program asked for has an entry, zeros where it has nothing.
    """
    figures: dict[int, dict[str, Any]] = {
        pk: {
            "assets": 0,
            "to_check": 0,
            "by_type": dict.fromkeys(AssetType.values, 0),
            "by_listing": dict.fromkeys(Listing.values, 0),
            "requests": 0,
            "requests_by_state": dict.fromkeys(RequestState.values, 0),
            "licences": 0,
        }
        for pk in program_ids
    }
    if not program_ids:
        return figures
    assets = (
        IPAsset.objects.filter(program_id__in=program_ids, state__in=[AssetState.PUBLISHED, AssetState.SUBMITTED])
        .values("program_id", "state", "asset_type", "listing")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in assets:
        entry = figures[row["program_id"]]
        if row["state"] == AssetState.SUBMITTED:
            entry["to_check"] += row["count"]
            continue
        entry["assets"] += row["count"]
        entry["by_type"][row["asset_type"]] += row["count"]
        entry["by_listing"][row["listing"]] += row["count"]
    requests = (
        LicenceRequest.objects.filter(asset__program_id__in=program_ids)
        .values("asset__program_id", "state")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for request_row in requests:
        entry = figures[request_row["asset__program_id"]]
        entry["requests"] += request_row["count"]
        entry["requests_by_state"][request_row["state"]] += request_row["count"]
    licences = (
        Licence.objects.filter(asset__program_id__in=program_ids)
        .values("asset__program_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for licence_row in licences:
        figures[licence_row["asset__program_id"]]["licences"] = licence_row["count"]
    return figures


def requests_count_by_asset(*, asset_ids: list[int]) -> dict[int, dict[str, int]]:
    """Return, per asset, its licence requests and licences granted (one query)."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"requests": 0, "licences": 0})
    rows = (
        LicenceRequest.objects.filter(asset_id__in=asset_ids)
        .values("asset_id", "state")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in rows:
        counts[row["asset_id"]]["requests"] += row["count"]
        if row["state"] == RequestState.AGREED:
            counts[row["asset_id"]]["licences"] += row["count"]
    return dict(counts)
