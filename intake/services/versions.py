"""Frozen versions of a proposal: written once at each submission, then only read and compared.

The JSON document's shape is the contract with its readers (the printable view, the
comparison, assessment and the board; see ADR 0009). ``SCHEMA`` numbers the shape: a
change must keep older versions readable. Since the second shape, ``rules`` holds the rules
in force at submission as ``intake.eligibility.rules_to_data`` writes them, and ``verdicts``
each check's code, result and message in English as at submission (docs/eligibility.md); the first
shape kept the call's rule fields instead (``intake.models.rules_in_force.document_rules``
reads both).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.choices import OrganizationType
from accounts.errors import DomainError
from accounts.models import User
from intake.choices import AttachmentType, CostCategory, ForegroundIPKind, VersionKind
from intake.completeness import LOI_DETAIL_FIELDS, OUTCOME_FIELDS
from intake.eligibility import Application, Partner, checks, figures, rules_to_data
from intake.formatting import percent, ratio, ratio_of, share_of
from intake.models import Attachment, ConsortiumMember, ForegroundIP, Proposal, ProposalVersion
from intake.services.frozen_answers import answers_flat, answers_freeze, answers_sheet

#: 2: ``rules`` as the engine reads them and their ``verdicts`` at submission, and ``answers`` (the call's
#: questions of the version's stage with their wording, and the answers); 1 had the call's rule fields and no answers.
SCHEMA = 2

#: The proposal's own fields frozen as they are, by stage. Texts are strings, amounts strings of Decimals.
LOI_FIELDS = ("title", "summary", *LOI_DETAIL_FIELDS)
APPLICATION_FIELDS = (
    "project_description",
    "work_plan",
    "ip_ownership_terms",
    "ip_partner_licensing",
    "ip_member_licensing",
)


def _plain(value: Any) -> Any:
    """Return ``value`` as JSON keeps it exactly: Decimals as strings, the rest unchanged."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def proposal_version_data(
    *, proposal: Proposal, kind: str = VersionKind.APPLICATION
) -> tuple[dict[str, Any], list[Attachment]]:
    """Return the JSON document of everything the applicant provided in ``proposal``, and its current attachments.

    Five queries: the members with their organizations, their budget lines, the foreground IP
    with its owners, the milestones and the attachments. A letter of intent (``kind``) takes
    none beyond ``proposal`` with its lead organization: the consortium, budget, milestones,
    IP plan and attachments are edited only once invited (see ``intake.services.application``,
    ``consortium`` and ``attachments``), so before that the consortium is its lead alone,
    contributing nothing yet, and the rest is empty.

    Every stage freezes the answers to the call's questions of that stage
    (``frozen_answers.answers_freeze``: the query the submission's completeness check made,
    and one update marking them submitted); their files join the returned attachments.
    """
    application = kind != VersionKind.LOI
    if application:
        members = list(
            ConsortiumMember.objects.filter(proposal=proposal)
            .select_related("organization")
            .prefetch_related("budget_lines")
            .order_by("-is_lead", "created_at", "pk")
        )
    else:
        nothing = Decimal("0.00")  # as the database gives back the lead's contributions
        members = [
            ConsortiumMember(
                proposal=proposal,
                organization=proposal.lead_organization,
                is_lead=True,
                cash_contribution=nothing,
                in_kind_contribution=nothing,
                funding_requested=nothing,
            )
        ]
    partners = [member.as_partner(with_costs=application) for member in members]
    computed = figures(Application(partners=tuple(partners)))
    attachments = (
        list(
            Attachment.objects.filter(proposal=proposal, removed_at__isnull=True)
            .exclude(kind=AttachmentType.ANSWER)
            .order_by("kind", "pk")
        )
        if application
        else []
    )
    answers, answer_files = answers_freeze(proposal=proposal, stage=kind)
    foreground = (
        list(ForegroundIP.objects.filter(proposal=proposal).select_related("owner__organization").order_by("pk"))
        if application
        else []
    )
    milestones = list(proposal.milestones.order_by("month", "pk")) if application else []
    rules = proposal.call.eligibility_rules(kind)  # the call's: the proposal was editable until now
    with translation.override("en"):
        verdicts = checks(
            Application(
                partners=tuple(partners) if application else (),  # a letter of intent is held to its words only
                texts=proposal.eligibility_texts(kind),
                labels=proposal.eligibility_labels(kind),
                attachments=frozenset(attachment.kind for attachment in attachments),
            ),
            rules,
            stage=kind,
        )
    data: dict[str, Any] = {
        "schema": SCHEMA,
        **{name: _plain(getattr(proposal, name)) for name in (*LOI_FIELDS, *APPLICATION_FIELDS)},
        "lead_organization": proposal.lead_organization.legal_name,
        "outcomes": {name: _plain(getattr(proposal, name)) for name in OUTCOME_FIELDS},
        "consortium": [
            {
                "name": partner.name,
                "type": partner.kind,
                "employees": partner.employees,
                "country": partner.country,
                "province": partner.province,
                "is_lead": partner.is_lead,
                "cash_contribution": str(partner.cash),
                "in_kind_contribution": str(partner.in_kind),
                "funding_requested": str(partner.funding_requested),
                "background_ip": member.background_ip,
            }
            for partner, member in zip(partners, members, strict=True)
        ],
        "budget": [
            {"partner": member.organization.legal_name, "category": line.category, "amount": str(line.amount)}
            for member in members
            for line in (
                sorted(member.budget_lines.all(), key=lambda line: (line.category, line.pk)) if application else []
            )
        ],
        "funding_requested": str(computed.cluster_funding),
        "figures": {
            "eligible_costs": str(computed.eligible_costs),
            "cluster_funding": str(computed.cluster_funding),
            "cash": str(computed.cash),
            "in_kind": str(computed.in_kind),
            "industry_contribution": str(computed.industry_contribution),
            "cluster_share": _plain(computed.cluster_share),
            "matching_ratio": _plain(computed.matching_ratio),
            "in_kind_share": _plain(computed.in_kind_share),
            "partner_shares": [[name, str(share)] for name, share in computed.partner_shares],
        },
        "milestones": [
            {"title": milestone.title, "description": milestone.description, "month": milestone.month}
            for milestone in milestones
        ],
        "foreground_ip": [
            {
                "kind": item.kind,
                "description": item.description,
                "owner": item.owner.organization.legal_name if item.owner else None,
            }
            for item in foreground
        ],
        "attachments": [
            {
                "id": attachment.pk,
                "kind": attachment.kind,
                "name": attachment.original_name,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "sha256": attachment.sha256,
            }
            for attachment in attachments
        ],
        "rules": rules_to_data(rules),
        "verdicts": [{"code": check.code, "passed": check.passed, "message": check.message} for check in verdicts],
        "answers": answers,
    }
    return data, [*attachments, *(Attachment(pk=pk) for pk in answer_files)]


