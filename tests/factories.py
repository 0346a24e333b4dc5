"""factory_boy factories for the project's models."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.choices import OrganizationType, Role
from accounts.models import Membership, Organization, User
from accounts.services import user_grant_role
from intake.models import Call, ConsortiumMember, Program, Proposal

PASSWORD = "correct-horse-battery-staple"

# Days from now of: LOI opens, LOI closes, full applications close, reviews due, board meets.
OPEN_WINDOWS = (-10, 30, 90, 120, 135)
UPCOMING_WINDOWS = (20, 60, 120, 150, 165)
DECIDED_WINDOWS = (-200, -150, -100, -60, -30)


class UserFactory(factory.django.DjangoModelFactory):
    """A user; ``UserFactory(role=Role.STAFF)`` grants a role through the service."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    preferred_language = "en"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if create and extracted:
            user_grant_role(user=self, role=extracted)


def user_with_role(role: Role, **fields: object) -> User:
    """Return a new user holding ``role``."""
    return UserFactory(role=role, **fields)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    legal_name = factory.Sequence(lambda n: f"Organization {n} Inc.")
    kind = OrganizationType.SME
    employee_count = 42
    country = "CA"
    province = "ON"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory, role=Role.APPLICANT)
    organization = factory.SubFactory(OrganizationFactory)
    title = "Director of research"


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    slug = factory.Sequence(lambda n: f"program-{n}")
    name_en = factory.Sequence(lambda n: f"Program {n}")
    name_fr = factory.Sequence(lambda n: f"Programme {n}")
    description_en = "Funds collaborative projects."
    description_fr = "Finance des projets collaboratifs."


def _window(index: int) -> factory.LazyAttribute:
    return factory.LazyAttribute(lambda o: o.now + timedelta(days=o.windows[index]))


class CallFactory(factory.django.DjangoModelFactory):
    """A call open for letters of intent; traits ``upcoming`` and ``decided`` move its windows."""

    class Meta:
        model = Call

    class Params:
        now = factory.LazyFunction(timezone.now)
        windows = OPEN_WINDOWS
        upcoming = factory.Trait(windows=UPCOMING_WINDOWS)
        decided = factory.Trait(windows=DECIDED_WINDOWS)

    program = factory.SubFactory(ProgramFactory)
    slug = factory.Sequence(lambda n: f"call-{n}")
    title_en = factory.Sequence(lambda n: f"Call {n}")
    title_fr = factory.Sequence(lambda n: f"Appel {n}")
    timezone = "America/Toronto"
    loi_opens_at = _window(0)
    loi_closes_at = _window(1)
    application_closes_at = _window(2)
    review_due_at = _window(3)
    board_meeting_at = _window(4)
    funding_envelope = Decimal("25000000.00")
    funded_partner_types = factory.LazyFunction(lambda: [OrganizationType.LARGE_COMPANY, OrganizationType.SME])
    required_attachments = factory.LazyFunction(lambda: ["project_plan"])


class ProposalFactory(factory.django.DjangoModelFactory):
    """A complete draft led by a new applicant in an open call; ``state=...`` starts it elsewhere."""

    class Meta:
        model = Proposal
        skip_postgeneration_save = True

    call = factory.SubFactory(CallFactory)
    lead_applicant = factory.SubFactory(UserFactory, role=Role.APPLICANT)
    lead_organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Proposal {n}: a shared testbed")
    summary = "Three partners build and share a testbed."

    @factory.post_generation
    def lead_member(self, create: bool, extracted: object, **kwargs: object) -> None:
        """The lead organization is the consortium's lead, as ``proposal_create`` makes it."""
        if create:
            ConsortiumMember.objects.get_or_create(proposal=self, is_lead=True, organization=self.lead_organization)


#: The bytes of ``AttachmentFactory``'s file: a PDF as short as one can be.
ATTACHMENT_PDF = b"%PDF-1.4\n%%EOF\n"


class AttachmentFactory(factory.django.DjangoModelFactory):
    """A PDF project plan uploaded by the lead applicant; its file goes to MEDIA_ROOT (use a temporary one)."""

    class Meta:
        model = "intake.Attachment"

    proposal = factory.SubFactory(ProposalFactory)
    kind = "project_plan"
    file = factory.django.FileField(data=ATTACHMENT_PDF, filename="upload.pdf")
    original_name = "Project plan.pdf"
    content_type = "application/pdf"
    size = len(ATTACHMENT_PDF)
    sha256 = hashlib.sha256(ATTACHMENT_PDF).hexdigest()
    uploaded_by = factory.LazyAttribute(lambda attachment: attachment.proposal.lead_applicant)
