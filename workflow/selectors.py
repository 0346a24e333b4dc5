"""Reads of the workflow app."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.choices import Role
from accounts.models import User
from intake import program_roles
from intake.models import Call, Proposal
from intake.selectors import calls_open
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


def open_calls_for_staff(*, user: User) -> QuerySet[Call]:
    """Return the open calls of the programs ``user`` is staff of: the staff dashboard lists no other program's."""
    return calls_open().filter(program_roles.in_programs(user, Role.STAFF))