def proposal_version_freeze(*, proposal: Proposal, by: User, kind: str, counted: bool = False) -> ProposalVersion:
    """Freeze everything the applicant provided in ``proposal`` as its next version.

    Call it inside the submission's transaction, after the transition, with the proposal's
    row locked. The version is numbered ``proposal.version_count`` plus one, and the count
    raised to it; a caller that already raised and saved the count with its own update
    says so with ``counted``, and the version takes the count as it is.
    """
    if kind not in VersionKind.values:
        raise DomainError(_("Unknown kind of version: %(kind)s.") % {"kind": kind})
    # No savepoint: the submission's transaction holds the row's lock; alone, this is its own transaction.
    with transaction.atomic(savepoint=False):
        if not counted:
            proposal.version_count += 1
            Proposal.objects.filter(pk=proposal.pk).update(version_count=proposal.version_count)
        data, attachments = proposal_version_data(proposal=proposal, kind=kind)
        version = ProposalVersion(
            proposal=proposal,
            number=proposal.version_count,
            kind=kind,
            data=data,
            submitted_by=by,
            submitted_at=proposal.submitted_at or timezone.now(),
        )
        version.save()
        if attachments:
            links = ProposalVersion.attachments.through
            links.objects.bulk_create(links(proposalversion=version, attachment=item) for item in attachments)
    return version


# --- Reads -----------------------------------------------------------------------------------


