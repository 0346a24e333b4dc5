"""An agreement as PDF: the page's sheet, tagged, in the language asked for, printing the hash that is signed."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import User
from projects.models import AgreementKind
from records import pdf
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.projects.making import contracting
from tests.records.pdfs import assert_tagged, squeezed, text_of
from workflow.tasks import print_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_agreement_pdf_in_french_prints_the_signed_hash(staff: User, monkeypatch: pytest.MonkeyPatch) -> None:
    project = contracting(staff)
    agreement = project.agreements.get(kind=AgreementKind.FUNDING)
    applicant = project.proposal.lead_applicant
    url = reverse("projects:agreement_pdf", kwargs={"pk": project.pk, "agreement_pk": agreement.pk})
    assert print_agreement(agreement_id=agreement.pk) == 2  # as the worker does once it is drafted
    monkeypatch.setattr(pdf, "_lay_out", _refuse_to_lay_out)

    response = client_for(applicant).get(url, {"lang": "fr"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="agreement-project-{project.pk}-funding-v1-fr.pdf"'
    )
    assert_tagged(response.content, language="fr")
    text = text_of(response.content)
    assert "ENTENTE DE FINANCEMENT" in text
    assert "750 000,00 $" in text
    assert "FUNDING AGREEMENT" not in text
    assert agreement.sha256 in squeezed(text)


def test_agreement_pdf_in_the_readers_language_by_default(staff: User) -> None:
    project = contracting(staff)
    agreement = project.agreements.get(kind=AgreementKind.IP)
    url = reverse("projects:agreement_pdf", kwargs={"pk": project.pk, "agreement_pk": agreement.pk})
    print_agreement(agreement_id=agreement.pk)

    response = client_for(project.proposal.lead_applicant).get(url)

    assert_tagged(response.content, language="en")
    assert agreement.text_en.splitlines()[0].strip() in text_of(response.content)


def test_agreement_pdf_refused_to_whoever_cannot_read_the_project(staff: User) -> None:
    project = contracting(staff)
    agreement = project.agreements.get(kind=AgreementKind.FUNDING)
    url = reverse("projects:agreement_pdf", kwargs={"pk": project.pk, "agreement_pk": agreement.pk})

    assert client_for(UserFactory()).get(url).status_code == 404


def test_agreement_pdf_not_printed_yet_is_being_prepared_and_queued_once(
    staff: User, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    project = contracting(staff)  # its commit's callbacks not run: the print was never queued
    agreement = project.agreements.get(kind=AgreementKind.FUNDING)
    url = reverse("projects:agreement_pdf", kwargs={"pk": project.pk, "agreement_pk": agreement.pk})
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(pdf.current_app, "send_task", lambda name, kwargs: sent.append((name, kwargs)))
    monkeypatch.setattr(pdf, "_lay_out", _refuse_to_lay_out)
    client = client_for(project.proposal.lead_applicant)

    with django_capture_on_commit_callbacks(execute=True):
        english = client.get(url, {"lang": "en"})
        again = client.get(url, {"lang": "en"})

    assert (english.status_code, again.status_code) == (202, 202)
    assert "The document is being prepared" in english.content.decode()
    assert sent == [("workflow.tasks.print_agreement", {"agreement_id": agreement.pk})]


def test_drafting_the_agreements_queues_their_printing(
    staff: User, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(pdf.current_app, "send_task", lambda name, **options: sent.append((name, options)))

    with django_capture_on_commit_callbacks(execute=True):
        project = contracting(staff)

    printed = sorted(
        options["kwargs"]["agreement_id"] for name, options in sent if name == "workflow.tasks.print_agreement"
    )
    assert printed == sorted(project.agreements.values_list("pk", flat=True))


def _refuse_to_lay_out(**_kwargs: Any) -> bytes:
    raise AssertionError("A download must not lay the document out.")
