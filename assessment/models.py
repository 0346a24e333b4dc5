"""Rubrics, assessors and their conflicts, assignments (and the solver's plans), reviews and scores."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from assessment.choices import (
    AssignmentState,
    Confidence,
    ConflictSource,
    PairRuleKind,
    PlanState,
    Recommendation,
    ReviewState,
)
from intake.choices import VersionKind
from intake.models import Call, Program, Proposal

#: How long an assessor's former affiliation still conflicts them.
AFFILIATION_CONFLICT_YEARS = 3


class Rubric(models.Model):
    """How the proposals of one call are scored at one stage, and by how many assessors.

    Staff edit it until the first review of the stage is submitted; then it is locked,
    since changing it would make the scores incomparable.
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="rubrics", verbose_name=_("call"))
    stage = models.CharField(_("stage"), max_length=16, choices=VersionKind.choices, default=VersionKind.APPLICATION)
    assessors_per_proposal = models.PositiveSmallIntegerField(
        _("assessors per proposal"), default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    pass_threshold = models.DecimalField(
        _("pass threshold (weighted score out of 100)"),
        max_digits=5,
        decimal_places=2,
        default=60,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    reviews_shared = models.BooleanField(
        _("assessors see each other's reviews"),
        default=False,
        help_text=_(
            "Whether an assessor who has submitted their own review of a proposal may then read the other "
            "submitted reviews of it, without the assessors' names. Never before their own."
        ),
    )
    reliability_target = models.DecimalField(
        _("target reliability"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.70"),
        validators=[MinValueValidator(Decimal("0.05")), MaxValueValidator(Decimal("0.99"))],
        help_text=_(
            "The reliability of the assessors' mean score the call aims at: the results say how many "
            "assessors per proposal would reach it."
        ),
    )
    locked_at = models.DateTimeField(_("locked"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")
        constraints = [models.UniqueConstraint(fields=["call", "stage"], name="rubric_one_per_call_stage")]

    def __str__(self) -> str:
        return f"{self.call} · {self.get_stage_display()}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class Criterion(models.Model):
    """One scored criterion of a rubric, bilingual, with its weight and scale."""

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("rubric"))
    position = models.PositiveSmallIntegerField(_("position"))
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    guidance_en = models.TextField(_("guidance (English)"), blank=True)
    guidance_fr = models.TextField(_("guidance (French)"), blank=True)
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2, default=1, validators=[MinValueValidator(0)]
    )
    scale_min = models.PositiveSmallIntegerField(_("lowest score"), default=0)
    scale_max = models.PositiveSmallIntegerField(_("highest score"), default=5)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["rubric", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "position"], name="criterion_position_unique"),
            models.CheckConstraint(
                condition=Q(scale_max__gt=F("scale_min")),
                name="criterion_scale_rises",
                violation_error_message=_("The highest score must be above the lowest."),
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_fr if (get_language() or "en").startswith("fr") else self.name_en

    @property
    def guidance(self) -> str:
        return self.guidance_fr if (get_language() or "en").startswith("fr") else self.guidance_en


class AssessorProfile(models.Model):
    """What an assessor knows and how much they will take on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assessor_profile", verbose_name=_("user")
    )
    sectors = models.JSONField(_("sectors of expertise"), default=list, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    max_assignments_per_call = models.PositiveSmallIntegerField(
        _("most assignments per call"), default=5, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("assessor profile")
        verbose_name_plural = _("assessor profiles")

    def __str__(self) -> str:
        return str(self.user)


class Affiliation(models.Model):
    """An assessor's tie to an organization, current (no end) or past."""

    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="affiliations", verbose_name=_("assessor")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="affiliations", verbose_name=_("organization")
    )
    role = models.CharField(_("role"), max_length=200, blank=True)
    started_on = models.DateField(_("from"), null=True, blank=True)
    ended_on = models.DateField(_("until"), null=True, blank=True, help_text=_("Leave empty if current."))

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(started_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="affiliation_ends_after_it_starts",
                violation_error_message=_("An affiliation cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessor} · {self.organization}"


def affiliation_conflict_since() -> date:
    """Affiliations that ended on or after this day still conflict an assessor."""
    return timezone.localdate() - timedelta(days=365 * AFFILIATION_CONFLICT_YEARS)


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class AssessorInvitation(models.Model):
    """Staff's invitation of an expert, by email, to assess for one program.

    Accepting it grants the assessor role for that program. Invitations sent before roles
    were held per program name none: accepting one still admits the expert to the pool,
    but grants no program (intake 0007 gave the assessors of then every program).
    """

    email = models.EmailField(_("email address"))
    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assessor_invitations",
        verbose_name=_("program"),
        help_text=_("Empty only for an invitation sent before assessors were invited per program."),
    )
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("invited by")
    )
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )

    class Meta:
        verbose_name = _("assessor invitation")
        verbose_name_plural = _("assessor invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email


class Conflict(models.Model):
    """An assessor may not see or assess a proposal: found by affiliation, declared, or recorded by staff."""

    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflicts", verbose_name=_("assessor")
    )
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="assessor_conflicts", verbose_name=_("proposal")
    )
    source = models.CharField(_("source"), max_length=16, choices=ConflictSource.choices)
    nature = models.TextField(_("nature of the conflict"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [models.UniqueConstraint(fields=["assessor", "proposal"], name="conflict_once_per_pair")]

    def __str__(self) -> str:
        return f"{self.assessor} · {self.proposal}"


class PairRule(models.Model):
    """Staff's pin or ban of one assessor for one proposal, honoured by the optimal assignment."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+", verbose_name=_("proposal"))
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("assessor")
    )
    kind = models.CharField(_("rule"), max_length=8, choices=PairRuleKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        constraints = [models.UniqueConstraint(fields=["proposal", "assessor"], name="pair_rule_once_per_pair")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.assessor} · {self.proposal}"


class AssignmentPlan(models.Model):
    """The optimal assignment of a call as computed, for staff to accept, adjust or discard."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="assignment_plans", verbose_name=_("call"))
    state = models.CharField(_("state"), max_length=16, choices=PlanState.choices, default=PlanState.PROPOSED)
    total_affinity = models.IntegerField(_("total affinity"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("computed"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment plan")
        verbose_name_plural = _("assignment plans")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.call} · {self.created_at:%Y-%m-%d %H:%M}"


class PlannedPair(models.Model):
    """One assessor for one proposal in a plan, with the affinity that chose them."""

    plan = models.ForeignKey(AssignmentPlan, on_delete=models.CASCADE, related_name="pairs", verbose_name=_("plan"))
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+", verbose_name=_("proposal"))
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("assessor")
    )
    affinity = models.IntegerField(_("affinity"), default=0)

    class Meta:
        verbose_name = _("planned pair")
        verbose_name_plural = _("planned pairs")
        constraints = [
            models.UniqueConstraint(fields=["plan", "proposal", "assessor"], name="planned_pair_once_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.assessor} · {self.proposal}"


class Assignment(models.Model):
    """One assessor asked to review one proposal at one stage (the stage of its rubric), by a due date."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="assessment_assignments", verbose_name=_("proposal")
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("assessor")
    )
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("rubric"))
    state = models.CharField(
        _("state"), max_length=16, choices=AssignmentState.choices, default=AssignmentState.OFFERED
    )
    due_at = models.DateTimeField(_("due"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    plan = models.ForeignKey(
        AssignmentPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("plan")
    )
    # The assessor's word, given after seeing only the title and the consortium.
    no_conflict_declared_at = models.DateTimeField(_("no conflict declared"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    created_at = models.DateTimeField(_("assigned"), default=timezone.now)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            # One live assignment per assessor, proposal and stage (its rubric): never the same assessor
            # twice at a stage; one who assessed the letter of intent may assess the full application.
            models.UniqueConstraint(
                fields=["proposal", "assessor", "rubric"],
                condition=Q(state__in=["offered", "accepted"]),
                name="assignment_one_live_per_pair_stage",
            )
        ]
        indexes = [models.Index(fields=["assessor", "state"], name="assignment_assessor_state")]

    def __str__(self) -> str:
        return f"{self.assessor} · {self.proposal}"


class Review(models.Model):
    """An assessor's scores, comments, recommendation and confidence for one assignment."""

    assignment = models.OneToOneField(
        Assignment, on_delete=models.CASCADE, related_name="review", verbose_name=_("assignment")
    )
    state = models.CharField(_("state"), max_length=16, choices=ReviewState.choices, default=ReviewState.DRAFT)
    recommendation = models.CharField(
        _("overall recommendation"), max_length=24, choices=Recommendation.choices, blank=True
    )
    confidence = models.CharField(_("confidence"), max_length=8, choices=Confidence.choices, blank=True)
    overall_comment = models.TextField(_("overall comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.assignment} ({self.get_state_display()})"


class Score(models.Model):
    """One criterion's score and required comment in a review."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores", verbose_name=_("review"))
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="scores", verbose_name=_("criterion")
    )
    value = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="score_once_per_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"


class Standing(models.Model):
    """A proposal's weighted total over its submitted application reviews, kept to rank many proposals at once.

    ``assessment.services.standings`` rewrites it whenever one of the proposal's reviews is
    submitted or reopened, from the criteria's means (``assessment.scoring.total_from_means``),
    so the board's agenda reads one number per proposal instead of averaging every score.
    """

    proposal = models.OneToOneField(
        Proposal, on_delete=models.CASCADE, primary_key=True, related_name="standing", verbose_name=_("proposal")
    )
    #: None while some criterion of the rubric has no submitted score.
    total = models.FloatField(_("weighted total"), null=True, blank=True)
    reviews = models.PositiveIntegerField(_("submitted reviews"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("standing")
        verbose_name_plural = _("standings")

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.total}"


class StageStanding(models.Model):
    """A proposal's weighted total under one rubric (one assessed stage), the key staff's results rank by.

    One row per proposal assigned under the rubric (the proposals the results rank): made
    with the proposal's first assignment under it, rewritten by
    ``assessment.services.standings`` with ``Standing`` whenever one of the proposal's reviews
    is submitted, reopened or set aside. The total is the results page's own: the mean of the
    complete submitted reviews' totals (``assessment.scoring``), to the last bit, so the page
    ranks in the database and reads only one page of scores.
    """

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="standings", verbose_name=_("rubric"))
    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.CASCADE,
        related_name="stage_standings",
        verbose_name=_("proposal"),
        db_index=False,  # the unique constraint's index starts with it
    )
    #: None while no submitted review scores every criterion of the rubric.
    total = models.FloatField(_("weighted total"), null=True, blank=True)
    #: Whether ``total`` is set: the ranking's first key, so the unscored come last in one index
    #: on SQLite and PostgreSQL alike (they order NULL differently, and SQLite's indexes take no NULLS LAST).
    scored = models.BooleanField(_("scored"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("standing at a stage")
        verbose_name_plural = _("standings at a stage")
        constraints = [models.UniqueConstraint(fields=["proposal", "rubric"], name="stage_standing_once_per_rubric")]
        indexes = [
            # The results' order: a page is read down this index, only ties on a total sorted.
            models.Index(fields=["rubric", "-scored", "-total", "proposal"], name="stage_standing_ranking")
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} · {self.rubric_id}: {self.total}"


class CalibrationFit(models.Model):
    """The fit of the assessor-offset model to one rubric's reviews, with the stage's reliability and chances' seed.

    ``assessment.services.calibration`` rewrites it with the proposals' ``CalibratedStanding``
    rows wherever the standings are recomputed. ``reliability`` holds, for the weighted total
    (key ``"total"``) and each criterion (its key), ICC(1,1), ICC(1,k), alpha with their intervals
    and the Spearman-Brown count (``assessment.reliability.Reliability.as_dict``).
    """

    rubric = models.OneToOneField(
        Rubric, on_delete=models.CASCADE, primary_key=True, related_name="calibration", verbose_name=_("rubric")
    )
    noise_variance = models.FloatField(_("noise variance"), default=0)
    offset_variance = models.FloatField(_("assessor offset variance"), default=0)
    within_variance = models.FloatField(_("within-proposal variance"), default=0)
    calibrated = models.PositiveIntegerField(_("proposals calibrated"), default=0)
    fallbacks = models.PositiveIntegerField(_("proposals kept raw"), default=0)
    reliability = models.JSONField(_("reliability"), default=dict, blank=True)
    #: The chances' generator seed and number of draws, recorded so that anyone can draw them again.
    chance_seed = models.BigIntegerField(_("seed of the chances"), null=True, blank=True)
    chance_draws = models.PositiveIntegerField(_("draws"), default=0)
    #: The envelope less what was committed when the chances were drawn (None: no chances at this stage).
    chance_remaining = models.DecimalField(
        _("remaining envelope"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    fitted_at = models.DateTimeField(_("fitted"), default=timezone.now)

    class Meta:
        verbose_name = _("calibration")
        verbose_name_plural = _("calibrations")

    def __str__(self) -> str:
        return f"{self.rubric_id} · {self.fitted_at:%Y-%m-%d %H:%M}"


class CalibratedStanding(models.Model):
    """A proposal's calibrated weighted total under one rubric, beside (never instead of) its raw total.

    ``calibrated`` is None when the proposal keeps its raw score; ``fallback`` says why
    (``assessment.calibration.Fallback``). ``low`` and ``high`` bound the 90 % interval of
    the score used (calibrated, or the raw mean's). ``chance`` is the share of the recorded
    draws in which it is funded (None away from the application stage).
    """

    class Reason(models.TextChoices):
        NONE = "", _("Calibrated")
        NO_LINKING_ASSESSOR = "no_linking_assessor", _("None of its assessors scored another proposal")
        DISCONNECTED = "disconnected", _("Its assessors share no proposal with the calibrated group")
        THIN_GRAPH = "thin_graph", _("Too few assessors score several proposals to separate them from quality")
        NO_REVIEW = "no_review", _("No complete review yet")

    class Chance(models.TextChoices):
        ALWAYS = "always", _("Always funded")
        SOMETIMES = "sometimes", _("Sometimes funded")
        NEVER = "never", _("Never funded")

    rubric = models.ForeignKey(
        Rubric, on_delete=models.CASCADE, related_name="calibrated_standings", verbose_name=_("rubric")
    )
    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.CASCADE,
        related_name="calibrated_standings",
        verbose_name=_("proposal"),
        db_index=False,  # the unique constraint's index starts with it
    )
    raw = models.FloatField(_("raw total"), null=True, blank=True)
    calibrated = models.FloatField(_("calibrated total"), null=True, blank=True)
    low = models.FloatField(_("interval low"), null=True, blank=True)
    high = models.FloatField(_("interval high"), null=True, blank=True)
    fallback = models.CharField(_("kept raw because"), max_length=24, choices=Reason.choices, blank=True)
    #: Each criterion's calibrated mean on its own scale, by the criterion's key (None where kept raw).
    criteria = models.JSONField(_("calibrated criteria"), default=dict, blank=True)
    chance = models.FloatField(_("chance of funding"), null=True, blank=True)
    chance_label = models.CharField(_("funded"), max_length=12, choices=Chance.choices, blank=True)
    fitted_at = models.DateTimeField(_("fitted"), default=timezone.now)

    class Meta:
        verbose_name = _("calibrated standing")
        verbose_name_plural = _("calibrated standings")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "rubric"], name="calibrated_standing_once_per_rubric")
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} · {self.rubric_id}: {self.calibrated}"

    @property
    def ranking_score(self) -> float | None:
        """The score the calibrated ranking uses: calibrated where it could be, raw otherwise."""
        return self.calibrated if self.calibrated is not None else self.raw
