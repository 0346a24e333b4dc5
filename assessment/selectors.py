"""Reads shared by assessment's parts: the one definition of a conflict of interest.

An assessor is conflicted on a proposal when a ``Conflict`` row says so (declared by the
assessor or recorded by staff), or when the assessor is affiliated, now or within the last
``AFFILIATION_CONFLICT_YEARS`` years, with any organization of the proposal's consortium.
The automatic part is computed, never stored, so it follows the consortium and the
affiliations as they change. Every page, file link, export and the solver ask here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, Q

from assessment.models import Conflict, affiliation_conflict_since
from intake.models import ConsortiumMember


def conflict_exists(*, assessor: Any, proposal: Any) -> Exists:
    """Return ``EXISTS`` (declared or recorded) conflict of ``assessor`` on ``proposal``.

    Both are ids or expressions (``OuterRef("pk")``, ``F(...)``) of the query it goes into.
    """
    return Exists(Conflict.objects.filter(assessor_id=assessor, proposal_id=proposal))


def affiliation_conflict_exists(*, assessor: Any, proposal: Any) -> Exists:
    """Return ``EXISTS`` a current or recent affiliation of ``assessor`` with a member of ``proposal``'s consortium."""
    recent = Q(organization__affiliations__ended_on__isnull=True) | Q(
        organization__affiliations__ended_on__gte=affiliation_conflict_since()
    )
    # One filter() call: the assessor and the dates are those of the same affiliation.
    same = Q(proposal_id=proposal, organization__affiliations__assessor_id=assessor)
    return Exists(ConsortiumMember.objects.filter(same & recent))


def conflicted(*, assessor: Any, proposal: Any) -> Q:
    """The condition that ``assessor`` is conflicted on ``proposal``, for ``filter``/``exclude``.

    ``assessor`` and ``proposal`` are ids or expressions of the query, e.g. in a queryset of
    proposals: ``conflicted(assessor=user.pk, proposal=OuterRef("pk"))`` (use ``OuterRef``
    inside ``Exists``; at the top level of a proposal queryset pass ``F("pk")``).
    """
    return Q(conflict_exists(assessor=assessor, proposal=proposal)) | Q(
        affiliation_conflict_exists(assessor=assessor, proposal=proposal)
    )
