"""Clusterflow's calls, proposals and projects in CommonGrants v0.4's shapes (docs/common-grants.md).

Pure shaping: every object comes read by a selector with what it shows prefetched, so a page of
them adds no query. Money is a string with two decimals in Canadian dollars; timestamps are UTC;
a call's dates are given in the call's own timezone, which each event's description names.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from django.utils.translation import gettext as _

from accounts.choices import OrganizationType
from intake.choices import CallPhase
from intake.models import Call, Proposal, Stage
from intake.states import ProposalState
from projects.models import Project

#: Every amount Clusterflow records is in Canadian dollars.
CURRENCY = "CAD"

#: The protocol's opportunity statuses by the call's phase (``Call.phase``, the server's clock).
OPPORTUNITY_STATUS = {
    CallPhase.UPCOMING: "forecasted",
    CallPhase.LOI_OPEN: "open",
    CallPhase.APPLICATIONS_OPEN: "open",
    CallPhase.IN_REVIEW: "closed",
    CallPhase.DECIDED: "closed",
}

#: The protocol's applicant types by Clusterflow's organization types: an exact equivalent where there is one,
#: else ``custom`` with Clusterflow's code as its custom value (the US categories do not fit Canadian ones).
APPLICANT_TYPES: dict[str, str] = {
    OrganizationType.SME: "for_profit_small_business",
    OrganizationType.LARGE_COMPANY: "for_profit_not_small_business",
}

S = ProposalState
#: The protocol's application statuses by the proposal's state (as the reader may know it); others are ``custom``.
APPLICATION_STATUS: dict[str, str] = {
    **dict.fromkeys((S.DRAFT, S.INVITED, S.CHANGES_REQUESTED), "inProgress"),
    **dict.fromkeys((S.LOI_SUBMITTED, S.SUBMITTED, S.IN_ASSESSMENT, S.ASSESSED, S.BOARD_REVIEW), "submitted"),
    **dict.fromkeys((S.APPROVED, S.CONTRACTING, S.ACTIVE, S.CLOSING, S.CLOSED, S.TERMINATED), "accepted"),
    **dict.fromkeys((S.LOI_DECLINED, S.INELIGIBLE, S.DECLINED), "rejected"),
}
#: The protocol's award statuses by the funded project's state.
AWARD_STATUS: dict[str, str] = {
    **dict.fromkeys((S.CONTRACTING, S.ACTIVE, S.CLOSING), "awarded"),
    S.CLOSED: "completed",
    S.TERMINATED: "cancelled",
}


def states_of(statuses: dict[str, str], value: str) -> list[str]:
    """Return the proposal states that read as the protocol's status ``value`` (``custom``: every state unmapped)."""
    if value == "custom":
        return [state for state in S if state not in statuses]
    return [state for state, status in statuses.items() if status == value]


def money(amount: Decimal) -> dict[str, str]:
    """Return ``amount`` as the protocol's Money: a decimal string with two places, in Canadian dollars."""
    return {"amount": f"{amount:.2f}", "currency": CURRENCY}


