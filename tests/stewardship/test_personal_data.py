"""A person's data export and the closing of their account (docs/privacy.md, ADR 0027)."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.choices import Role
from accounts.errors import ActionForbidden, StaleAction
from accounts.models import FormerMembership, JoinRequest, Membership, SignInRecord, User
from assessment.models import Affiliation, AssessorProfile, Conflict, Review
from board.models import AgendaItem, BoardConflict, BoardMeeting, Vote
from config.celery import app as celery_app
from intake.models import Attachment, CoApplicant, ProgramRole, Proposal
from records.audit_chain import audit_seal, audit_verify
from records.events import Channel, Event
from records.models import AuditRecord, Notification
from registry.models import RelayMessage, RelayThread
from stewardship import selectors, services
from tests.assessment.reviewing import assignment_make, review_make, rubric_make
from tests.conftest import client_for
from tests.factories import (
    PASSWORD,
    AttachmentFactory,
    CallFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    ProposalFactory,
    ProposalVersionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager_tasks() -> Iterator[None]:
    """Send queued mail at once: the worker itself is tested in tests/config/test_celery.py."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


#: The second person's data: none of these strings may appear in the first person's export.
OTHER_MARKS = ("Bruno Second", "bruno@example.com", "BRUNO-REVIEW-COMMENT", "BRUNO-VOTE", "bruno-file.pdf")


def _world(media_root: Any) -> dict[str, Any]:
    """Two people, Alice and Bruno, each with rows in every app, some on each other's proposals."""
    alice = UserFactory(role=Role.APPLICANT, email="alice@example.com", display_name="Alice First")
    bruno = UserFactory(role=Role.APPLICANT, email="bruno@example.com", display_name="Bruno Second")
    for person in (alice, bruno):
        for role in (Role.ASSESSOR, Role.BOARD_MEMBER):
            from accounts.services import user_grant_role

            user_grant_role(user=person, role=role)
    call = CallFactory()
    alice_org = MembershipFactory(user=alice, title="Alice's title").organization
    MembershipFactory(user=bruno)
    FormerMembership.objects.create(
        user=alice,
        organization=OrganizationFactory(legal_name="Old Employer"),
        joined_at=timezone.now() - timedelta(days=900),
        left_at=timezone.now() - timedelta(days=100),
    )
    JoinRequest.objects.create(user=alice, organization=OrganizationFactory(legal_name="Wished Org"))
    JoinRequest.objects.create(user=bruno, organization=alice_org)

    alice_led = ProposalFactory(
        call=call, lead_applicant=alice, lead_organization=alice_org, title="Alice's testbed", state="withdrawn"
    )
    bruno_led = ProposalFactory(call=call, lead_applicant=bruno, title="Bruno's sensors")
    CoApplicant.objects.create(proposal=bruno_led, user=alice, invited_by=bruno)
    alice_file = AttachmentFactory(
        proposal=bruno_led, uploaded_by=alice, original_name="alice-plan.pdf", file=ContentFile(b"%PDF alice", "a.pdf")
    )
    AttachmentFactory(
        proposal=alice_led, uploaded_by=bruno, original_name="bruno-file.pdf", file=ContentFile(b"%PDF bruno", "b.pdf")
    )

    rubric = rubric_make(call, k=2)
    alice_review = review_make(assignment_make(bruno_led, rubric=rubric, assessor=alice))
    alice_review.overall_comment = "ALICE-REVIEW-COMMENT"
    alice_review.save()
    bruno_review = review_make(assignment_make(alice_led, rubric=rubric, assessor=bruno))
    bruno_review.overall_comment = "BRUNO-REVIEW-COMMENT"
    bruno_review.save()
    Conflict.objects.create(assessor=alice, proposal=alice_led, source="declared", nature="I lead it.")
    AssessorProfile.objects.create(user=alice, keywords=["robotics"])
    AssessorProfile.objects.create(user=bruno, keywords=["bruno-keyword"])
    Affiliation.objects.create(assessor=alice, organization=alice_org, role="Adviser")

    meeting = BoardMeeting.objects.create(
        call=call, held_at=timezone.now() + timedelta(days=7), quorum=1, chair=bruno, created_by=bruno
    )
    item = AgendaItem.objects.create(meeting=meeting, proposal=ProposalFactory(call=call, state="board_review"))
    Vote.objects.create(item=item, member=alice, choice="approve", comment="ALICE-VOTE")
    Vote.objects.create(item=item, member=bruno, choice="decline", comment="BRUNO-VOTE")
    BoardConflict.objects.create(member=alice, proposal=bruno_led, nature="My co-applied proposal.")

    for person in (alice, bruno):
        Notification.objects.create(
            key=f"test:{person.pk}", event=Event.INVITED, channel=Channel.INBOX, recipient=person, proposal=alice_led
        )
        SignInRecord.objects.create(user=person, address="192.0.2.1" if person == alice else "198.51.100.7")
    audit = AuditRecord.objects.create(
        proposal=alice_led, action="withdraw", from_state="draft", to_state="withdrawn", actor=alice, reason="Ended."
    )
    return {
        "alice": alice,
        "bruno": bruno,
        "alice_led": alice_led,
        "bruno_led": bruno_led,
        "alice_file": alice_file,
        "alice_review": alice_review,
        "audit": audit,
    }


