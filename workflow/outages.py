"""Outages extend deadlines: incidents, the service standard that prices them, and applying them.

An incident is a time Clusterflow was out of service for some calls or all. Once it has
ended, staff apply it: every unsubmitted proposal of an affected call whose deadline it
touched gets the extension the service standard (``ExtensionRule`` rows, editable data)
gives for how long the outage lasted, by how long before the deadline it ended. The rule,
its band edges and its rounding are in docs/outages.md; the decision in the ADR.

Applying locks the incident, then the proposals, in one transaction: two staff applying
at once, one wins and the other is told. Applying twice changes nothing.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from intake.models import Call, Proposal
from intake.states import EDITABLE_STATES
from records.events import Event
from records.models import AuditRecord
from records.notifications import notify
from workflow.models import ExtensionRule, Incident, IncidentExtension, IncidentSource

logger = logging.getLogger(__name__)

#: The audit record's action when an incident extends a proposal's deadline.
OUTAGE_EXTENSION = "outage_extension"


# --- The service standard -------------------------------------------------------------------------


def outage_minutes(duration: timedelta) -> int:
    """Return how long an outage lasted in whole minutes, a started minute counting as a whole one."""
    return max(0, math.ceil(duration.total_seconds() / 60))


def minutes_left(before: timedelta) -> int:
    """Return the time left before the deadline in whole minutes, a minute not whole not counting; never below 0."""
    return max(0, math.floor(before.total_seconds() / 60))


def extension_rule_matching(
    *, outage: timedelta, before: timedelta, rules: Iterable[ExtensionRule]
) -> ExtensionRule | None:
    """Return the rule whose bands hold an outage that lasted ``outage`` and ended ``before`` the
    deadline (zero or negative: the deadline fell during the outage), or None."""
    lasted, left = outage_minutes(outage), minutes_left(before)
    for rule in rules:
        if (
            rule.outage_min_minutes <= lasted
            and (rule.outage_max_minutes is None or lasted <= rule.outage_max_minutes)
            and rule.before_min_minutes <= left <= rule.before_max_minutes
        ):
            return rule
    return None


def extension_for(*, outage: timedelta, before: timedelta, rules: Iterable[ExtensionRule]) -> int:
    """Return the extension in hours (0 for none) the rules give such an outage."""
    rule = extension_rule_matching(outage=outage, before=before, rules=rules)
    return 0 if rule is None else rule.extension_hours


def extension_rules() -> QuerySet[ExtensionRule]:
    """Return the service standard's rules, by outage length then time before the deadline."""
    return ExtensionRule.objects.order_by("outage_min_minutes", "before_min_minutes", "pk")


def extension_rule_for_staff(*, user: User, pk: int) -> ExtensionRule:
    """Return the rule ``pk`` if ``user`` is staff; 404 if there is no such rule."""
    _require_staff(user, _("Only program staff can change the service standard."))
    rule = ExtensionRule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404
    return rule


def extension_rule_input_errors(
    *,
    outage_min: int,
    outage_max: int | None,
    before_min: int,
    before_max: int,
    rule: ExtensionRule | None = None,
) -> dict[str, str]:
    """Return, by field, what is wrong with a rule's bands: out of order, or overlapping another rule."""
    errors: dict[str, str] = {}
    if outage_min < 1:
        errors["outage_min_minutes"] = _("An outage lasts at least one minute.")
    if outage_max is not None and outage_max < outage_min:
        errors["outage_max_minutes"] = _("The longest outage cannot be shorter than the shortest.")
    if before_max < before_min:
        errors["before_max_minutes"] = _("The upper bound of the time before the deadline is below its lower bound.")
    if errors:
        return errors
    overlapping = ExtensionRule.objects.filter(
        Q(outage_max_minutes__isnull=True) | Q(outage_max_minutes__gte=outage_min),
        before_min_minutes__lte=before_max,
        before_max_minutes__gte=before_min,
    )
    if outage_max is not None:
        overlapping = overlapping.filter(outage_min_minutes__lte=outage_max)
    if rule is not None and rule.pk:
        overlapping = overlapping.exclude(pk=rule.pk)
    other = overlapping.order_by("pk").first()
    if other is not None:
        errors["__all__"] = _("These bands overlap another rule (%(rule)s): an outage would match both.") % {
            "rule": str(other)
        }
    return errors


