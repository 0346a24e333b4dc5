"""Frozen versions of a proposal: written once at each submission, then only read and compared.

The JSON document's shape is the contract with its readers (the printable view, the
comparison, assessment and the board; see ADR 0009). ``SCHEMA`` numbers the shape: a
change must keep older versions readable. Since the second shape, ``rules`` holds the rules
in force at submission as ``intake.eligibility.rules_to_data`` writes them, and ``verdicts``
each check's code, result and message in English as at submission (docs/eligibility.md); the first
shape kept the call's rule fields instead (``intake.models.rules_in_force.document_rules``
reads both). A consortium entry also keeps the call's roles the member took (slug and both names)
and whether its organization was a member of the program on the day of the submission; documents
written before these were kept lack both keys, and read as no role and not a member.
"""

from __future__ import annotations

import difflib
import hashlib
import json
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
from intake.choices import (
    SECTION_TEXTS,
    AttachmentType,
    BuiltInSection,
    CostCategory,
    ForegroundIPKind,
    VersionKind,
    sections_all,
)
from intake.completeness import LOI_DETAIL_FIELDS, OUTCOME_FIELDS, sections_used
from intake.eligibility import Application, Partner, checks, figures, rules_to_data
from intake.formatting import percent, ratio, ratio_of, share_of
from intake.models import Attachment, ConsortiumMember, ForegroundIP, Proposal, ProposalVersion
from intake.services.frozen_answers import answers_flat, answers_freeze, answers_sheet

#: 3: ``rules`` as rows (``intake.eligibility.rules_to_data``), and what the rules read beyond the
#: consortium: ``ip_rights`` (the expected IP rights listed) and ``answers_failing`` (the questions whose
#: answers that must hold do not), and the letter of intent's estimates as its figures.
#: 2: ``rules`` as the engine reads them and their ``verdicts`` at submission, and ``answers`` (the call's
#: questions of the version's stage with their wording, and the answers); 1 had the call's rule fields and no answers.
SCHEMA = 3

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

    Seven queries: the members with their organizations, their budget lines, the consortium roles
    they take, their memberships of the program on the day of the submission, the foreground IP
    with its owners, the milestones and the attachments. A letter of intent (``kind``) takes
    only the lead's membership beyond ``proposal`` with its lead organization: the consortium, budget, milestones,
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
            .prefetch_related("budget_lines", "roles")
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
    # The memberships valid on the day of the submission, and the roles taken, are frozen with the consortium.
    holding = proposal.members_of_program(member.organization_id for member in members)
    partners = [
        member.as_partner(with_costs=application, member=member.organization_id in holding) for member in members
    ]
    rules = proposal.call.eligibility_rules(kind)  # the call's: the proposal was editable until now
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
    kinds = {rule.kind for rule in rules}
    answers_failing = proposal.answers_failing(kind) if "answers_hold" in kinds else []
    ip_rights = len(foreground) if application else proposal.foreground_ip.count() if "min_ip_rights" in kinds else 0
    engine_application = Application(
        partners=tuple(partners),
        texts=proposal.eligibility_texts(kind),
        labels=proposal.eligibility_labels(kind),
        attachments=frozenset(attachment.kind for attachment in attachments),
        ip_rights=ip_rights,
        answers_failing=tuple(answers_failing),
        **_estimates(proposal, kind),
    )
    computed = figures(engine_application, rules)
    with translation.override("en"):
        verdicts = checks(engine_application, rules, stage=kind)
    data: dict[str, Any] = {
        "schema": SCHEMA,
        # The built-in sections the full application uses (a version without the key used them all).
        "sections": [section.slug for section in sections_used(proposal)] if application else sections_all(),
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
                "roles": [
                    {"slug": role.slug, "name_en": role.name_en, "name_fr": role.name_fr}
                    for role in (member.roles.all() if member.pk else [])
                ],
                "member": partner.member,
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
        "ip_rights": ip_rights,
        "answers_failing": list(answers_failing),
        "verdicts": [{"code": check.code, "passed": check.passed, "message": check.message} for check in verdicts],
        "answers": answers,
    }
    return data, [*attachments, *(Attachment(pk=pk) for pk in answer_files)]


def _estimates(proposal: Proposal, kind: str) -> dict[str, Any]:
    """Return what an early stage states of the project's size, for the engine (nothing at the full application)."""
    if kind == VersionKind.APPLICATION:
        return {}
    return {
        "early": True,
        "estimated_costs": proposal.estimated_total_cost,
        "estimated_funding": proposal.estimated_funding_requested,
    }


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


