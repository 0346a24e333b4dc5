"""Which rules a proposal is checked against: the call's while it is editable, then those frozen at submission.

A submitted version keeps the rules in force when it was submitted (``intake.services.versions``).
Once the applicant can no longer edit the proposal, its eligibility is decided on the rules of its
latest submitted version of the stage, whatever staff change in the call since, unless staff apply
the call's rules of a later moment to it explicitly (``intake.services.call_rules``), which the
proposal records here. See docs/eligibility.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.choices import VersionKind
from intake.eligibility import Rules, rules_from_data
from intake.eligibility.data import LEGACY_FIELDS
from intake.states import EDITABLE_STATES

if TYPE_CHECKING:
    from intake.models.calls import Call

#: Where the rules in force come from.
CALL = "call"  # the call's current rules: the proposal is editable, or was never submitted at this stage
FROZEN = "frozen"  # the rules frozen in its latest submitted version of the stage
APPLIED = "applied"  # the call's rules staff applied to it after that version was submitted

#: The call's rule fields a version of the first shape kept, the two word limits aside.
_LEGACY_FIELDS = tuple(name for name in LEGACY_FIELDS if name != "word_limit")

#: Where ``FrozenRules.version_rules_keep`` keeps its rows on the instance, by stage.
_VERSION_RULES_KEPT = "_version_rules_kept"

#: What the versions' query reads of each version: its number, its document's schema, and its rules (as
#: their JSON text where read from ``ProposalVersion.frozen_rules``, as the document's value elsewhere).
VersionRules = tuple[int, int | None, Any]


@dataclass(frozen=True)
class RulesInForce:
    """The rules a proposal is checked against at a stage, and where they come from."""

    rules: Rules
    source: str  # CALL, FROZEN or APPLIED
    #: The submitted version whose frozen rules these are (FROZEN) or replace (APPLIED).
    version: int | None = None
    #: When staff applied the call's rules (APPLIED).
    applied_at: datetime | None = None


def document_rules(rules: Any, *, schema: int | None, kind: str) -> Rules | None:
    """Return the rules frozen in a version's document of ``kind``, given its ``schema`` and ``rules`` keys.

    ``rules`` is the key's value, or its JSON text as a list reads it (``intake.selectors``): the
    rules of a text are read once a process and shared by every proposal that froze the same text
    (``_text_rules``), with what each rule keeps of its parameters.

    From the second shape on they are as ``rules_to_data`` wrote them then: the call's fields
    with the stage's word limit (second shape), then rows (third shape); ``rules_from_data``
    reads both, the fields as their equivalent rows. The first shape kept the call's rule fields
    as they were, with both stages' word limits: ``kind`` picks the one that applied. Only the
    rules that apply at ``kind`` are returned (the fields' rows apply at several stages). A
    document with no rules at all gives None.
    """
    if isinstance(rules, str):
        return _text_rules(rules, schema, kind)
    if isinstance(rules, list) and (schema or 1) >= 3:
        return rules_from_data(rules).at(kind)
    if not isinstance(rules, dict):
        return None
    if (schema or 1) >= 2:
        return rules_from_data(rules).at(kind)
    limit = rules.get("loi_word_limit" if kind == VersionKind.LOI else "application_word_limit")
    return rules_from_data({**{name: rules[name] for name in _LEGACY_FIELDS}, "word_limit": limit}).at(kind)


@lru_cache(maxsize=256)
def _text_rules(text: str, schema: int | None, kind: str) -> Rules | None:
    """``document_rules`` of the rules written ``text`` in JSON, read once for each text, schema and stage.

    A call's submitted proposals froze the same rules, written alike: a list of 60 of them read
    and built each one's rules again, about a tenth of a millisecond a row. ``Rules`` never change
    once built, so one instance serves every row and request (256 texts kept, a few kilobytes each).
    """
    return document_rules(json.loads(text), schema=schema, kind=kind)


class FrozenRules(models.Model):
    """The call's rules staff applied to a submitted proposal in place of those frozen in its version.

    Read with the proposal's row, so a list of proposals pays nothing for them.
    """

    rules_applied = models.JSONField(_("call's rules applied by staff"), null=True, blank=True, editable=False)
    rules_applied_version = models.PositiveIntegerField(
        _("version whose frozen rules they replace"), null=True, blank=True, editable=False
    )
    rules_applied_at = models.DateTimeField(_("call's rules applied"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        call: Call
        state: str

    def latest_version_rules(self, stage: str) -> VersionRules | None:
        """Return the number, schema and rules of the latest submitted version of ``stage`` (1 query, or none).

        A list reads them for all its rows at once (``intake.selectors.proposals_rules_prefetch``);
        an action, with the row it locks (``version_rules_keep``).
        """
        kept: dict[str, VersionRules | None] = self.__dict__.get(_VERSION_RULES_KEPT, {})
        if stage in kept:
            return kept[stage]
        prefetched: dict[str, VersionRules] | None = getattr(self, "versions_rules", None)
        if prefetched is not None:
            return prefetched.get(stage)
        from intake.models.versions import ProposalVersion  # versions' module imports the proposal's

        row: VersionRules | None = (
            ProposalVersion.objects.filter(proposal_id=self.pk, kind=stage)
            .order_by("-number")
            .values_list("number", "frozen_schema", "frozen_rules")
            .first()
        )
        return row

    def version_rules_keep(self, stage: str, row: VersionRules | None) -> None:
        """Keep what ``latest_version_rules(stage)`` reads, read with the proposal's row (None: no version).

        For ``intake.selectors.version_rules_facts``: the stage's rules in force are then decided without a query.
        """
        self.__dict__.setdefault(_VERSION_RULES_KEPT, {})[stage] = row

    def rules_in_force(self, stage: str) -> RulesInForce:
        """Decide which rules the proposal is checked against at ``stage``: the one place that decides it.

        While the applicant may edit the proposal, the call's current rules. Once submitted, the
        rules frozen in its latest submitted version of ``stage``, or the call's rules staff applied
        to that very version since. Without a submitted version of ``stage`` (or one that kept no
        rules), the call's current rules.
        """
        if self.state in EDITABLE_STATES:
            return RulesInForce(self.call.eligibility_rules(stage), CALL)
        latest = self.latest_version_rules(stage)
        if latest is None:
            return RulesInForce(self.call.eligibility_rules(stage), CALL)
        number, schema, data = latest
        if self.rules_applied is not None and self.rules_applied_version == number:
            return RulesInForce(rules_from_data(self.rules_applied), APPLIED, number, self.rules_applied_at)
        frozen = document_rules(data, schema=schema, kind=stage)
        if frozen is None:
            return RulesInForce(self.call.eligibility_rules(stage), CALL)
        return RulesInForce(frozen, FROZEN, number)
