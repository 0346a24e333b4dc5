"""Which programs a user acts in, for each role held per program: the one rule every access check scopes by.

Program staff, board members, assessors and funders hold their role for programs
(``intake.models.ProgramRole``); applicants hold theirs everywhere. A staff member of one
program reads and does nothing of another's: every fetch of a program's things filters by
``in_programs`` (one ``EXISTS`` in the same query, so lists keep their number of queries),
every check of one thing asks ``holds``, and every message to "the program's staff" goes to
``audience``. A superuser holding a role's group acts in every program; so does a funder
whose grant names no program.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User
from intake.models import Program, ProgramRole


def forget(user: User) -> None:
    """Drop the grants read so far, so the next check reads them again (after a grant or a revocation)."""
    user.forget_roles()


def holds(user: Any, role: str, program_id: int | None) -> bool:
    """Return whether ``user`` holds ``role`` for the program ``program_id`` (``User.acts_in``)."""
    return isinstance(user, User) and user.acts_in(role, program_id)


def acts_everywhere(user: User, role: str) -> bool:
    """Return whether ``user`` holds ``role`` for every program (a superuser, or a funder's grant without one)."""
    return program_ids(user, role) is None


def program_ids(user: User, role: str) -> frozenset[int] | None:
    """Return the ids of the programs ``user`` holds ``role`` for; ``None`` when every program."""
    if not user.has_role(role):
        return frozenset()
    if user.is_superuser or (None, role) in user.program_grants:
        return None
    return frozenset(program for program, held in user.program_grants if held == role and program is not None)


def in_programs(user: User, role: str, field: str = "program") -> Q:
    """Select the rows whose ``field`` (a path to a program) is a program ``user`` holds ``role`` for.

    An ``EXISTS`` on the grants, so it joins the query it filters and costs no query of its own.
    """
    if not user.has_role(role):
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    grants = ProgramRole.objects.filter(user_id=user.pk, role=role).filter(
        Q(program_id=OuterRef(field)) | Q(program__isnull=True)
    )
    return Q(Exists(grants))


def programs_of(user: User, role: str) -> QuerySet[Program]:
    """Return the programs ``user`` holds ``role`` for, by name."""
    return Program.objects.filter(in_programs(user, role, "pk")).order_by("name_en")


def audience(role: str, program_id: int) -> Q:
    """Select, among users, the active holders of ``role`` for the program ``program_id``.

    A superuser is not told of everything: only those granted the role for the program are.
    """
    grants = ProgramRole.objects.filter(user_id=OuterRef("pk"), role=role).filter(
        Q(program_id=program_id) | Q(program__isnull=True)
    )
    holds_group = User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=role)
    return Q(is_active=True) & Q(Exists(holds_group)) & Q(Exists(grants))
