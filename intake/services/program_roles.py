"""Granting and revoking the roles held for a program.

A superuser grants any program role in any program, a funder's for every program too (in
the admin); a program's staff grant its staff, board member and assessor roles from the
program's people page. Funders read figures across programs, so only a superuser names
them. The user holds the role's group while they hold it for some program. Each grant and
revocation is written to the security log (the audit log records proposals' and meetings'
steps only), once the change is committed.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.choices import PROGRAM_ROLES, Role
from accounts.errors import ActionForbidden, DomainError
from accounts.models import User
from intake import program_roles
from intake.models import Program, ProgramRole

logger = logging.getLogger("clusterflow.security")


def _require_granter(by: User, program: Program | None, role: str) -> None:
    if by.is_superuser and by.is_active:
        return
    if role == Role.FUNDER:
        raise ActionForbidden(_("Only a superuser can grant or revoke a funder's role."))
    if program is None or not program_roles.holds(by, Role.STAFF, program.pk):
        raise ActionForbidden(_("Only the program's staff, or a superuser, can grant or revoke its roles."))


def _log_on_commit(message: str, by: User, user_email: str, role: str, program: Program | None) -> None:
    where = program.slug if program is not None else "every program"
    by_email = by.email
    transaction.on_commit(lambda: logger.info(message, role, user_email, where, by_email))


def program_role_grant(*, by: User, user: User, program: Program | None, role: str) -> ProgramRole:
    """Give ``user`` the role ``role`` for ``program`` (for a funder, ``None``: every program)."""
    if role not in PROGRAM_ROLES:
        raise DomainError(_("This role is not held for a program."))
    if program is None and role != Role.FUNDER:
        raise DomainError(_("Only a funder's role may cover every program; choose a program."))
    _require_granter(by, program, role)
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
    _log_on_commit("Program role granted: %s to email %r in %s by %r", by, user.email, role, program)
    return grant


def program_role_revoke(*, by: User, grant: ProgramRole) -> None:
    """Take back ``grant``; the user leaves the role's group once they hold it for no program."""
    _require_granter(by, grant.program, grant.role)
    if grant.role == Role.STAFF and grant.user_id == by.pk and not by.is_superuser:
        raise DomainError(_("You cannot take back your own staff role: ask another of the program's staff."))
    with transaction.atomic():
        ProgramRole.objects.filter(pk=grant.pk).delete()
        if not ProgramRole.objects.filter(user_id=grant.user_id, role=grant.role).exists():
            grant.user.groups.remove(*Group.objects.filter(name=grant.role))
    program_roles.forget(grant.user)
    _log_on_commit(
        "Program role revoked: %s from email %r in %s by %r", by, grant.user.email, grant.role, grant.program
    )