def _archive(user: User) -> tuple[dict[str, Any], zipfile.ZipFile, str]:
    handle = selectors.personal_data_archive(user=user)
    archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    text = archive.read("personal-data.json").decode()
    return json.loads(text), archive, text


def test_export_holds_the_persons_data_and_nobody_elses(media_root: Any) -> None:
    world = _world(media_root)
    data, _zip, text = _archive(world["alice"])

    assert data["profile"]["email"] == "alice@example.com"
    assert "password" not in data["profile"]
    assert data["profile"]["roles"] == sorted([Role.APPLICANT, Role.ASSESSOR, Role.BOARD_MEMBER])
    assert [m["title"] for m in data["memberships"]] == ["Alice's title"]
    assert [m["organization"] for m in data["former_memberships"]] == ["Old Employer"]
    assert [r["organization"] for r in data["join_requests"]] == ["Wished Org"]
    assert {(p["title"], p["your_role"]) for p in data["proposals"]} == {
        ("Alice's testbed", "lead applicant"),
        ("Bruno's sensors", "co-applicant"),
    }
    led = next(p for p in data["proposals"] if p["title"] == "Alice's testbed")
    assert led["summary"] == world["alice_led"].summary
    assert led["consortium"][0]["organization"] == world["alice_led"].lead_organization.legal_name
    assert [r["overall_comment"] for r in data["reviews"]] == ["ALICE-REVIEW-COMMENT"]
    assert len(data["reviews"][0]["scores"]) == 2
    assert data["assessor"]["profile"]["keywords"] == ["robotics"]
    assert [a["role"] for a in data["assessor"]["affiliations"]] == ["Adviser"]
    assert [c["nature"] for c in data["assessor"]["conflicts"]] == ["I lead it."]
    assert [v["comment"] for v in data["board"]["votes"]] == ["ALICE-VOTE"]
    assert [c["nature"] for c in data["board"]["conflicts_declared"]] == ["My co-applied proposal."]
    assert [n["id"] for n in data["notifications"]] == [Notification.objects.get(recipient=world["alice"]).pk]
    assert [s["address"] for s in data["sign_ins"]] == ["192.0.2.1"]
    for mark in OTHER_MARKS:
        assert mark not in text, mark
    assert str(world["bruno"].pk) not in {str(v) for p in data["proposals"] for k, v in p.items() if k.endswith("_id")}


def test_export_includes_the_files_the_person_uploaded_with_their_hashes(media_root: Any) -> None:
    world = _world(media_root)
    data, archive, _text = _archive(world["alice"])

    files = data["files"]
    assert [f["original_name"] for f in files] == ["alice-plan.pdf"]
    copied = archive.read(files[0]["path"])
    assert copied == b"%PDF alice"
    assert files[0]["sha256_of_copy"] == hashlib.sha256(b"%PDF alice").hexdigest()
    assert sorted(archive.namelist()) == sorted(["personal-data.json", files[0]["path"]])