def versions_of(*, proposal: Proposal) -> QuerySet[ProposalVersion]:
    """Return the versions of ``proposal`` (already permission-checked), oldest first, without their content."""
    return (
        ProposalVersion.objects.filter(proposal=proposal)
        .select_related("submitted_by")
        .defer("data")
        .order_by("number")
    )


def version_of(*, proposal: Proposal, number: int) -> ProposalVersion:
    """Return version ``number`` of ``proposal`` (already fetched for its reader, ``workflow.access``), or raise 404."""
    version = get_object_or_404(
        ProposalVersion.objects.select_related("submitted_by").prefetch_related("attachments"),
        proposal=proposal,
        number=number,
    )
    version.proposal = proposal  # already fetched with its call, lead and organization
    return version


def versions_for_comparison(*, proposal: Proposal, first: int, second: int) -> tuple[ProposalVersion, ProposalVersion]:
    """Return versions ``first`` and ``second`` of ``proposal`` (fetched for its reader); refuse a missing one."""
    found = {
        version.number: version
        for version in ProposalVersion.objects.filter(proposal=proposal, number__in=[first, second])
    }
    missing = [number for number in (first, second) if number not in found]
    if missing:
        raise DomainError(
            _("This proposal has no version %(number)s.") % {"number": ", ".join(str(n) for n in missing)}
        )
    for version in found.values():
        version.proposal = proposal
    return found[first], found[second]


def version_application(*, data: dict[str, Any], kind: str) -> Application:
    """Return what a version's document ``data`` of ``kind`` holds as the eligibility engine reads it (pure).

    The same as ``Proposal.eligibility_application`` read from the draft at submission: a letter
    of intent holds its texts only; a full application its partners with their costs, its texts
    and the kinds of its attachments. Both shapes of the document hold these alike.
    """
    names = Proposal.LOI_TEXTS if kind == VersionKind.LOI else Proposal.APPLICATION_TEXTS
    texts = {capfirst(_field_label(name)): data.get(name) or "" for name in names}
    if kind == VersionKind.LOI:
        return Application(partners=(), texts=texts)
    costs: dict[str, dict[str, Decimal]] = {}
    for line in data.get("budget") or []:
        costs.setdefault(line["partner"], {})[line["category"]] = Decimal(line["amount"])
    partners = tuple(
        Partner(
            name=item["name"],
            kind=item["type"],
            employees=item["employees"],
            country=item["country"],
            province=item["province"],
            is_lead=item["is_lead"],
            cash=Decimal(item["cash_contribution"]),
            in_kind=Decimal(item["in_kind_contribution"]),
            funding_requested=Decimal(item["funding_requested"]),
            costs=costs.get(item["name"], {}),
        )
        for item in data.get("consortium") or []
    )
    kinds = frozenset(item["kind"] for item in data.get("attachments") or [])
    return Application(partners=partners, texts=texts, attachments=kinds)


# --- Comparison (pure: two documents in, a list of differences out) ---------------------------


@dataclass(frozen=True)
class Difference:
    """One field that differs between two versions: its label and both values, or a text diff."""

    label: str
    before: str
    after: str
    diff: list[tuple[str, str]]  # for texts: (tag, line), tag one of " ", "-", "+"; empty for short values


def _text_diff(before: str, after: str) -> list[tuple[str, str]]:
    lines = difflib.ndiff(before.splitlines(), after.splitlines())
    return [(line[0], line[2:]) for line in lines if line[:1] in (" ", "-", "+")]


def _field_label(name: str) -> str:
    return str(Proposal._meta.get_field(name).verbose_name)


def _partner_labels() -> dict[str, str]:
    return {
        "type": _("type"),
        "employees": _("employees"),
        "country": _("country"),
        "province": _("province"),
        "is_lead": _("lead"),
        "cash_contribution": _("cash contribution"),
        "in_kind_contribution": _("in-kind contribution"),
        "funding_requested": _("funding requested"),
        "background_ip": _("background IP"),
    }


