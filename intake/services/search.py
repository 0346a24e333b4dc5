"""The proposals' search documents: composed from a proposal's text, rewritten as it changes (docs/search.md).

A proposal's document holds its title and summary, the letter of intent's and the full
application's sections, the consortium's organizations and the background IP they bring, the
answers to the call's questions and the text of its current documents (``intake.extraction``,
read once when a file is stored). The services that change any of these call
``proposal_search_refresh`` in their own transaction, so a search never finds a proposal by
text it no longer holds, nor misses one by text it just got; saving a section of answers, the
one change an applicant repeats all day, hands the rewrite to the task worker after commit
(``proposal_search_refresh_on_commit``) and keeps its request to its few queries. ``proposals_search_sweep``
(every few minutes, ``workflow.tasks``) rewrites any document older than its proposal's last
change or missing (a proposal written by another path, a renamed organization's proposals once
touched); ``manage.py search_index_rebuild`` rewrites them all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from intake import extraction
from intake.models import Answer, Attachment, ConsortiumMember, Proposal, ProposalSearchDocument
from records.queue import current_app
from records.search_text import fold

logger = logging.getLogger(__name__)

#: The proposal's own fields the search reads, in the order the document holds them.
TEXT_FIELDS = (
    "title", "summary", "challenge", "technology", "expected_partners", "project_description", "work_plan",
    "ip_ownership_terms", "ip_partner_licensing", "ip_member_licensing",
)  # fmt: skip
#: The characters of a document's text kept: what a search reads and a snippet is cut from.
MAX_BODY = 400_000


def _strings(value: Any) -> Iterator[str]:
    """Yield the text of an answer's value: its strings, however nested (a list of choices, a table's rows)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def attachment_text(attachment: Attachment) -> str:
    """Return ``attachment``'s text, reading the file once if it was never read (then kept on the row)."""
    if attachment.text is None:
        try:
            with attachment.file.open("rb") as file:
                data = file.read(extraction.MAX_FILE_BYTES)
        except OSError:  # the storage is unreachable or the file gone: no text now, read again next time
            logger.warning("The file of attachment %s could not be read for the search", attachment.pk, exc_info=True)
            return ""
        attachment.text = extraction.document_text(data, content_type=attachment.content_type)
        Attachment.objects.filter(pk=attachment.pk).update(text=attachment.text)
    return attachment.text


def _compose(proposal: Proposal, members: Iterable[ConsortiumMember], answers: Iterable[Answer],
             attachments: Iterable[Attachment]) -> str:  # fmt: skip
    parts = [str(getattr(proposal, name) or "") for name in TEXT_FIELDS]
    parts.extend(str(keyword) for keyword in proposal.keywords or [])
    for member in members:
        parts.extend((member.organization.legal_name, member.background_ip))
    for answer in answers:
        parts.extend(_strings(answer.value))
    parts.extend(attachment_text(attachment) for attachment in attachments)
    return "\n".join(part for part in parts if part.strip())[:MAX_BODY]


def proposal_search_refresh(*, proposal_id: int, now: datetime | None = None) -> ProposalSearchDocument | None:
    """Rewrite the search document of proposal ``proposal_id`` from what it holds now (4 queries, and files read once).

    Call it in the transaction of the change. A proposal disposed of (``workflow.retention``)
    or gone has no document: none is written, and an old one is removed.
    """
    proposal = Proposal.objects.filter(pk=proposal_id, disposed_at__isnull=True).first()
    if proposal is None:
        ProposalSearchDocument.objects.filter(proposal_id=proposal_id).delete()
        return None
    members = ConsortiumMember.objects.filter(proposal_id=proposal_id).select_related("organization").order_by("pk")
    answers = Answer.objects.filter(proposal_id=proposal_id).exclude(value=None).order_by("question_id")
    attachments = Attachment.objects.filter(proposal_id=proposal_id, removed_at__isnull=True).order_by("pk")
    body = _compose(proposal, members, answers, attachments)
    document, _created = ProposalSearchDocument.objects.update_or_create(
        proposal_id=proposal_id,
        defaults={"body": body, "search_text": fold(body), "indexed_at": now or timezone.now()},
    )
    return document


#: The task that rewrites one proposal's document (``workflow.tasks``), named: a service imports no task.
REFRESH_TASK = "workflow.tasks.refresh_proposal_search_of"


def proposal_search_refresh_on_commit(*, proposal_id: int) -> None:
    """Have the task worker rewrite the search document of ``proposal_id`` once this transaction commits.

    The proposal's ``updated_at`` has moved, so its document is stale until then; if the broker
    is down, the sweep rewrites it within minutes.
    """

    def queue() -> None:
        try:
            current_app.send_task(REFRESH_TASK, kwargs={"proposal_id": proposal_id})
        except Exception:  # The sweep rewrites any stale document; a broker outage must not fail the request.
            logger.exception("Could not queue proposal %s's search document; the sweep will write it.", proposal_id)

    transaction.on_commit(queue, robust=True)


def proposals_search_stale() -> QuerySet[Proposal]:
    """Return the proposals whose search document is missing or older than their last change (not disposed of)."""
    current = ProposalSearchDocument.objects.filter(proposal_id=OuterRef("pk"), indexed_at__gte=OuterRef("updated_at"))
    return Proposal.objects.filter(disposed_at__isnull=True).filter(~Q(Exists(current))).order_by("pk")


def proposals_search_sweep(*, limit: int = 2000) -> int:
    """Rewrite the search documents of up to ``limit`` stale proposals, one transaction each; return how many."""
    count = 0
    for proposal_id in list(proposals_search_stale().values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            proposal_search_refresh(proposal_id=proposal_id)
        count += 1
    return count


def proposals_search_rebuild(*, proposals: QuerySet[Proposal] | None = None) -> int:
    """Rewrite the search document of every proposal (or of ``proposals``); return how many.

    Each file never read is read once; the documents of proposals disposed of are removed.
    """
    rows = Proposal.objects.all() if proposals is None else proposals
    count = 0
    for proposal_id in rows.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=500):
        with transaction.atomic():
            proposal_search_refresh(proposal_id=proposal_id)
        count += 1
    ProposalSearchDocument.objects.filter(proposal__disposed_at__isnull=False).delete()
    return count