def extension_rule_save(
    *,
    rule: ExtensionRule | None,
    outage_min: int,
    outage_max: int | None,
    before_min: int,
    before_max: int,
    hours: int,
    by: User,
    expected_updated_at: datetime | None = None,
) -> ExtensionRule:
    """Create a rule of the service standard, or change ``rule``; refuse overlaps and stale edits."""
    _require_staff(by, _("Only program staff can change the service standard."))
    with transaction.atomic():
        # The table is small and edited rarely: locking all of it makes the overlap check exact.
        list(ExtensionRule.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
        if rule is not None:
            locked = ExtensionRule.objects.filter(pk=rule.pk).first()
            if locked is None:
                raise StaleAction(_("Somebody deleted this rule meanwhile."))
            if expected_updated_at is not None and locked.updated_at != expected_updated_at:
                raise StaleAction(_("Somebody changed this rule since you opened it: reload it and edit again."))
            rule = locked
        errors = extension_rule_input_errors(
            outage_min=outage_min, outage_max=outage_max, before_min=before_min, before_max=before_max, rule=rule
        )
        if errors:
            raise DomainError(" ".join(str(message) for message in errors.values()))
        rule = rule or ExtensionRule(in_standard=False)
        rule.outage_min_minutes, rule.outage_max_minutes = outage_min, outage_max
        rule.before_min_minutes, rule.before_max_minutes = before_min, before_max
        rule.extension_hours = hours
        rule.save()
    return rule


# --- Incidents ------------------------------------------------------------------------------------


def _require_staff(user: Any, message: str) -> None:
    if not isinstance(user, User) or not user.has_role(Role.STAFF):
        raise ActionForbidden(message)


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
    _require_staff(by, _("Only program staff can record an outage."))
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
    """Change an incident not applied yet; refused once applied or if somebody changed it meanwhile."""
    _require_staff(by, _("Only program staff can edit an outage."))
    fields = _incident_fields(started_at, ended_at, all_calls, description_en, description_fr)
    _check_incident(calls=calls, **fields)
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        refusal = incident_edit_refusal(locked)
        if refusal:
            raise StaleAction(refusal)
        if expected_updated_at is not None and locked.updated_at != expected_updated_at:
            raise StaleAction(_("Somebody changed this outage since you opened it: reload it and edit again."))
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*fields, "updated_at"])
        locked.calls.set(calls)
    return locked


def incidents_for_staff() -> QuerySet[Incident]:
    """Return every incident, latest first, with its calls and who recorded and applied it."""
    return Incident.objects.select_related("created_by", "applied_by").prefetch_related(
        Prefetch("calls", queryset=Call.objects.order_by("title_en", "pk"))
    )


def incident_for_staff(*, user: User, pk: int) -> Incident:
    """Return the incident ``pk`` if ``user`` is staff; 404 if there is no such incident."""
    _require_staff(user, _("Only program staff can manage outages."))
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


# --- Applying an incident -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedExtension:
    """What applying an incident gives one proposal: its deadline ``before`` and ``after``."""

    proposal: Proposal
    before: datetime
    after: datetime
    hours: int


def _affected(incident: Incident, rules: Sequence[ExtensionRule]) -> QuerySet[Proposal]:
    """The unsubmitted proposals of the incident's calls whose current deadline it may touch.

    A deadline before the outage started had passed already; one later than the widest
    band after the outage's end is too far to earn anything.
    """
    assert incident.ended_at is not None
    widest = max((rule.before_max_minutes for rule in rules), default=-1)
    proposals = (
        Proposal.objects.with_deadline()
        .filter(
            state__in=EDITABLE_STATES,
            current_deadline__gte=incident.started_at,
            current_deadline__lt=incident.ended_at + timedelta(minutes=widest + 1),
        )
        .select_related("call", "lead_applicant")
        .order_by("pk")
    )
    if not incident.all_calls:
        proposals = proposals.filter(call__in=list(incident.calls.all()))
    return proposals


