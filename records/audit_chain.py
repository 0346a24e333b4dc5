"""The audit trail's hash chain: seal the records as they are written, and verify the chain.

Each record gets a link (``AuditSeal``): an HMAC-SHA256, under a key kept out of the
database, of the record's content and of the link before it. Editing a sealed record,
removing one (with its link) or reordering links breaks the chain at that point, and a
record written into the past behind the site's back is never sealed: the sealer refuses a
record older than ``AUDIT_SEAL_GRACE_SECONDS`` and the verification names it. The sealer
runs every minute from Celery beat (``settings.CELERY_BEAT_SCHEDULE``), outside the
transactions that write the records, so no action waits for the chain. See ADR 0016.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from records.models import AuditRecord, AuditSeal

security_log = logging.getLogger("clusterflow.security")

CHUNK = 2000


def _key() -> bytes:
    """Return the chain's key: ``AUDIT_CHAIN_KEY``, or one derived from the secret key."""
    configured: str = getattr(settings, "AUDIT_CHAIN_KEY", "")
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"clusterflow-audit-chain", hashlib.sha256).digest()


def record_content(record: AuditRecord) -> bytes:
    """Return the canonical bytes of what ``record`` says: who did what to which proposal, when and why."""
    content = {
        "id": record.pk,
        "proposal": record.proposal_id,
        "meeting": record.meeting_id,
        "action": record.action,
        "from": record.from_state,
        "to": record.to_state,
        "actor": record.actor_id,
        "at": record.at.astimezone(UTC).isoformat(),
        "reason": record.reason,
        "data": record.data,
    }
    # A call's record names its call; the records before calls had any keep their bytes, and so their links.
    if record.call_id is not None:
        content["call"] = record.call_id
    # Likewise a program's record (its memberships kept by its staff) names its program.
    if record.program_id is not None:
        content["program"] = record.program_id
    return json.dumps(content, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder).encode()


def link_digest(*, previous: str, record: AuditRecord, key: bytes | None = None) -> str:
    """Return the link of ``record`` after the link ``previous``."""
    return hmac.new(key or _key(), previous.encode() + b"\n" + record_content(record), hashlib.sha256).hexdigest()


def _grace() -> timedelta:
    return timedelta(seconds=settings.AUDIT_SEAL_GRACE_SECONDS)


@dataclass
class SealResult:
    sealed: int = 0
    #: Records older than the grace period, left unsealed: written behind the site's back, or the
    #: sealer was stopped for longer than the grace period (then ``audit_seal --accept-late``).
    late: list[int] = field(default_factory=list)


def audit_seal(*, now: datetime | None = None, accept_late: bool = False) -> SealResult:
    """Append a link for every record not sealed yet, oldest first; return what was sealed and refused.

    Two sealers at once: the second's links collide with the first's numbers and it seals
    nothing (the next run goes on from the new head).
    """
    now = now or timezone.now()
    cutoff = now - _grace()
    key = _key()
    result = SealResult()
    try:
        with transaction.atomic():
            head = AuditSeal.objects.order_by("-seq").first()
            seq, previous = (head.seq, head.digest) if head else (0, "")
            links = []
            for record in AuditRecord.objects.filter(seal__isnull=True).order_by("pk").iterator(chunk_size=CHUNK):
                if record.at < cutoff and not accept_late:
                    result.late.append(record.pk)
                    continue
                seq += 1
                digest = link_digest(previous=previous, record=record, key=key)
                links.append(AuditSeal(seq=seq, record=record, previous=previous, digest=digest, sealed_at=now))
                previous = digest
            AuditSeal.objects.bulk_create(links, batch_size=CHUNK)
            result.sealed = len(links)
    except IntegrityError:
        return SealResult()
    if result.late:
        security_log.error(
            "%d audit records older than the grace period were not sealed (first: %d).",
            len(result.late),
            result.late[0],
        )
    if result.sealed:
        security_log.info("Audit chain sealed %d records; head %d %s.", result.sealed, seq, previous)
    return result


@dataclass
class Verification:
    links: int = 0
    head: str = ""
    #: The first break found, in words, naming the record; empty when the chain holds.
    problem: str = ""
    record_id: int | None = None
    #: Records written within the grace period and not sealed yet (not a break).
    pending: int = 0

    @property
    def ok(self) -> bool:
        return not self.problem


def _describe(record: AuditRecord) -> str:
    subject = (
        f"proposal {record.proposal_id}"
        if record.proposal_id
        else f"meeting {record.meeting_id}"
        if record.meeting_id
        else f"call {record.call_id}"
        if record.call_id
        else f"program {record.program_id}"
    )
    return f"audit record {record.pk} ({subject}, {record.action}, {record.at.isoformat()})"


def audit_verify(*, now: datetime | None = None) -> Verification:
    """Walk the chain from its first link and return the first record altered, removed or inserted, if any."""
    now = now or timezone.now()
    key = _key()
    result = Verification()
    previous = ""
    expected = 1
    seals = AuditSeal.objects.select_related("record").order_by("seq").iterator(chunk_size=CHUNK)
    for seal in seals:
        record = seal.record
        if seal.seq != expected:
            missing = f"link {expected} is" if seal.seq == expected + 1 else f"links {expected} to {seal.seq - 1} are"
            result.problem = f"{missing} missing before {_describe(record)}: records were removed with their links"
        elif seal.previous != previous:
            result.problem = f"the link before {_describe(record)} was altered or removed"
        elif not hmac.compare_digest(seal.digest, link_digest(previous=previous, record=record, key=key)):
            result.problem = f"{_describe(record)} was altered after it was sealed"
        if result.problem:
            result.record_id = record.pk
            return result
        previous, expected = seal.digest, expected + 1
        result.links += 1
    result.head = previous
    unsealed = AuditRecord.objects.filter(seal__isnull=True).order_by("pk")
    inserted = unsealed.filter(at__lt=now - _grace()).first()
    if inserted is not None:
        result.problem = f"{_describe(inserted)} is outside the chain: inserted behind the site's back, or never sealed"
        result.record_id = inserted.pk
        return result
    result.pending = unsealed.count()
    return result
