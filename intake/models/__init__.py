"""Intake's models: programs, their calls, and the proposals with everything an applicant enters and submits.

Each concern has its module; every model and public name is imported here, so ``from intake.models import …``
reads them all. The modules are imported in the order the models were first declared, so Django registers
them in that order still (it decides the order of serialized data and of new migrations' operations).
"""

# Not sorted: the order of declaration, above.
from intake.models.base import NOT_NEGATIVE, PERCENT, BilingualMixin, LegalHold, money  # noqa: I001
from intake.models.programs import Program, ProgramMembership, ProgramRole
from intake.models.calls import Call
from intake.models.stages import CutOff, Stage
from intake.models.proposals import Proposal, ProposalQuerySet
from intake.models.consortium import BudgetLine, CoApplicant, ConsortiumMember, ConsortiumRole
from intake.models.plan import ForegroundIP, Milestone
from intake.models.attachments import Attachment, attachment_path
from intake.models.versions import ProposalVersion
from intake.models.eligibility import EligibilityOverride
from intake.models.questions import Answer, Question
from intake.models.call_rules import CallRule
from intake.models.search import ProposalSearchDocument

__all__ = [
    "NOT_NEGATIVE",
    "PERCENT",
    "Answer",
    "Attachment",
    "BilingualMixin",
    "BudgetLine",
    "Call",
    "CallRule",
    "CoApplicant",
    "ConsortiumMember",
    "ConsortiumRole",
    "CutOff",
    "EligibilityOverride",
    "ForegroundIP",
    "LegalHold",
    "Milestone",
    "Program",
    "ProgramMembership",
    "ProgramRole",
    "Proposal",
    "ProposalQuerySet",
    "ProposalSearchDocument",
    "ProposalVersion",
    "Question",
    "Stage",
    "attachment_path",
    "money",
]
