"""Reads of the workflow app."""

from __future__ import annotations

from django.db.models import QuerySet

from intake.models import Proposal
from records.models import AuditRecord

#: The actions of the board's decisions, whose records are withheld with the decision.
DECISIONS = ("approve", "decline")


def audit_records_for(*, proposal: Proposal) -> QuerySet[AuditRecord]:
    """Return the history of ``proposal``, oldest first, with who acted.

    The caller has already checked that the user may read ``proposal``; the applicant's
    page shows what happened without the names of staff. A proposal read with its decision
    withheld (``workflow.access.decisions_withheld``) has no record of the decision.
    """
    records = AuditRecord.objects.filter(proposal=proposal).select_related("actor").order_by("at", "pk")
    if getattr(proposal, "decision_withheld", False):
        records = records.exclude(action__in=DECISIONS)
    return records
