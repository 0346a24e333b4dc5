"""Celery tasks of the workflow: thin, idempotent, retried with backoff."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

import config.celery  # noqa: F401 - the application these tasks are queued through, outside the worker too
from board.models import DecisionLetter
from board.services.letters import letter_documents_print
from intake.models import ProposalVersion
from intake.services.documents import version_documents_print
from intake.services.search import proposal_search_refresh, proposals_search_sweep
from projects.agreements import agreement_documents_print
from projects.models import Agreement
from registry import sweeps as registry_sweeps
from workflow import claim_sweeps, project_sweeps, retention, service_health, sweeps
from workflow.actions.deadlines import proposals_expire_overdue


@shared_task
def expire_overdue_proposals() -> int:
    """Expire drafts and applications whose deadline has passed."""
    return proposals_expire_overdue()


@shared_task
def send_deadline_reminders() -> int:
    """Remind lead applicants of unsubmitted proposals 7 days and 1 day before their deadline."""
    return sweeps.deadline_reminders_send()


@shared_task
def send_review_reminders() -> int:
    """Remind assessors of reviews due soon, and tell staff once a day of overdue ones."""
    return sweeps.review_reminders_send() + sweeps.reviews_overdue_escalate()


@shared_task
def check_service_health() -> dict[str, bool]:
    """Probe the database and the broker; open an outage when one fails, close it when it recovers."""
    return service_health.service_health_check()


@shared_task
def send_board_vote_reminders() -> int:
    """Remind board members of their missing votes 2 days before their meetings and on the day."""
    return sweeps.board_vote_reminders_send()


@shared_task
def refresh_proposal_search() -> int:
    """Rewrite the proposals' search documents that are missing or older than their proposal's last change."""
    return proposals_search_sweep()


@shared_task
def refresh_proposal_search_of(proposal_id: int) -> None:
    """Rewrite one proposal's search document, after a change that handed it over (its answers saved)."""
    with transaction.atomic():
        proposal_search_refresh(proposal_id=proposal_id)


@shared_task
def dispose_due_proposals() -> int:
    """Dispose of the unsuccessful proposals past their program's retention and under no legal hold."""
    return retention.proposals_dispose_due()


@shared_task
def send_claim_reminders() -> int:
    """Remind the partners' people of their claims due soon (docs/claims.md)."""
    return claim_sweeps.claim_reminders_send()


@shared_task
def escalate_overdue_claims() -> int:
    """Tell the programs' staff, once a day, of the claims past their due date (docs/claims.md)."""
    return claim_sweeps.claims_overdue_escalate()


@shared_task
def send_report_reminders() -> int:
    """Remind the projects' people of reports due soon, and tell staff once a day of overdue ones."""
    return project_sweeps.report_reminders_send() + project_sweeps.reports_overdue_escalate()


@shared_task
def start_closing_due_projects() -> int:
    """Move the active projects whose last milestone is due to closing."""
    return project_sweeps.projects_start_closing_due()


@shared_task
def escalate_licence_requests() -> int:
    """Tell IP managers, once a day, of the licence requests waiting too long for an answer."""
    return registry_sweeps.licence_requests_escalate()


@shared_task
def print_version_dossiers(proposal_id: int, number: int) -> int:
    """Print and store a submitted version's dossier and receipt in each language (none if the version is gone).

    Queued by the first download of one of them that found it not stored (docs/pdfs.md);
    idempotent: what is stored already is not laid out again.
    """
    version = (
        ProposalVersion.objects.select_related("proposal__call__program", "submitted_by")
        .filter(proposal_id=proposal_id, number=number, proposal__disposed_at__isnull=True)
        .first()
    )
    if version is None:
        return 0
    return version_documents_print(version=version)


@shared_task
def print_decision_letter(letter_id: int) -> int:
    """Print and store a released decision letter in each language (none if it is gone or its proposal disposed of)."""
    letter = (
        DecisionLetter.objects.select_related("item__proposal__call")
        .filter(pk=letter_id, released_at__isnull=False, item__proposal__disposed_at__isnull=True)
        .first()
    )
    if letter is None:
        return 0
    return letter_documents_print(letter=letter)


@shared_task
def print_agreement(agreement_id: int) -> int:
    """Print and store an agreement as it stands, with its signatures, in each language (none if it is gone)."""
    agreement = Agreement.objects.select_related("project").filter(pk=agreement_id).first()
    if agreement is None:
        return 0
    return agreement_documents_print(agreement=agreement)
