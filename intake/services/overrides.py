"""Eligibility overrides bound to their figures: which cover a check, and the recording of their lapse.

Staff grant and revoke overrides through ``workflow.actions.screening``; this module holds
what intake itself decides: whether an override in force still covers its check, and, once a
proposal's figures are frozen (a submission) or its rules change, the recording of each
override that stopped covering (``overrides_record_lapses``), audited once.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from intake.eligibility import Check
from intake.models import EligibilityOverride, Proposal
from records.models import AuditRecord

#: The audit records' action for an override that stopped covering its check.
OVERRIDE_LAPSED = "override_lapsed"


def _lapsing(
    overrides: Sequence[EligibilityOverride], found: Sequence[Check]
) -> list[tuple[EligibilityOverride, Check | None]]:
    """Return the overrides in force, of the stage ``found`` was checked at, that no longer cover their check.

    An override of another stage (a letter of intent's, once the full application is checked)
    is left as it is: it covers nothing here, but did not lapse.
    """
    if not found:
        return []
    stage = found[0].stage
    by_code = {check.code: check for check in found}
    return [
        (override, by_code.get(override.check_code))
        for override in overrides
        if override.stage == stage and override.lapsed_by(by_code.get(override.check_code))
    ]


def overrides_record_lapses(
    *, proposal: Proposal, found: Sequence[Check] | None = None, overrides: Sequence[EligibilityOverride] | None = None
) -> list[EligibilityOverride]:
    """Record, and audit once, each override in force of ``proposal`` whose check's figure or limit changed.

    ``found`` is the proposal's current checks (``Proposal.eligibility_checks()``) and
    ``overrides`` all its overrides (``intake.selectors.eligibility_overrides_of``) when the
    caller has them. Only a proposal the applicant cannot edit has figures to hold an override
    to: while it is editable its draft may still change back, and ``eligibility_failures``
    compares the live figures without recording anything. Nothing is written when nothing
    lapsed; otherwise the proposal's row is locked, and the lapses decided again under it.
    """
    if proposal.is_editable:
        return []
    candidates = (
        list(EligibilityOverride.objects.filter(proposal=proposal, revoked_at__isnull=True, lapsed_at__isnull=True))
        if overrides is None
        else [override for override in overrides if override.revoked_at is None and override.lapsed_at is None]
    )
    if not candidates:
        return []
    checks = list(found) if found is not None else proposal.eligibility_checks()
    if not _lapsing(candidates, checks):
        return []
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().select_related("call").get(pk=proposal.pk)
        overrides = list(
            EligibilityOverride.objects.filter(proposal=locked, revoked_at__isnull=True, lapsed_at__isnull=True)
        )
        now = timezone.now()
        lapsed = []
        for override, check in _lapsing(overrides, checks):
            override.lapsed_at = now
            override.lapsed_figure = check.figure if check is not None else ""
            override.lapsed_limit = check.limit if check is not None else ""
            override.save(update_fields=["lapsed_at", "lapsed_figure", "lapsed_limit"])
            AuditRecord.objects.create(
                proposal=locked,
                action=OVERRIDE_LAPSED,
                from_state=locked.state,
                to_state=locked.state,
                actor=None,
                at=now,
                data={
                    "override": override.pk,
                    "check": override.check_code,
                    "stage": override.stage,
                    "figure": override.figure,
                    "limit": override.limit,
                    "now_figure": override.lapsed_figure,
                    "now_limit": override.lapsed_limit,
                },
            )
            lapsed.append(override)
    return lapsed
