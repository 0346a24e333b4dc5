"""The Content-Security-Policy: on every page, and kept true by templates with no inline code.

The policy (``CONTENT_SECURITY_POLICY`` in the settings, docs/adr/0021) lets a page run
only the site's own script files and stylesheets. A page that wrote a script, an event
handler, a ``javascript:`` link or a style attribute into its HTML would break under it,
so the templates are scanned for them here, and the browser tests load the pages under it
(``tests/e2e/test_content_security_policy.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _pytest.fixtures import FixtureFunctionDefinition
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests import test_permission_matrix as matrix
from tests.test_permission_matrix import MATRIX, PERSONAS, URLS, Objects

# The permission matrix's fixtures, every one of them: the same objects, fetched by the same personas
# (a persona added there is fetched here too).
globals().update({name: value for name, value in vars(matrix).items() if isinstance(value, FixtureFunctionDefinition)})

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def _policy_directives(header: str) -> dict[str, str]:
    return {part.strip().split(" ", 1)[0]: part.strip() for part in header.split(";")}


@pytest.mark.django_db
def test_policy_allows_only_the_sites_own_code() -> None:
    response = Client().get(reverse("home"))

    assert _policy_directives(response["Content-Security-Policy"]) == _policy_directives(POLICY)
    assert "unsafe" not in response["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_of_the_permission_matrix_carries_the_policy(
    persona: str, objects: Objects, clients: dict[str, Client]
) -> None:
    pages, missing = [], []
    for name in [name for name, _route in URLS if name in MATRIX]:
        url = reverse(name, kwargs=objects.kwargs.get(name, {}))
        response = clients[persona].get(url)
        policy = response.get("Content-Security-Policy", "")
        if response.get("Content-Type", "").startswith("text/html"):
            pages.append(url)
            if _policy_directives(policy) != _policy_directives(POLICY):
                missing.append(f"{url} ({response.status_code}): {policy!r}")
        elif not policy:
            # Redirects and files carry one too (a download keeps its own stricter "sandbox").
            missing.append(f"{url} ({response.status_code}): none")

    assert missing == []
    # Each persona reads HTML pages (its own, and refusals and errors, which are pages too).
    assert len(pages) > 20


# --- Templates: nothing inline --------------------------------------------------------------

TEMPLATE_DIRS = [Path(directory) for directory in settings.TEMPLATES[0]["DIRS"]] + sorted(
    Path(settings.BASE_DIR).glob("*/templates")
)
TEMPLATES = sorted(path for directory in TEMPLATE_DIRS for path in directory.rglob("*.html"))

_TAG = re.compile(r"<[a-zA-Z][^>]*>", re.DOTALL)
_SCRIPT = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
_STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
_STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)


def _is_email(path: Path) -> bool:
    """Emails are read in mail clients, which drop stylesheets: their inline styles are never a page's."""
    return "notifications" in path.parts or path.stem.endswith("_email")


def _relative(path: Path) -> str:
    return str(path.relative_to(settings.BASE_DIR))


def test_templates_are_found() -> None:
    assert any(path.name == "base.html" for path in TEMPLATES)
    assert len([path for path in TEMPLATES if not _is_email(path)]) > 50


@pytest.mark.parametrize("path", TEMPLATES, ids=_relative)
def test_template_has_no_inline_script_or_handler(path: Path) -> None:
    text = path.read_text(encoding="utf-8")

    inline_scripts = [tag for tag in _SCRIPT.findall(text) if not re.search(r"\ssrc\s*=", tag)]
    handlers = [tag for tag in _TAG.findall(text) if _HANDLER.search(tag)]

    assert inline_scripts == []
    assert handlers == []
    assert "javascript:" not in text.lower()


@pytest.mark.parametrize("path", [path for path in TEMPLATES if not _is_email(path)], ids=_relative)
def test_page_template_has_no_inline_style(path: Path) -> None:
    text = path.read_text(encoding="utf-8")

    assert [tag for tag in _TAG.findall(text) if _STYLE_ATTRIBUTE.search(tag)] == []
    assert not _STYLE_ELEMENT.search(text)


def test_template_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    samples = {
        "<script>alert(1)</script>": _SCRIPT,
        '<button type="button" onclick="go()">': _HANDLER,
        '<span class="x"\n      style="color:red">': _STYLE_ATTRIBUTE,
        "<style>p{}</style>": _STYLE_ELEMENT,
    }

    assert all(pattern.search(sample) for sample, pattern in samples.items())
    assert not _HANDLER.search('<a href="/" data-once="1" aria-controls="x">')
    assert not [tag for tag in _SCRIPT.findall('<script src="/static/x.js" defer>') if "src=" not in tag]
