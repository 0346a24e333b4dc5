"""Enumerations of the intake app (a leaf)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AttachmentType(models.TextChoices):
    PROJECT_PLAN = "project_plan", _("Project plan")
    RISK_REGISTER = "risk_register", _("Risk register")
    LETTERS_OF_SUPPORT = "letters_of_support", _("Letters of support")
    BUDGET_JUSTIFICATION = "budget_justification", _("Budget justification")
    FINANCIAL_STATEMENTS = "financial_statements", _("Financial statements")
    CONSORTIUM_AGREEMENT = "consortium_agreement", _("Consortium agreement (draft)")


class CallPhase(models.TextChoices):
    """Where a call stands by the server's clock; derived from its windows, never stored."""

    UPCOMING = "upcoming", _("Opens soon")
    LOI_OPEN = "loi_open", _("Accepting letters of intent")
    APPLICATIONS_OPEN = "applications_open", _("Full applications by invitation")
    IN_REVIEW = "in_review", _("In review")
    DECIDED = "decided", _("Closed")
