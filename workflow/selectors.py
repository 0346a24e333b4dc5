"""Reads of the workflow app."""

from __future__ import annotations

from django.db.models import QuerySet

from intake.models import Proposal
from workflow.models import AuditRecord


def audit_records_for(*, proposal: Proposal) -> QuerySet[AuditRecord]:
    """Return the history of ``proposal``, oldest first, with who acted.

    The caller has already checked that the user may read ``proposal``; the applicant's
    page shows what happened without the names of staff.
    """
    return AuditRecord.objects.filter(proposal=proposal).select_related("actor").order_by("at", "pk")
