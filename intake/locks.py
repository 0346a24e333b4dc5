"""Locking a proposal's row while reading the rows joined to it."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from intake.models import Proposal


def proposal_locked(queryset: QuerySet[Proposal], pk: int) -> Proposal:
    """Lock the proposal ``pk`` of ``queryset`` (a ``select_for_update`` with joins) and return it.

    A proposal another transaction changed while this one waited for its lock is checked
    again by PostgreSQL against the joined rows read before the wait; when that change moved
    it to another stage, the old stage's row no longer joins and the proposal comes back
    missing. Read once more, now that the lock is held: the new read sees the changed row with
    the rows it now joins. Answer 404 only when the proposal is gone.
    """
    try:
        return queryset.get(pk=pk)
    except Proposal.DoesNotExist:
        return get_object_or_404(queryset, pk=pk)
