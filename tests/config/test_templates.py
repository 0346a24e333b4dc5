"""The site's template engine imports DRF's template tags when a template first loads them (ADR 0063)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.forms.renderers import get_default_renderer
from django.template import TemplateSyntaxError, engines
from django.template.backends.django import get_installed_libraries
from django.template.library import import_library

from config.templates import DEFERRED_LIBRARIES, DjangoTemplates, FormRenderer, Libraries, installed_libraries


def _site_engine() -> DjangoTemplates:
    backend = engines["django"]
    assert isinstance(backend, DjangoTemplates)
    return backend


def _form_renderers_engine() -> DjangoTemplates:
    renderer = get_default_renderer()
    assert isinstance(renderer, FormRenderer)
    assert isinstance(renderer.engine, DjangoTemplates)
    return renderer.engine


def test_the_engines_name_every_library_django_would() -> None:
    # The same names and modules as Django's own backend: only when the deferred ones are imported differs.
    expected = get_installed_libraries()

    assert installed_libraries(deferred=DEFERRED_LIBRARIES) == {
        name: path for name, path in expected.items() if name not in DEFERRED_LIBRARIES
    }
    assert _site_engine().engine.libraries == expected
    assert _form_renderers_engine().engine.libraries == expected


def test_the_form_renderer_is_djangos_on_the_sites_backend() -> None:
    engine = _form_renderers_engine()

    assert engine.name == "djangoforms"
    assert Path(engine.engine.dirs[0]).parts[-3:] == ("django", "forms", "templates")


def test_a_deferred_library_is_imported_at_its_first_load() -> None:
    libraries = Libraries({}, {"rest_framework": "rest_framework.templatetags.rest_framework"})

    assert "rest_framework" not in dict(libraries)
    library = libraries["rest_framework"]

    assert library is import_library("rest_framework.templatetags.rest_framework")
    assert dict(libraries) == {"rest_framework": library}


def test_a_template_loads_drfs_tags_through_the_sites_engine() -> None:
    template = engines["django"].from_string("{% load rest_framework %}{{ None|as_string }}[{{ 1|as_string }}]")

    assert template.render({}) == "[1]"


def test_an_unknown_library_is_still_a_syntax_error() -> None:
    with pytest.raises(TemplateSyntaxError, match="'no_such_tags' is not a registered tag library"):
        engines["django"].from_string("{% load no_such_tags %}")
