"""Incidents: the times Clusterflow was out of service, as staff record and edit them, and the lists of them.

An outage is the installation's, not a program's: any staff member reads the incidents and
records or edits one. An incident names the calls it affected, or all of them; a staff
member names only their programs' calls, and editing keeps the calls of other programs it
names. Applying it (``workflow.outage_extensions``) reaches into programs, so is scoped. It can be edited until it is
applied (``workflow.outage_extensions``); from then on it is the record of what happened.
The health check (``workflow.service_health``) records incidents on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from intake import program_roles
from intake.models import Call, Program
from workflow.models import Incident, IncidentExtension, IncidentSource


def require_staff(user: Any, message: str) -> None:
    """Refuse with ``message`` anyone but program staff: outages are the installation's, any staff's to record."""
    if not isinstance(user, User) or not user.has_role(Role.STAFF):
        raise ActionForbidden(message)


def require_staff_of_programs(user: Any, program_ids: Iterable[int | None], message: str) -> None:
    """Refuse with ``message`` anyone who is not staff of each of ``program_ids`` (``None``: every program).

    What reaches into programs (an outage's extensions, the service standard every program's
    outages are priced by) is done only by who is staff of each program it touches.
    """
    require_staff(user, message)
    held = program_roles.program_ids(user, Role.STAFF)
    if held is None:
        return
    wanted = set(program_ids)
    if None in wanted:
        wanted = set(Program.objects.values_list("pk", flat=True))
    if not wanted <= held:
        raise ActionForbidden(message)


def calls_for_incident(*, user: User) -> QuerySet[Call]:
    """Return the calls ``user`` may name as affected by an outage: those of the programs they are staff of."""
    return (
        Call.objects.filter(program_roles.in_programs(user, Role.STAFF))
        .select_related("program")
        .order_by("program__name_en", "title_en", "pk")
    )


def _require_calls_of_staff(by: User, calls: Sequence[Call]) -> None:
    """Refuse calls of a program ``by`` is not staff of: the form offers none, so only a forged post names one."""
    if any(not by.acts_in(Role.STAFF, call.program_id) for call in calls):
        raise ActionForbidden(_("You may name only the calls of the programs you are staff of."))


def incident_input_errors(
    *,
    started_at: datetime | None,
    ended_at: datetime | None,
    all_calls: bool,
    calls: Sequence[Call],
    description_en: str,
    description_fr: str,
    now: datetime | None = None,
) -> dict[str, str]:
    """Return, by field, why an incident cannot be recorded as typed (empty when it can)."""
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if started_at is not None and started_at > now:
        errors["started_at"] = _("An outage cannot start in the future.")
    if ended_at is not None:
        if ended_at > now:
            errors["ended_at"] = _("The end cannot be in the future: leave it empty while the outage goes on.")
        elif started_at is not None and ended_at <= started_at:
            errors["ended_at"] = _("The outage must end after it starts.")
    if not all_calls and not calls:
        errors["calls"] = _("Choose the calls the outage affected, or tick “All calls”.")
    if all_calls and calls:
        errors["calls"] = _("Either tick “All calls” or choose some calls, not both.")
    if not description_en.strip() and not description_fr.strip():
        errors["description_en"] = _("Describe the outage, in English, in French or both.")
    return errors


def _check_incident(**fields: Any) -> None:
    errors = incident_input_errors(**fields)
    if errors:
        raise DomainError(" ".join(errors.values()))


def incident_create(
    *,
    started_at: datetime,
    ended_at: datetime | None,
    all_calls: bool,
    calls: Sequence[Call],
    description_en: str,
    description_fr: str,
    by: User,
) -> Incident:
    """Record an outage staff observed."""
    require_staff(by, _("Only program staff can record an outage."))
    _require_calls_of_staff(by, calls)
    fields = _incident_fields(started_at, ended_at, all_calls, description_en, description_fr)
    _check_incident(calls=calls, **fields)
    with transaction.atomic():
        incident = Incident.objects.create(source=IncidentSource.STAFF, created_by=by, **fields)
        incident.calls.set(calls)
    return incident


def _incident_fields(
    started_at: datetime, ended_at: datetime | None, all_calls: bool, description_en: str, description_fr: str
) -> dict[str, Any]:
    """Return an incident's fields as staff typed them, the descriptions trimmed."""
    return {
        "started_at": started_at,
        "ended_at": ended_at,
        "all_calls": all_calls,
        "description_en": description_en.strip(),
        "description_fr": description_fr.strip(),
    }


def incident_edit_refusal(incident: Incident) -> str | None:
    """Return why ``incident`` can no longer be edited (it was applied), or None."""
    if incident.applied_at is not None:
        return _("This outage was applied: its extensions were given, so it is now the record of what happened.")
    return None


def incident_update(
    *,
    incident: Incident,
    started_at: datetime,
    ended_at: datetime | None,
    all_calls: bool,
    calls: Sequence[Call],
    description_en: str,
    description_fr: str,
    by: User,
    expected_updated_at: datetime | None = None,
) -> Incident:
    """Change an incident not applied yet; refused once applied or if somebody changed it meanwhile.

    ``calls`` are those of ``by``'s programs: the calls of other programs it names stay named.
    """
    require_staff(by, _("Only program staff can edit an outage."))
    _require_calls_of_staff(by, calls)
    fields = _incident_fields(started_at, ended_at, all_calls, description_en, description_fr)
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        kept = [] if all_calls else list(locked.calls.exclude(program_roles.in_programs(by, Role.STAFF)))
        _check_incident(calls=[*calls, *kept], **fields)
        refusal = incident_edit_refusal(locked)
        if refusal:
            raise StaleAction(refusal)
        if expected_updated_at is not None and locked.updated_at != expected_updated_at:
            raise StaleAction(_("Somebody changed this outage since you opened it: reload it and edit again."))
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*fields, "updated_at"])
        locked.calls.set([*calls, *kept])
    return locked


def incidents_for_staff() -> QuerySet[Incident]:
    """Return every incident, latest first, with its calls and who recorded and applied it."""
    return Incident.objects.select_related("created_by", "applied_by").prefetch_related(
        Prefetch("calls", queryset=Call.objects.order_by("title_en", "pk"))
    )


def incident_for_staff(*, user: User, pk: int) -> Incident:
    """Return the incident ``pk`` if ``user`` is staff; 404 if there is no such incident."""
    require_staff(user, _("Only program staff can manage outages."))
    incident = incidents_for_staff().filter(pk=pk).first()
    if incident is None:
        raise Http404
    return incident


def incidents_public() -> QuerySet[Incident]:
    """Return what the public status page shows: every incident, with the extensions it gave per call."""
    return Incident.objects.prefetch_related(
        Prefetch(
            "extensions",
            queryset=IncidentExtension.objects.select_related("call").order_by("call__title_en", "state", "pk"),
        ),
        Prefetch("calls", queryset=Call.objects.order_by("title_en", "pk")),
    )
