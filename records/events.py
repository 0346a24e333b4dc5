"""The events that notify people (a leaf). Each has templates in templates/notifications/<event>/."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    LOI_SUBMITTED = "loi_submitted", _("Letter of intent submitted")
    LOI_RECEIVED = "loi_received", _("New letter of intent to screen")
    INVITED = "invited", _("Invited to submit a full application")
    LOI_DECLINED = "loi_declined", _("Letter of intent not retained")
    APPLICATION_SUBMITTED = "application_submitted", _("Application submitted")
    APPLICATION_RECEIVED = "application_received", _("New application to check")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    INELIGIBLE = "ineligible", _("Application ineligible")
    ASSESSMENT_STARTED = "assessment_started", _("Assessment started")
    ASSESSMENT_COMPLETED = "assessment_completed", _("Assessment completed")
    DECISION_MADE = "decision_made", _("Funding decision")
    WITHDRAWN = "withdrawn", _("Proposal withdrawn")
    EXPIRED = "expired", _("Proposal expired")
    EXTENSION_GRANTED = "extension_granted", _("Deadline extended")
    DEADLINE_REMINDER = "deadline_reminder", _("Deadline reminder")
    COAPPLICANT_INVITED = "coapplicant_invited", _("Invited to edit a proposal")
    CONFLICT_DECLARED = "conflict_declared", _("Conflict of interest declared")
    REVIEW_SET_ASIDE = "review_set_aside", _("Review set aside: replacement assessor needed")
    ASSIGNMENT_DECLINED = "assignment_declined", _("Assessment assignment declined")
    REVIEW_REMINDER = "review_reminder", _("Reviews due soon")
    REVIEWS_OVERDUE = "reviews_overdue", _("Reviews overdue")
    ASSIGNMENTS_OFFERED = "assignments_offered", _("Proposals to assess")
    DECISION_LETTER = "decision_letter", _("Decision letter")
    JOIN_REQUESTED = "join_requested", _("Request to join an organization")
    JOIN_APPROVED = "join_approved", _("Request to join an organization approved")
    JOIN_REFUSED = "join_refused", _("Request to join an organization refused")
    BOARD_INVITED = "board_invited", _("Invited to a board meeting")
    BOARD_AGENDA_READY = "board_agenda_ready", _("Board agenda ready")
    BOARD_VOTES_MISSING = "board_votes_missing", _("Board votes missing")


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    EMAIL = "email", _("Email")
