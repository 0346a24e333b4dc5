"""Rolling intake's review batches: a proposal is reviewed with those submitted up to the same cut-off.

The batch of a proposal is the call's first cut-off at or after the time it was last submitted;
a proposal submitted after the last cut-off waits for the next one staff add.
"""

from __future__ import annotations

from django.db.models import DateTimeField, OuterRef, QuerySet, Subquery

from intake.models import CutOff, Proposal


def batch_annotation() -> Subquery:
    """Return the SQL of a proposal's batch: the time of its call's first cut-off at or after its submission."""
    first = CutOff.objects.filter(call=OuterRef("call"), at__gte=OuterRef("submitted_at")).order_by("at").values("at")
    return Subquery(first[:1], output_field=DateTimeField())


def proposals_in_batch(*, proposals: QuerySet[Proposal], cut_off: CutOff) -> QuerySet[Proposal]:
    """Return those of ``proposals`` whose batch is ``cut_off``: submitted after the cut-off before it, up to it."""
    earlier = CutOff.objects.filter(call_id=cut_off.call_id, at__lt=cut_off.at).order_by("-at").first()
    chosen = proposals.filter(call_id=cut_off.call_id, submitted_at__isnull=False, submitted_at__lte=cut_off.at)
    return chosen.filter(submitted_at__gt=earlier.at) if earlier is not None else chosen
