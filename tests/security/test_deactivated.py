"""A deactivated user's open session stops working at their next request, and they cannot sign in again.

The session itself is not deleted when an account is deactivated: what ends it is
``RolesBackend.get_user``, which refuses an inactive user on every request (on the
embedded default and with sessions cached in Redis alike).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from bench.sign_in import second_factor_pass
from config.celery import app as celery_app
from intake.states import ProposalState
from tests.factories import PASSWORD, ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def _deactivate(user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_active=False)


def _signed_in(user: User) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    if user.second_factor_required:
        second_factor_pass(client, user)
    return client


@pytest.mark.parametrize(
    ("role", "page"),
    [
        (Role.APPLICANT, "intake:applicant_dashboard"),
        (Role.STAFF, "workflow:staff_dashboard"),
        (Role.ASSESSOR, "assessment:dashboard"),
        (Role.BOARD_MEMBER, "board:dashboard"),
    ],
)
def test_deactivated_session_sent_to_login(role: Role, page: str) -> None:
    user = UserFactory(role=role)
    client = _signed_in(user)
    url = reverse(page)
    assert client.get(url).status_code == 200

    _deactivate(user)
    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={url}"


def test_deactivated_session_cannot_act_on_its_proposal() -> None:
    applicant = UserFactory(role=Role.APPLICANT)
    proposal = ProposalFactory(lead_applicant=applicant, state=ProposalState.DRAFT)
    client = _signed_in(applicant)
    _deactivate(applicant)
    url = reverse("workflow:proposal_act", kwargs={"pk": proposal.pk, "action": "withdraw"})

    response = client.post(url, {"withdraw-expected_state": "draft", "withdraw-reason": "Leaving."})

    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={url}"
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DRAFT


def test_deactivated_session_cannot_reach_the_admin() -> None:
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = _signed_in(admin)
    url = reverse("admin:accounts_user_changelist")
    assert client.get(url).status_code == 200

    _deactivate(admin)
    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next={url}"


def test_deactivated_user_cannot_sign_in_with_the_right_password() -> None:
    user = UserFactory(role=Role.APPLICANT, email="gone@example.com")
    _deactivate(user)
    client = Client()

    response = client.post(LOGIN, {"username": "gone@example.com", "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    # The same words as a wrong password: the form does not tell who has an account.
    assert response.context["form"].non_field_errors() == [
        "Please enter a correct email address and password. Note that both fields may be case-sensitive."
    ]


@pytest.mark.parametrize(("active", "emails_sent"), [(True, 1), (False, 0)])
def test_deactivated_user_is_offered_no_password_reset(
    django_capture_on_commit_callbacks: Any, active: bool, emails_sent: int
) -> None:
    user = UserFactory(role=Role.APPLICANT, email="gone@example.com")
    if not active:
        _deactivate(user)
    celery_app.conf.task_always_eager = True
    try:
        # The request queues the same task either way (ADR 0017); the worker sends nothing to a closed account.
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = Client().post(reverse("accounts:password_reset"), {"email": "gone@example.com"})
    finally:
        celery_app.conf.task_always_eager = False

    assert response.status_code == 302
    assert len(callbacks) == 1
    assert len(mail.outbox) == emails_sent
