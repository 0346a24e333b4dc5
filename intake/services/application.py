"""Use cases of the full application's sections: one function per section save, keyword-only."""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects

from intake.completeness import missing_by_section
from intake.models import Attachment, Proposal


def application_prefetch(*, proposal: Proposal) -> Proposal:
    """Load what the completeness checks read of ``proposal`` in a fixed number of queries, and return it."""
    prefetch_related_objects(
        [proposal],
        "members__organization",
        "members__budget_lines",
        "milestones",
        "foreground_ip",
        Prefetch("attachments", queryset=Attachment.objects.filter(removed_at__isnull=True)),
    )
    return proposal


def application_missing(*, proposal: Proposal) -> dict[str, list[str]]:
    """Return what each section of ``proposal`` lacks (see ``intake.completeness``)."""
    return missing_by_section(application_prefetch(proposal=proposal))
