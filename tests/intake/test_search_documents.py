"""The proposals' search documents: what they hold, and the services that keep them in step (docs/search.md)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from accounts.models import User
from intake import extraction, filetypes
from intake.models import Attachment, Proposal, ProposalSearchDocument
from intake.services import application, attachments, consortium, proposal_update
from intake.services.answers import answers_save
from intake.services.search import (
    proposal_search_refresh,
    proposals_search_rebuild,
    proposals_search_stale,
    proposals_search_sweep,
)
from intake.states import ProposalState
from records.search import text_matches
from records.search_text import query_words
from tests.factories import AttachmentFactory, MembershipFactory, OrganizationFactory, ProposalFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def pdf_with_text(text: str) -> bytes:
    """Return a one-page PDF whose text layer is ``text`` (Latin-1, so French accents too)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def _docx(paragraphs: list[str]) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in paragraphs)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", f'<w:document xmlns:w="x"><w:body>{body}</w:body></w:document>')
    return buffer.getvalue()


def invited_proposal(lead: User, **fields: Any) -> Proposal:
    """An invited proposal led by ``lead`` for an organization of theirs, its application filled by the factory."""
    membership = MembershipFactory(user=lead, organization=OrganizationFactory())
    proposal = ProposalFactory(
        lead_applicant=lead, lead_organization=membership.organization, state=ProposalState.INVITED, **fields
    )
    return Proposal.objects.get(pk=proposal.pk)


def found(text: str) -> set[int]:
    """Return the ids of the proposals whose document holds every word of ``text`` (the index itself)."""
    keys = text_matches(ProposalSearchDocument, column="search_text", words=query_words(text), stored=True)
    return set(ProposalSearchDocument.objects.filter(pk__in=keys).values_list("pk", flat=True))


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


# --- What a document holds ------------------------------------------------------------------------


def test_extraction_reads_a_pdfs_text_layer() -> None:
    data = pdf_with_text("Notre équipe teste un prototype")

    assert extraction.document_text(data, content_type=filetypes.PDF.content_type) == "Notre équipe teste un prototype"


def test_extraction_reads_a_word_documents_paragraphs_apart() -> None:
    data = _docx(["Plan de travail", "Phase &amp; essais"])

    assert extraction.document_text(data, content_type=filetypes.DOCX.content_type) == "Plan de travail Phase & essais"


def test_extraction_of_a_spreadsheet_or_a_damaged_file_is_empty() -> None:
    assert extraction.document_text(b"PK\x03\x04", content_type=filetypes.XLSX.content_type) == ""
    assert extraction.document_text(b"%PDF-1.4 damaged", content_type=filetypes.PDF.content_type) == ""


def test_extraction_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extraction, "MAX_CHARACTERS", 10)

    assert extraction.document_text(_docx(["abcdefghij klmnop"]), content_type=filetypes.DOCX.content_type) == (
        "abcdefghij"
    )


def test_document_holds_the_sections_organizations_answers_and_documents(applicant: User) -> None:
    proposal = invited_proposal(applicant, title="Tidal testbed")
    application.application_description_save(
        proposal=proposal, by=applicant, expected_updated_at=proposal.updated_at,
        project_description="A testbed.", work_plan="Phase one: mooring the turbines.", milestones=[],
    )  # fmt: skip
    proposal.refresh_from_db()
    consortium.member_add(
        proposal=proposal, by=applicant, organization=OrganizationFactory(legal_name="Maritime Sensors Ltée"),
        expected_updated_at=proposal.updated_at,
    )  # fmt: skip
    question = QuestionFactory(call=proposal.call, stage="application")
    answers_save(
        proposal=proposal, by=applicant, expected_updated_at=Proposal.objects.get(pk=proposal.pk).updated_at,
        questions=[question], values={question.pk: "Une équipe de plongeurs certifiés"},
    )  # fmt: skip
    attachments.attachment_upload(
        proposal=proposal, by=applicant, kind="project_plan",
        upload=SimpleUploadedFile("plan.pdf", pdf_with_text("Bathymetry survey of the bay")),
    )  # fmt: skip

    document = ProposalSearchDocument.objects.get(proposal=proposal)

    lead = proposal.lead_organization.legal_name
    for text in ("Tidal testbed", "mooring the turbines", "Maritime Sensors Ltée", lead, "équipe de plongeurs",
                 "Bathymetry survey"):  # fmt: skip
        assert text in document.body
    assert "equipe de plongeurs certifies" in document.search_text
    assert found("plongeurs equipe") == found("bathymetry") == found("maritime ltee") == {proposal.pk}


# --- The services keep it in step ------------------------------------------------------------------


def test_saving_the_work_plan_rewrites_the_document(applicant: User) -> None:
    proposal = invited_proposal(applicant)

    application.application_description_save(
        proposal=proposal, by=applicant, expected_updated_at=proposal.updated_at,
        project_description="A testbed.", work_plan="Calibrate the hydrophones, then deploy.", milestones=[],
    )  # fmt: skip

    assert found("hydrophones") == {proposal.pk}
    assert not proposals_search_stale().filter(pk=proposal.pk).exists()


