"""Outages extend deadlines: the service standard that prices an incident, and applying it.

Once an incident (``workflow.incidents``) has ended, staff apply it: every unsubmitted
proposal of an affected call whose deadline it touched gets the extension the service
standard (``ExtensionRule`` rows, editable data) gives for how long the outage lasted, by
how long before the deadline it ended. The rule, its band edges and its rounding are in
docs/outages.md; the decision in the ADR.

Applying locks the incident, then the proposals, in one transaction: two staff applying
at once, one wins and the other is told. Applying twice changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.errors import DomainError, StaleAction
from accounts.models import User
from intake.models import Proposal
from intake.states import EDITABLE_STATES
from records.events import Event
from records.models import AuditRecord
from records.notifications import notify
from workflow.actions import OUTAGE_EXTENSION as OUTAGE_EXTENSION_STEP
from workflow.incidents import require_staff, require_staff_of_programs
from workflow.models import ExtensionRule, Incident, IncidentExtension

#: The audit record's action when an incident extends a proposal's deadline.
OUTAGE_EXTENSION = OUTAGE_EXTENSION_STEP.name


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


#: Why a staff member who is not staff of every program may not change the service standard.
STANDARD_REFUSED = gettext_lazy(
    "Only staff of every program can change the service standard, which prices every program's outages."
)


def service_standard_editor_require(*, user: User) -> None:
    """Refuse (403) whoever may not change the service standard: anyone but staff of every program.

    The service standard is one table for the installation (no rule is of a program or a
    call): any staff member reads it, only staff of every program change it.
    """
    require_staff_of_programs(user, [None], str(STANDARD_REFUSED))


def extension_rule_for_staff(*, user: User, pk: int) -> ExtensionRule:
    """Return the rule ``pk`` to change if ``user`` may change the standard (403 otherwise); 404 if there is none."""
    service_standard_editor_require(user=user)
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
    """Create a rule of the service standard, or change ``rule``; refuse overlaps and stale edits.

    Only staff of every program may (``extension_rule_for_staff``).
    """
    require_staff_of_programs(by, [None], str(STANDARD_REFUSED))
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

    Only staff of every program whose proposals it extends may apply it (403 otherwise,
    nothing written): it writes to those programs' proposals.

    In one transaction: the incident is locked and marked applied, then each affected
    proposal is locked, its deadline moved (never shortened: the new one is later than the
    one that applied), an audit record written and its lead applicant notified after commit.
    """
    require_staff(by, _("Only program staff can apply an outage."))
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
        require_staff_of_programs(
            by,
            {item.proposal.call.program_id for item in planned},
            _("This outage extends deadlines in programs you are not staff of: staff of each of them must apply it."),
        )
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
