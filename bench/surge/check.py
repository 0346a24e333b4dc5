"""The surge's verdicts: what the clients saw, held against what the server recorded and mailed.

Pure: the runner reads the rows (the clients' outcome lines, the audit records, the email
files) and hands them here. Times are seconds since the epoch, on the one machine's clock.
"""

from __future__ import annotations

import email
import hashlib
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.policy import default as default_policy
from typing import Any

#: The most a submission's 95th percentile may take.
SUBMIT_P95_BUDGET_MS = 200.0
#: What Django's file email backend writes after each message.
EMAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


@dataclass(frozen=True)
class Attempt:
    """One submission as its client saw it."""

    proposal: int
    role: str  # "on_time" or "late"
    sent_at: float
    answered_at: float
    status: int
    elapsed_ms: float


@dataclass(frozen=True)
class Recorded:
    """One proposal as the server left it: its state and when its audit records say it was submitted or expired."""

    state: str
    submitted_at: float | None
    expired_at: float | None


@dataclass(frozen=True)
class Uploads:
    """The uploads planned, answered 302 (locust's "upload"), and the files the server stored for them."""

    planned: int
    accepted: int
    stored: int


@dataclass(frozen=True)
class Verdict:
    name: str
    ok: bool
    detail: str


def p95(values: Sequence[float]) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def verdicts(
    *,
    deadline: float,
    planned_on_time: int,
    attempts: Sequence[Attempt],
    recorded: Mapping[int, Recorded],
    confirmations: Mapping[int, int],
    errors: int,
    uploads: Uploads | None = None,
) -> list[Verdict]:
    """Judge a run. ``confirmations`` counts the confirmation emails received per proposal.

    A submission sent before the deadline must be accepted (302, audited as submitted before
    the deadline): the applicant clicked in time, so one the server took too long to reach is
    refused wrongly. One sent from the deadline on must be refused (409, or the page no longer
    offering it: status 0) and not audited. Every proposal the server says was submitted has exactly one
    confirmation email; every other none. What was not submitted is expired by the sweep.
    With ``uploads``, every planned upload was answered 302 and its file is stored.
    """
    results = [Verdict("errors", errors == 0, f"{errors} failed requests")]

    submits = [a.elapsed_ms for a in attempts if a.role == "on_time" and a.status]
    value = p95(submits)
    results.append(
        Verdict(
            "submit_p95",
            value is not None and value <= SUBMIT_P95_BUDGET_MS,
            "no submission timed" if value is None else f"{value:.1f} ms (budget {SUBMIT_P95_BUDGET_MS:.0f} ms)",
        )
    )

    before = [a for a in attempts if a.sent_at < deadline]
    after = [a for a in attempts if a.sent_at >= deadline]
    straddling = sum(1 for a in before if a.answered_at >= deadline)
    wrong_before = [a.proposal for a in before if not _accepted(a, recorded.get(a.proposal), deadline)]
    results.append(
        Verdict(
            "before_deadline_accepted",
            not wrong_before,
            f"{len(before) - len(wrong_before)} of {len(before)} accepted ({straddling} answered after the deadline)"
            + (f"; not: {sorted(wrong_before)[:10]}" if wrong_before else ""),
        )
    )
    wrong_after = [a.proposal for a in after if not _refused(a, recorded.get(a.proposal))]
    results.append(
        Verdict(
            "after_deadline_refused",
            bool(after) and not wrong_after,
            f"{len(after) - len(wrong_after)} of {len(after)} refused"
            + (f"; not: {sorted(wrong_after)[:10]}" if wrong_after else ""),
        )
    )

    submitted = {pk for pk, row in recorded.items() if row.submitted_at is not None}
    answered_302 = {a.proposal for a in attempts if a.status == 302}
    results.append(
        Verdict(
            "all_planned_submitted",
            len(submitted) == planned_on_time and submitted == answered_302,
            f"{len(submitted)} submitted by the server's records, {len(answered_302)} answered 302, "
            f"{planned_on_time} planned",
        )
    )

    not_one = sorted(pk for pk in submitted if confirmations.get(pk, 0) != 1)
    stray = sorted(pk for pk, n in confirmations.items() if n and pk not in submitted)
    results.append(
        Verdict(
            "one_confirmation_each",
            not not_one and not stray,
            f"{sum(confirmations.get(pk, 0) for pk in submitted)} confirmations for {len(submitted)} submissions"
            + (f"; not exactly one: {not_one[:10]}" if not_one else "")
            + (f"; for proposals not submitted: {stray[:10]}" if stray else ""),
        )
    )

    left = sorted(pk for pk, row in recorded.items() if row.submitted_at is None and row.state != "expired")
    early = sorted(pk for pk, row in recorded.items() if row.expired_at is not None and row.expired_at < deadline)
    results.append(
        Verdict(
            "sweep_closed",
            not left and not early,
            f"{sum(1 for row in recorded.values() if row.state == 'expired')} expired"
            + (f"; still open: {left[:10]}" if left else "")
            + (f"; expired before the deadline: {early[:10]}" if early else ""),
        )
    )
    if uploads is not None:
        results.append(
            Verdict(
                "all_uploads_stored",
                uploads.planned == uploads.accepted == uploads.stored,
                f"{uploads.accepted} answered 302 and {uploads.stored} files stored of {uploads.planned} planned",
            )
        )
    return results


def _accepted(attempt: Attempt, row: Recorded | None, deadline: float) -> bool:
    return (
        attempt.status == 302
        and row is not None
        and row.submitted_at is not None
        and row.submitted_at < deadline
        and row.state == "loi_submitted"
    )


def _refused(attempt: Attempt, row: Recorded | None) -> bool:
    # 0: the page no longer offered to submit (the sweep had closed the proposal).
    return attempt.status in (409, 0) and row is not None and row.submitted_at is None


def message_ids(files: Iterable[bytes]) -> Counter[str]:
    """Count the Message-IDs of the messages in the file email backend's files."""
    seen: Counter[str] = Counter()
    for content in files:
        for chunk in content.split(EMAIL_SEPARATOR):
            if not chunk.strip():
                continue
            message = email.message_from_bytes(chunk, policy=default_policy)
            seen[str(message.get("Message-ID", "")).strip()] += 1
    return seen


def message_id_of(key: str) -> str:
    """The Message-ID the project gives the email of the notification with ``key``."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@clusterflow>"


def confirmations_per_proposal(received: Counter[str], keys: Iterable[tuple[str, int]]) -> dict[int, int]:
    """Count, per proposal, the received emails of its confirmation notifications ``(key, proposal)``."""
    counts: dict[int, int] = {}
    for key, proposal in keys:
        counts[proposal] = counts.get(proposal, 0) + received.get(message_id_of(key), 0)
    return counts


def summary(results: Sequence[Verdict]) -> dict[str, Any]:
    return {result.name: {"ok": result.ok, "detail": result.detail} for result in results}