def timestamp(moment: datetime) -> str:
    """Return ``moment`` in UTC, ISO 8601, to the second."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def competition_id(call: Call, stage: Stage) -> UUID:
    """Return the competition id of ``stage`` of ``call``: derived from the call's identifier and the stage's kind.

    A call's stages are what CommonGrants calls competitions (each its own form and window); they have no
    identifier of their own, and the competition routes are not served, so the id only tells stages apart.
    """
    return uuid5(call.uuid, f"stage:{stage.kind}")


def _custom(name: str, field_type: str, value: Any, description: str) -> dict[str, Any]:
    return {"name": name, "fieldType": field_type, "value": value, "description": description}


def _single(name: str, moment: datetime, zone_name: str, description: str) -> dict[str, Any]:
    local = moment.astimezone(zoneinfo.ZoneInfo(zone_name))
    return {
        "name": name,
        "eventType": "singleDate",
        "date": local.date().isoformat(),
        "time": local.time().replace(microsecond=0, tzinfo=None).isoformat(),
        "description": f"{description} ({zone_name})",
    }


def _range(name: str, starts: datetime, ends: datetime, zone_name: str, description: str) -> dict[str, Any]:
    zone = zoneinfo.ZoneInfo(zone_name)
    start, end = starts.astimezone(zone), ends.astimezone(zone)
    return {
        "name": name,
        "eventType": "dateRange",
        "startDate": start.date().isoformat(),
        "startTime": start.time().replace(microsecond=0, tzinfo=None).isoformat(),
        "endDate": end.date().isoformat(),
        "endTime": end.time().replace(microsecond=0, tzinfo=None).isoformat(),
        "description": f"{description} ({zone_name})",
    }


def call_close_date(call: Call) -> date:
    """Return the day the call closes (its last stage's close), in the call's timezone."""
    stages = list(call.stages.all())
    closes = stages[-1].closes_at if stages else call.application_closes_at
    return closes.astimezone(call.zone).date()


def call_max_award(call: Call) -> Decimal | None:
    """Return the most the cluster funds one project in ``call``: its lowest cap on the cluster's funding, if any."""
    caps = [Decimal(str(rule.param("max_funding"))) for rule in call.all_rules().of_kind("project_cap")]
    return min(caps) if caps else None


def call_applicant_types(call: Call) -> list[str]:
    """Return the organization types that may receive the call's funds (every type unless a rule names them)."""
    allowed = [str(kind) for kind in OrganizationType]
    for rule in call.all_rules().of_kind("funded_types"):
        named = set(rule.param("types") or ())
        allowed = [kind for kind in allowed if kind in named]
    return allowed


def opportunity(call: Call, *, now: datetime, source: str) -> dict[str, Any]:
    """Return ``call`` (read by ``intake.selectors.calls_public``) as a CommonGrants opportunity at ``now``."""
    phase = call.phase(now)
    stages = list(call.stages.all())
    zone_name = call.timezone
    funding: dict[str, Any] = {"totalAmountAvailable": money(call.funding_envelope)}
    max_award = call_max_award(call)
    if max_award is not None:
        funding["maxAwardAmount"] = money(max_award)
    last_close = stages[-1].closes_at if stages else call.application_closes_at
    other_dates: dict[str, Any] = {
        f"stage_{stage.kind}": _range(
            str(stage.get_kind_display()), stage.opens_at, stage.closes_at, zone_name, _("The stage's window")
        )
        for stage in stages
    }
    other_dates["reviewsDue"] = _single(_("Reviews due"), call.review_due_at, zone_name, _("Assessors' reviews due"))
    other_dates["boardMeeting"] = _single(
        _("Board meeting"), call.board_meeting_at, zone_name, _("The board decides on the proposals")
    )
    for number, cut_off in enumerate(call.cut_offs.all(), start=1):
        other_dates[f"cutOff{number}"] = _single(
            _("Review cut-off %(number)d") % {"number": number},
            cut_off.at,
            zone_name,
            _("Proposals submitted since the previous cut-off are reviewed together"),
        )
    applicant_types = [
        {"value": APPLICANT_TYPES[kind], "description": str(OrganizationType(kind).label)}
        if kind in APPLICANT_TYPES
        else {"value": "custom", "customValue": kind, "description": str(OrganizationType(kind).label)}
        for kind in call_applicant_types(call)
    ]
    custom_fields = {
        "program": _custom("program", "string", call.program.localized("name"), _("The program the call belongs to")),
        "phase": _custom("phase", "string", str(phase), _("Where the call stands: %(phase)s") % {"phase": phase.label}),
        "intakeMode": _custom("intakeMode", "string", call.intake_mode, str(call.get_intake_mode_display())),
        "timezone": _custom("timezone", "string", zone_name, _("The timezone the call's dates are given in")),
        "stages": _custom(
            "stages",
            "array",
            [
                {
                    "kind": stage.kind,
                    "name": str(stage.get_kind_display()),
                    "opensAt": timestamp(stage.opens_at),
                    "closesAt": timestamp(stage.closes_at),
                    "competitionId": str(competition_id(call, stage)),
                }
                for stage in stages
            ],
            _("The call's stages in order, each with its window in UTC"),
        ),
        "consortiumRoles": _custom(
            "consortiumRoles",
            "array",
            [{"slug": role.slug, "name": role.name} for role in call.consortium_roles.all()],
            _("The roles the call names for the organizations of a consortium"),
        ),
        "eligibilityRules": _custom(
            "eligibilityRules",
            "array",
            [{"kind": rule.kind, **text} for rule, text in zip(call.all_rules(), call.rules_described(), strict=True)],
            _("The call's eligibility rules, each with what it demands and the stages it applies at"),
        ),
        "ipReview": _custom("ipReview", "boolean", call.ip_review, _("The program's IP manager reviews each IP plan")),
        "partialRandomisation": _custom(
            "partialRandomisation",
            "boolean",
            call.partial_randomisation,
            _("The board may draw lots among proposals the ranking cannot separate"),
        ),
        "translations": _custom(
            "translations",
            "object",
            {
                "en": {"title": call.title_en, "description": call.description_en},
                "fr": {"title": call.title_fr, "description": call.description_fr},
            },
            _("The call's title and description in English and French"),
        ),
    }
    return {
        "id": str(call.uuid),
        "title": call.title,
        "status": {"value": OPPORTUNITY_STATUS[phase], "description": str(phase.label)},
        "description": call.description,
        "funding": funding,
        "keyDates": {
            "closeDate": _single(_("Closes"), last_close, zone_name, _("The call's last stage closes")),
            "otherDates": other_dates,
        },
        "acceptedApplicantTypes": applicant_types,
        "source": source,
        "customFields": custom_fields,
        "createdAt": timestamp(call.created_at),
        "lastModifiedAt": timestamp(getattr(call, "last_modified_at", None) or call.updated_at),
    }


def application_status(proposal: Proposal) -> dict[str, str]:
    """Return the protocol's status of ``proposal`` in the state its reader may know (``workflow.access``)."""
    value = APPLICATION_STATUS.get(proposal.state)
    label = str(proposal.get_state_display())
    if value is None:
        return {"value": "custom", "customValue": str(proposal.state), "description": label}
    return {"value": value, "description": label}


def application(proposal: Proposal) -> dict[str, Any]:
    """Return ``proposal`` (read through ``workflow.access.proposals_visible_to``) as a CommonGrants application."""
    call = proposal.call
    custom_fields = {
        "state": _custom("state", "string", str(proposal.state), str(proposal.get_state_display())),
        "stage": _custom("stage", "string", proposal.stage.kind, str(proposal.stage.get_kind_display())),
        "leadOrganization": _custom(
            "leadOrganization",
            "string",
            proposal.lead_organization.legal_name,
            _("The organization leading the proposal"),
        ),
        "summary": _custom("summary", "string", proposal.summary, _("The proposal's summary")),
    }
    if proposal.approved_amount is not None:
        custom_fields["approvedAmount"] = _custom(
            "approvedAmount", "object", money(proposal.approved_amount), _("The funding the board approved")
        )
    return {
        "id": str(proposal.uuid),
        "title": proposal.title,
        "competitionId": str(competition_id(call, proposal.stage)),
        "opportunityId": str(call.uuid),
        "formResponses": {},
        "status": application_status(proposal),
        "submittedAt": timestamp(proposal.submitted_at) if proposal.submitted_at else None,
        "customFields": custom_fields,
        "createdAt": timestamp(proposal.created_at),
        "lastModifiedAt": timestamp(proposal.updated_at),
    }


def award(project: Project) -> dict[str, Any]:
    """Return ``project`` (read through ``workflow.access.projects_visible_to``) as a CommonGrants award."""
    proposal = project.proposal
    call = proposal.call
    state = str(proposal.state)
    status = AWARD_STATUS.get(state)
    label = str(proposal.get_state_display())
    key_dates: dict[str, Any] = {
        "awardDate": {
            "name": _("Contracting started"),
            "eventType": "singleDate",
            "date": project.opened_at.astimezone(UTC).date().isoformat(),
            "description": _("The day (in UTC) the funded project opened, after the board's approval was released"),
        },
    }
    if project.started_on is not None:
        key_dates["otherDates"] = {
            "projectStart": {
                "name": _("Project start"),
                "eventType": "singleDate",
                "date": project.started_on.isoformat(),
                "description": _("The day the project's work started"),
            }
        }
    return {
        "id": str(project.uuid),
        "title": proposal.title,
        "description": proposal.summary,
        "status": {"value": status, "description": label}
        if status is not None
        else {"value": "custom", "customValue": state, "description": label},
        "funding": {"awardedAmount": money(project.amount), "disbursedAmount": money(project.paid)},
        "keyDates": key_dates,
        "opportunity": {"id": str(call.uuid), "title": call.title},
        "application": {"id": str(proposal.uuid), "title": proposal.title},
        "createdAt": timestamp(project.opened_at),
        "lastModifiedAt": timestamp(project.updated_at),
    }
