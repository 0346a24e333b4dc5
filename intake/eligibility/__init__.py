"""The eligibility engine (a leaf: pure functions over plain data, no database).

``Application`` holds what the applicant entered at a stage and ``Rules`` what the call
demands: an ordered collection of ``Rule`` rows, each of a kind the engine knows
(``params.KINDS``) with its parameters and the stages it applies at. ``figures`` computes the
budget's derived numbers (never typed by anyone); each kind's function (``kinds``) decides
pass or fail once and explains with the partner, the figure and the limit only when asked,
so ``outcomes`` (pass or fail per check), ``verdicts`` (with the measured figure and the
limit, for lists), ``failures`` (what the failed checks bind to, for lists that count them)
and ``checks`` (explained, for the pages that show them) share the same decisions; the last
of ``failures``' and ``checks``' are kept by everything they are decided from (``engine._kept``).

Each check carries its measured figure and its limit in a canonical form, the same in every
language ("45.01" for a percent, "0.90" for a ratio, "2" for a count, "300000.00" for money,
a sorted list for the checks that name offenders): an override binds to them
(``Check.binding``) and lapses when they change. Figures are shown through
``intake.formatting``. ``rules_to_data`` and ``rules_from_data`` turn ``Rules`` into JSON
and back exactly: a submitted version keeps its rules (docs/eligibility.md, docs/rules.md).
"""

from intake.eligibility.base import (
    COMPANY_KINDS,
    DEFAULT_INDUSTRY_TYPES,
    HUNDRED,
    ZERO,
    Application,
    Figures,
    Partner,
    Rule,
    Rules,
    admin_fee,
    admin_fee_rate,
    fee_on,
    figures,
    is_sme,
    word_count,
)
from intake.eligibility.data import legacy_rows, legacy_rules, rules_from_data, rules_to_data
from intake.eligibility.engine import (
    ATTACHMENTS,
    CLUSTER_SHARE,
    CODES,
    FUNDED_TYPES,
    IN_KIND_CAP,
    MATCHING_RATIO,
    MIN_PARTNERS,
    MIN_SMES,
    PARTNER_SHARE,
    PROJECT_SIZE,
    WORD_LIMITS,
    Check,
    Verdict,
    checks,
    codes,
    failures,
    outcomes,
    verdicts,
)
from intake.eligibility.kinds import check_code
from intake.eligibility.params import KINDS, PARTNER_GROUPS, params_from_data, params_problems, params_to_data

__all__ = [
    "ATTACHMENTS", "CLUSTER_SHARE", "CODES", "COMPANY_KINDS", "DEFAULT_INDUSTRY_TYPES", "FUNDED_TYPES", "HUNDRED",
    "IN_KIND_CAP", "KINDS", "MATCHING_RATIO", "MIN_PARTNERS", "MIN_SMES", "PARTNER_GROUPS", "PARTNER_SHARE",
    "PROJECT_SIZE", "WORD_LIMITS", "ZERO", "Application", "Check", "Figures", "Partner", "Rule", "Rules", "Verdict",
    "admin_fee", "admin_fee_rate", "check_code", "checks", "codes", "failures", "fee_on", "figures", "is_sme",
    "legacy_rows", "legacy_rules", "outcomes", "params_from_data", "params_problems", "params_to_data",
    "rules_from_data", "rules_to_data", "verdicts", "word_count",
]  # fmt: skip
