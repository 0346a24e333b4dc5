"""The consortium roles a call names (an adopter, an AI provider…): added, renamed and removed by its program's staff.

A role's slug is given once and never changes: the call's rules and the submitted versions name it.
A role some proposal's member takes cannot be removed. Every change is written to the audit log
against the call.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError
from accounts.models import User
from intake import program_roles as role_rules
from intake.models import Call, ConsortiumRole
from records.models import AuditRecord

#: The audit log's actions of a call's consortium roles.
ROLE_ADD = "consortium_role_add"
ROLE_CHANGE = "consortium_role_change"
ROLE_REMOVE = "consortium_role_remove"


def _require_staff_of(by: User, call: Call) -> None:
    if not role_rules.holds(by, Role.STAFF, call.program_id):
        raise ActionForbidden(_("Only the program's staff can name the consortium roles of its calls."))


def _names(role: ConsortiumRole) -> dict[str, Any]:
    return {"slug": role.slug, "name_en": role.name_en, "name_fr": role.name_fr, "position": role.position}


def _audit(role: ConsortiumRole, *, by: User, action: str, before: dict[str, Any] | None, after: Any) -> None:
    AuditRecord.objects.create(
        call_id=role.call_id, action=action, actor=by, data={"role": role.slug, "before": before, "after": after}
    )


def _clean(role: ConsortiumRole) -> None:
    """Refuse blank names and a name or slug another role of the call has, beside the field."""
    role.name_en, role.name_fr = role.name_en.strip(), role.name_fr.strip()
    role.full_clean(validate_unique=False, validate_constraints=False)
    others = ConsortiumRole.objects.filter(call_id=role.call_id).exclude(pk=role.pk)
    errors: dict[str, list[str]] = {}
    if others.filter(slug=role.slug).exists():
        errors["slug"] = [_("Another role of this call has this short name.")]
    for field in ("name_en", "name_fr"):
        if others.filter(**{f"{field}__iexact": getattr(role, field)}).exists():
            errors[field] = [_("Another role of this call has this name.")]
    if errors:
        raise ValidationError(errors)


def consortium_role_add(*, by: User, call: Call, name_en: str, name_fr: str, slug: str = "") -> ConsortiumRole:
    """Name a new consortium role of ``call``, last in its order; its slug from the English name unless given."""
    _require_staff_of(by, call)
    with transaction.atomic():
        Call.objects.select_for_update().filter(pk=call.pk).first()
        last = ConsortiumRole.objects.filter(call=call).aggregate(last=Max("position"))["last"]
        role = ConsortiumRole(
            call=call,
            slug=slug.strip() or slugify(name_en)[:50],
            name_en=name_en,
            name_fr=name_fr,
            position=0 if last is None else last + 1,
        )
        if not role.slug:
            raise ValidationError({"slug": _("Give a short name of letters, digits and hyphens.")})
        _clean(role)
        role.save()
        _audit(role, by=by, action=ROLE_ADD, before=None, after=_names(role))
    return role


def consortium_role_change(
    *, by: User, role: ConsortiumRole, name_en: str, name_fr: str, position: int
) -> ConsortiumRole:
    """Rename ``role`` or move it in the call's order; its slug stays."""
    _require_staff_of(by, role.call)
    with transaction.atomic():
        Call.objects.select_for_update().filter(pk=role.call_id).first()
        current = ConsortiumRole.objects.get(pk=role.pk)
        before = _names(current)
        current.name_en, current.name_fr, current.position = name_en, name_fr, position
        _clean(current)
        if _names(current) != before:
            current.save(update_fields=["name_en", "name_fr", "position"])
            _audit(current, by=by, action=ROLE_CHANGE, before=before, after=_names(current))
    return current


def consortium_role_remove(*, by: User, role: ConsortiumRole) -> None:
    """Remove ``role`` from its call, unless a member of some proposal takes it."""
    _require_staff_of(by, role.call)
    with transaction.atomic():
        Call.objects.select_for_update().filter(pk=role.call_id).first()
        taken = ConsortiumRole.members.through.objects.filter(consortiumrole_id=role.pk).count()
        if taken:
            raise DomainError(
                ngettext(
                    "“%(role)s” is taken by %(count)s member of a proposal's consortium: it cannot be removed. "
                    "Rename it instead.",
                    "“%(role)s” is taken by %(count)s members of proposals' consortia: it cannot be removed. "
                    "Rename it instead.",
                    taken,
                )
                % {"role": role.name, "count": taken}
            )
        _audit(role, by=by, action=ROLE_REMOVE, before=_names(role), after=None)
        role.delete()