def test_changing_the_title_forgets_the_old_words(applicant: User) -> None:
    proposal = invited_proposal(applicant, title="Kelp farm")
    proposal_search_refresh(proposal_id=proposal.pk)
    assert found("kelp") == {proposal.pk}

    proposal_update(
        proposal=proposal, by=applicant, title="Oyster farm", summary=proposal.summary,
        lead_organization=proposal.lead_organization, expected_updated_at=proposal.updated_at,
    )  # fmt: skip

    assert found("kelp") == set()
    assert found("oyster") == {proposal.pk}


def test_removing_a_partner_or_a_document_forgets_its_words(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    member = consortium.member_add(
        proposal=proposal, by=applicant, organization=OrganizationFactory(legal_name="Zephyr Drones"),
        expected_updated_at=proposal.updated_at,
    )  # fmt: skip
    attachment = attachments.attachment_upload(
        proposal=proposal, by=applicant, kind="project_plan",
        upload=SimpleUploadedFile("plan.pdf", pdf_with_text("Sonar calibration")),
    )  # fmt: skip
    assert found("zephyr") == found("sonar") == {proposal.pk}

    consortium.member_remove(
        proposal=proposal, by=applicant, member_id=member.pk,
        expected_updated_at=Proposal.objects.get(pk=proposal.pk).updated_at,
    )  # fmt: skip
    attachments.attachment_remove(attachment=attachment, by=applicant)

    assert found("zephyr") == found("sonar") == set()


def test_an_uploaded_documents_text_is_read_once_and_kept(applicant: User) -> None:
    proposal = invited_proposal(applicant)

    attachment = attachments.attachment_upload(
        proposal=proposal, by=applicant, kind="project_plan",
        upload=SimpleUploadedFile("plan.pdf", pdf_with_text("Salinity probes")),
    )  # fmt: skip

    assert Attachment.objects.get(pk=attachment.pk).text == "Salinity probes"


# --- The sweep and the rebuild --------------------------------------------------------------------------


def test_sweep_writes_missing_and_outdated_documents_only(applicant: User) -> None:
    written = invited_proposal(applicant, title="Glacier radar")
    missing = invited_proposal(applicant, title="Permafrost sensors")
    proposal_search_refresh(proposal_id=written.pk, now=timezone.now())
    Proposal.objects.filter(pk=written.pk).update(title="Glacier lidar", updated_at=timezone.now())

    assert set(proposals_search_stale().values_list("pk", flat=True)) == {written.pk, missing.pk}
    assert proposals_search_sweep() == 2

    assert found("lidar") == {written.pk}
    assert found("permafrost") == {missing.pk}
    assert proposals_search_stale().count() == 0


def test_rebuild_reads_files_never_read_and_drops_disposed_proposals(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    attachment = AttachmentFactory(
        proposal=proposal, file=SimpleUploadedFile("plan.pdf", pdf_with_text("Turbidity survey")), text=None
    )
    disposed = invited_proposal(applicant, title="Disposed estuary")
    proposal_search_refresh(proposal_id=disposed.pk)
    Proposal.objects.filter(pk=disposed.pk).update(disposed_at=timezone.now())

    assert proposals_search_rebuild() == 2

    assert found("turbidity") == {proposal.pk}
    assert found("estuary") == set()
    assert Attachment.objects.get(pk=attachment.pk).text == "Turbidity survey"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table exists only on SQLite")
def test_sqlite_index_follows_a_document_deleted_with_its_proposal(applicant: User) -> None:
    proposal = invited_proposal(applicant, title="Seagrass survey")
    proposal_search_refresh(proposal_id=proposal.pk)

    ProposalSearchDocument.objects.filter(pk=proposal.pk).delete()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM intake_proposalsearchdocument_fts WHERE intake_proposalsearchdocument_fts MATCH %s",
            ['"seagrass"*'],
        )
        assert cursor.fetchone()[0] == 0


def test_saving_answers_hands_the_documents_rewrite_to_the_worker_after_commit(
    applicant: User, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    from celery import current_app

    from workflow.tasks import refresh_proposal_search_of

    proposal = invited_proposal(applicant, title="Tidal testbed")
    question = QuestionFactory(call=proposal.call, stage="application")
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(current_app, "send_task", lambda name, kwargs: sent.append((name, kwargs)))

    with django_capture_on_commit_callbacks(execute=True):
        answers_save(
            proposal=proposal, by=applicant, expected_updated_at=Proposal.objects.get(pk=proposal.pk).updated_at,
            questions=[question], values={question.pk: "Une équipe de plongeurs certifiés"},
        )  # fmt: skip

    assert sent == [("workflow.tasks.refresh_proposal_search_of", {"proposal_id": proposal.pk})]
    assert found("plongeurs") == set()  # not yet: the worker has not run
    refresh_proposal_search_of(proposal_id=proposal.pk)
    assert found("plongeurs") == {proposal.pk}
