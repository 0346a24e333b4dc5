"""The staff page of a program's agreement templates: a save is a new version, bad syntax is refused, the preview."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from projects.agreements import builtin_template_source
from projects.models import AgreementTemplate, Project
from tests.conftest import client_for
from tests.factories import ProgramFactory
from tests.projects.making import contracting

pytestmark = pytest.mark.django_db


def _url(project: Project, kind: str = "funding") -> str:
    return reverse("projects:agreement_template_edit", args=[project.proposal.call.program_id, kind])


def test_the_page_starts_from_the_built_in_template(staff: User) -> None:
    project = contracting(staff)

    response = client_for(staff).get(_url(project, "ip"))

    assert response.status_code == 200
    assert response.context["form"]["body_fr"].value() == builtin_template_source("ip", "fr")
    assert "no template of its own" in response.content.decode()


def test_each_save_is_a_new_version_that_the_page_then_shows(staff: User) -> None:
    project = contracting(staff)
    client = client_for(staff)
    url = _url(project)

    first = client.post(url, {"body_en": "Funding {{ amount }}", "body_fr": "Financement {{ amount }}"}, follow=True)
    second = client.post(url, {"body_en": "Funding v2 {{ version }}", "body_fr": "Fr v2"}, follow=True)

    assert first.redirect_chain == [(url, 302)]
    assert "Version 1 of the template is saved." in first.content.decode()
    assert "Version 2 of the template is saved." in second.content.decode()
    saved = AgreementTemplate.objects.filter(program=project.proposal.call.program, kind="funding").order_by("version")
    assert [(t.version, t.body_en, t.created_by) for t in saved] == [
        (1, "Funding {{ amount }}", staff),
        (2, "Funding v2 {{ version }}", staff),
    ]
    # The page now edits the newest version.
    assert second.context["form"]["body_en"].value() == "Funding v2 {{ version }}"
    assert "version 2, saved" in second.content.decode()
    assert not AgreementTemplate.objects.filter(kind="ip").exists()


def test_bad_syntax_is_refused_next_to_its_field_and_the_typed_text_is_kept(staff: User) -> None:
    project = contracting(staff)
    typed = "Between the parties {% if partners %} and nothing closes it"

    response = client_for(staff).post(_url(project), {"body_en": "Fine {{ amount }}", "body_fr": typed})

    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["body_fr"]
    assert form.errors["body_fr"][0].startswith("This template cannot be read:")
    assert "This template cannot be read:" in response.content.decode()
    assert form["body_fr"].value() == typed
    assert form["body_en"].value() == "Fine {{ amount }}"
    assert typed in response.content.decode()
    assert not AgreementTemplate.objects.exists()


def test_the_preview_renders_the_typed_text_for_the_newest_project_and_saves_nothing(staff: User) -> None:
    project = contracting(staff)
    body = "Preview of {{ proposal.title }}, version {{ version }}: {{ partners|length }} partners."

    response = client_for(staff).post(_url(project), {"body_en": body, "body_fr": "Aperçu", "preview": "1"})

    assert response.status_code == 200
    # The agreements drafted at contracting are version 1: the preview reads as the next.
    assert response.context["preview"] == f"Preview of {project.proposal.title}, version 2: 3 partners.\n"
    assert response.context["form"]["body_en"].value() == body
    assert not AgreementTemplate.objects.exists()


def test_a_preview_with_bad_syntax_is_refused_too(staff: User) -> None:
    project = contracting(staff)

    response = client_for(staff).post(_url(project), {"body_en": "{{ amount|nosuchfilter }}", "body_fr": "x",
                                                      "preview": "1"})  # fmt: skip

    assert response.status_code == 400
    assert response.context["preview"] is None
    assert "This template cannot be read:" in str(response.context["form"].errors["body_en"])


def test_a_program_without_a_project_has_nothing_to_preview_with(staff: User) -> None:
    program = ProgramFactory()
    url = reverse("projects:agreement_template_edit", args=[program.pk, "ip"])

    response = client_for(staff).post(url, {"body_en": "Hello", "body_fr": "Bonjour", "preview": "1"})

    assert response.status_code == 400
    assert "The program has no project yet to preview the template with." in response.content.decode()
    assert response.context["form"]["body_en"].value() == "Hello"
    assert not AgreementTemplate.objects.exists()
