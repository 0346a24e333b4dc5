"""Reads of stewardship: a person's personal data, gathered from every app (docs/privacy.md, ADR 0027).

The export holds exactly one person's data: what they entered, what was recorded about them,
and what they wrote. It leaves out what others wrote about them or their work (other
assessors' reviews of their proposal, staff's notes) and every other person's identity:
a field that points at another user is never exported, only the organizations, calls and
proposals the person's own rows refer to.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import zipfile
from typing import IO, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Prefetch, Q
from django.utils import timezone

from accounts.models import FormerMembership, JoinRequest, Membership, SignInRecord, User
from assessment.models import Affiliation, AssessorProfile, Conflict, Review
from board.models import BoardConflict, Vote
from intake.models import Attachment, ProgramRole, Proposal
from intake.states import FINAL_STATES, ProposalState
from records.models import Notification
from registry.models import RelayMessage, RelayThread

#: Proposal states in which a proposal is settled: closing the lead's account does not leave it without a lead.
SETTLED_STATES = frozenset({*FINAL_STATES, ProposalState.APPROVED})
#: The version of the export's layout, written in it.
EXPORT_FORMAT = 1
CHUNK = 1024 * 1024


def _is_user_field(field: models.Field[Any, Any]) -> bool:
    return bool(
        field.is_relation
        and field.related_model is not None
        and field.related_model._meta.label == settings.AUTH_USER_MODEL
    )


def _row(obj: models.Model, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """Return ``obj``'s own fields by name; any field pointing at a user is left out (nobody else's identity)."""
    row: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude or _is_user_field(field):
            continue
        row[field.attname] = getattr(obj, field.attname)
    return row


def active_led_proposals(*, user: User) -> models.QuerySet[Proposal]:
    """Return the proposals ``user`` leads that are not settled (not final, not approved)."""
    return Proposal.objects.filter(lead_applicant=user).exclude(state__in=SETTLED_STATES).order_by("pk")


def _proposals(user: User) -> list[dict[str, Any]]:
    proposals = (
        Proposal.objects.filter(Q(lead_applicant=user) | Q(coapplicant__user=user))
        .distinct()
        .select_related("call", "lead_organization")
        .prefetch_related(
            "members__organization",
            "members__budget_lines",
            "milestones",
            "foreground_ip__owner__organization",
            "answers__question",
            "answers__attachment",
        )
        .order_by("pk")
    )
    result = []
    for proposal in proposals:
        row = _row(proposal, exclude=("version_count",))
        row["your_role"] = "lead applicant" if proposal.lead_applicant_id == user.pk else "co-applicant"
        row["call"] = str(proposal.call)
        row["lead_organization"] = proposal.lead_organization.legal_name
        row["consortium"] = [
            {
                **_row(member, exclude=("proposal",)),
                "organization": member.organization.legal_name,
                "budget": [_row(line, exclude=("member",)) for line in member.budget_lines.all()],
            }
            for member in proposal.members.all()
        ]
        row["milestones"] = [_row(milestone, exclude=("proposal",)) for milestone in proposal.milestones.all()]
        row["foreground_ip"] = [
            {**_row(ip, exclude=("proposal",)), "owner": ip.owner.organization.legal_name if ip.owner else None}
            for ip in proposal.foreground_ip.all()
        ]
        row["answers"] = [
            {
                "question": answer.question.label_en,
                "answer": answer.value,
                "file": answer.attachment.original_name if answer.attachment else None,
            }
            for answer in proposal.answers.all()
        ]
        result.append(row)
    return result


def _reviews(user: User) -> list[dict[str, Any]]:
    reviews = (
        Review.objects.filter(assignment__assessor=user)
        .select_related("assignment__proposal", "assignment__rubric")
        .prefetch_related("scores__criterion")
        .order_by("pk")
    )
    return [
        {
            **_row(review, exclude=("assignment",)),
            "proposal_id": review.assignment.proposal_id,
            "proposal": review.assignment.proposal.title,
            "stage": review.assignment.rubric.stage,
            "scores": [
                {
                    "criterion_en": score.criterion.name_en,
                    "criterion_fr": score.criterion.name_fr,
                    "value": score.value,
                    "comment": score.comment,
                }
                for score in review.scores.all()
            ],
        }
        for review in reviews
    ]


def _assessor(user: User) -> dict[str, Any] | None:
    profile = AssessorProfile.objects.filter(user=user).first()
    affiliations = Affiliation.objects.filter(assessor=user).select_related("organization").order_by("pk")
    if profile is None and not affiliations:
        return None
    return {
        "profile": _row(profile, exclude=("id",)) if profile else None,
        "affiliations": [{**_row(a), "organization": a.organization.legal_name} for a in affiliations],
        "conflicts": [
            {**_row(c), "proposal": c.proposal.title}
            for c in Conflict.objects.filter(assessor=user).select_related("proposal").order_by("pk")
        ],
    }


def _board(user: User) -> dict[str, Any]:
    votes = Vote.objects.filter(member=user).select_related("item__proposal", "item__meeting").order_by("pk")
    conflicts = BoardConflict.objects.filter(member=user).select_related("proposal").order_by("pk")
    return {
        "votes": [
            {
                **_row(vote, exclude=("item",)),
                "meeting_held_at": vote.item.meeting.held_at,
                "proposal_id": vote.item.proposal_id,
                "proposal": vote.item.proposal.title,
            }
            for vote in votes
        ],
        "conflicts_declared": [{**_row(c), "proposal": c.proposal.title} for c in conflicts],
    }


def _relay(user: User) -> list[dict[str, Any]]:
    """Return the directory relay's conversations ``user`` takes part in, each with the messages they wrote.

    Taking part: they started it, it was addressed to them, they replied first or wrote in it. The
    conversation names its organizations and program, never the other side's people; the others'
    messages are theirs (what the person was told is in ``notifications``). Two queries.
    """
    threads = (
        RelayThread.objects.filter(
            Q(sender=user)
            | Q(recipient=user)
            | Q(replied_by=user)
            | Q(pk__in=RelayMessage.objects.filter(author=user).values("thread_id"))
        )
        .select_related("program", "sender_organization", "organization")
        .prefetch_related(
            Prefetch("messages", queryset=RelayMessage.objects.filter(author=user).order_by("created_at", "pk"),
                     to_attr="mine")
        )
        .order_by("created_at", "pk")
    )  # fmt: skip
    return [
        {
            **_row(thread),
            "program": thread.program.slug,
            "started_by_you": thread.sender_id == user.pk,
            "sender_organization": thread.sender_organization.legal_name,
            "organization_contacted": thread.organization.legal_name,
            "your_messages": [_row(message, exclude=("thread",)) for message in thread.mine],  # type: ignore[attr-defined]
        }
        for thread in threads
    ]


def personal_data(*, user: User) -> dict[str, Any]:
    """Return everything Clusterflow holds about ``user`` and that they wrote, by section (no files)."""
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now(),
        "profile": {
            **_row(user, exclude=("password",)),
            "roles": sorted(user.roles),
            "program_roles": [
                {
                    "program": grant.program.slug if grant.program else None,
                    "role": grant.role,
                    "granted_at": grant.granted_at,
                }
                for grant in ProgramRole.objects.filter(user=user)
                .select_related("program")
                .order_by("granted_at", "pk")
            ],
        },
        "memberships": _with_organization(Membership.objects.filter(user=user)),
        "former_memberships": _with_organization(FormerMembership.objects.filter(user=user)),
        "join_requests": _with_organization(JoinRequest.objects.filter(user=user)),
        "proposals": _proposals(user),
        "files": [],  # filled by ``personal_data_archive`` as it copies them
        "reviews": _reviews(user),
        "assessor": _assessor(user),
        "board": _board(user),
        "relay": _relay(user),
        "notifications": [
            _row(notification, exclude=("key", "claimed_until", "attempts"))
            for notification in Notification.objects.filter(recipient=user).order_by("created_at", "pk")
        ],
        "sign_ins": [_row(record) for record in SignInRecord.objects.filter(user=user).order_by("-at", "-pk")],
    }


def _with_organization(rows: models.QuerySet[Any]) -> list[dict[str, Any]]:
    return [
        {**_row(row), "organization": row.organization.legal_name}
        for row in rows.select_related("organization").order_by("pk")
    ]


def _archive_name(attachment: Attachment) -> str:
    safe = re.sub(r"[^\w.\- ]", "_", attachment.original_name.rsplit("/", 1)[-1]).strip() or "file"
    return f"files/{attachment.pk}-{safe}"


def personal_data_archive(*, user: User) -> IO[bytes]:
    """Return a ZIP file (open, at its start): ``personal_data`` as ``personal-data.json``, and ``user``'s uploads.

    Each file is listed in the JSON's ``files`` with its path in the archive and the
    SHA-256 of the bytes copied, so the person can check what they received.
    """
    data = personal_data(user=user)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - returned open, closed by the response that streams it
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for attachment in Attachment.objects.filter(uploaded_by=user).order_by("pk"):
            name = _archive_name(attachment)
            digest = hashlib.sha256()
            with attachment.file.open("rb") as source, archive.open(name, "w", force_zip64=True) as target:
                while block := source.read(CHUNK):
                    digest.update(block)
                    target.write(block)
            data["files"].append(
                {
                    **_row(attachment, exclude=("file",)),
                    "path": name,
                    "sha256_of_copy": digest.hexdigest(),
                }
            )
        archive.writestr("personal-data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
    handle.seek(0)
    return handle
