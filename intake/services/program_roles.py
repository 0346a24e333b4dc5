"""Granting and revoking the roles held for a program.

A superuser grants any program role in any program; a program's staff grant the roles of
their own program. The user holds the role's group while they hold it for some program.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.choices import PROGRAM_ROLES, Role
from accounts.errors import ActionForbidden, DomainError
from accounts.models import User
from intake import program_roles
from intake.models import Program, ProgramRole


def _require_granter(by: User, program: Program | None) -> None:
    if by.is_superuser and by.is_active:
        return
    if program is None or not program_roles.holds(by, Role.STAFF, program.pk):
        raise ActionForbidden(_("Only the program's staff, or a superuser, can grant or revoke its roles."))


def program_role_grant(*, by: User, user: User, program: Program | None, role: str) -> ProgramRole:
    """Give ``user`` the role ``role`` for ``program`` (for a funder, ``None``: every program)."""
    if role not in PROGRAM_ROLES:
        raise DomainError(_("This role is not held for a program."))
    if program is None and role != Role.FUNDER:
        raise DomainError(_("Only a funder's role may cover every program; choose a program."))
    _require_granter(by, program)
    if not user.is_active:
        raise DomainError(_("This account is closed: it cannot be given a role."))
    try:
        with transaction.atomic():
            grant = ProgramRole.objects.create(user=user, program=program, role=role, granted_by=by)
            group, _created = Group.objects.get_or_create(name=role)
            user.groups.add(group)
    except IntegrityError as error:
        raise DomainError(_("%(user)s already holds this role here.") % {"user": user.get_full_name()}) from error
    program_roles.forget(user)
    return grant


def program_role_revoke(*, by: User, grant: ProgramRole) -> None:
    """Take back ``grant``; the user leaves the role's group once they hold it for no program."""
    _require_granter(by, grant.program)
    if grant.role == Role.STAFF and grant.user_id == by.pk and not by.is_superuser:
        raise DomainError(_("You cannot take back your own staff role: ask another of the program's staff."))
    with transaction.atomic():
        ProgramRole.objects.filter(pk=grant.pk).delete()
        if not ProgramRole.objects.filter(user_id=grant.user_id, role=grant.role).exists():
            grant.user.groups.remove(*Group.objects.filter(name=grant.role))
    program_roles.forget(grant.user)
