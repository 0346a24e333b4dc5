"""Drafting the agreements at contracting: both kinds, both languages, from the project's figures, hashed."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from accounts.models import User
from intake.formatting import percent
from intake.models import ConsortiumMember, ForegroundIP
from projects.agreements import TemplateInvalid, agreement_template_save, agreements_draft
from projects.models import Agreement, AgreementKind, AgreementTemplate
from tests.factories import UserFactory
from tests.projects.making import contracting

pytestmark = pytest.mark.django_db


def test_contracting_drafts_both_agreements_in_both_languages(staff: User) -> None:
    project = contracting(staff)

    agreements = {a.kind: a for a in Agreement.objects.filter(project=project)}
    assert set(agreements) == {AgreementKind.FUNDING, AgreementKind.IP}
    funding = agreements[AgreementKind.FUNDING]
    assert funding.version == 1
    assert funding.superseded_at is None
    assert funding.amendment is None
    assert "FUNDING AGREEMENT" in funding.text_en
    assert "ENTENTE DE FINANCEMENT" in funding.text_fr
    assert "$750,000.00" in funding.text_en
    assert "750\xa0000,00\xa0$" in funding.text_fr
    for partner in project.partners.all():
        assert partner.organization.legal_name in funding.text_en
        assert partner.organization.legal_name in agreements[AgreementKind.IP].text_fr
    for text in (funding.text_en, funding.text_fr, agreements[AgreementKind.IP].text_en):
        assert "{{" not in text
        assert "{%" not in text


def test_the_sha256_is_of_the_english_a_blank_line_and_the_french(staff: User) -> None:
    project = contracting(staff)

    for agreement in Agreement.objects.filter(project=project):
        expected = hashlib.sha256(f"{agreement.text_en}\n\n{agreement.text_fr}".encode()).hexdigest()
        assert agreement.sha256 == expected


def test_the_ip_agreement_states_background_and_foreground_ip(staff: User) -> None:
    project = contracting(staff)
    proposal = project.proposal
    member = ConsortiumMember.objects.filter(proposal=proposal, is_lead=False).first()
    assert member is not None
    ConsortiumMember.objects.filter(pk=member.pk).update(background_ip="Patent CA 3,000,001 on sensor arrays")
    ForegroundIP.objects.create(proposal=proposal, kind="software", description="Fleet analytics engine", owner=member)
    ForegroundIP.objects.create(proposal=proposal, kind="data", description="Shared sensor dataset")

    ip = next(a for a in agreements_draft(project=project) if a.kind == AgreementKind.IP)

    assert ip.version == 2
    assert "Patent CA 3,000,001 on sensor arrays" in ip.text_en
    assert f"Software: Fleet analytics engine. Owner: {member.organization.legal_name}." in ip.text_en
    assert "Data: Shared sensor dataset. Owner: the Partners jointly." in ip.text_en
    assert "Logiciel : Fleet analytics engine" in ip.text_fr or "Fleet analytics engine" in ip.text_fr
    assert Agreement.objects.filter(project=project, kind=AgreementKind.IP, version=1).get().superseded_at


def test_the_funding_agreement_states_fee_budget_milestones_and_rules(staff: User) -> None:
    project = contracting(staff)
    funding = Agreement.objects.get(project=project, kind=AgreementKind.FUNDING)
    fee = project.proposal.approved_fee()

    if fee is not None:
        assert percent(fee.rate) in funding.text_en
    for milestone in project.milestones.all():
        assert milestone.title in funding.text_en
    assert f"holds back {percent(Decimal('10'))} of each reimbursement" in funding.text_en
    assert "5. THE CALL'S MONEY RULES" in funding.text_en


def test_a_signed_or_drafted_agreement_refuses_a_changed_text(staff: User) -> None:
    agreement = Agreement.objects.filter(project=contracting(staff)).first()
    assert agreement is not None

    agreement.text_en += "One more clause."
    with pytest.raises(ValueError, match="never changes"):
        agreement.save()


def test_a_programs_template_is_versioned_and_the_newest_drafts(staff: User) -> None:
    project = contracting(staff)
    program = project.proposal.call.program

    agreement_template_save(program=program, kind="funding", body_en="First {{ amount }}", body_fr="Premier", by=staff)
    second = agreement_template_save(
        program=program, kind="funding", body_en="Funding of {{ proposal.title }}", body_fr="Fr {{ version }}", by=staff
    )

    assert second.version == 2
    assert AgreementTemplate.objects.filter(program=program, kind="funding").count() == 2
    funding = next(a for a in agreements_draft(project=project) if a.kind == "funding")
    assert funding.text_en == f"Funding of {project.proposal.title}\n"
    assert funding.text_fr == "Fr 2\n"
    assert funding.template == second


def test_a_template_with_bad_syntax_is_refused_naming_the_language(staff: User) -> None:
    project = contracting(staff)

    with pytest.raises(TemplateInvalid) as refused:
        agreement_template_save(
            program=project.proposal.call.program, kind="ip", body_en="{% if %}", body_fr="Bien", by=staff
        )

    assert set(refused.value.errors) == {"body_en"}
    assert not AgreementTemplate.objects.exists()


def test_only_the_programs_staff_save_its_templates(staff: User) -> None:
    from accounts.errors import ActionForbidden

    project = contracting(staff)

    with pytest.raises(ActionForbidden):
        agreement_template_save(
            program=project.proposal.call.program, kind="ip", body_en="x", body_fr="y", by=UserFactory()
        )


def test_the_amounts_are_exact_decimals(staff: User) -> None:
    project = contracting(staff)

    assert sum(p.funding_approved for p in project.partners.all()) == Decimal("750000.00")
