"""What a proposal still lacks before it can be submitted (a leaf: pure functions).

The functions receive the proposal and read its attributes and related managers
(``members``, ``milestones``, ``foreground_ip``, ``attachments``, ``versions``), so a
caller that prefetched them pays no query; nothing here imports models or services.
The lifecycle's ``complete`` condition asks ``missing_for_submission``, which checks the
letter of intent at that stage and every section of the full application after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from intake.answers import missing_answers
from intake.choices import SECTION_TEXTS, AttachmentType, BuiltInSection, VersionKind
from intake.eligibility import (
    ATTACHMENTS,
    CLUSTER_SHARE,
    FUNDED_TYPES,
    IN_KIND_CAP,
    MATCHING_RATIO,
    MIN_PARTNERS,
    MIN_SMES,
    PARTNER_SHARE,
    PROJECT_SIZE,
    WORD_LIMITS,
    word_count,
)

ZERO = Decimal("0")


@dataclass(frozen=True)
class Section:
    """One section of the full application and the page that edits it."""

    slug: str
    label: Promise
    url_name: str


#: The sections of the full application, in the order the applicant goes through them; a call's
#: full-application stage uses all or some of them (``sections_used``).
SECTIONS: tuple[Section, ...] = (
    Section(BuiltInSection.DESCRIPTION, BuiltInSection.DESCRIPTION.label, "intake:application_description"),
    Section(BuiltInSection.CONSORTIUM, BuiltInSection.CONSORTIUM.label, "intake:application_consortium"),
    Section(BuiltInSection.BUDGET, BuiltInSection.BUDGET.label, "intake:application_budget"),
    Section(BuiltInSection.IP, BuiltInSection.IP.label, "intake:application_ip"),
    Section(BuiltInSection.OUTCOMES, BuiltInSection.OUTCOMES.label, "intake:application_outcomes"),
    Section(BuiltInSection.ATTACHMENTS, BuiltInSection.ATTACHMENTS.label, "intake:application_attachments"),
)
SECTION_SLUGS = tuple(section.slug for section in SECTIONS)
#: The eligibility checks (``intake.eligibility`` codes) that each section's entries answer to: its page
#: shows them live, and a complete section that breaks one says so. A check may belong to several sections
#: (the matching ratio reads the consortium's contributions and the budget's funding).
SECTION_RULES: dict[str, tuple[str, ...]] = {
    "description": (WORD_LIMITS, "page_limit"),
    "consortium": (
        MIN_PARTNERS, MIN_SMES, "min_partners_of_types", "required_roles", "membership", "industry_types",
        MATCHING_RATIO, IN_KIND_CAP,
    ),
    "budget": (
        FUNDED_TYPES, CLUSTER_SHARE, MATCHING_RATIO, IN_KIND_CAP, PARTNER_SHARE, PROJECT_SIZE, "size_bands",
        "project_cap", "admin_fee",
    ),
    "ip": (WORD_LIMITS, "page_limit", "min_ip_rights"),
    "outcomes": (),
    "attachments": (ATTACHMENTS,),
}  # fmt: skip

#: The expected outcomes, each during the project and in the three years after.
#: The letter of intent's fields besides its title, summary and lead organization: what the
#: LOI form edits, ``proposal_update`` takes, and a version freezes.
LOI_DETAIL_FIELDS = (
    "challenge",
    "technology",
    "expected_partners",
    "estimated_total_cost",
    "estimated_funding_requested",
    "sectors",
    "keywords",
)
OUTCOME_FIELDS = (
    "jobs_during",
    "jobs_after",
    "revenue_during",
    "revenue_after",
    "ip_rights_during",
    "ip_rights_after",
    "smes_scaled_during",
    "smes_scaled_after",
)


def _blank(value: str | None) -> bool:
    return not (value or "").strip()


def proposal_stage(proposal: Any) -> str:
    """Return the kind of the stage ``proposal`` is in (``intake.choices.VersionKind``): its ``stage``'s kind."""
    return str(proposal.stage.kind)


def sections_used(proposal: Any) -> tuple[Section, ...]:
    """Return the sections of the full application ``proposal``'s call uses, in order (its stage's choice).

    Before the full application, every section: an earlier stage has its own form, and the
    sections shown then (a version's, a preview) are the full application's defaults.
    """
    stage = proposal.stage
    if stage.kind != VersionKind.APPLICATION:
        return SECTIONS
    return tuple(section for section in SECTIONS if section.slug in stage.sections)


def texts_unused(stage: Any) -> frozenset[str]:
    """Return the long texts (``Proposal`` fields) of the built-in sections ``stage`` does not use.

    Only a full-application stage chooses its sections; an earlier one leaves out none.
    """
    if stage is None or stage.kind != VersionKind.APPLICATION:
        return frozenset()
    return frozenset(name for slug, names in SECTION_TEXTS.items() if slug not in stage.sections for name in names)


def word_limit_of(proposal: Any, section: str) -> int | None:
    """Return the word limit of the texts of ``section`` at ``proposal``'s stage, or None when they have none."""
    limit = (proposal.stage.word_limits or {}).get(section)
    return int(limit) if limit else None


def texts_over_limit(proposal: Any, section: str) -> list[str]:
    """Return a message for each text of ``section`` longer than its stage's word limit for it."""
    limit = word_limit_of(proposal, section)
    if limit is None:
        return []
    over = []
    for name in SECTION_TEXTS.get(section, ()):
        count = word_count(getattr(proposal, name) or "")
        if count > limit:
            over.append(
                ngettext(
                    "the %(text)s in at most %(limit)d word (it has %(count)d)",
                    "the %(text)s in at most %(limit)d words (it has %(count)d)",
                    limit,
                )
                % {"text": type(proposal)._meta.get_field(name).verbose_name, "limit": limit, "count": count}
            )
    return over


