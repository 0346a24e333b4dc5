"""Attachments on S3-compatible object storage (moto's server, not a real S3): upload, download, removal.

The files are private, encrypted by the server and reached only through the permission-checked
download view (ADR 0025).
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import User
from intake.models import Attachment, Proposal
from intake.services.attachments import attachment_upload
from intake.states import ProposalState
from tests.factories import AttachmentFactory, ProposalFactory
from tests.intake import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(applicant: User) -> Proposal:
    return ProposalFactory(lead_applicant=applicant, state=ProposalState.INVITED, application=False)


def _download(client: Client, attachment: Attachment) -> Any:
    return client.get(reverse("intake:attachment_download", kwargs={"pk": attachment.pk}))


def test_upload_is_stored_in_the_bucket_encrypted_and_private(
    applicant_client: Client, proposal: Proposal, s3_storage: str, s3_server: Any
) -> None:
    data = samples.ooxml("docx")

    response = applicant_client.post(
        reverse("intake:application_attachments", kwargs={"pk": proposal.pk}),
        {"kind": "project_plan", "file": SimpleUploadedFile("plan.docx", data)},
    )

    assert response.status_code == 302
    attachment = Attachment.objects.get(proposal=proposal)
    assert attachment.file.name.startswith(f"proposals/{proposal.pk}/")
    assert s3_server.keys(s3_storage) == [attachment.file.name]
    client = s3_server.client()
    stored = client.get_object(Bucket=s3_storage, Key=attachment.file.name)
    assert stored["Body"].read() == data
    assert stored["ServerSideEncryption"] == "AES256"
    grants = client.get_object_acl(Bucket=s3_storage, Key=attachment.file.name)["Grants"]
    assert [grant["Grantee"].get("URI") for grant in grants] == [None]  # the owner alone; no AllUsers
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]


def test_bucket_object_cannot_be_read_without_a_signature(proposal: Proposal, s3_storage: str, s3_server: Any) -> None:
    attachment = AttachmentFactory(proposal=proposal)

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{s3_server.endpoint}/{s3_storage}/{attachment.file.name}", timeout=10)  # noqa: S310

    assert refused.value.code == 403


def test_download_by_applicant_streams_the_bucket_objects_bytes(
    applicant_client: Client, proposal: Proposal, s3_storage: str
) -> None:
    attachment = AttachmentFactory(proposal=proposal, original_name="plan.pdf")

    response = _download(applicant_client, attachment)

    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == attachment.sha256
    assert response["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "Location" not in response  # streamed by the site, never a redirect to the bucket


def test_download_by_another_applicant_is_404(
    other_applicant_client: Client, proposal: Proposal, s3_storage: str
) -> None:
    attachment = AttachmentFactory(proposal=proposal)

    response = _download(other_applicant_client, attachment)

    assert response.status_code == 404


def test_download_of_a_file_gone_from_the_bucket_is_404(
    applicant_client: Client, proposal: Proposal, s3_storage: str, s3_server: Any
) -> None:
    attachment = AttachmentFactory(proposal=proposal)
    s3_server.client().delete_object(Bucket=s3_storage, Key=attachment.file.name)

    response = _download(applicant_client, attachment)

    assert response.status_code == 404


def test_upload_whose_row_fails_deletes_its_object(
    applicant: User, proposal: Proposal, s3_storage: str, s3_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the row could not be written")

    monkeypatch.setattr(Attachment, "save", refuse)

    with pytest.raises(RuntimeError, match="could not be written"):
        attachment_upload(
            proposal=proposal,
            by=applicant,
            kind="project_plan",
            upload=SimpleUploadedFile("plan.pdf", samples.MINIMAL_PDF),
        )

    assert s3_server.keys(s3_storage) == []


def test_storage_delete_removes_the_object(proposal: Proposal, s3_storage: str, s3_server: Any) -> None:
    attachment = AttachmentFactory(proposal=proposal)

    default_storage.delete(attachment.file.name)

    assert s3_server.keys(s3_storage) == []
    assert not default_storage.exists(attachment.file.name)


def test_two_uploads_never_share_an_object(proposal: Proposal, s3_storage: str, s3_server: Any) -> None:
    first, second = AttachmentFactory(proposal=proposal), AttachmentFactory(proposal=proposal)

    assert first.file.name != second.file.name
    assert s3_server.keys(s3_storage) == sorted([first.file.name, second.file.name])
