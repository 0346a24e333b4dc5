"""Joining an organization: the request, its answer, and the messages that tell people of them.

The rules live in ``accounts.services``; these actions add what the accounts app cannot
reach from below: the inbox and email, written in the same transaction and sent after it
commits. The request row is the record of who asked, who answered, when and why.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.choices import JoinRequestState
from accounts.models import JoinRequest, Organization, User
from records.events import Event
from records.notifications import notify


def _context(join_request: JoinRequest) -> dict[str, Any]:
    return {
        "organization": join_request.organization.legal_name,
        "requester": join_request.user.get_full_name(),
        "requester_email": join_request.user.email,
        "title": join_request.title,
        "reason": join_request.reason,
        "request_id": join_request.pk,
    }


def organization_join_request(*, user: User, organization: Organization, title: str = "") -> JoinRequest:
    """Ask to join ``organization``; tell those who may answer (its members, or staff when it has none)."""
    with transaction.atomic():
        join_request = account_services.join_request_create(user=user, organization=organization, title=title)
        notify(
            event=Event.JOIN_REQUESTED,
            recipients=account_selectors.join_request_deciders(join_request=join_request),
            occurrence=f"join:{join_request.pk}",
            context=_context(join_request),
        )
    return join_request


def organization_join_answer(*, join_request: JoinRequest, by: User, approve: bool, reason: str = "") -> JoinRequest:
    """Approve or refuse ``join_request``; tell the person who asked."""
    with transaction.atomic():
        decided = account_services.join_request_decide(join_request=join_request, by=by, approve=approve, reason=reason)
        notify(
            event=Event.JOIN_APPROVED if decided.state == JoinRequestState.APPROVED else Event.JOIN_REFUSED,
            recipients=[decided.user],
            occurrence=f"join:{decided.pk}",
            context=_context(decided),
        )
    return decided
