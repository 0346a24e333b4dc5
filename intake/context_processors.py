"""Template context of the intake app: the programs the signed-in user is staff of, for the navigation."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.choices import Role
from accounts.models import User
from intake import program_roles
from intake.models import Program
from records.sql import rows_read_compiled_for


def _staff_programs(request: HttpRequest) -> list[Program]:
    user = request.user
    if not isinstance(user, User) or not user.has_role(Role.STAFF):
        return []
    # The user's grants were read with the user: the programs are named by their keys, without
    # the grants' subquery that ``program_roles.programs_of`` joins (the same programs).
    ids = program_roles.program_ids(user, Role.STAFF)
    if ids is None:
        return list(_programs_listed(Program.objects.all()))
    # Compiled once per number of programs and run with their keys swapped in (ADR 0047, 0051):
    # building and compiling the read cost more than the database took to run it.
    return rows_read_compiled_for(
        Program, "staff_programs", lambda keys: _programs_listed(Program.objects.filter(pk__in=keys)), sorted(ids)
    )


def _programs_listed(programs: QuerySet[Program]) -> QuerySet[Program]:
    return programs.order_by("name_en").only("pk", "name_en", "name_fr")


def programs(request: HttpRequest) -> dict[str, object]:
    """Expose the programs the user is staff of, so the navigation lets them switch between them.

    Read here, before the template renders (every page's navigation shows them), and only for
    program staff: one query.
    """
    return {"staff_programs": _staff_programs(request)}
