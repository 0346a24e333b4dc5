"""A version's PDFs: its dossier and its receipt, tagged, in the reader's language, printing the version's hash."""

from __future__ import annotations

import base64
import hashlib
import sys
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from intake.choices import VersionKind
from intake.models import ProposalVersion
from intake.services import documents
from intake.services.documents import version_receipt_pdf
from intake.services.versions import proposal_version_freeze, version_digest
from records import pdf
from records.events import Channel, Event
from records.models import Notification
from records.tasks import send_notification_emails
from tests.conftest import client_for
from tests.intake.test_versions import invited_application
from tests.records.pdfs import assert_tagged, squeezed, text_of
from workflow.actions import proposal_submit_application
from workflow.tasks import print_version_dossiers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def submitted(applicant: User, *, printed: bool = True) -> ProposalVersion:
    """Return ``applicant``'s full application just submitted, its documents printed as the worker does after it."""
    proposal = invited_application(applicant, title="Shared digital twin")
    proposal_submit_application(proposal=proposal, by=applicant)
    version = ProposalVersion.objects.select_related("proposal__call__program", "submitted_by").get(proposal=proposal)
    if printed:
        print_version_dossiers(proposal_id=version.proposal_id, number=version.number)
    return version


def _download(user: User, name: str, version: ProposalVersion) -> Any:
    return client_for(user).get(reverse(name, kwargs={"pk": version.proposal_id, "number": version.number}))


def test_version_digest_is_the_sha256_of_the_canonical_json() -> None:
    data = {"title": "Réseau", "budget": [{"amount": "10.00"}], "attachments": []}

    digest = version_digest(data=data)

    expected = '{"attachments":[],"budget":[{"amount":"10.00"}],"title":"Réseau"}'.encode()
    assert digest == hashlib.sha256(expected).hexdigest()
    assert version_digest(data=dict(reversed(data.items()))) == digest
    assert version_digest(data={**data, "title": "Reseau"}) != digest


def test_version_pdf_is_the_frozen_dossier_tagged_with_the_version_hash(applicant: User) -> None:
    version = submitted(applicant)

    response = _download(applicant, "intake:version_pdf", version)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="proposal-{version.proposal_id}-version-1.pdf"'
    pdf = response.content
    assert response["Repr-Digest"] == f"sha-256=:{base64_sha256(pdf)}:"
    assert_tagged(pdf, language="en", title="Shared digital twin, version 1")
    text = text_of(pdf)
    lead = version.proposal.members.get(is_lead=True).organization.legal_name
    for expected in (
        "Shared digital twin",
        "Version 1: Full application",
        "Consortium",
        lead,
        "Budget",
        "$3,000,000.00",
        "IP plan",
        "The twin's code.",
        "Expected outcomes",
        "$5,000,000.00",
        "Plan.pdf",
    ):
        assert expected in text
    # The version's hash and each attachment's, whole (a hash may break across lines: compared without spaces).
    assert version_digest(data=version.data) in squeezed(text)
    assert version.data["attachments"][0]["sha256"] in squeezed(text)


def test_version_receipt_in_french_for_a_french_applicant(applicant: User) -> None:
    version = submitted(applicant)
    applicant.preferred_language = "fr"
    applicant.save(update_fields=["preferred_language"])

    response = _download(applicant, "intake:version_receipt", version)

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="receipt-proposal-{version.proposal_id}-version-1.pdf"'
    )
    assert_tagged(response.content, language="fr")
    text = text_of(response.content)
    for expected in ("Proposition Shared digital twin", "Étape Demande complète", "Version 1", "Appel"):
        assert expected in text
    assert version.submitted_at.strftime("%Y-%m-%d %H:%M:%S UTC") in text
    assert version_digest(data=version.data) in squeezed(text)


