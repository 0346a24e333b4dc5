"""Naming signatories and signing: password, second factor, only the signatory, stale texts, activation at the last."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import Membership, User
from intake.models import Proposal
from intake.states import ProposalState as S
from projects.models import Agreement, ProjectPartner, Signature
from projects.selectors import project_facts
from projects.signing import SignatureRefused, signatory_name
from records.events import Event
from records.models import AuditRecord, Notification
from tests.conftest import client_for, totp_code
from tests.factories import UserFactory
from tests.factories.accounts import PASSWORD
from tests.projects.making import contracting, with_signatories
from workflow import actions
from workflow.actions.base import ConditionsNotMet
from workflow.signing import agreement_sign_and_activate

pytestmark = pytest.mark.django_db


def _sign(agreement: Agreement, partner: ProjectPartner, user: User, **proof: str) -> Signature:
    return agreement_sign_and_activate(
        agreement=agreement, partner=partner, by=user, sha256=agreement.sha256,
        proof={"password": PASSWORD, **proof},
    )  # fmt: skip


def _missing(project_id: int) -> int:
    return Proposal.objects.annotate(**project_facts()).get(project__pk=project_id).project_signatures_missing


def test_a_member_of_the_organization_is_named_and_told(staff: User) -> None:
    project = contracting(staff)
    partner = ProjectPartner.objects.filter(project=project, is_lead=False).first()
    assert partner is not None
    person = UserFactory()
    Membership.objects.create(user=person, organization=partner.organization)

    signatory_name(partner=partner, signatory=person, by=project.proposal.lead_applicant)

    assert ProjectPartner.objects.get(pk=partner.pk).signatory == person
    record = AuditRecord.objects.get(proposal=project.proposal, action="signatory_named")
    assert record.data["signatory"] == person.pk
    notification = Notification.objects.get(event=Event.AGREEMENT_TO_SIGN, recipient=person, channel="inbox")
    assert notification.context["project"] == project.pk


def test_only_a_member_of_the_organization_can_be_named(staff: User) -> None:
    project = contracting(staff)
    partner = ProjectPartner.objects.filter(project=project).first()
    assert partner is not None

    with pytest.raises(DomainError, match="must be a member"):
        signatory_name(partner=partner, signatory=UserFactory(), by=staff)

    assert ProjectPartner.objects.get(pk=partner.pk).signatory is None


def test_an_outsider_may_not_name_a_signatory(staff: User) -> None:
    project = contracting(staff)
    partner = ProjectPartner.objects.filter(project=project).first()
    assert partner is not None
    person = UserFactory()
    Membership.objects.create(user=person, organization=partner.organization)

    with pytest.raises(ActionForbidden):
        signatory_name(partner=partner, signatory=person, by=UserFactory())


def test_the_last_signature_starts_the_project_and_not_before(staff: User) -> None:
    project = contracting(staff)
    signatories = with_signatories(project)
    partners = list(ProjectPartner.objects.filter(project=project))
    agreements = list(Agreement.objects.filter(project=project))
    pairs = [(a, p) for a in agreements for p in partners]
    assert _missing(project.pk) == len(pairs) == 6

    with pytest.raises(ConditionsNotMet, match="6 signatures of the agreements are missing"):
        actions.proposal_activate(proposal=project.proposal, by=staff)
    for agreement, partner in pairs[:-1]:
        _sign(agreement, partner, signatories[partner.pk])
    assert Proposal.objects.get(pk=project.proposal_id).state == S.CONTRACTING
    assert _missing(project.pk) == 1

    agreement, partner = pairs[-1]
    signature = _sign(agreement, partner, signatories[partner.pk])

    assert Proposal.objects.get(pk=project.proposal_id).state == S.ACTIVE
    assert (signature.sha256, signature.version, signature.organization_id) == (
        agreement.sha256, agreement.version, partner.organization_id,
    )  # fmt: skip
    assert signature.adapter == "projects.signing.ClickToSign"
    record = AuditRecord.objects.get(proposal=project.proposal, action="activate")
    assert record.actor is None
    assert AuditRecord.objects.filter(proposal=project.proposal, action="agreement_signed").count() == 6


def test_a_wrong_password_signs_nothing(staff: User) -> None:
    project = contracting(staff)
    signatories = with_signatories(project)
    partner = ProjectPartner.objects.filter(project=project).first()
    agreement = Agreement.objects.filter(project=project).first()
    assert partner is not None
    assert agreement is not None

    with pytest.raises(SignatureRefused) as refused:
        _sign(agreement, partner, signatories[partner.pk], password="wrong")

    assert refused.value.field == "password"
    assert not Signature.objects.exists()


def test_a_person_with_an_authenticator_types_its_code(staff: User) -> None:
    project = contracting(staff)
    signatories = with_signatories(project)
    partner = ProjectPartner.objects.filter(project=project).first()
    agreement = Agreement.objects.filter(project=project).first()
    assert partner is not None
    assert agreement is not None
    signer = signatories[partner.pk]
    device = TOTPDevice.objects.create(user=signer, name="Authenticator app", confirmed=True)

    with pytest.raises(SignatureRefused) as refused:
        _sign(agreement, partner, signer, token="000000")
    assert refused.value.field == "token"
    _sign(agreement, partner, signer, token=totp_code(device))

    assert Signature.objects.filter(agreement=agreement, partner=partner).exists()


def test_only_the_named_signatory_signs_for_the_partner(staff: User) -> None:
    project = contracting(staff)
    signatories = with_signatories(project)
    first, second = list(ProjectPartner.objects.filter(project=project))[:2]
    agreement = Agreement.objects.filter(project=project).first()
    assert agreement is not None

    with pytest.raises(ActionForbidden, match="Only the signatory named"):
        _sign(agreement, first, signatories[second.pk])

    assert not Signature.objects.exists()


def test_a_stale_text_is_refused(staff: User) -> None:
    project = contracting(staff)
    signatories = with_signatories(project)
    partner = ProjectPartner.objects.filter(project=project).first()
    agreement = Agreement.objects.filter(project=project).first()
    assert partner is not None
    assert agreement is not None

    with pytest.raises(StaleAction, match="changed since you opened it"):
        agreement_sign_and_activate(
            agreement=agreement, partner=partner, by=signatories[partner.pk], sha256="0" * 64,
            proof={"password": PASSWORD},
        )  # fmt: skip
    assert not Signature.objects.exists()


def test_a_partner_signs_a_version_once_and_signatures_never_change(staff: User) -> None:
    project = contracting(staff)
    signatories = with_signatories(project)
    partner = ProjectPartner.objects.filter(project=project).first()
    agreement = Agreement.objects.filter(project=project).first()
    assert partner is not None
    assert agreement is not None
    signature = _sign(agreement, partner, signatories[partner.pk])

    with pytest.raises(StaleAction, match="already signed"):
        _sign(agreement, partner, signatories[partner.pk])
    with pytest.raises(TypeError):
        Signature.objects.filter(pk=signature.pk).update(sha256="x")
    with pytest.raises(TypeError):
        signature.delete()
    with pytest.raises(TypeError):
        signature.save()


def test_the_sign_page_signs_and_returns_to_the_project(staff: User) -> None:
    project = contracting(staff)
    signatories = with_signatories(project)
    partner = ProjectPartner.objects.filter(project=project).first()
    agreement = Agreement.objects.filter(project=project).first()
    assert partner is not None
    assert agreement is not None
    client = client_for(signatories[partner.pk])
    url = reverse("projects:agreement_sign", args=[project.pk, agreement.pk])

    wrong = client.post(url, {"sha256": agreement.sha256, "consent": "on", "password": "nope"})
    assert wrong.status_code == 400
    assert "This is not your password." in wrong.content.decode()
    response = client.post(url, {"sha256": agreement.sha256, "consent": "on", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == f"/projects/{project.pk}/"
    assert Signature.objects.filter(agreement=agreement, partner=partner).exists()
    page = client.get(response.url).content.decode()
    assert agreement.sha256 in page


def test_the_sign_page_refuses_whoever_is_not_a_signatory(staff: User) -> None:
    project = contracting(staff)
    agreement = Agreement.objects.filter(project=project).first()
    assert agreement is not None

    response = client_for(project.proposal.lead_applicant).get(
        reverse("projects:agreement_sign", args=[project.pk, agreement.pk])
    )

    assert response.status_code == 403


def test_the_project_page_is_titled_with_the_project_alone(staff: User) -> None:
    project = contracting(staff, title="Cold-chain sensors")

    page = client_for(staff).get(reverse("projects:project_detail", args=[project.pk])).content.decode()

    assert "<title>Cold-chain sensors · Clusterflow</title>" in page
    assert page.count('id="reports-heading"') == 1
