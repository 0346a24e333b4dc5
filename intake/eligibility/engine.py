"""Checking an application against the rules of a stage: every rule decided once, explained when asked."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.utils.translation import get_language

from intake.eligibility.base import Application, Rule, Rules, totals
from intake.eligibility.kinds import FUNCTIONS, Decided, check_code

T = TypeVar("T")

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
    carries its stage, figure and limit. Kept as ``failures`` is (``_kept``), with the texts'
    labels and the language the explanations are written in.
    """

    def explained() -> tuple[Check, ...]:
        found = []
        for code, decided in _verdicts(application, rules, stage):
            label, message = decided.explain()
            found.append(Check(code, label, decided.passed, True, message, stage, decided.figure, decided.limit))
        return tuple(found)

    labels = tuple(application.labels.items())
    key = ("checks", rules.key, stage, application_key(application), labels, get_language())
    return list(_kept(key, explained))


def verdicts(application: Application, rules: Rules, *, stage: str) -> list[Verdict]:
    """Return the verdicts of ``checks()`` with their figures and limits, in the same order, explaining none."""
    return [
        Verdict(code, stage, decided.passed, decided.figure, decided.limit)
        for code, decided in _verdicts(application, rules, stage)
    ]


def failures(application: Application, rules: Rules, *, stage: str) -> tuple[list[tuple[str, str, str, str]], int]:
    """Return the bindings (``Verdict.binding``) of the checks of ``checks()`` that fail, and how many checks there are.

    For lists that count failures and the overrides bound to them: the verdicts of
    ``verdicts()``, without an object for each check that passes. Decided once for the same
    application, rules and stage while kept (``_kept``).
    """

    def failed() -> tuple[tuple[tuple[str, str, str, str], ...], int]:
        decided = _verdicts(application, rules, stage)
        bindings = tuple((code, stage, found.figure, found.limit) for code, found in decided if not found.passed)
        return bindings, len(decided)

    bindings, total = _kept(("failures", rules.key, stage, application_key(application)), failed)
    return list(bindings), total


#: How many decisions ``_kept`` keeps, the least recently asked dropped first.
DECISIONS_KEPT = 512
_decisions: OrderedDict[tuple[object, ...], Any] = OrderedDict()
_decisions_lock = threading.Lock()
_MISSING = object()


def _kept(key: tuple[object, ...], decide: Callable[[], T]) -> T:
    """Return ``decide()``, decided once for ``key`` while it is among the last ``DECISIONS_KEPT`` asked.

    A list shows the same rows again and again, and a proposal's page the same proposal:
    deciding their checks again was a fifth of the list's time. ``key`` holds everything the
    decision is made from (``Rules.key``, ``application_key``, and whatever else it reads), so
    rules or an application that differ in anything are decided afresh. What is kept is never
    changed: tuples of frozen values.
    """
    with _decisions_lock:
        found = _decisions.get(key, _MISSING)
        if found is not _MISSING:
            _decisions.move_to_end(key)
            return cast(T, found)
    decided = decide()
    with _decisions_lock:
        _decisions[key] = decided
        if len(_decisions) > DECISIONS_KEPT:
            _decisions.popitem(last=False)
    return decided


def decisions_forget() -> None:
    """Forget every kept decision: the tests each start from none, whatever the ones before asked."""
    with _decisions_lock:
        _decisions.clear()


def application_key(application: Application) -> tuple[object, ...]:
    """Return what the verdicts on ``application`` are decided from, as one hashable value.

    Everything but the texts' labels, which only explanations read. Amounts as their text, which
    tells apart what equal numbers do not (``1.0`` and ``1.00`` write different figures). Each
    text as its length and its hash (Python's SipHash under the process's random key): the
    texts themselves would keep megabytes alive, and a different text of the same length and
    hash is a chance of one in 2**64, not one an applicant can aim for.
    """
    return (
        tuple(
            (
                p.name, p.kind, p.employees, p.country, p.province, p.is_lead, str(p.cash), str(p.in_kind),
                str(p.funding_requested), tuple((category, str(amount)) for category, amount in p.costs.items()),
                p.roles, p.member,
            )
            for p in application.partners
        ),
        tuple((name, len(text or ""), hash(text)) for name, text in application.texts.items()),
        application.attachments,
        tuple(application.pages.items()),
        application.ip_rights,
        application.answers_failing,
        None if application.estimated_costs is None else str(application.estimated_costs),
        None if application.estimated_funding is None else str(application.estimated_funding),
        application.early,
    )  # fmt: skip


def outcomes(application: Application, rules: Rules, *, stage: str) -> dict[str, bool]:
    """Return whether each check of ``checks()`` passes, by code in the same order, explaining none.

    Lists that only count failures use this: formatting the amounts, organization types and
    translations of every explanation would cost them most of their time. The verdicts come
    from the same rule functions as ``checks()``, so the two cannot disagree.
    """
    return {code: decided.passed for code, decided in _verdicts(application, rules, stage)}
