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
    IP_STRATEGY = "ip_strategy", _("IP strategy")
    #: A file that answers one of the call's questions: kept with its answer, not among the documents.
    ANSWER = "answer", _("Answer to a question")


#: The types an applicant chooses for a document, and a call may require: every type but an answer's file.
DOCUMENT_TYPES = [(value, label) for value, label in AttachmentType.choices if value != AttachmentType.ANSWER]


class CallPhase(models.TextChoices):
    """Where a call stands by the server's clock; derived from its windows, never stored."""

    UPCOMING = "upcoming", _("Opens soon")
    LOI_OPEN = "loi_open", _("Accepting letters of intent")
    APPLICATIONS_OPEN = "applications_open", _("Full applications by invitation")
    IN_REVIEW = "in_review", _("In review")
    DECIDED = "decided", _("Closed")


class CostCategory(models.TextChoices):
    """Categories of eligible costs in a budget."""

    LABOUR = "labour", _("Labour")
    EQUIPMENT = "equipment", _("Equipment")
    MATERIALS = "materials", _("Materials")
    SUBCONTRACTS = "subcontracts", _("Subcontracts")
    OTHER = "other", _("Other")


class ForegroundIPKind(models.TextChoices):
    """Kinds of intellectual property a project expects to create."""

    PATENT = "patent", _("Patent")
    COPYRIGHT = "copyright", _("Copyright")
    TRADE_SECRET = "trade_secret", _("Trade secret")
    TRADEMARK = "trademark", _("Trademark")
    DATA = "data", _("Data")
    SOFTWARE = "software", _("Software")


class VersionKind(models.TextChoices):
    """A stage of a call's path, and what a frozen version of a proposal was submitted as.

    A call's path takes each kind at most once, in this order (``intake.models.Stage``).
    """

    QUESTIONNAIRE = "questionnaire", _("Eligibility questionnaire")
    LOI = "loi", _("Letter of intent")
    APPLICATION = "application", _("Full application")


class QuestionStage(models.TextChoices):
    """Where a call's question is asked: at a stage of its path, or in the funded project's reports.

    The report step is not a stage of the path (no ``Stage`` row, no frozen version): its
    questions are answered on each progress report and frozen with it (docs/reports.md).
    """

    QUESTIONNAIRE = VersionKind.QUESTIONNAIRE.value, VersionKind.QUESTIONNAIRE.label
    LOI = VersionKind.LOI.value, VersionKind.LOI.label
    APPLICATION = VersionKind.APPLICATION.value, VersionKind.APPLICATION.label
    REPORT = "report", _("Progress reports of the funded project")


#: The stages in the order a path goes through them.
STAGE_ORDER = (VersionKind.QUESTIONNAIRE, VersionKind.LOI, VersionKind.APPLICATION)


class BuiltInSection(models.TextChoices):
    """The built-in sections of a full application; a call's full-application stage chooses which it uses."""

    DESCRIPTION = "description", _("Project description and work plan")
    CONSORTIUM = "consortium", _("Consortium")
    BUDGET = "budget", _("Budget")
    IP = "ip", _("IP plan")
    OUTCOMES = "outcomes", _("Expected outcomes")
    ATTACHMENTS = "attachments", _("Attachments")


#: The sections every full application uses: a co-investment is its consortium and its budget.
SECTIONS_ALWAYS_USED = (BuiltInSection.CONSORTIUM, BuiltInSection.BUDGET)
#: The long texts of each section that has some (fields of ``intake.models.Proposal``): a stage may limit
#: their words, and a call that does not use the section may ask them as ordinary questions instead.
SECTION_TEXTS: dict[str, tuple[str, ...]] = {
    BuiltInSection.DESCRIPTION: ("project_description", "work_plan"),
    BuiltInSection.IP: ("ip_ownership_terms", "ip_partner_licensing", "ip_member_licensing"),
}


def sections_all() -> list[str]:
    """Return every built-in section, in order: what a full-application stage uses unless staff choose fewer."""
    return list(BuiltInSection.values)


class Advance(models.TextChoices):
    """How a proposal moves on from an early stage."""

    INVITATION = "invitation", _("Staff invite it to the next stage")
    AUTOMATIC = "automatic", _("Automatically, when every rule of the stage passes")


class IntakeMode(models.TextChoices):
    """How a call takes in proposals."""

    FIXED = "fixed", _("Fixed window")
    ROLLING = "rolling", _("Rolling intake with review cut-off dates")


class PathFigure(models.TextChoices):
    """The figure a proposal states at its first stage that may choose its path."""

    ESTIMATED_TOTAL_COST = "estimated_total_cost", _("Estimated total project cost")
    ESTIMATED_FUNDING_REQUESTED = "estimated_funding_requested", _("Estimated funding requested from the cluster")


class Sector(models.TextChoices):
    """Fields of expertise: what a proposal is about and what an assessor knows."""

    ADVANCED_MANUFACTURING = "advanced_manufacturing", _("Advanced manufacturing")
    DIGITAL_TECHNOLOGY = "digital_technology", _("Digital technology")
    ARTIFICIAL_INTELLIGENCE = "artificial_intelligence", _("Artificial intelligence and data")
    AGRI_FOOD = "agri_food", _("Agri-food and protein")
    OCEAN = "ocean", _("Ocean")
    HEALTH = "health", _("Health and life sciences")
    CLEAN_ENERGY = "clean_energy", _("Clean energy and environment")
    MATERIALS = "materials", _("Materials and chemistry")
    TRANSPORTATION = "transportation", _("Transportation and logistics")
    AEROSPACE = "aerospace", _("Aerospace and defence")


class QuestionKind(models.TextChoices):
    """What a question of a call asks for, and so how its answer is typed and checked."""

    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    MONEY = "money", _("Amount of money")
    SINGLE_CHOICE = "single_choice", _("One choice among several")
    MULTIPLE_CHOICE = "multiple_choice", _("Several choices")
    DATE = "date", _("Date")
    YES_NO = "yes_no", _("Yes or no")
    TABLE = "table", _("Table")
    FILE = "file", _("File")


class ColumnKind(models.TextChoices):
    """What the cells of one column of a table question hold."""

    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    MONEY = "money", _("Amount of money")
    DATE = "date", _("Date")