def _figure_labels() -> dict[str, str]:
    return {
        "eligible_costs": _("eligible costs"),
        "cluster_funding": _("funding requested from the cluster"),
        "cash": _("cash contributions"),
        "in_kind": _("in-kind contributions"),
        "industry_contribution": _("industry contribution"),
        "cluster_share": _("cluster share of eligible costs (%)"),
        "matching_ratio": _("industry matching ratio"),
        "in_kind_share": _("in-kind share of the industry contribution (%)"),
        "partner_shares": _("each partner's share of the reimbursement (%)"),
    }


def _flat(data: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Flatten a version's document into ``key → (label, value)``, partners and lines named by their organization."""
    flat: dict[str, tuple[str, str]] = {}
    for name in (*LOI_FIELDS, *APPLICATION_FIELDS, "lead_organization"):
        flat[name] = (_field_label(name), _shown(data.get(name)))
    flat["funding_requested"] = (_("funding requested from the cluster"), _shown(data.get("funding_requested")))
    for name, value in (data.get("outcomes") or {}).items():
        flat[f"outcomes.{name}"] = (_field_label(name), _shown(value))
    partner_labels = _partner_labels()
    for partner in data.get("consortium") or []:
        for key, value in partner.items():
            if key != "name":
                label = f"{partner['name']}: {partner_labels.get(key, key)}"
                flat[f"consortium.{partner['name']}.{key}"] = (label, _shown(value))
    categories = dict(CostCategory.choices)
    for line in data.get("budget") or []:
        label = _("%(partner)s: budget, %(category)s") % {
            "partner": line["partner"],
            "category": categories.get(line["category"], line["category"]),
        }
        flat[f"budget.{line['partner']}.{line['category']}"] = (label, _shown(line["amount"]))
    figure_labels = _figure_labels()
    for key, value in (data.get("figures") or {}).items():
        flat[f"figures.{key}"] = (str(figure_labels.get(key, key)), _shown(value))
    flat["milestones"] = (
        _("milestones"),
        "\n".join(_("month %(month)s: %(title)s — %(description)s") % item for item in data.get("milestones") or []),
    )
    flat["foreground_ip"] = (
        _("foreground IP"),
        "\n".join(
            f"{item['kind']}: {item['description']} ({item['owner'] or _('joint')})"
            for item in data.get("foreground_ip") or []
        ),
    )
    flat["attachments"] = (
        _("attachments"),
        "\n".join(
            f"{item['kind']}: {item['name']} (SHA-256 {item['sha256'][:12]})" for item in data.get("attachments") or []
        ),
    )
    flat.update(answers_flat(data))
    return flat


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(
            " ".join(str(part) for part in item) if isinstance(item, list) else str(item) for item in value
        )
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def versions_compare(*, before: dict[str, Any], after: dict[str, Any]) -> list[Difference]:
    """Return the fields that differ between two versions' documents, in the document's order."""
    old, new = _flat(before), _flat(after)
    keys = list(old) + [key for key in new if key not in old]
    differences = []
    for key in keys:
        label, a = old.get(key, ("", ""))
        new_label, b = new.get(key, (label, ""))
        label = label or new_label
        if a == b:
            continue
        long_text = "\n" in a or "\n" in b or len(a) > 80 or len(b) > 80
        differences.append(Difference(label=label, before=a, after=b, diff=_text_diff(a, b) if long_text else []))
    return differences


# --- The printable sheet of one version ---------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _shown_figures(data: dict[str, Any], figures_data: dict[str, Any]) -> dict[str, Any]:
    """Return a version's shares and ratio as every page shows them: from its amounts, beside its frozen limits.

    The stored shares are rounded half up, so a share 1¢ over its limit was stored equal to it;
    recomputed from the amounts and shown by ``intake.formatting`` beside the version's own
    rules, it reads as the staff's eligibility page and the budget page read it.
    """
    rules = data.get("rules") or {}

    def limits(name: str) -> tuple[Decimal, ...]:
        value = rules.get(name) if isinstance(rules, dict) else None
        limit = _decimal(value) if isinstance(value, str | int | float | Decimal) else None
        return () if limit is None else (limit,)

    def amount(name: str) -> Decimal:
        return _decimal(figures_data.get(name)) or Decimal("0")

    funding = amount("cluster_funding")
    industry = amount("industry_contribution")
    partners = data.get("consortium") or []
    return {
        "cluster_share": percent(share_of(funding, amount("eligible_costs")), *limits("max_cluster_share")),
        "matching_ratio": ratio(ratio_of(industry, funding), *limits("min_matching_ratio")),
        "in_kind_share": percent(share_of(amount("in_kind"), industry), *limits("max_in_kind_share")),
        "partner_shares": [
            (
                partner["name"],
                percent(
                    share_of(_decimal(partner["funding_requested"]) or Decimal("0"), funding) or Decimal("0"),
                    *limits("max_partner_share"),
                ),
            )
            for partner in partners
        ]
        if funding
        else [],
    }


def version_sheet(*, data: dict[str, Any]) -> dict[str, Any]:
    """Arrange a version's document for reading: labelled texts, the consortium, the budget by category.

    Pure: reads only ``data``, so what is shown is exactly what was frozen.
    """
    organization_types = dict(OrganizationType.choices)
    categories = list(CostCategory.choices)
    partners = data.get("consortium") or []
    costs: dict[str, dict[str, Decimal]] = {}
    for line in data.get("budget") or []:
        costs.setdefault(line["partner"], {})[line["category"]] = Decimal(line["amount"])
    budget_rows = []
    for partner in partners:
        amounts = [costs.get(partner["name"], {}).get(category) for category, _label in categories]
        budget_rows.append(
            {
                "name": partner["name"],
                "amounts": amounts,
                "total": sum((amount for amount in amounts if amount is not None), Decimal("0")),
                "funding_requested": _decimal(partner["funding_requested"]),
            }
        )
    category_totals = [
        sum((row["amounts"][index] or Decimal("0") for row in budget_rows), Decimal("0"))
        for index in range(len(categories))
    ]
    figures_data = data.get("figures") or {}
    foreground_kinds = dict(ForegroundIPKind.choices)
    attachment_kinds = dict(AttachmentType.choices)
    outcomes = data.get("outcomes") or {}
    return {
        "loi_texts": [
            (_field_label(name), data.get(name) or "")
            for name in ("summary", "challenge", "technology", "expected_partners")
        ],
        "estimated_total_cost": _decimal(data.get("estimated_total_cost")),
        "estimated_funding_requested": _decimal(data.get("estimated_funding_requested")),
        "application_texts": [(_field_label(name), data.get(name) or "") for name in APPLICATION_FIELDS],
        "partners": [
            {
                **partner,
                "type_label": organization_types.get(partner["type"], partner["type"]),
                "cash_contribution": _decimal(partner["cash_contribution"]),
                "in_kind_contribution": _decimal(partner["in_kind_contribution"]),
                "funding_requested": _decimal(partner["funding_requested"]),
            }
            for partner in partners
        ],
        "categories": [label for _value, label in categories],
        "budget_rows": budget_rows,
        "category_totals": category_totals,
        "budget_total": sum(category_totals, Decimal("0")),
        "funding_requested": _decimal(data.get("funding_requested")),
        "money_figures": [
            (_figure_labels()[key], _decimal(figures_data.get(key)))
            for key in ("eligible_costs", "cluster_funding", "cash", "in_kind", "industry_contribution")
        ],
        **_shown_figures(data, figures_data),
        "outcomes": [
            (_("Jobs created"), outcomes.get("jobs_during"), outcomes.get("jobs_after"), False),
            (_("Revenue"), _decimal(outcomes.get("revenue_during")), _decimal(outcomes.get("revenue_after")), True),
            (_("IP rights"), outcomes.get("ip_rights_during"), outcomes.get("ip_rights_after"), False),
            (_("SMEs scaled"), outcomes.get("smes_scaled_during"), outcomes.get("smes_scaled_after"), False),
        ],
        "milestones": data.get("milestones") or [],
        "foreground_ip": [
            {**item, "kind_label": foreground_kinds.get(item["kind"], item["kind"])}
            for item in data.get("foreground_ip") or []
        ],
        "attachments": [
            {**item, "kind_label": attachment_kinds.get(item["kind"], item["kind"])}
            for item in data.get("attachments") or []
        ],
        "answer_sections": answers_sheet(data),
    }
