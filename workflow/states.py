"""The states of a proposal (a leaf: imports nothing of the project)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProposalState(models.TextChoices):
    DRAFT = "draft", _("Letter of intent in preparation")
    LOI_SUBMITTED = "loi_submitted", _("Letter of intent submitted")
    LOI_DECLINED = "loi_declined", _("Not invited")
    INVITED = "invited", _("Invited to apply")
    SUBMITTED = "submitted", _("Application submitted")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    INELIGIBLE = "ineligible", _("Ineligible")
    IN_ASSESSMENT = "in_assessment", _("In assessment")
    ASSESSED = "assessed", _("Assessed")
    BOARD_REVIEW = "board_review", _("Before the board")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Not funded")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


S = ProposalState

#: States nothing leaves.
FINAL_STATES = frozenset({S.LOI_DECLINED, S.INELIGIBLE, S.DECLINED, S.WITHDRAWN, S.EXPIRED})
#: States in which the applicant may edit the draft.
EDITABLE_STATES = frozenset({S.DRAFT, S.INVITED, S.CHANGES_REQUESTED})
#: States from which the applicant may withdraw: every non-final state before approval.
WITHDRAWABLE_STATES = frozenset(set(S) - FINAL_STATES - {S.APPROVED})