def _plan(incident: Incident, proposals: Iterable[Proposal], rules: Sequence[ExtensionRule]) -> list[PlannedExtension]:
    assert incident.ended_at is not None
    duration = incident.ended_at - incident.started_at
    planned = []
    for proposal in proposals:
        deadline: datetime = proposal.current_deadline  # type: ignore[attr-defined]
        hours = extension_for(outage=duration, before=deadline - incident.ended_at, rules=rules)
        if hours:
            # From the deadline, or from the outage's end when the deadline fell during it:
            # the applicant gets the whole extension with the service running.
            after = max(deadline, incident.ended_at) + timedelta(hours=hours)
            planned.append(PlannedExtension(proposal=proposal, before=deadline, after=after, hours=hours))
    return planned


def incident_plan(*, incident: Incident) -> list[PlannedExtension]:
    """Return what applying ``incident`` now would give, proposal by proposal (empty while it goes on)."""
    if incident.ended_at is None or incident.applied_at is not None:
        return []
    rules = list(extension_rules())
    return _plan(incident, _affected(incident, rules), rules)


def _reason(incident: Incident, language: str) -> str:
    """The reason the applicant reads, in their language: the outage's times and its description."""
    with translation.override(language):
        assert incident.ended_at is not None
        text = _("Clusterflow was out of service from %(start)s to %(end)s (UTC).") % {
            "start": f"{incident.started_at.astimezone(UTC):%Y-%m-%d %H:%M}",
            "end": f"{incident.ended_at.astimezone(UTC):%Y-%m-%d %H:%M}",
        }
        description = incident.description
    return f"{text}\n{description}" if description else text


def incident_apply(*, incident: Incident, by: User) -> int:
    """Give every proposal the incident touched its extension, once; return how many were extended.

    In one transaction: the incident is locked and marked applied, then each affected
    proposal is locked, its deadline moved (never shortened: the new one is later than the
    one that applied), an audit record written and its lead applicant notified after commit.
    """
    _require_staff(by, _("Only program staff can apply an outage."))
    with transaction.atomic():
        locked = Incident.objects.select_for_update().filter(pk=incident.pk).first()
        if locked is None:
            raise Http404
        if locked.applied_at is not None:
            raise StaleAction(
                _("This outage was already applied on %(date)s: nothing was extended twice.")
                % {"date": f"{locked.applied_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"}
            )
        if locked.ended_at is None:
            raise DomainError(_("This outage is still going on: record its end before applying it."))
        rules = list(extension_rules())
        proposals = _affected(locked, rules).select_for_update(of=("self",))
        planned = _plan(locked, proposals, rules)
        now = timezone.now()
        given: set[tuple[int, str, int]] = set()
        for item in planned:
            proposal = item.proposal
            proposal.deadline_extended_until = item.after
            proposal.deadline_extended_for = proposal.state
            proposal.save(update_fields=["deadline_extended_until", "deadline_extended_for", "updated_at"])
            reason = _reason(locked, proposal.lead_applicant.preferred_language)
            record = AuditRecord.objects.create(
                proposal=proposal,
                action=OUTAGE_EXTENSION,
                from_state=proposal.state,
                to_state=proposal.state,
                actor=by,
                at=now,
                reason=reason,
                data={
                    "incident": locked.pk,
                    "from": item.before.isoformat(),
                    "until": item.after.isoformat(),
                    "hours": item.hours,
                },
            )
            notify(
                event=Event.EXTENSION_GRANTED,
                recipients=[proposal.lead_applicant],
                occurrence=f"audit{record.pk}",
                proposal=proposal,
                context={"reason": reason, "until": item.after.isoformat()},
            )
            given.add((proposal.call_id, proposal.state, item.hours))
        IncidentExtension.objects.bulk_create(
            [
                IncidentExtension(incident=locked, call_id=call_id, state=state, extension_hours=hours)
                for call_id, state, hours in sorted(given)
            ]
        )
        locked.applied_at, locked.applied_by = now, by
        locked.save(update_fields=["applied_at", "applied_by", "updated_at"])
    return len(planned)