def _missing_basics(proposal: Any) -> list[str]:
    missing = []
    if _blank(proposal.title):
        missing.append(_("a title"))
    if _blank(proposal.summary):
        missing.append(_("a summary"))
    if proposal.lead_organization_id is None:
        missing.append(_("a lead organization"))
    if proposal.lead_applicant_id is None:
        missing.append(_("a lead applicant"))
    return missing


def missing_for_loi(proposal: Any) -> list[str]:
    """Return what the letter of intent lacks; empty when complete."""
    missing = _missing_basics(proposal)
    if _blank(proposal.challenge):
        missing.append(_("the challenge"))
    if _blank(proposal.technology):
        missing.append(_("the technology"))
    if _blank(proposal.expected_partners):
        missing.append(_("the expected partners"))
    if proposal.estimated_total_cost is None:
        missing.append(_("an estimate of the total project cost"))
    if proposal.estimated_funding_requested is None:
        missing.append(_("an estimate of the funding requested"))
    return missing


def _missing_description(proposal: Any, members: list[Any]) -> list[str]:
    missing = []
    if _blank(proposal.project_description):
        missing.append(_("the project description"))
    if _blank(proposal.work_plan):
        missing.append(_("the work plan"))
    if not list(proposal.milestones.all()):
        missing.append(_("at least one milestone"))
    return missing + texts_over_limit(proposal, BuiltInSection.DESCRIPTION)


def _missing_consortium(proposal: Any, members: list[Any]) -> list[str]:
    missing = []
    if not [member for member in members if not member.is_lead]:
        missing.append(_("at least one partner besides the lead"))
    for member in members:
        # Zero is a contribution (of nothing); only a contribution not given yet is missing.
        if member.cash_contribution is None or member.in_kind_contribution is None:
            missing.append(_("the contributions of %(organization)s") % {"organization": member.organization})
    return missing


def _missing_budget(proposal: Any, members: list[Any]) -> list[str]:
    missing = []
    lines = [line for member in members for line in member.budget_lines.all()]
    if not [line for line in lines if line.amount > ZERO]:
        missing.append(_("at least one eligible cost"))
    if sum((member.funding_requested for member in members), ZERO) <= ZERO:
        missing.append(_("the funding requested from the cluster"))
    return missing


def _missing_ip(proposal: Any, members: list[Any]) -> list[str]:
    missing = []
    for member in members:
        if _blank(member.background_ip):
            missing.append(
                _("the background IP of %(organization)s (write “none” if it brings none)")
                % {"organization": member.organization}
            )
    if not list(proposal.foreground_ip.all()):
        missing.append(_("at least one item of expected foreground IP"))
    if _blank(proposal.ip_ownership_terms):
        missing.append(_("the proposed ownership of the foreground IP"))
    if _blank(proposal.ip_partner_licensing):
        missing.append(_("the licensing terms among the partners"))
    if _blank(proposal.ip_member_licensing):
        missing.append(_("the licensing terms for cluster members"))
    return missing + texts_over_limit(proposal, BuiltInSection.IP)


def _missing_outcomes(proposal: Any, members: list[Any]) -> list[str]:
    return [
        str(type(proposal)._meta.get_field(name).verbose_name)
        for name in OUTCOME_FIELDS
        if getattr(proposal, name) is None
    ]


def _missing_attachments(proposal: Any, members: list[Any]) -> list[str]:
    present = {attachment.kind for attachment in proposal.attachments.all() if attachment.removed_at is None}
    return [
        _("an attachment: %(type)s") % {"type": AttachmentType(kind).label}
        for kind in proposal.call.required_attachment_kinds()
        if kind not in present
    ]


_CHECKS = {
    "description": _missing_description,
    "consortium": _missing_consortium,
    "budget": _missing_budget,
    "ip": _missing_ip,
    "outcomes": _missing_outcomes,
    "attachments": _missing_attachments,
}


def missing_by_section(proposal: Any) -> dict[str, list[str]]:
    """Return, for each section of the full application its call uses (in order), what it lacks; empty when complete."""
    members = list(proposal.members.all())
    return {section.slug: _CHECKS[section.slug](proposal, members) for section in sections_used(proposal)}


def missing_for_submission(proposal: Any) -> list[str]:
    """Return a message for each thing ``proposal`` lacks to be submitted at its stage; empty when complete.

    The call's questions of the stage add one message per section with required questions
    unanswered (``intake.answers.missing_answers``, one query). An answer that does not hold
    what an eligibility questionnaire requires is not missing: the eligibility rules judge it.
    """
    stage = proposal_stage(proposal)
    if stage == VersionKind.LOI:
        return missing_for_loi(proposal) + missing_answers(proposal, stage)
    if stage == VersionKind.QUESTIONNAIRE:
        return _missing_basics(proposal) + missing_answers(proposal, stage)
    missing = _missing_basics(proposal)
    for section, lacking in zip(sections_used(proposal), missing_by_section(proposal).values(), strict=True):
        missing.extend(f"{section.label}: {item}" for item in lacking)
    return missing + missing_answers(proposal, stage)


def rules_by_section(results: Sequence[Any], sections: Sequence[Section] = SECTIONS) -> dict[str, list[Any]]:
    """Return, for each of ``sections`` (in order), the eligibility results (``.check.code``) its entries answer to."""
    return {
        # A second rule of a kind is coded "kind#2": it answers to the same section as the first.
        section.slug: [result for result in results if result.check.code.split("#")[0] in SECTION_RULES[section.slug]]
        for section in sections
    }
