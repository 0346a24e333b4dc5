"""The registry's daily sweep: licence requests waiting too long for an answer, escalated to the IP manager.

A request is *waiting* while it is open and was made more than
``settings.REGISTRY_ESCALATE_AFTER_DAYS`` days ago. Each IP manager gets at most one message a
day (its key holds the server's UTC date), listing the waiting requests of their programs only;
the sweep may run as often as beat likes and sends nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from intake.models import ProgramRole
from records.events import Event
from records.models import Notification
from records.notifications import notification_list_create, notification_rows
from registry.choices import RequestState
from registry.models import LicenceRequest


def escalation_cutoff(now: datetime | None = None) -> datetime:
    """Return the moment before which an open request counts as waiting too long."""
    return (now or timezone.now()) - timedelta(days=settings.REGISTRY_ESCALATE_AFTER_DAYS)


def requests_waiting(*, now: datetime | None = None) -> QuerySet[LicenceRequest]:
    """Return the open licence requests made before ``escalation_cutoff``, the oldest first."""
    return LicenceRequest.objects.filter(state=RequestState.OPEN, created_at__lt=escalation_cutoff(now)).order_by(
        "created_at", "pk"
    )


def _ip_managers_with_programs() -> list[tuple[User, frozenset[int] | None]]:
    """Return each active IP manager with their programs (``None``: every program), in one read."""
    holds = User.groups.through.objects.filter(user_id=OuterRef("user_id"), group__name=Role.IP_MANAGER)
    grants = (
        ProgramRole.objects.filter(Exists(holds), role=Role.IP_MANAGER, user__is_active=True)
        .order_by("user_id", "program_id")
        .values_list("user_id", "program_id")
    )
    programs: dict[int, set[int] | None] = {}
    for user_id, program_id in grants:
        held = programs.setdefault(user_id, set())
        if program_id is None:
            programs[user_id] = None
        elif held is not None:
            held.add(program_id)
    return [(User(pk=pk), None if held is None else frozenset(held)) for pk, held in programs.items()]


def licence_requests_escalate(*, now: datetime | None = None) -> int:
    """Tell each IP manager, once a day, of the licence requests of their programs waiting too long; return how many.

    Two reads (the waiting requests, the IP managers' grants) and one insert, whatever their number.
    """
    now = now or timezone.now()
    waiting = list(
        requests_waiting(now=now).values(
            "pk", "created_at", "organization__legal_name", "asset_id", "asset__title_en", "asset__title_fr",
            "asset__program_id",
        )
    )  # fmt: skip
    if not waiting:
        return 0
    rows: list[Notification] = []
    told = 0
    for manager, programs in _ip_managers_with_programs():
        items = [
            {
                "request": row["pk"],
                "title_en": row["asset__title_en"],
                "title_fr": row["asset__title_fr"],
                "organization": row["organization__legal_name"],
                "days": (now - row["created_at"]).days,
            }
            for row in waiting
            if programs is None or row["asset__program_id"] in programs
        ]
        if not items:
            continue
        told += 1
        rows += notification_rows(
            event=Event.LICENCE_REQUESTS_WAITING,
            recipients=[manager],
            occurrence=f"d{now.date().isoformat()}",
            context={"requests": items, "count": len(items)},
        )
    with transaction.atomic():
        notification_list_create(rows, may_exist=True)
    return told
