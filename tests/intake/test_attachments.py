"""Attachments: upload checked by content, removal kept for the versions, permission-checked download."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from intake.models import Attachment, CoApplicant, Proposal
from intake.services.attachments import attachment_display_name
from intake.states import ProposalState
from intake.views.attachments import UploadSizeLimit
from tests.conftest import client_for
from tests.factories import AttachmentFactory, ProposalFactory, user_with_role
from tests.factories.intake import call_rules_change
from tests.intake import samples

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


@pytest.fixture
def proposal(applicant: User) -> Proposal:
    return ProposalFactory(lead_applicant=applicant, state=ProposalState.INVITED, application=False)


def _url(proposal: Proposal) -> str:
    return reverse("intake:application_attachments", kwargs={"pk": proposal.pk})


def _upload(client: Client, proposal: Proposal, name: str, data: bytes, kind: str = "project_plan") -> Any:
    return client.post(_url(proposal), {"kind": kind, "file": SimpleUploadedFile(name, data)})


def _errors(response: Any) -> list[str]:
    return response.context["form"].errors.get("file", []) + list(response.context["form"].non_field_errors())


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("plan.pdf", samples.MINIMAL_PDF, "application/pdf"),
        ("plan.docx", samples.ooxml("docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("budget.xlsx", samples.ooxml("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (
            "plan.odt",
            samples.opendocument("application/vnd.oasis.opendocument.text"),
            "application/vnd.oasis.opendocument.text",
        ),
        ("plan.doc", samples.ole2("WordDocument"), "application/msword"),
        ("plan.pdf", samples.pdf(catalog=b"/OpenAction[3 0 R/Fit]"), "application/pdf"),
    ],
    ids=["pdf", "ooxml", "ooxml-sheet", "opendocument", "ole2", "pdf-opening-at-a-page"],
)
def test_upload_accepted_document_is_stored(
    applicant_client: Client,
    applicant: User,
    proposal: Proposal,
    media_root: Path,
    name: str,
    data: bytes,
    content_type: str,
) -> None:
    response = _upload(applicant_client, proposal, name, data)

    assert response.status_code == 302
    assert response.url == _url(proposal)
    attachment = Attachment.objects.get(proposal=proposal)
    assert (attachment.kind, attachment.original_name, attachment.content_type) == ("project_plan", name, content_type)
    assert (attachment.size, attachment.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert attachment.uploaded_by == applicant
    assert attachment.removed_at is None
    stored = Path(attachment.file.path)
    assert stored.read_bytes() == data
    assert stored.is_relative_to(media_root / "proposals" / str(proposal.pk))
    assert name not in stored.name


def test_upload_by_co_applicant_is_accepted(proposal: Proposal, applicant: User) -> None:
    co_applicant = user_with_role(Role.APPLICANT)
    CoApplicant.objects.create(proposal=proposal, user=co_applicant, invited_by=applicant)

    response = _upload(client_for(co_applicant), proposal, "risks.pdf", samples.MINIMAL_PDF, kind="risk_register")

    assert response.status_code == 302
    assert Attachment.objects.get(proposal=proposal).uploaded_by == co_applicant


def test_upload_too_big_is_refused_with_the_limit(
    applicant_client: Client, proposal: Proposal, settings: Any, media_root: Path
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 1024
    data = samples.MINIMAL_PDF + b"%" * 2000

    response = _upload(applicant_client, proposal, "plan.pdf", data)

    assert response.status_code == 400
    assert _errors(response) == ["This file is 2.1\xa0KB; the limit is 1.0\xa0KB per file."]
    assert not Attachment.objects.exists()
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


@pytest.mark.parametrize("data", [samples.HTML, samples.EXE], ids=["html", "exe"])
def test_upload_disguised_by_its_name_is_refused(applicant_client: Client, proposal: Proposal, data: bytes) -> None:
    response = _upload(applicant_client, proposal, "plan.pdf", data)

    assert response.status_code == 400
    [error] = _errors(response)
    assert error.startswith("This file is not a document we accept, whatever its name says. Accepted: PDF, Word")
    assert not Attachment.objects.exists()
    # What was chosen is kept: the type stays selected.
    assert response.context["form"]["kind"].value() == "project_plan"


ACTIVE_CONTENT = [
    (
        "plan.odt",
        samples.opendocument(
            "application/vnd.oasis.opendocument.text",
            parts={
                "Basic/Standard/Module1.xml": b'<script:module script:name="Module1">Sub Main\nEnd Sub</script:module>'
            },
        ),
        "This document contains macros or other code that runs when it is opened, which we do not accept.",
    ),
    (
        "plan.docx",
        samples.ooxml("docx", parts={"word/vbaProject.bin": samples.ole2("VBA", "PROJECT")}),
        "This document contains macros or other code that runs when it is opened, which we do not accept.",
    ),
    (
        "plan.pdf",
        samples.pdf(
            catalog=b"/Names<</JavaScript 4 0 R>>",
            objects=(b"<</Names[(run) 5 0 R]>>", b"<</S/JavaScript/JS(app.alert(1))>>"),
        ),
        "This PDF contains active content (JavaScript, an action run when it is opened, a launch action",
    ),
    (
        "plan.pdf",
        samples.pdf(catalog=b"/OpenAction 4 0 R", objects=(b"<</S/URI/URI(https://example.org/)>>",)),
        "This PDF contains active content (JavaScript, an action run when it is opened, a launch action",
    ),
    (
        "plan.docx",
        samples.ooxml("docx", parts={"word/media/image1.png": b"\x00" * (40 * 1024 * 1024)}),
        "This document would expand to far more than a real document does, so we cannot accept it.",
    ),
]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    ACTIVE_CONTENT,
    ids=["odt-basic-macro", "docx-vba-project", "pdf-javascript", "pdf-open-action", "docx-zip-bomb"],
)
def test_upload_with_active_content_is_refused_with_its_reason(
    applicant_client: Client, proposal: Proposal, media_root: Path, name: str, data: bytes, message: str
) -> None:
    response = _upload(applicant_client, proposal, name, data, kind="risk_register")

    assert response.status_code == 400
    [error] = response.context["form"].errors["file"]
    assert error.startswith(message)
    assert error in response.content.decode()
    assert response.context["form"]["kind"].value() == "risk_register"
    assert not Attachment.objects.exists()
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


def test_upload_empty_is_refused(applicant_client: Client, proposal: Proposal) -> None:
    response = _upload(applicant_client, proposal, "plan.pdf", b"")

    assert response.status_code == 400
    assert _errors(response) == ["This file is empty."]
    assert not Attachment.objects.exists()


def test_upload_without_file_is_refused(applicant_client: Client, proposal: Proposal) -> None:
    response = applicant_client.post(_url(proposal), {"kind": "project_plan"})

    assert response.status_code == 400
    assert _errors(response) == ["Choose a file to upload."]


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\ann\\Plan final.pdf", "Plan final.pdf"),
        ("..\\..\\.hidden.pdf", "hidden.pdf"),
        ("report.exe", "report.exe.pdf"),
    ],
)
def test_upload_name_is_sanitized_and_never_a_path(
    applicant_client: Client, proposal: Proposal, media_root: Path, name: str, shown: str
) -> None:
    response = _upload(applicant_client, proposal, name, samples.MINIMAL_PDF)

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == shown
    assert Path(attachment.file.path).resolve().is_relative_to(media_root.resolve())
    page = applicant_client.get(_url(proposal))
    assert shown in page.content.decode()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a/b/c.PDF", "c.pdf"),
        ("tab\there\n.pdf", "tabhere.pdf"),
        ("", "attachment.pdf"),
        ("...", "attachment.pdf"),
        ("x" * 300 + ".pdf", "x" * 200 + ".pdf"),
    ],
)
def test_attachment_display_name(name: str, expected: str) -> None:
    assert attachment_display_name(name, extension="pdf") == expected


def test_upload_after_deadline_is_refused(applicant_client: Client, applicant: User) -> None:
    proposal = ProposalFactory(
        lead_applicant=applicant,
        state=ProposalState.CHANGES_REQUESTED,
        application=False,
        changes_due_at=timezone.now() - timedelta(minutes=1),
    )

    response = _upload(applicant_client, proposal, "plan.pdf", samples.MINIMAL_PDF)

    assert response.status_code == 400
    assert "The deadline has passed by the server's clock" in _errors(response)[0]
    assert not Attachment.objects.exists()


def test_upload_when_not_editable_is_refused(applicant_client: Client, applicant: User) -> None:
    proposal = ProposalFactory(lead_applicant=applicant, state=ProposalState.SUBMITTED, application=False)

    response = _upload(applicant_client, proposal, "plan.pdf", samples.MINIMAL_PDF)

    assert response.status_code == 409
    assert "can no longer be edited" in _errors(response)[0]
    assert not Attachment.objects.exists()


def test_upload_by_other_applicant_is_404(other_applicant_client: Client, proposal: Proposal) -> None:
    response = _upload(other_applicant_client, proposal, "plan.pdf", samples.MINIMAL_PDF)

    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_upload_by_staff_is_403(staff_client: Client, proposal: Proposal) -> None:
    response = _upload(staff_client, proposal, "plan.pdf", samples.MINIMAL_PDF)

    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_page_lists_attachments_and_missing_required_types(applicant_client: Client, proposal: Proposal) -> None:
    call_rules_change(proposal.call, required_attachments=["project_plan", "risk_register"])
    AttachmentFactory(proposal=proposal, kind="project_plan", original_name="Our plan.pdf")
    AttachmentFactory(proposal=proposal, kind="letters_of_support", removed_at=timezone.now(), original_name="Old.pdf")

    response = applicant_client.get(_url(proposal))

    assert response.status_code == 200
    assert [a.original_name for a in response.context["attachments"]] == ["Our plan.pdf"]
    assert response.context["missing_kinds"] == ["Risk register"]
    html = response.content.decode()
    assert "Our plan.pdf" in html
    assert "Old.pdf" not in html
    assert "Risk register (required by the call)" in html
    assert reverse("intake:attachment_remove", kwargs={"pk": response.context["attachments"][0].pk}) in html


def test_page_queries_do_not_grow_with_attachments(
    applicant_client: Client, proposal: Proposal, django_assert_max_num_queries: Any
) -> None:
    AttachmentFactory(proposal=proposal)
    with django_assert_max_num_queries(50) as one:
        applicant_client.get(_url(proposal))
    AttachmentFactory.create_batch(5, proposal=proposal)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = applicant_client.get(_url(proposal))

    assert len(response.context["attachments"]) == 6


def test_remove_keeps_row_and_file(applicant_client: Client, proposal: Proposal) -> None:
    attachment = AttachmentFactory(proposal=proposal)

    response = applicant_client.post(reverse("intake:attachment_remove", kwargs={"pk": attachment.pk}))

    assert response.status_code == 302
    assert response.url == _url(proposal)
    attachment.refresh_from_db()
    assert attachment.removed_at is not None
    assert Path(attachment.file.path).exists()


def test_remove_when_not_editable_is_refused(applicant_client: Client, applicant: User) -> None:
    attachment = AttachmentFactory(
        proposal=ProposalFactory(lead_applicant=applicant, state=ProposalState.SUBMITTED, application=False)
    )

    response = applicant_client.post(reverse("intake:attachment_remove", kwargs={"pk": attachment.pk}), follow=True)

    attachment.refresh_from_db()
    assert attachment.removed_at is None
    assert any("can no longer be edited" in str(message) for message in response.context["messages"])


def test_remove_by_other_applicant_is_404(other_applicant_client: Client, proposal: Proposal) -> None:
    attachment = AttachmentFactory(proposal=proposal)

    response = other_applicant_client.post(reverse("intake:attachment_remove", kwargs={"pk": attachment.pk}))

    assert response.status_code == 404
    attachment.refresh_from_db()
    assert attachment.removed_at is None


def _download(client: Client, attachment: Attachment) -> Any:
    return client.get(reverse("intake:attachment_download", kwargs={"pk": attachment.pk}))


def test_download_by_applicant_is_an_attachment_with_nosniff(applicant_client: Client, proposal: Proposal) -> None:
    attachment = AttachmentFactory(proposal=proposal, original_name='Plan "final".pdf')

    response = _download(applicant_client, attachment)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == Path(attachment.file.path).read_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'attachment; filename="Plan \\"final\\".pdf"'


def test_download_by_staff_is_allowed(staff_client: Client, proposal: Proposal) -> None:
    response = _download(staff_client, AttachmentFactory(proposal=proposal))

    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["other_applicant_client", "assessor_client"])
def test_download_by_those_who_may_not_see_the_proposal_is_404(
    request: pytest.FixtureRequest, persona: str, proposal: Proposal
) -> None:
    response = _download(request.getfixturevalue(persona), AttachmentFactory(proposal=proposal))

    assert response.status_code == 404


def test_download_anonymous_goes_to_login(anonymous_client: Client, proposal: Proposal) -> None:
    attachment = AttachmentFactory(proposal=proposal)
    url = reverse("intake:attachment_download", kwargs={"pk": attachment.pk})

    response = anonymous_client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


def test_download_removed_attachment_still_works(applicant_client: Client, proposal: Proposal) -> None:
    attachment = AttachmentFactory(proposal=proposal, removed_at=timezone.now())

    response = _download(applicant_client, attachment)

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_no_url_serves_media(proposal: Proposal) -> None:
    attachment = AttachmentFactory(proposal=proposal)

    def routes(resolver: URLResolver, prefix: str = "") -> list[str]:
        found = []
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                found += routes(pattern, prefix + str(pattern.pattern))
            else:
                assert isinstance(pattern, URLPattern)
                found.append(prefix + str(pattern.pattern))
        return found

    assert not any("media" in route for route in routes(get_resolver()))
    assert client_for(None).get(f"/media/{attachment.file.name}").status_code == 404
    assert client_for(None).get(f"/{attachment.file.name}").status_code == 404


def test_proposal_page_links_to_attachments(applicant_client: Client, proposal: Proposal) -> None:
    response = applicant_client.get(reverse("intake:proposal_detail", kwargs={"pk": proposal.pk}))

    assert _url(proposal) in response.content.decode()


def test_upload_size_limit_keeps_nothing_past_the_limit_but_counts_it() -> None:
    handler = UploadSizeLimit(limit=10)
    handler.new_file("file", "plan.pdf", "application/pdf", None)

    passed_on = [handler.receive_data_chunk(b"x" * 6, 0), handler.receive_data_chunk(b"y" * 6, 6)]
    stand_in = handler.file_complete(12)

    assert passed_on == [None, None]
    assert (stand_in.size, stand_in.name, stand_in.read()) == (12, "plan.pdf", b"")
    assert handler.parts == []


def test_upload_size_limit_keeps_a_file_within_the_limit_in_memory_joined_once() -> None:
    handler = UploadSizeLimit(limit=10)
    handler.new_file("file", "plan.pdf", "application/pdf", None)

    passed_on = [handler.receive_data_chunk(b"x" * 4, 0), handler.receive_data_chunk(b"y" * 6, 4)]
    kept = handler.file_complete(10)

    assert passed_on == [None, None]
    assert (kept.size, kept.name, kept.content_type) == (10, "plan.pdf", "application/pdf")
    whole = kept.read(11)
    assert whole == b"xxxxyyyyyy"
    kept.seek(0)
    assert kept.read(11) is whole  # read from the start, the bytes joined are handed over, not copied


def test_upload_size_limit_starts_each_file_afresh() -> None:
    handler = UploadSizeLimit(limit=10)
    handler.new_file("first", "a.pdf", "application/pdf", None)
    handler.receive_data_chunk(b"x" * 11, 0)
    handler.file_complete(11)
    handler.new_file("second", "b.pdf", "application/pdf", None)
    handler.receive_data_chunk(b"y" * 3, 0)

    second = handler.file_complete(3)

    assert (second.size, second.name, second.read()) == (3, "b.pdf", b"yyy")


def test_upload_is_received_by_the_size_limit_alone_and_never_written_to_a_temporary_file(
    applicant_client: Client, proposal: Proposal, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.files import uploadhandler

    def no_temporary_file(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an upload was written to a temporary file")

    monkeypatch.setattr(uploadhandler.TemporaryFileUploadHandler, "new_file", no_temporary_file)
    data = samples.MINIMAL_PDF + b"%" * (3 * 1024 * 1024)  # over Django's 2.5 MB kept in memory

    response = _upload(applicant_client, proposal, "plan.pdf", data)

    assert response.status_code == 302
    stored = Attachment.objects.get(proposal=proposal)
    assert (stored.size, stored.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    with stored.file.open("rb") as handle:
        assert handle.read() == data


def test_upload_over_several_chunks_is_refused_with_its_size(
    applicant_client: Client, proposal: Proposal, settings: Any
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 100_000

    response = _upload(
        applicant_client, proposal, "plan.pdf", samples.MINIMAL_PDF + b"%" * (200_000 - len(samples.MINIMAL_PDF))
    )

    assert response.status_code == 400
    assert _errors(response) == ["This file is 195.3\xa0KB; the limit is 97.7\xa0KB per file."]
    assert not Attachment.objects.exists()


def test_upload_without_csrf_token_is_refused(applicant: User, proposal: Proposal) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(applicant)

    response = _upload(client, proposal, "plan.pdf", samples.MINIMAL_PDF)

    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_upload_to_a_letter_of_intent_is_refused_and_stores_nothing(applicant: User, media_root: Path) -> None:
    draft = ProposalFactory(lead_applicant=applicant)

    response = _upload(client_for(applicant), draft, "plan.pdf", samples.MINIMAL_PDF)

    assert response.status_code in (400, 409)
    assert "opens once your letter of intent is invited" in response.content.decode()
    assert not Attachment.objects.filter(proposal=draft).exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))