def test_version_receipt_is_the_same_document_each_time(applicant: User) -> None:
    version = submitted(applicant, printed=False)
    first = version_receipt_pdf(version=version)
    cache.clear()  # laid out again, read from neither the cache nor the storage
    documents.proposal_dossiers_delete(proposal_ids=[version.proposal_id])

    assert version_receipt_pdf(version=version) == first


def test_version_pdfs_only_for_the_readers_of_the_version(applicant: User, other_applicant: User) -> None:
    version = submitted(applicant)

    for name in ("intake:version_pdf", "intake:version_receipt"):
        assert _download(other_applicant, name, version).status_code == 404
        assert _download(None, name, version).status_code == 302  # type: ignore[arg-type]


def test_submission_email_carries_the_receipt_in_the_recipients_language(
    applicant: User, django_capture_on_commit_callbacks: Any
) -> None:
    applicant.preferred_language = "fr"
    applicant.save(update_fields=["preferred_language"])
    with django_capture_on_commit_callbacks(execute=False):  # the emails are sent below, as a worker does
        version = submitted(applicant, printed=False)
    mail.outbox.clear()
    email = Notification.objects.get(event=Event.APPLICATION_SUBMITTED, channel=Channel.EMAIL)
    assert email.context["version"] == 1

    send_notification_emails([email.pk])

    [message] = mail.outbox
    assert "(version 1)" in message.body
    [(name, content, content_type)] = message.attachments
    assert (name, content_type) == (f"receipt-proposal-{version.proposal_id}-version-1.pdf", "application/pdf")
    assert_tagged(content, language="fr")
    assert version_digest(data=version.data) in squeezed(text_of(content))