# --- The health check -----------------------------------------------------------------------------

#: Where the time the database was first found down is kept until it is back (it cannot be written there).
DATABASE_DOWN_KEY = "outages:database-down-since"

PROBE_DESCRIPTIONS = {
    "database": gettext_lazy("The health check could not reach the database."),
    "broker": gettext_lazy("The health check could not reach the task broker: emails and deadline sweeps waited."),
}


def probe_database() -> bool:
    """Return whether the database answers a trivial query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure is the answer
        logger.warning("Health check: the database did not answer.", exc_info=True)
        return False


def probe_broker() -> bool:
    """Return whether the Celery broker accepts a connection."""
    from celery import current_app  # the configured app, read when the probe runs

    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=5)
        return True
    except Exception:  # any failure is the answer
        logger.warning("Health check: the broker did not answer.", exc_info=True)
        return False


PROBES: dict[str, Callable[[], bool]] = {"database": probe_database, "broker": probe_broker}


def _descriptions(probe: str) -> dict[str, str]:
    texts = {}
    for language in ("en", "fr"):
        with translation.override(language):
            texts[f"description_{language}"] = str(PROBE_DESCRIPTIONS[probe])
    return texts


def _record_probe(probe: str, healthy: bool, now: datetime) -> None:
    """Open an incident for ``probe`` when it fails and none is open; close the open one when it passes."""
    if healthy:
        with transaction.atomic():
            for open_incident in Incident.objects.select_for_update().filter(probe=probe, ended_at__isnull=True):
                open_incident.ended_at = max(now, open_incident.started_at + timedelta(seconds=1))
                open_incident.save(update_fields=["ended_at", "updated_at"])
        return
    if Incident.objects.filter(probe=probe, ended_at__isnull=True).exists():
        return
    try:
        with transaction.atomic():
            Incident.objects.create(
                started_at=now, source=IncidentSource.HEALTH_CHECK, probe=probe, all_calls=True, **_descriptions(probe)
            )
    except IntegrityError:  # another run opened it first: one open incident per probe
        pass


def _record_database(healthy: bool, now: datetime) -> None:
    """Remember in the cache when the database went down; record the whole outage once it is back."""
    if not healthy:
        cache.add(DATABASE_DOWN_KEY, now.isoformat(), timeout=None)
        return
    since = cache.get(DATABASE_DOWN_KEY)
    if since is None:
        return
    started = datetime.fromisoformat(since)
    Incident.objects.create(
        started_at=started,
        ended_at=max(now, started + timedelta(seconds=1)),
        source=IncidentSource.HEALTH_CHECK,
        all_calls=True,
        **_descriptions("database"),
    )
    cache.delete(DATABASE_DOWN_KEY)


def service_health_check(
    *, probes: Mapping[str, Callable[[], bool]] | None = None, now: datetime | None = None
) -> dict[str, bool]:
    """Probe the database and the broker; record an incident on failure and close it on recovery.

    Idempotent: while a probe keeps failing its one incident stays open, and a probe that
    passes closes only what is open. Return each probe's result.
    """
    now = now or timezone.now()
    results = {name: probe() for name, probe in (probes or PROBES).items()}
    for name, healthy in results.items():
        try:
            if name == "database":
                _record_database(healthy, now)
            else:
                _record_probe(name, healthy, now)
        except Exception:  # a failing store must not hide the other probes' results
            logger.exception("Health check: could not record the %s probe's result.", name)
    return results
