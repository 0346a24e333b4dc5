"""Use cases of rubrics: the default rubric of a call, staff's edits, and the lock at the first review.

A rubric is editable until the first review of its stage is submitted; then it is locked,
because changing criteria, weights or scales would make the scores incomparable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import DomainError, StaleAction
from accounts.models import User
from assessment.models import Criterion, Rubric
from intake.choices import VersionKind
from intake.models import Call


@dataclass(frozen=True)
class CriterionData:
    """One criterion as staff typed it; ``pk`` is None for a new one."""

    name_en: str
    name_fr: str
    guidance_en: str
    guidance_fr: str
    weight: Decimal
    scale_min: int
    scale_max: int
    pk: int | None = None


#: The program's published selection criteria, scored 0 to 5 with equal weight.
DEFAULT_CRITERIA: tuple[CriterionData, ...] = (
    CriterionData(
        name_en="Benefits to the economy",
        name_fr="Retombées économiques",
        guidance_en="Jobs created or kept, and the commercial results expected during and after the project.",
        guidance_fr="Emplois créés ou maintenus, et résultats commerciaux attendus pendant et après le projet.",
        weight=Decimal("1"),
        scale_min=0,
        scale_max=5,
    ),
    CriterionData(
        name_en="Technology leadership and innovation",
        name_fr="Leadership technologique et innovation",
        guidance_en="How far the technology goes beyond the state of the art, and the leadership it builds.",
        guidance_fr="Dans quelle mesure la technologie dépasse l'état de l'art, et le leadership qu'elle procure.",
        weight=Decimal("1"),
        scale_min=0,
        scale_max=5,
    ),
    CriterionData(
        name_en="Strength and diversity of the consortium",
        name_fr="Solidité et diversité du consortium",
        guidance_en="The partners' complementary capacities and the real participation of small and "
        "medium-sized enterprises.",
        guidance_fr="La complémentarité des capacités des partenaires et la participation réelle des petites "
        "et moyennes entreprises.",
        weight=Decimal("1"),
        scale_min=0,
        scale_max=5,
    ),
    CriterionData(
        name_en="Intellectual property plan",
        name_fr="Plan de propriété intellectuelle",
        guidance_en="Clear ownership of the new IP and fair licensing among the partners and to cluster members.",
        guidance_fr="Propriété claire de la nouvelle PI et licences équitables entre les partenaires et pour "
        "les membres de la grappe.",
        weight=Decimal("1"),
        scale_min=0,
        scale_max=5,
    ),
    CriterionData(
        name_en="Feasibility",
        name_fr="Faisabilité",
        guidance_en="A credible work plan and budget, and risks identified with ways to reduce them.",
        guidance_fr="Un plan de travail et un budget crédibles, et des risques cernés avec les moyens de les atténuer.",
        weight=Decimal("1"),
        scale_min=0,
        scale_max=5,
    ),
)

DEFAULT_ASSESSORS_PER_PROPOSAL = 3
DEFAULT_PASS_THRESHOLD = Decimal("60")
#: Positions are moved out of the way before renumbering, so the (rubric, position) constraint never trips.
_PARKING = 10000


def rubric_for(*, call: Call, stage: str = VersionKind.APPLICATION) -> Rubric:
    """Return the rubric of ``call`` for ``stage``, creating the default one on first use.

    Two requests creating it at once are safe: the second finds the first's.
    """
    stage = VersionKind(stage).value
    rubric = Rubric.objects.filter(call=call, stage=stage).first()
    if rubric is not None:
        return rubric
    try:
        with transaction.atomic():
            rubric = Rubric.objects.create(
                call=call,
                stage=stage,
                assessors_per_proposal=DEFAULT_ASSESSORS_PER_PROPOSAL,
                pass_threshold=DEFAULT_PASS_THRESHOLD,
            )
            Criterion.objects.bulk_create(
                _criterion(rubric, position, data) for position, data in enumerate(DEFAULT_CRITERIA, 1)
            )
    except IntegrityError:
        return Rubric.objects.get(call=call, stage=stage)
    return rubric


def rubric_criteria(*, rubric: Rubric) -> list[Criterion]:
    """Return the criteria of ``rubric`` in their order."""
    return list(rubric.criteria.order_by("position"))


def _criterion(rubric: Rubric, position: int, data: CriterionData) -> Criterion:
    return Criterion(
        rubric=rubric,
        position=position,
        name_en=data.name_en.strip(),
        name_fr=data.name_fr.strip(),
        guidance_en=data.guidance_en.strip(),
        guidance_fr=data.guidance_fr.strip(),
        weight=data.weight,
        scale_min=data.scale_min,
        scale_max=data.scale_max,
    )


def _check_criteria(criteria: Sequence[CriterionData]) -> None:
    if not criteria:
        raise ValidationError(_("A rubric needs at least one criterion."))
    for number, data in enumerate(criteria, 1):
        if data.weight <= 0:
            raise ValidationError(_("Criterion %(number)s: the weight must be above zero.") % {"number": number})
        if data.scale_max <= data.scale_min:
            raise ValidationError(
                _("Criterion %(number)s: the highest score must be above the lowest.") % {"number": number}
            )
        if not data.name_en.strip() or not data.name_fr.strip():
            raise ValidationError(
                _("Criterion %(number)s: give its name in English and in French.") % {"number": number}
            )


def rubric_update(
    *,
    rubric: Rubric,
    by: User,
    expected_updated_at: datetime | None,
    assessors_per_proposal: int,
    pass_threshold: Decimal,
    criteria: Sequence[CriterionData],
    reviews_shared: bool = False,
) -> Rubric:
    """Save staff's rubric: k, the pass threshold and the criteria in the order given.

    Criteria given with a ``pk`` are updated, those without are added, and those left out
    are removed. Refused once locked, and when somebody saved the rubric since
    ``expected_updated_at`` (the later of two editors is told, nothing of theirs is saved).
    """
    _check_criteria(criteria)
    with transaction.atomic():
        current = Rubric.objects.select_for_update().get(pk=rubric.pk)
        if current.is_locked:
            raise DomainError(
                _(
                    "This rubric is locked: a review was submitted on %(date)s, and changing it now would make the "
                    "scores incomparable."
                )
                % {"date": timezone.localtime(current.locked_at).strftime("%Y-%m-%d %H:%M")}
            )
        if expected_updated_at is None or current.updated_at != expected_updated_at:
            raise StaleAction(
                _(
                    "Somebody else saved this rubric while you were editing it. Your changes are not saved: "
                    "review the rubric as it is now and make them again."
                )
            )
        current.assessors_per_proposal = assessors_per_proposal
        current.pass_threshold = pass_threshold
        current.reviews_shared = reviews_shared
        current.full_clean(exclude=["call"])
        current.save(update_fields=["assessors_per_proposal", "pass_threshold", "reviews_shared", "updated_at"])

        existing = {criterion.pk: criterion for criterion in current.criteria.all()}
        kept = {data.pk for data in criteria if data.pk is not None}
        if kept - set(existing):
            raise StaleAction(_("A criterion you edited was removed meanwhile. Your changes are not saved."))
        try:
            with transaction.atomic():
                Criterion.objects.filter(rubric=current).exclude(pk__in=kept).delete()
        except ProtectedError as error:
            raise DomainError(
                _("A criterion you removed is already scored in a draft review; it cannot be removed.")
            ) from error
        Criterion.objects.filter(rubric=current).update(position=F("position") + _PARKING)
        for position, data in enumerate(criteria, 1):
            criterion = _criterion(current, position, data)
            criterion.pk = data.pk
            criterion.full_clean(exclude=["rubric"], validate_unique=False, validate_constraints=True)
            criterion.save(force_insert=data.pk is None, force_update=data.pk is not None)
    return current


def rubric_lock_on_first_review(*, rubric: Rubric) -> Rubric:
    """Lock ``rubric`` when the first review of its stage is submitted (idempotent: the first lock stays)."""
    now = timezone.now()
    Rubric.objects.filter(pk=rubric.pk, locked_at__isnull=True).update(locked_at=now)
    if rubric.locked_at is None:
        rubric.locked_at = Rubric.objects.values_list("locked_at", flat=True).get(pk=rubric.pk)
    return rubric
