"""The layout's navigation and footer written in Python (``accounts.templatetags.navigation``) are the template's.

The references below are the markup ``base.html`` wrote before its navigation and footer moved
to Python; both are rendered with the same request and context processors, for every shape of
user, in English and in French, and must be the same text, character for character.
"""

from __future__ import annotations

import re
from typing import Any, cast

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from accounts.choices import Role
from accounts.models import User
from accounts.services import user_grant_role
from intake.models import Program
from records.backends import InboxBackend
from tests.conftest import client_for
from tests.factories import NotificationFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

NAVIGATION = Template(
    """{% load i18n %}{% get_current_language as LANGUAGE_CODE %}<a class="skip-link" href="#main">{% translate "Skip to main content" %}</a>
  <header>
    <nav class="navbar navbar-expand-md navbar-dark bg-dark" aria-label="{% translate 'Main' %}">
      <div class="container">
        <a class="navbar-brand" href="{% url 'home' %}">{% translate "Clusterflow" %}</a>
        <button class="navbar-toggler" type="button" data-bs-toggle="collapse" data-bs-target="#main-nav"
                aria-controls="main-nav" aria-expanded="false" aria-label="{% translate 'Show the menu' %}">
          <span class="navbar-toggler-icon"></span>
        </button>
        <div class="collapse navbar-collapse" id="main-nav">
          <ul class="navbar-nav me-auto">
            <li class="nav-item"><a class="nav-link" href="{% url 'intake:calls_open' %}">{% translate "Open calls" %}</a></li>
            {% if user.is_authenticated %}<li class="nav-item"><a class="nav-link" href="{% url 'projects:project_list' %}">{% translate "Projects" %}</a></li>{% endif %}
            {% for label, url in role_dashboards %}
              <li class="nav-item"><a class="nav-link" href="{{ url }}">{% blocktranslate %}{{ label }} dashboard{% endblocktranslate %}</a></li>
            {% endfor %}
            {% if staff_programs %}
              <li class="nav-item dropdown">
                <button type="button" class="btn btn-link nav-link dropdown-toggle" data-bs-toggle="dropdown" aria-expanded="false" id="programs-menu">{% translate "Programs" %}</button>
                <ul class="dropdown-menu" aria-labelledby="programs-menu">
                  {% for program in staff_programs %}
                    <li><a class="dropdown-item" href="{% url 'intake:program_detail' program.pk %}">{{ program.name }}</a></li>
                  {% endfor %}
                  <li><hr class="dropdown-divider"></li>
                  <li><a class="dropdown-item" href="{% url 'intake:program_list' %}">{% translate "All my programs" %}</a></li>
                </ul>
              </li>
            {% endif %}
          </ul>
          <ul class="navbar-nav align-items-md-center">
            {% if user.is_authenticated %}
              <li class="nav-item"><a class="nav-link" href="{% url 'records:inbox' %}">{% translate "Inbox" %}{% if inbox_unread_count %} <span class="badge rounded-pill text-bg-warning" aria-hidden="true">{{ inbox_unread_count }}</span><span class="visually-hidden"> {% blocktranslate count counter=inbox_unread_count %}({{ counter }} unread){% plural %}({{ counter }} unread){% endblocktranslate %}</span>{% endif %}</a></li>
              <li class="nav-item"><a class="nav-link" href="{% url 'accounts:profile' %}">{{ user.get_short_name }}</a></li>
              <li class="nav-item">
                <form method="post" action="{% url 'accounts:logout' %}" class="d-inline">
                  {% csrf_token %}
                  <button type="submit" class="btn btn-link nav-link">{% translate "Log out" %}</button>
                </form>
              </li>
            {% else %}
              <li class="nav-item"><a class="nav-link" href="{% url 'accounts:login' %}">{% translate "Log in" %}</a></li>
              <li class="nav-item"><a class="nav-link" href="{% url 'accounts:signup' %}">{% translate "Sign up" %}</a></li>
            {% endif %}
            <li class="nav-item ms-md-2">
              <form method="post" action="{% url 'accounts:set_language' %}" class="d-flex gap-1">
                {% csrf_token %}
                <input type="hidden" name="next" value="{{ request.get_full_path }}">
                {% if LANGUAGE_CODE == "fr" %}
                  <button type="submit" name="language" value="en" class="btn btn-sm btn-outline-light" lang="en">English</button>
                {% else %}
                  <button type="submit" name="language" value="fr" class="btn btn-sm btn-outline-light" lang="fr">Français</button>
                {% endif %}
              </form>
            </li>
          </ul>
        </div>
      </div>
    </nav>
  </header>"""  # noqa: E501 - the layout's own lines, as base.html wrote them
)

