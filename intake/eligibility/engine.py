"""Checking an application against the rules of a stage: every rule decided once, explained when asked."""

from __future__ import annotations

from dataclasses import dataclass

from intake.eligibility.base import Application, Rule, Rules, totals
from intake.eligibility.kinds import FUNCTIONS, Decided, check_code

#: The stable codes of the checks the call's former fields gave, in the order they were shown.
MIN_PARTNERS = "min_partners"
MIN_SMES = "min_smes"
FUNDED_TYPES = "funded_types"
CLUSTER_SHARE = "cluster_share"
MATCHING_RATIO = "matching_ratio"
IN_KIND_CAP = "in_kind_cap"
PARTNER_SHARE = "partner_share"
PROJECT_SIZE = "project_size"
WORD_LIMITS = "word_limits"
ATTACHMENTS = "attachments"
CODES = (
    MIN_PARTNERS,
    MIN_SMES,
    FUNDED_TYPES,
    CLUSTER_SHARE,
    MATCHING_RATIO,
    IN_KIND_CAP,
    PARTNER_SHARE,
    PROJECT_SIZE,
    WORD_LIMITS,
    ATTACHMENTS,
)


@dataclass(frozen=True)
class Check:
    """One rule's result for one application, explained with its numbers and organizations.

    ``stage`` is the stage it was checked at (``intake.choices.VersionKind``); ``figure`` and
    ``limit`` the measured value and the rule's limit in canonical form (empty when nothing
    could be measured, e.g. a share of no costs).
    """

    code: str
    label: str
    passed: bool
    hard: bool
    message: str
    stage: str = ""
    figure: str = ""
    limit: str = ""

    @property
    def binding(self) -> tuple[str, str, str, str]:
        """What an override of this check binds to: the check, the stage, the figure and the limit."""
        return (self.code, self.stage, self.figure, self.limit)


@dataclass(frozen=True)
class Verdict:
    """One rule's verdict with its figure and limit, unexplained (for lists)."""

    code: str
    stage: str
    passed: bool
    figure: str
    limit: str

    @property
    def binding(self) -> tuple[str, str, str, str]:
        """What an override of this check binds to, as ``Check.binding``."""
        return (self.code, self.stage, self.figure, self.limit)


def coded(rules: Rules) -> list[tuple[str, Rule]]:
    """Return each rule of ``rules`` with its check's code, in order.

    A second rule of the same code gets ``#2`` after it, a third ``#3``: two bands of partner
    types, say, are two checks an override tells apart.
    """
    seen: dict[str, int] = {}
    found = []
    for rule in rules:
        code = check_code(rule)
        seen[code] = seen.get(code, 0) + 1
        found.append((code if seen[code] == 1 else f"{code}#{seen[code]}", rule))
    return found


def codes(rules: Rules, *, stage: str) -> list[str]:
    """Return the codes of the checks of ``rules`` at ``stage``, in the order they are shown."""
    return [code for code, _rule in coded(rules.at(stage))]


def _verdicts(application: Application, rules: Rules, stage: str) -> list[tuple[str, Decided]]:
    """Decide every rule of ``stage`` once; the callers choose whether to explain the verdicts."""
    at_stage = rules.at(stage)
    sums = totals(application, at_stage.industry_types)
    return [
        (code, FUNCTIONS[rule.kind](rule, application, sums, at_stage)) for code, rule in at_stage.kept("coded", coded)
    ]


def checks(application: Application, rules: Rules, *, stage: str) -> list[Check]:
    """Check ``application`` against the ``rules`` that apply at ``stage`` (``intake.choices.VersionKind``).

    Each check is explained with its numbers and organizations, in the active language, and
    carries its stage, figure and limit.
    """
    found = []
    for code, decided in _verdicts(application, rules, stage):
        label, message = decided.explain()
        found.append(Check(code, label, decided.passed, True, message, stage, decided.figure, decided.limit))
    return found


def verdicts(application: Application, rules: Rules, *, stage: str) -> list[Verdict]:
    """Return the verdicts of ``checks()`` with their figures and limits, in the same order, explaining none."""
    return [
        Verdict(code, stage, decided.passed, decided.figure, decided.limit)
        for code, decided in _verdicts(application, rules, stage)
    ]


def failures(application: Application, rules: Rules, *, stage: str) -> tuple[list[tuple[str, str, str, str]], int]:
    """Return the bindings (``Verdict.binding``) of the checks of ``checks()`` that fail, and how many checks there are.

    For lists that count failures and the overrides bound to them: the verdicts of
    ``verdicts()``, without an object for each check that passes.
    """
    decided = _verdicts(application, rules, stage)
    failed = [(code, stage, found.figure, found.limit) for code, found in decided if not found.passed]
    return failed, len(decided)


def outcomes(application: Application, rules: Rules, *, stage: str) -> dict[str, bool]:
    """Return whether each check of ``checks()`` passes, by code in the same order, explaining none.

    Lists that only count failures use this: formatting the amounts, organization types and
    translations of every explanation would cost them most of their time. The verdicts come
    from the same rule functions as ``checks()``, so the two cannot disagree.
    """
    return {code: decided.passed for code, decided in _verdicts(application, rules, stage)}
