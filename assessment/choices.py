"""Enumerations of the assessment app (a leaf: imports nothing of the project)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssignmentState(models.TextChoices):
    """Where one assessor's assignment to one proposal stands."""

    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn by staff")


#: The assignments that hold a slot: an assessor counted against the proposal's k and their cap.
ACTIVE_ASSIGNMENT_STATES = (AssignmentState.OFFERED, AssignmentState.ACCEPTED)


class ConflictSource(models.TextChoices):
    """How a conflict of interest became known."""

    AUTOMATIC = "automatic", _("Affiliation with a consortium member")
    DECLARED = "declared", _("Declared by the assessor")
    RECORDED = "recorded", _("Recorded by program staff")


class PairRuleKind(models.TextChoices):
    """Staff's instruction about one assessor and one proposal for the optimal assignment."""

    PIN = "pin", _("Always assign")
    FORBID = "forbid", _("Never assign")


class PlanState(models.TextChoices):
    """A computed assignment, shown to staff before anything is assigned."""

    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DISCARDED = "discarded", _("Discarded")


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    #: Submitted, then found conflicted: kept for the record, counted nowhere.
    SET_ASIDE = "set_aside", _("Set aside (conflict of interest)")


class Recommendation(models.TextChoices):
    FUND = "fund", _("Fund")
    FUND_WITH_CHANGES = "fund_with_changes", _("Fund with changes")
    DO_NOT_FUND = "do_not_fund", _("Do not fund")


class Confidence(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Language(models.TextChoices):
    """Languages an assessor reads proposals in."""

    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
