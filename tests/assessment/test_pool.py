"""The assessor pool: invitations by email, accepting one, the assessor's profile, staff's list."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.errors import ActionForbidden
from accounts.models import Organization, User
from accounts.tasks import send_email
from assessment.choices import AssignmentState
from assessment.models import Affiliation, AssessorInvitation, AssessorProfile, Assignment
from assessment.services import pool as services
from assessment.services.rubrics import rubric_for
from intake.models import Program, Proposal
from tests.conftest import client_for
from tests.factories import (
    PASSWORD,
    CallFactory,
    OrganizationFactory,
    ProgramFactory,
    ProposalFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

INVITE = reverse("assessment:pool_invite")
POOL = reverse("assessment:pool")
PROFILE = reverse("assessment:profile")


class _EagerApp:
    """Run a task sent by name at once, as a worker would: the worker itself is tested in tests/config."""

    sent: list[str] = []

    @staticmethod
    def send_task(name: str, kwargs: dict[str, Any]) -> None:
        _EagerApp.sent.append(name)
        assert name == send_email.name
        send_email.apply(kwargs=kwargs).get()


@pytest.fixture(autouse=True)
def _eager_send(monkeypatch: pytest.MonkeyPatch) -> None:
    _EagerApp.sent = []
    monkeypatch.setattr(services, "current_app", _EagerApp)


def _program() -> Program:
    """The program the tests invite for (the staff fixture is staff of every program)."""
    return Program.objects.order_by("pk").first() or ProgramFactory()


def _invite(client: Client, capture: Any, email: str = "expert@example.org", **more: Any) -> Any:
    data = {"program": _program().pk, "email": email, "language": "en", "message": "", **more}
    with capture(execute=True):
        return client.post(INVITE, data)


def _link(body: str) -> str:
    (path,) = re.findall(r"http://[^/\s]+(/assessors/invitations/[^/\s]+/)", body)
    return path


def _invitation(**fields: Any) -> AssessorInvitation:
    defaults: dict[str, Any] = {
        "email": "expert@example.org",
        "program": _program(),
        "invited_by": UserFactory(role=Role.STAFF),
        "expires_at": timezone.now() + timedelta(days=30),
    }
    return AssessorInvitation.objects.create(**{**defaults, **fields})


def _url(invitation: AssessorInvitation) -> str:
    return reverse("assessment:invitation", kwargs={"token": invitation.token})


# --- Invitations -------------------------------------------------------------------------------


def test_invite_sends_one_email_with_a_working_link_after_commit(
    staff_client: Client, staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    response = _invite(staff_client, django_capture_on_commit_callbacks, email=" Expert@Example.org ", message="Hi!")

    assert response.status_code == 302
    assert response.url == POOL
    invitation = AssessorInvitation.objects.get()
    assert (invitation.email, invitation.invited_by, invitation.message) == ("expert@example.org", staff, "Hi!")
    assert timedelta(days=29) < invitation.expires_at - timezone.now() <= timedelta(days=30)
    (message,) = mail.outbox
    assert message.to == ["expert@example.org"]
    assert message.subject == "Invitation to assess proposals on Clusterflow"
    assert "Hi!" in message.body
    assert _link(message.body) == _url(invitation)
    assert [alternative.mimetype for alternative in message.alternatives] == ["text/html"]
    assert _EagerApp.sent == ["accounts.tasks.send_email"]


def test_invite_sends_nothing_when_the_transaction_rolls_back(staff: User) -> None:
    def send_then_fail() -> None:
        with transaction.atomic():
            services.invitation_send(email="expert@example.org", by=staff, program=_program())
            raise RuntimeError

    with pytest.raises(RuntimeError):
        send_then_fail()

    assert mail.outbox == []
    assert AssessorInvitation.objects.count() == 0


@pytest.mark.parametrize("email", ["not-an-address", "", "a@b"])
def test_invite_refuses_an_invalid_email(
    staff_client: Client, django_capture_on_commit_callbacks: Any, email: str
) -> None:
    response = _invite(staff_client, django_capture_on_commit_callbacks, email=email, message="Kept message")

    assert response.status_code == 400
    assert "Kept message" in response.content.decode()
    assert AssessorInvitation.objects.count() == 0
    assert mail.outbox == []


def test_invite_refuses_a_second_pending_invitation(
    staff_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    _invite(staff_client, django_capture_on_commit_callbacks)

    response = _invite(staff_client, django_capture_on_commit_callbacks, email="EXPERT@example.org")

    assert response.status_code == 400
    assert "An invitation to expert@example.org is already pending" in response.content.decode()
    assert AssessorInvitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_invite_again_once_the_first_expired(staff_client: Client, django_capture_on_commit_callbacks: Any) -> None:
    _invitation(expires_at=timezone.now() - timedelta(minutes=1))

    response = _invite(staff_client, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert AssessorInvitation.objects.count() == 2


def test_invite_refuses_an_existing_assessor(
    staff_client: Client, assessor: User, django_capture_on_commit_callbacks: Any
) -> None:
    response = _invite(staff_client, django_capture_on_commit_callbacks, email=assessor.email.upper())

    assert response.status_code == 400
    assert f"{assessor.email} is already an assessor of {_program()}." in response.content.decode()


def test_invitation_for_token_needs_the_whole_token() -> None:
    invitation = _invitation()

    assert services.invitation_for_token(token=invitation.token) == invitation
    assert (
        services.invitation_for_token(token=invitation.token[:-1] + ("A" if invitation.token[-1] != "A" else "B"))
        is None
    )
    assert services.invitation_for_token(token=invitation.token[:20]) is None
    assert services.invitation_for_token(token="") is None


def test_invitation_unknown_token_is_404(anonymous_client: Client) -> None:
    _invitation()

    response = anonymous_client.get(reverse("assessment:invitation", kwargs={"token": "x" * 43}))

    assert response.status_code == 404


def test_invitation_signed_in_accepts_grants_the_role_and_leads_to_the_profile(applicant: User) -> None:
    invitation = _invitation(email=applicant.email)
    client = client_for(applicant)

    page = client.get(_url(invitation))
    response = client.post(_url(invitation))

    assert page.status_code == 200
    assert "Accept the invitation" in page.content.decode()
    assert response.status_code == 302
    assert response.url == PROFILE
    applicant = User.objects.get(pk=applicant.pk)
    assert applicant.has_role(Role.ASSESSOR)
    assert applicant.has_role(Role.APPLICANT)
    assert AssessorProfile.objects.filter(user=applicant).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_by == applicant
    assert invitation.accepted_at is not None
    assert client.get(PROFILE).status_code == 200


def test_invitation_is_single_use(applicant: User) -> None:
    invitation = _invitation(email=applicant.email)
    client_for(applicant).post(_url(invitation))

    again = client_for(applicant).post(_url(invitation))

    assert again.status_code == 410
    assert "This invitation was already used." in again.content.decode()


def test_invitation_for_another_address_accepts_nothing(applicant: User, other_applicant: User) -> None:
    invitation = _invitation(email=applicant.email.upper())
    client = client_for(other_applicant)

    page = client.get(_url(invitation))
    response = client.post(_url(invitation))

    assert page.status_code == response.status_code == 403
    assert "This invitation was sent to another email address" in response.content.decode()
    assert "Accept the invitation" not in page.content.decode()
    assert not User.objects.get(pk=other_applicant.pk).has_role(Role.ASSESSOR)
    invitation.refresh_from_db()
    assert (invitation.accepted_at, invitation.accepted_by) == (None, None)


def test_invitation_accept_is_case_blind_to_the_address(applicant: User) -> None:
    invitation = _invitation(email=applicant.email.upper())

    services.invitation_accept(invitation=invitation, user=applicant)

    assert User.objects.get(pk=applicant.pk).has_role(Role.ASSESSOR)


def test_invitation_accept_refuses_another_account(applicant: User, other_applicant: User) -> None:
    invitation = _invitation(email=applicant.email)

    with pytest.raises(ActionForbidden):
        services.invitation_accept(invitation=invitation, user=other_applicant)


def test_invitation_expired_is_refused(applicant: User, anonymous_client: Client) -> None:
    invitation = _invitation(expires_at=timezone.now() - timedelta(seconds=1))

    response = client_for(applicant).post(_url(invitation))
    page = anonymous_client.get(_url(invitation))

    assert response.status_code == 410
    assert "This invitation has expired." in response.content.decode()
    assert page.status_code == 410
    assert not User.objects.get(pk=applicant.pk).has_role(Role.ASSESSOR)


def test_invitation_accept_refuses_one_used_meanwhile(applicant: User) -> None:
    invitation = _invitation(email=applicant.email)
    services.invitation_accept(invitation=AssessorInvitation.objects.get(pk=invitation.pk), user=applicant)

    with pytest.raises(services.InvitationUnusable):
        services.invitation_accept(invitation=invitation, user=applicant)


def test_invitation_anonymous_creates_an_assessor_account(anonymous_client: Client) -> None:
    invitation = _invitation(email="new.expert@example.org")
    data = {
        "display_name": "Nora Expert",
        "preferred_language": "fr",
        "password1": "a-long-and-uncommon-passphrase",
        "password2": "a-long-and-uncommon-passphrase",
    }

    page = anonymous_client.get(_url(invitation))
    response = anonymous_client.post(_url(invitation), data)

    assert page.status_code == 200
    assert "new.expert@example.org" in page.content.decode()
    assert response.status_code == 302
    assert response.url == PROFILE
    user = User.objects.get(email="new.expert@example.org")
    assert (user.display_name, user.preferred_language) == ("Nora Expert", "fr")
    assert user.has_role(Role.ASSESSOR)
    assert not user.has_role(Role.APPLICANT)
    assert user.check_password("a-long-and-uncommon-passphrase")
    assert anonymous_client.get(PROFILE).status_code == 200


def test_invitation_anonymous_bad_passwords_keep_the_name(anonymous_client: Client) -> None:
    invitation = _invitation(email="new.expert@example.org")

    response = anonymous_client.post(
        _url(invitation),
        {"display_name": "Nora Expert", "preferred_language": "en", "password1": "one-password-x", "password2": "two"},
    )

    assert response.status_code == 400
    assert "The two passwords differ." in response.content.decode()
    assert "Nora Expert" in response.content.decode()
    assert not User.objects.filter(email="new.expert@example.org").exists()
    assert AssessorInvitation.objects.get(pk=invitation.pk).accepted_at is None


def test_invitation_anonymous_with_an_existing_account_must_sign_in(anonymous_client: Client, applicant: User) -> None:
    invitation = _invitation(email=applicant.email)

    page = anonymous_client.get(_url(invitation))
    posted = anonymous_client.post(
        _url(invitation),
        {"display_name": "Intruder", "preferred_language": "en", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert page.status_code == 200
    assert "sign in with it to accept" in page.content.decode()
    assert posted.status_code == 200
    assert not User.objects.get(pk=applicant.pk).has_role(Role.ASSESSOR)
    assert AssessorInvitation.objects.get(pk=invitation.pk).accepted_at is None


# --- The profile ------------------------------------------------------------------------------


def _profile_data(user: User, affiliations: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    profile = services.assessor_profile_for(user=user)
    affiliations = affiliations or []
    data: dict[str, Any] = {
        "sectors": ["ocean", "health"],
        "keywords": "Digital Twins,  machine   learning , digital twins,,",
        "languages": ["fr", "en"],
        "max_assignments_per_call": 4,
        "loaded_at": profile.updated_at.isoformat(),
        "affiliations-TOTAL_FORMS": len(affiliations),
        "affiliations-INITIAL_FORMS": 0,
        "affiliations-MIN_NUM_FORMS": 0,
        "affiliations-MAX_NUM_FORMS": 1000,
        **fields,
    }
    for index, row in enumerate(affiliations):
        for key, value in row.items():
            data[f"affiliations-{index}-{key}"] = value
    return data


def test_profile_saves_expertise_and_affiliations(assessor: User, assessor_client: Client) -> None:
    university, company = OrganizationFactory(), OrganizationFactory()
    rows = [
        {"organization": university.pk, "role": "Professor", "started_on": "2015-09-01", "ended_on": ""},
        {"organization": company.pk, "role": "Advisor", "started_on": "2018-01-01", "ended_on": "2020-12-31"},
    ]

    response = assessor_client.post(PROFILE, _profile_data(assessor, rows))

    assert response.status_code == 302
    profile = AssessorProfile.objects.get(user=assessor)
    assert profile.sectors == ["ocean", "health"]
    assert profile.keywords == ["digital twins", "machine learning"]
    assert profile.languages == ["en", "fr"]
    assert profile.max_assignments_per_call == 4
    assert set(
        Affiliation.objects.filter(assessor=assessor).values_list("organization", "role", "started_on", "ended_on")
    ) == {
        (university.pk, "Professor", date(2015, 9, 1), None),
        (company.pk, "Advisor", date(2018, 1, 1), date(2020, 12, 31)),
    }
    page = assessor_client.get(PROFILE).content.decode()
    assert "digital twins, machine learning" in page


def test_profile_edits_and_removes_affiliations(assessor: User, assessor_client: Client) -> None:
    kept = Affiliation.objects.create(assessor=assessor, organization=OrganizationFactory(), role="Engineer")
    removed = Affiliation.objects.create(assessor=assessor, organization=OrganizationFactory())
    data = _profile_data(
        assessor,
        [
            {
                "id": kept.pk,
                "organization": kept.organization_id,
                "role": "Chief engineer",
                "started_on": "",
                "ended_on": "2024-06-30",
            },
            {
                "id": removed.pk,
                "organization": removed.organization_id,
                "role": "",
                "started_on": "",
                "ended_on": "",
                "DELETE": "on",
            },
        ],
    )
    data["affiliations-INITIAL_FORMS"] = 2

    response = assessor_client.post(PROFILE, data)

    assert response.status_code == 302
    assert list(Affiliation.objects.filter(assessor=assessor).values_list("pk", "role", "ended_on")) == [
        (kept.pk, "Chief engineer", date(2024, 6, 30))
    ]


@pytest.mark.parametrize(
    ("fields", "rows", "message"),
    [
        ({"max_assignments_per_call": -1}, [], "The number of assignments cannot be negative."),
        ({"max_assignments_per_call": 101}, [], "Ensure this value is less than or equal to 100."),
        ({"sectors": ["astrology"]}, [], "Select a valid choice."),
        ({"languages": ["de"]}, [], "Select a valid choice."),
        (
            {},
            [{"organization": "ORG", "role": "", "started_on": "2020-01-01", "ended_on": "2019-12-31"}],
            "An affiliation cannot end before it starts.",
        ),
        ({}, [{"organization": "999999", "role": "Boss", "started_on": "", "ended_on": ""}], "Select a valid choice."),
    ],
)
def test_profile_refuses_bad_input_and_keeps_it(
    assessor: User, assessor_client: Client, fields: dict[str, Any], rows: list[dict[str, Any]], message: str
) -> None:
    organization = OrganizationFactory()
    rows = [
        {**row, "organization": organization.pk if row["organization"] == "ORG" else row["organization"]}
        for row in rows
    ]

    response = assessor_client.post(PROFILE, _profile_data(assessor, rows, keywords="kept keyword", **fields))

    assert response.status_code == 400
    content = response.content.decode()
    assert message in content
    assert "kept keyword" in content
    profile = AssessorProfile.objects.get(user=assessor)
    assert (profile.keywords, profile.max_assignments_per_call) == ([], 5)
    assert not Affiliation.objects.filter(assessor=assessor).exists()


def test_profile_saved_elsewhere_meanwhile_is_refused(assessor: User, assessor_client: Client) -> None:
    stale = _profile_data(assessor, keywords="mine")
    profile = AssessorProfile.objects.get(user=assessor)
    profile.keywords = ["theirs"]
    profile.save()

    response = assessor_client.post(PROFILE, stale)

    assert response.status_code == 409
    assert "Your profile was saved from another page meanwhile." in response.content.decode()
    assert AssessorProfile.objects.get(user=assessor).keywords == ["theirs"]


def test_profile_adds_a_new_organization_with_the_affiliation(assessor: User, assessor_client: Client) -> None:
    data = {
        "create": "",
        "new-legal_name": "Ocean Robotics Lab",
        "new-kind": "post_secondary",
        "new-employee_count": 40,
        "new-country": "CA",
        "new-province": "NS",
        "new-role": "Director",
        "new-started_on": "2021-05-01",
        "new-ended_on": "",
    }

    response = assessor_client.post(PROFILE, data)

    assert response.status_code == 302
    affiliation = Affiliation.objects.select_related("organization").get(assessor=assessor)
    assert (affiliation.organization.legal_name, affiliation.role) == ("Ocean Robotics Lab", "Director")
    assert not affiliation.organization.memberships.exists()


def test_profile_new_organization_refuses_a_duplicate_and_end_before_start(
    assessor: User, assessor_client: Client
) -> None:
    existing = OrganizationFactory(legal_name="Ocean Robotics Lab")
    base = {
        "create": "",
        "new-legal_name": "ocean robotics lab",
        "new-kind": "post_secondary",
        "new-employee_count": 40,
        "new-country": "CA",
        "new-province": "NS",
        "new-role": "",
        "new-started_on": "",
        "new-ended_on": "",
    }

    duplicate = assessor_client.post(PROFILE, base)
    backwards = assessor_client.post(
        PROFILE, {**base, "new-legal_name": "Fresh Lab", "new-started_on": "2022-01-01", "new-ended_on": "2021-01-01"}
    )

    assert duplicate.status_code == 400
    assert f"{existing.legal_name} already exists in this country" in duplicate.content.decode()
    assert backwards.status_code == 400
    assert "An affiliation cannot end before it starts." in backwards.content.decode()
    assert Organization.objects.filter(legal_name__in=["ocean robotics lab", "Fresh Lab"]).count() == 0
    assert not Affiliation.objects.filter(assessor=assessor).exists()


def test_keywords_normalise() -> None:
    assert services.keywords_normalise(" AI ,  Digital\tTwins, ai,, ") == ["ai", "digital twins"]


# --- Staff's pool page ------------------------------------------------------------------------


def _assign(proposal: Proposal, assessor: User, state: str = AssignmentState.OFFERED) -> Assignment:
    return Assignment.objects.create(
        proposal=proposal,
        assessor=assessor,
        rubric=rubric_for(call=proposal.call),
        state=state,
        due_at=timezone.now() + timedelta(days=20),
    )


def test_pool_shows_profiles_load_and_availability_in_the_chosen_call(staff_client: Client, assessor: User) -> None:
    call, other_call = CallFactory(), CallFactory()
    AssessorProfile.objects.create(user=assessor, sectors=["ocean"], languages=["fr"], max_assignments_per_call=3)
    for state in (AssignmentState.OFFERED, AssignmentState.ACCEPTED, AssignmentState.DECLINED):
        _assign(ProposalFactory(call=call), assessor, state)
    _assign(ProposalFactory(call=other_call), assessor)
    newcomer = UserFactory(role=Role.ASSESSOR, display_name="Zed Newcomer")
    _invitation(email="pending@example.org")
    _invitation(email="expired@example.org", expires_at=timezone.now() - timedelta(days=1))

    response = staff_client.get(POOL, {"call": call.pk})

    rows = {row.user.pk: row for row in response.context["rows"]}
    assert (rows[assessor.pk].load, rows[assessor.pk].cap, rows[assessor.pk].available) == (2, 3, 1)
    assert (rows[newcomer.pk].load, rows[newcomer.pk].available) == (0, None)
    content = response.content.decode()
    assert "Ocean" in content
    assert "French" in content
    assert "pending@example.org" in content
    assert "expired@example.org" not in content
    assert [invitation.email for invitation in response.context["invitations"]] == ["pending@example.org"]


def test_pool_availability_never_below_zero(assessor: User, staff: User) -> None:
    call = CallFactory()
    AssessorProfile.objects.create(user=assessor, max_assignments_per_call=1)
    _assign(ProposalFactory(call=call), assessor)
    _assign(ProposalFactory(call=call), assessor)

    (row,) = services.assessor_pool(user=staff, call=call)

    assert (row.load, row.available) == (2, 0)


@pytest.mark.parametrize("count", [1, 50])
def test_pool_queries_do_not_grow_with_assessors(
    staff_client: Client, count: int, django_assert_max_num_queries: Any
) -> None:
    call = CallFactory()
    proposal = ProposalFactory(call=call)
    for _index in range(count):
        user = UserFactory(role=Role.ASSESSOR)
        AssessorProfile.objects.create(user=user, sectors=["ocean"], keywords=["ai"], languages=["en"])
        _assign(proposal, user)
        _invitation(email=f"{user.pk}@example.org")

    with django_assert_max_num_queries(6):
        response = staff_client.get(POOL, {"call": call.pk})

    assert len(response.context["rows"]) == count