def version_digest(*, data: dict[str, Any]) -> str:
    """Return the SHA-256 of a version's document ``data``: its canonical JSON, keys sorted, no spaces, UTF-8 (pure).

    The hash every PDF of the version prints (its dossier, its receipt; docs/pdfs.md): the document is
    written once and never changed, so the same version always gives the same hash, and anyone holding
    the JSON can compute it again.
    """
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


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
    extra: dict[str, Any] = {
        "ip_rights": int(data.get("ip_rights") or len(data.get("foreground_ip") or [])),
        "answers_failing": tuple(data.get("answers_failing") or ()),
    }
    if kind != VersionKind.APPLICATION:
        extra.update(early=True, estimated_costs=_decimal(data.get("estimated_total_cost")))
        extra["estimated_funding"] = _decimal(data.get("estimated_funding_requested"))
    if kind == VersionKind.LOI:
        lead = [item for item in data.get("consortium") or [] if item.get("is_lead")]
        return Application(partners=_partners(lead, {}), texts=texts, **extra)
    costs: dict[str, dict[str, Decimal]] = {}
    for line in data.get("budget") or []:
        costs.setdefault(line["partner"], {})[line["category"]] = Decimal(line["amount"])
    partners = _partners(data.get("consortium") or [], costs)
    kinds = frozenset(item["kind"] for item in data.get("attachments") or [])
    return Application(partners=partners, texts=texts, attachments=kinds, **extra)


def _partners(items: list[dict[str, Any]], costs: dict[str, dict[str, Decimal]]) -> tuple[Partner, ...]:
    return tuple(
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
            # Versions before consortium roles and memberships were frozen hold neither: no role, not a member.
            roles=frozenset(role["slug"] for role in item.get("roles") or []),
            member=bool(item.get("member", False)),
        )
        for item in items
    )


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
        "roles": _("roles in the consortium"),
        "member": _("member of the program"),
    }


def _role_names(roles: list[dict[str, str]]) -> str:
    """Return the names of frozen consortium roles in the active language (English when no French was kept)."""
    language = (translation.get_language() or "en")[:2]
    return ", ".join(role.get(f"name_{language}") or role.get("name_en") or role["slug"] for role in roles)


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
                shown = _role_names(value) if key == "roles" else _shown(value)
                flat[f"consortium.{partner['name']}.{key}"] = (label, shown)
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
            f"{item['kind']}: {item['description']} (" + str(item["owner"] or _("joint")) + ")"
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


#: The limits a version's page shows beside its figures: the former fields' names, and the rows' kind and parameter.
_LIMITS = {
    "max_cluster_share": ("cluster_share", "max"),
    "min_matching_ratio": ("matching_ratio", "ratio"),
    "max_in_kind_share": ("in_kind_cap", "max_share"),
    "max_partner_share": ("partner_share", "max_share"),
}


def _frozen_limits(rules: Any) -> dict[str, Any]:
    """Return the limits of a version's frozen ``rules`` by their former fields' names, whichever shape they have."""
    if isinstance(rules, dict):
        return rules
    found: dict[str, Any] = {}
    for name, (kind, param) in _LIMITS.items():
        row = next(
            (row for row in rules or [] if isinstance(row, dict) and row.get("kind") == kind),
            None,
        )
        if row is not None:
            found[name] = (row.get("params") or {}).get(param)
    return found


def _shown_figures(data: dict[str, Any], figures_data: dict[str, Any]) -> dict[str, Any]:
    """Return a version's shares and ratio as every page shows them: from its amounts, beside its frozen limits.

    The stored shares are rounded half up, so a share 1¢ over its limit was stored equal to it;
    recomputed from the amounts and shown by ``intake.formatting`` beside the version's own
    rules, it reads as the staff's eligibility page and the budget page read it.
    """
    rules = _frozen_limits(data.get("rules"))

    def limits(name: str) -> tuple[Decimal, ...]:
        value = rules.get(name)
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
    used = set(data.get("sections") or BuiltInSection.values)
    unused_texts = {name for slug, names in SECTION_TEXTS.items() if slug not in used for name in names}
    return {
        "sections": used,
        "loi_texts": [
            (_field_label(name), data.get(name) or "")
            for name in ("summary", "challenge", "technology", "expected_partners")
        ],
        "estimated_total_cost": _decimal(data.get("estimated_total_cost")),
        "estimated_funding_requested": _decimal(data.get("estimated_funding_requested")),
        "application_texts": [
            (_field_label(name), data.get(name) or "") for name in APPLICATION_FIELDS if name not in unused_texts
        ],
        "partners": [
            {
                **partner,
                "type_label": organization_types.get(partner["type"], partner["type"]),
                "cash_contribution": _decimal(partner["cash_contribution"]),
                "in_kind_contribution": _decimal(partner["in_kind_contribution"]),
                "funding_requested": _decimal(partner["funding_requested"]),
                "role_names": _role_names(partner.get("roles") or []),
            }
            for partner in partners
        ],
        # Columns only versions that froze them have: the roles when some partner took one, and the memberships.
        "shows_roles": any(partner.get("roles") for partner in partners),
        "shows_membership": any("member" in partner for partner in partners),
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
