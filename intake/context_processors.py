"""Template context of the intake app: the programs the signed-in user is staff of, for the navigation."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.choices import Role
from accounts.models import User
from intake import program_roles
from intake.models import Program


def _staff_programs(request: HttpRequest) -> list[Program]:
    user = request.user
    if not isinstance(user, User) or not user.has_role(Role.STAFF):
        return []
    # The user's grants were read with the user: the programs are named by their keys, without
    # the grants' subquery that ``program_roles.programs_of`` joins (the same programs).
    ids = program_roles.program_ids(user, Role.STAFF)
    programs = Program.objects.all() if ids is None else Program.objects.filter(pk__in=sorted(ids))
    return list(programs.order_by("name_en").only("pk", "name_en", "name_fr"))


def programs(request: HttpRequest) -> dict[str, object]:
    """Expose the programs the user is staff of, so the navigation lets them switch between them.

    Read here, before the template renders (every page's navigation shows them), and only for
    program staff: one query.
    """
    return {"staff_programs": _staff_programs(request)}