def test_export_view_downloads_the_signed_in_persons_zip(media_root: Any) -> None:
    world = _world(media_root)
    response = client_for(world["bruno"]).get(reverse("stewardship:export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("personal-data.json"))
    assert data["profile"]["email"] == "bruno@example.com"
    assert "ALICE-REVIEW-COMMENT" not in json.dumps(data)


def test_closing_pseudonymizes_and_keeps_the_records_whole(media_root: Any, caplog: Any) -> None:
    world = _world(media_root)
    alice, bruno = world["alice"], world["bruno"]
    audit_seal(accept_late=True)
    session = client_for(alice).session.session_key
    other_session = client_for(bruno).session.session_key

    with caplog.at_level(logging.INFO, logger="clusterflow.security"):
        services.account_close(user=alice)

    alice.refresh_from_db()
    assert alice.email == f"former-user-{alice.pk}@closed.invalid"
    assert alice.display_name == f"Former user {alice.pk} / Ancien utilisateur {alice.pk}"
    assert not alice.has_usable_password()
    assert not alice.is_active
    assert not Membership.objects.filter(user=alice).exists()
    assert FormerMembership.objects.filter(user=alice).count() == 2  # the old one and the one just ended
    assert not AssessorProfile.objects.filter(user=alice).exists()
    assert not Affiliation.objects.filter(assessor=alice).exists()
    assert not Notification.objects.filter(recipient=alice).exists()
    assert not SignInRecord.objects.filter(user=alice).exists()
    assert not Session.objects.filter(session_key=session).exists()
    assert Session.objects.filter(session_key=other_session).exists()
    # The records stay, with the pseudonymous author.
    assert AuditRecord.objects.get(pk=world["audit"].pk).actor_id == alice.pk
    assert Review.objects.get(pk=world["alice_review"].pk).assignment.assessor_id == alice.pk
    assert Vote.objects.get(member=alice).comment == "ALICE-VOTE"
    assert Attachment.objects.get(pk=world["alice_file"].pk).uploaded_by_id == alice.pk
    assert Proposal.objects.get(pk=world["alice_led"].pk).lead_applicant_id == alice.pk
    # Bruno's rows are untouched.
    assert AssessorProfile.objects.filter(user=bruno).exists()
    assert Notification.objects.filter(recipient=bruno).count() == 1
    # The audit trail still verifies.
    audit_seal(accept_late=True)
    assert audit_verify().ok
    assert f"Account of user {alice.pk} closed and pseudonymized; 1 sessions ended." in caplog.messages
    assert "alice@example.com" not in " ".join(caplog.messages)


def test_closing_is_refused_while_the_person_leads_an_active_proposal(media_root: Any) -> None:
    world = _world(media_root)
    ProposalFactory(lead_applicant=world["alice"], title="Alice's live draft", state="submitted")

    with pytest.raises(ActionForbidden, match="Alice's live draft"):
        services.account_close(user=world["alice"])
    world["alice"].refresh_from_db()
    assert world["alice"].is_active
    assert world["alice"].email == "alice@example.com"


@pytest.mark.parametrize("state", ["approved", "declined", "loi_declined", "ineligible", "withdrawn", "expired"])
def test_closing_is_allowed_when_every_led_proposal_is_settled(state: str) -> None:
    lead = ProposalFactory(state=state).lead_applicant

    assert services.account_closure_refusal(user=lead) is None


def test_closing_twice_is_stale() -> None:
    user = UserFactory()
    services.account_close(user=user)

    with pytest.raises(StaleAction):
        services.account_close(user=user)


def test_export_and_closing_cover_the_roles_held_per_program() -> None:
    program = ProgramFactory(slug="protein")
    user = UserFactory(role=Role.ASSESSOR, programs=[program])

    exported = selectors.personal_data(user=user)["profile"]["program_roles"]
    services.account_close(user=user)

    assert [(row["program"], row["role"]) for row in exported] == [("protein", Role.ASSESSOR)]
    assert not ProgramRole.objects.filter(user=user).exists()


def _request_closure(client: Client, capture: Any) -> str:
    with capture(execute=True):
        response = client.post(reverse("stewardship:close"), {"password": PASSWORD, "understood": "on"})
    assert response.status_code == 302
    assert response.url == reverse("stewardship:close_sent")
    (message,) = mail.outbox
    return next(line for line in message.body.splitlines() if "/privacy/close-account/" in line).strip()


def test_closure_by_emailed_link_bilingual_and_single_use(django_capture_on_commit_callbacks: Any) -> None:
    user = UserFactory(preferred_language="fr", email="chloe@example.com")
    client = client_for(user)
    link = _request_closure(client, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.to == ["chloe@example.com"]
    subject = "Confirm closing your Clusterflow account"
    with translation.override("fr"):  # the person's language first (French once the catalogue is compiled)
        assert message.subject == f"{gettext(subject)} / {subject}"
        assert message.body.startswith(gettext("Hello %(name)s,") % {"name": user.display_name})
    assert message.body.count(link) == 2  # once in each language
    assert "\n---\n" in message.body
    path = link.removeprefix("http://127.0.0.1:8000")

    assert client.get(path).status_code == 200  # a page with a button: visiting closes nothing
    user.refresh_from_db()
    assert user.is_active

    response = client.post(path)
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    assert client.get(reverse("accounts:profile")).status_code == 302  # signed out

    again = Client().post(path)
    assert again.status_code == 404
    assert "used already or has expired" in again.content.decode() or "déjà servi" in again.content.decode()


def test_closure_link_expires(settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    user = UserFactory()
    link = _request_closure(client_for(user), django_capture_on_commit_callbacks)
    path = link.removeprefix("http://127.0.0.1:8000")
    settings.ACCOUNT_CLOSURE_TIMEOUT = -1

    assert Client().post(path).status_code == 404
    user.refresh_from_db()
    assert user.is_active


def test_closure_request_rejects_a_wrong_password_and_keeps_the_form() -> None:
    user = UserFactory()
    response = client_for(user).post(reverse("stewardship:close"), {"password": "wrong", "understood": "on"})

    assert response.status_code == 400
    assert "This is not your password." in response.content.decode()
    assert re.search(r'<input type="checkbox" name="understood"[^>]* checked', response.content.decode())
    assert mail.outbox == []


def test_closure_request_page_says_why_it_is_refused() -> None:
    proposal = ProposalFactory(title="Ongoing work")
    client = client_for(proposal.lead_applicant)

    response = client.post(reverse("stewardship:close"), {"password": PASSWORD, "understood": "on"})

    assert response.status_code == 403
    assert "Ongoing work" in response.content.decode()
    assert mail.outbox == []


def test_closure_link_refused_when_a_proposal_was_started_after_the_request(
    django_capture_on_commit_callbacks: Any,
) -> None:
    user = UserFactory(role=Role.APPLICANT)
    link = _request_closure(client_for(user), django_capture_on_commit_callbacks)
    ProposalFactory(lead_applicant=user, title="Started since")

    response = Client().post(link.removeprefix("http://127.0.0.1:8000"))

    assert response.status_code == 403
    assert "Started since" in response.content.decode()
    user.refresh_from_db()
    assert user.is_active


def test_export_holds_the_relay_conversations_the_person_takes_part_in_and_only_their_messages() -> None:
    alice, bruno, carol = UserFactory(), UserFactory(), UserFactory()
    mine, theirs, others = (OrganizationFactory(legal_name=name) for name in ("Alice Co", "Bruno Co", "Other Co"))
    program = ProgramFactory(slug="ocean")
    started = RelayThread.objects.create(
        program=program, sender=alice, sender_organization=mine, organization=theirs, subject="Partners wanted"
    )
    RelayMessage.objects.create(thread=started, author=alice, body="ALICE-FIRST-MESSAGE")
    RelayMessage.objects.create(thread=started, author=bruno, body="BRUNO-REPLY")
    answered = RelayThread.objects.create(
        program=program, sender=bruno, sender_organization=theirs, organization=mine, subject="Your sensor",
        replied_by=alice, replied_at=timezone.now(),
    )  # fmt: skip
    RelayMessage.objects.create(thread=answered, author=bruno, body="BRUNO-QUESTION")
    RelayMessage.objects.create(thread=answered, author=alice, body="ALICE-ANSWER")
    elsewhere = RelayThread.objects.create(
        program=program, sender=bruno, sender_organization=theirs, organization=others, subject="Not Alice's"
    )
    RelayMessage.objects.create(thread=elsewhere, author=carol, body="CAROL-MESSAGE")

    relay = selectors.personal_data(user=alice)["relay"]

    assert [
        (t["subject"], t["started_by_you"], t["sender_organization"], t["organization_contacted"]) for t in relay
    ] == [
        ("Partners wanted", True, "Alice Co", "Bruno Co"),
        ("Your sensor", False, "Bruno Co", "Alice Co"),
    ]
    assert [[m["body"] for m in t["your_messages"]] for t in relay] == [["ALICE-FIRST-MESSAGE"], ["ALICE-ANSWER"]]
    text = json.dumps(relay, default=str)
    for mark in ("BRUNO-REPLY", "BRUNO-QUESTION", "CAROL-MESSAGE", "Not Alice's"):
        assert mark not in text
    assert not {key for t in relay for key in t if key in ("sender_id", "recipient_id", "replied_by_id")}


def test_closing_deletes_the_stored_dossiers_that_name_the_person(media_root: Any) -> None:
    from django.core.files.storage import default_storage

    from intake.services.documents import dossier_folder

    submitted = ProposalVersionFactory(proposal__state="withdrawn")
    elsewhere = ProposalVersionFactory(proposal__state="withdrawn")
    for version in (submitted, elsewhere):
        default_storage.save(f"{dossier_folder(version.proposal_id)}/printed.pdf", ContentFile(b"%PDF"))

    services.account_close(user=submitted.submitted_by)

    assert default_storage.listdir(dossier_folder(submitted.proposal_id))[1] == []
    assert default_storage.listdir(dossier_folder(elsewhere.proposal_id))[1] == ["printed.pdf"]
