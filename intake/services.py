"""Use cases of programs and calls: one function each, keyword-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, StaleAction
from accounts.models import User
from intake.models import Call, Program

M = TypeVar("M", Program, Call)


def _require_staff(user: User) -> None:
    if not user.has_role(Role.STAFF):
        raise ActionForbidden(_("Only program staff can manage programs and calls."))


def _create(model: type[M], *, fields: dict[str, Any]) -> M:
    instance = model(**fields)
    instance.full_clean()
    instance.save()
    return instance


def _update_unless_changed(instance: M, *, expected_updated_at: datetime, fields: dict[str, Any]) -> M:
    """Save ``fields`` on ``instance`` unless somebody saved it since ``expected_updated_at``."""
    with transaction.atomic():
        current = type(instance).objects.select_for_update().get(pk=instance.pk)
        if current.updated_at != expected_updated_at:
            raise StaleAction(
                _(
                    "Somebody else saved this %(thing)s while you were editing it. Your changes are not saved yet: "
                    "review them against the current version and save again."
                )
                % {"thing": type(instance)._meta.verbose_name}
            )
        for name, value in fields.items():
            setattr(current, name, value)
        current.full_clean()
        current.save()
    return current


def program_create(*, by: User, **fields: Any) -> Program:
    """Create a program (a cluster)."""
    _require_staff(by)
    return _create(Program, fields=fields)


def program_update(*, program: Program, by: User, expected_updated_at: datetime, **fields: Any) -> Program:
    """Change a program, refusing if somebody else changed it first."""
    _require_staff(by)
    return _update_unless_changed(program, expected_updated_at=expected_updated_at, fields=fields)


def call_create(*, program: Program, by: User, **fields: Any) -> Call:
    """Open a new call in ``program``."""
    _require_staff(by)
    return _create(Call, fields={**fields, "program": program})


def call_update(*, call: Call, by: User, expected_updated_at: datetime, **fields: Any) -> Call:
    """Change a call's windows, envelope or rules, refusing if somebody else changed it first."""
    _require_staff(by)
    return _update_unless_changed(call, expected_updated_at=expected_updated_at, fields=fields)
