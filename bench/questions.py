"""Benchmark of a call's application questions: saving one section of a stage with 40 questions.

The seed writes with ``bulk_create``: one call open for letters of intent whose stage asks
``QUESTIONS`` questions of four kinds in one section, and ``DRAFTS`` drafts of one applicant.
Each request posts every answer of the section for the next draft (its ``updated_at`` known
from the seed, so the request reads nothing more than a real one), a redirect expected.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bench.registry import SeedContext, case
from bench.sign_in import log_in

QUESTIONS = 40
DRAFTS = 3000
#: Each kind of the section and what is typed for it.
TYPED = (("short_text", "A shared testbed"), ("money", "12,500.00"), ("yes_no", "yes"), ("date", "2027-03-31"))


@dataclass
class Section:
    applicant: Any
    fields: dict[str, str]
    drafts: Iterator[tuple[int, str]] = field(default_factory=lambda: iter(()))


def seed_question_section(ctx: SeedContext) -> Section:
    """Create a call whose letter-of-intent stage asks 40 questions in one section, and drafts to answer them."""
    from django.contrib.auth.models import Group

    from accounts.choices import OrganizationType, Role
    from accounts.models import Membership, Organization, User
    from intake.models import Call, Program, Proposal, Question
    from intake.services.rule_rows import call_rules_write, rules_from_fields
    from intake.services.stages import call_stages_default

    now = ctx.now
    program = Program.objects.create(slug="bench-questions", name_en="Questions", name_fr="Questions")
    call = Call.objects.create(
        program=program,
        slug="questions",
        title_en="A call with many questions",
        title_fr="Un appel aux nombreuses questions",
        loi_opens_at=now - timedelta(days=10),
        loi_closes_at=now + timedelta(days=30),
        application_closes_at=now + timedelta(days=90),
        review_due_at=now + timedelta(days=120),
        board_meeting_at=now + timedelta(days=135),
        funding_envelope=Decimal("1000000"),
    )
    call_rules_write(call=call, rules=rules_from_fields(funded_partner_types=[OrganizationType.SME]))
    stages = call_stages_default(call=call)
    questions = Question.objects.bulk_create(
        Question(
            call=call,
            stage="loi",
            section_en="Eligibility",
            section_fr="Admissibilité",
            position=index + 1,
            kind=TYPED[index % len(TYPED)][0],
            label_en=f"Question {index + 1}",
            label_fr=f"Question {index + 1}",
        )
        for index in range(QUESTIONS)
    )
    if not all(question.pk for question in questions):  # A backend that returns no keys from bulk_create.
        questions = list(Question.objects.filter(call=call).order_by("position"))
    applicant = User.objects.create_user(email="questions@bench.clusterflow.test", password=None, display_name="Ann")
    applicant.groups.add(Group.objects.get_or_create(name=Role.APPLICANT.value)[0])
    organization = Organization.objects.create(
        legal_name="Bench Questions Inc.", kind=OrganizationType.SME, employee_count=20, province="ON"
    )
    Membership.objects.create(user=applicant, organization=organization)
    drafts = Proposal.objects.bulk_create(
        Proposal(
            call=call,
            stage=stages["loi"],
            path=list(stages),
            lead_applicant=applicant,
            lead_organization=organization,
            title=f"Project {index}",
        )
        for index in range(DRAFTS)
    )
    if not all(draft.pk for draft in drafts):
        drafts = list(Proposal.objects.filter(call=call).order_by("pk"))
    typed = dict(TYPED)
    return Section(
        applicant=applicant,
        fields={f"q{question.pk}": typed[question.kind] for question in questions},
        drafts=iter([(draft.pk, draft.updated_at.isoformat()) for draft in drafts]),
    )


def log_in_applicant(client: Any, data: Section) -> None:
    log_in(client, data.applicant)


@case(
    "question_section_save",
    seed=seed_question_section,
    prepare=log_in_applicant,
    expected_status=302,
    description="The lead applicant saves a section of 40 questions (four kinds): a fresh draft each time.",
)
def question_section_save(client: Any, data: Section) -> Any:
    from django.urls import reverse

    pk, loaded_at = next(data.drafts)
    return client.post(reverse("intake:question_section", args=[pk, 1]), {"loaded_at": loaded_at, **data.fields})
