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
    return list(program_roles.programs_of(user, Role.STAFF).only("pk", "name_en", "name_fr"))


def programs(request: HttpRequest) -> dict[str, object]:
    """Expose the programs the user is staff of, so the navigation lets them switch between them.

    Read here, before the template renders (every page's navigation shows them), and only for
    program staff: one query.
    """
    return {"staff_programs": _staff_programs(request)}