FOOTER = Template(
    """{% load i18n %}<footer class="container border-top py-3 text-secondary small">
    <p class="mb-0">{% translate "Clusterflow: applications and assessment for co-investment innovation programs." %}
      · <a href="{% url 'workflow:status' %}">{% translate "Service status" %}</a>
      · <a href="{% url 'stewardship:privacy' %}">{% translate "Privacy" %}</a></p>
  </footer>"""
)

TOKEN = re.compile(r'(?<=name="csrfmiddlewaretoken" value=")\w+')

WRITTEN = Template("{% load navigation %}{% navigation %}|{% footer %}")


def _rendered(user: Any, language: str, path: str = "/calls/?q=<b>&page=2") -> tuple[str, str]:
    request = RequestFactory().get(path)
    request.user = user
    with translation.override(language):
        reference = NAVIGATION.render(RequestContext(request)) + "|" + FOOTER.render(RequestContext(request))
        written = WRITTEN.render(RequestContext(request))
    # Each rendering masks the session's token anew; a page masks it once, in both forms.
    tokens = set(TOKEN.findall(written))
    assert len(tokens) == 1
    return TOKEN.sub("token", reference), TOKEN.sub("token", written)


def _signed_in(user: User) -> User:
    """Return ``user`` as a request reads it: with its roles, grants and unread count."""
    read = InboxBackend().get_user(user.pk)
    assert read is not None
    return read


@pytest.mark.parametrize("language", ["en", "fr"])
def test_navigation_of_a_visitor_is_the_template_s(language: str) -> None:
    reference, written = _rendered(AnonymousUser(), language)

    assert written == reference
    assert reverse("accounts:login") in written


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("unread", [0, 1, 2])
def test_navigation_of_an_applicant_is_the_template_s(language: str, unread: int) -> None:
    applicant = cast(User, UserFactory(role=Role.APPLICANT, display_name="Ann <Applicant> & Co"))
    NotificationFactory.create_batch(unread, recipient=applicant)

    reference, written = _rendered(_signed_in(applicant), language)

    assert written == reference
    assert "Ann &lt;Applicant&gt; &amp; Co" in written
    assert ('visually-hidden"> (' in written) is bool(unread)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_navigation_of_staff_of_two_programs_holding_several_roles_is_the_template_s(language: str) -> None:
    ocean, _other, scale = (
        cast(Program, ProgramFactory(name_en=name)) for name in ("Ocean <&> Sea", "Protein", "Scale")
    )
    staff = cast(User, UserFactory(role=Role.STAFF, programs=[ocean, scale]))
    for role in (Role.ASSESSOR, Role.BOARD_MEMBER):
        user_grant_role(user=staff, role=role)
        staff.program_roles.create(program=scale, role=role)
    NotificationFactory(recipient=staff)

    reference, written = _rendered(_signed_in(staff), language)

    assert written == reference
    assert written.count('class="dropdown-item" href="/') == 3  # two programs and all of them
    assert reverse("board:dashboard") in written
    assert reverse("assessment:dashboard") in written


def test_navigation_follows_the_user_s_roles_and_language_within_one_process() -> None:
    applicant = cast(User, UserFactory(role=Role.APPLICANT))
    staff = cast(User, UserFactory(role=Role.STAFF))

    for user, language in ((applicant, "en"), (staff, "fr"), (applicant, "fr"), (staff, "en")):
        reference, written = _rendered(_signed_in(user), language)

        assert written == reference


def test_staff_page_shows_the_navigation_in_the_user_s_language() -> None:
    staff = cast(User, UserFactory(role=Role.STAFF, preferred_language="fr"))

    page = client_for(staff).get(reverse("workflow:staff_dashboard")).content.decode()

    assert '<a class="skip-link" href="#main">Passer au contenu principal</a>' in page
    assert f'href="{reverse("workflow:staff_dashboard")}"' in page
