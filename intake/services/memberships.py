"""The program's members: organizations holding a membership of a program, with dates, kept by its staff.

Each write is the program's staff's (``intake.program_roles``), runs with the program's row locked,
so two staff cannot record overlapping memberships of one organization at once, and is written to
the audit log against the program, with the dates before and after. A membership is never deleted
here: it ends (its last day is set), and its history stays.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden
from accounts.models import Organization, User
from intake import program_roles as role_rules
from intake.models import Program, ProgramMembership
from records.models import AuditRecord

#: The audit log's actions of a program's memberships.
MEMBERSHIP_ADD = "membership_add"
MEMBERSHIP_CHANGE = "membership_change"


def _require_staff_of(by: User, program_id: int) -> None:
    if not role_rules.holds(by, Role.STAFF, program_id):
        raise ActionForbidden(_("Only the program's staff can keep its members."))


def _dates(membership: ProgramMembership) -> dict[str, Any]:
    return {
        "starts_on": membership.starts_on.isoformat(),
        "ends_on": membership.ends_on.isoformat() if membership.ends_on else None,
        "note": membership.note,
    }


def _audit(membership: ProgramMembership, *, by: User, action: str, before: dict[str, Any] | None) -> None:
    AuditRecord.objects.create(
        program_id=membership.program_id,
        action=action,
        actor=by,
        data={
            "membership": membership.pk,
            "organization": membership.organization_id,
            "organization_name": membership.organization.legal_name,
            "before": before,
            "after": _dates(membership),
        },
    )


def membership_add(
    *, by: User, program: Program, organization: Organization, starts_on: date, ends_on: date | None, note: str = ""
) -> ProgramMembership:
    """Record that ``organization`` is a member of ``program`` from ``starts_on`` to ``ends_on`` (None: no end).

    Refused beside the field (``ValidationError``) when it ends before it starts or shares a day with
    another membership of the organization in the program.
    """
    _require_staff_of(by, program.pk)
    with transaction.atomic():
        Program.objects.select_for_update().filter(pk=program.pk).first()
        membership = ProgramMembership(
            program=program,
            organization=organization,
            starts_on=starts_on,
            ends_on=ends_on,
            note=note.strip(),
            created_by=by,
        )
        membership.full_clean(exclude=["created_by"])
        membership.save()
        _audit(membership, by=by, action=MEMBERSHIP_ADD, before=None)
    return membership


def membership_change(
    *, by: User, membership: ProgramMembership, starts_on: date, ends_on: date | None, note: str = ""
) -> ProgramMembership:
    """Change the dates or the note of ``membership``: ending it is giving its last day."""
    _require_staff_of(by, membership.program_id)
    with transaction.atomic():
        Program.objects.select_for_update().filter(pk=membership.program_id).first()
        current = ProgramMembership.objects.select_related("organization").get(pk=membership.pk)
        before = _dates(current)
        current.starts_on, current.ends_on, current.note = starts_on, ends_on, note.strip()
        current.full_clean(exclude=["created_by"])
        if _dates(current) != before:
            current.save(update_fields=["starts_on", "ends_on", "note"])
            _audit(current, by=by, action=MEMBERSHIP_CHANGE, before=before)
    return current
