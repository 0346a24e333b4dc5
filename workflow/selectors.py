"""Reads of the workflow app."""

from __future__ import annotations

from functools import partial

from django.db.models import QuerySet

from accounts.choices import Role
from accounts.models import User
from intake import program_roles
from intake.models import Call, Proposal
from intake.selectors import calls_open
from records.models import AuditRecord
from records.sql import rows_read_compiled

#: The actions of the board's decisions, whose records are withheld with the decision.
DECISIONS = ("approve", "decline")


def audit_records_for(*, proposal: Proposal) -> list[AuditRecord]:
    """Return the history of ``proposal``, oldest first, with who acted.

    The caller has already checked that the user may read ``proposal``; the applicant's
    page shows what happened without the names of staff. A proposal read with its decision
    withheld (``workflow.access.decisions_withheld``) has no record of the decision. The read is
    compiled once per connection and run with the proposal's key swapped in
    (``records.sql.rows_read_compiled``).
    """
    withheld = bool(getattr(proposal, "decision_withheld", False))
    return rows_read_compiled(
        AuditRecord, ("audit_records_for", withheld), partial(_records_of, withheld=withheld), proposal.pk
    )


def _records_of(pk: int, *, withheld: bool) -> QuerySet[AuditRecord]:
    records = AuditRecord.objects.filter(proposal_id=pk).select_related("actor").order_by("at", "pk")
    return records.exclude(action__in=DECISIONS) if withheld else records


def open_calls_for_staff(*, user: User) -> QuerySet[Call]:
    """Return the open calls of the programs ``user`` is staff of: the staff dashboard lists no other program's."""
    return calls_open().filter(program_roles.in_programs(user, Role.STAFF))