def test_submission_email_sent_without_receipt_when_printing_fails(
    applicant: User, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        submitted(applicant, printed=False)
    mail.outbox.clear()
    email = Notification.objects.get(event=Event.APPLICATION_SUBMITTED, channel=Channel.EMAIL)

    def broken(**kwargs: Any) -> bytes:
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr("intake.services.documents.version_receipt_pdf", broken)
    send_notification_emails([email.pk])

    [message] = mail.outbox
    assert message.attachments == []
    assert Notification.objects.get(pk=email.pk).sent_at is not None


def base64_sha256(content: bytes) -> str:
    return base64.b64encode(hashlib.sha256(content).digest()).decode()


def test_version_digest_is_the_same_before_and_after_the_database(applicant: User) -> None:
    proposal = invited_application(applicant)

    frozen = proposal_version_freeze(proposal=proposal, by=applicant, kind=VersionKind.APPLICATION)

    assert version_digest(data=ProposalVersion.objects.get(pk=frozen.pk).data) == version_digest(data=frozen.data)


# --- The dossier printed once by the worker, then read from storage --------------------------------------


def test_submission_prints_nothing_but_the_receipt_its_email_carries(
    applicant: User, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a deadline the processors are the pages': the dossier waits for its first reader."""
    sent: list[str] = []
    monkeypatch.setattr(pdf.current_app, "send_task", lambda name, **kwargs: sent.append(name))

    with django_capture_on_commit_callbacks(execute=True):
        version = submitted(applicant, printed=False)

    assert sent  # the confirmation's email is queued
    assert documents.PRINT_TASK not in sent
    assert not default_storage.exists(documents.dossier_folder(version.proposal_id))


def test_dossier_printed_by_the_worker_is_served_without_laying_out_again(
    applicant: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = submitted(applicant, printed=False)
    printed = print_version_dossiers(proposal_id=version.proposal_id, number=version.number)
    cache.clear()  # only the stored files remain
    monkeypatch.setattr(pdf, "_lay_out", _refuse_to_lay_out)

    english = _download(applicant, "intake:version_pdf", version)
    applicant.preferred_language = "fr"
    applicant.save(update_fields=["preferred_language"])
    french = _download(applicant, "intake:version_pdf", version)

    assert printed == 2
    assert (english.status_code, french.status_code) == (200, 200)
    assert squeezed("Shared digital twin") in squeezed(text_of(english.content))
    assert english.content != french.content
    # The dossier and the receipt, in English and in French.
    assert len(default_storage.listdir(documents.dossier_folder(version.proposal_id))[1]) == 4


def test_dossier_of_another_document_is_not_served_from_storage(applicant: User) -> None:
    version = submitted(applicant, printed=False)
    with translation.override("en"):
        first = documents.version_dossier_pdf(version=version)
    ProposalVersion.objects.filter(pk=version.pk).update(data={**version.data, "title": "Another title"})
    version.refresh_from_db()

    with translation.override("en"):
        second = documents.version_dossier_pdf(version=version)

    assert first != second
    assert squeezed("Another title") in squeezed(text_of(second))


def test_dossiers_deleted_with_the_proposals_content(applicant: User) -> None:
    version = submitted(applicant)

    deleted = documents.proposal_dossiers_delete(proposal_ids=[version.proposal_id, 999999])

    assert deleted == 4
    assert default_storage.listdir(documents.dossier_folder(version.proposal_id))[1] == []


def _refuse_to_lay_out(**_kwargs: Any) -> bytes:
    raise AssertionError("The stored dossier should have been served.")


def _queued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Return the list the tasks queued from now on land in, instead of the broker."""
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(pdf.current_app, "send_task", lambda name, kwargs: sent.append((name, kwargs)))
    return sent


# --- A download never lays a document out (issue 23) ------------------------------------------------------


@pytest.mark.parametrize("name", ["intake:version_pdf", "intake:version_receipt"])
def test_download_of_a_document_not_printed_yet_says_it_is_being_prepared_and_queues_it_once(
    applicant: User, name: str, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    version = submitted(applicant, printed=False)
    monkeypatch.setattr(pdf, "_lay_out", _refuse_to_lay_out)
    sent = _queued(monkeypatch)

    with django_capture_on_commit_callbacks(execute=True):
        first = _download(applicant, name, version)
        again = _download(applicant, name, version)

    assert (first.status_code, again.status_code) == (202, 202)
    assert first["Content-Type"].startswith("text/html")
    assert first["Retry-After"] == "15"
    assert "The document is being prepared" in first.content.decode()
    # Once, whatever the reloads: the worker prints the dossier and the receipt together.
    assert sent == [("workflow.tasks.print_version_dossiers", {"proposal_id": version.proposal_id, "number": 1})]
    assert not default_storage.exists(documents.dossier_folder(version.proposal_id))


def test_the_queued_task_prints_what_the_download_then_serves(
    applicant: User, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    version = submitted(applicant, printed=False)
    sent = _queued(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        assert _download(applicant, "intake:version_receipt", version).status_code == 202
    [(_task, kwargs)] = sent

    print_version_dossiers(**kwargs)  # as the worker runs it
    monkeypatch.setattr(pdf, "_lay_out", _refuse_to_lay_out)
    response = _download(applicant, "intake:version_receipt", version)

    assert response.status_code == 200
    assert version_digest(data=version.data) in squeezed(text_of(response.content))


def test_a_download_lays_nothing_out_even_when_weasyprint_cannot_be_imported(
    applicant: User, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    printed = submitted(applicant)
    unprinted = submitted(applicant, printed=False)
    _queued(monkeypatch)
    # ``import weasyprint`` fails from now on, as in a process without it: a layout would answer 503.
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    cache.clear()

    with django_capture_on_commit_callbacks(execute=True):
        stored = _download(applicant, "intake:version_pdf", printed)
        pending = _download(applicant, "intake:version_pdf", unprinted)

    assert (stored.status_code, pending.status_code) == (200, 202)


def test_printing_a_version_twice_lays_nothing_out_again(applicant: User, monkeypatch: pytest.MonkeyPatch) -> None:
    version = submitted(applicant)
    monkeypatch.setattr(pdf, "_lay_out", _refuse_to_lay_out)
    cache.clear()

    assert print_version_dossiers(proposal_id=version.proposal_id, number=version.number) == 2
