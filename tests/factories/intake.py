"""Factories of the intake app: programs, calls, proposals (with a full application), attachments, versions."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from accounts.choices import OrganizationType, Role
from intake.choices import STAGE_ORDER, VersionKind
from intake.eligibility import params_to_data
from intake.models import Call, CallRule, ConsortiumMember, Program, Proposal
from intake.services.rule_rows import FORMER_DEFAULTS, call_rules_write, rules_from_fields
from intake.services.stages import CallPath, PathRule, StagePlan, call_path_write, stages_default
from intake.services.versions import proposal_version_data
from intake.states import ProposalState
from tests.factories.accounts import OrganizationFactory, UserFactory, program_roles_everywhere

# Days from now of: LOI opens, LOI closes, full applications close, reviews due, board meets.
OPEN_WINDOWS = (-10, 30, 90, 120, 135)
UPCOMING_WINDOWS = (20, 60, 120, 150, 165)
DECIDED_WINDOWS = (-200, -150, -100, -60, -30)


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"program-{n}")
    name_en = factory.Sequence(lambda n: f"Program {n}")
    name_fr = factory.Sequence(lambda n: f"Programme {n}")
    description_en = "Funds collaborative projects."
    description_fr = "Finance des projets collaboratifs."

    @factory.post_generation
    def teams(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        """Who holds their program roles everywhere holds them in this program too (``UserFactory.programs``)."""
        if create:
            program_roles_everywhere(self)


def _window(index: int) -> factory.LazyAttribute:
    return factory.LazyAttribute(lambda o: o.now + timedelta(days=o.windows[index]))


#: The factory's calls' rules where they differ from the former defaults.
_RULE_DEFAULTS: dict[str, Any] = {
    "funded_partner_types": [OrganizationType.LARGE_COMPANY, OrganizationType.SME],
    "required_attachments": ["project_plan"],
}


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

    #: The rules calls had as fields, which tests still give by their former names (``min_partners=2``): they
    #: become the equivalent rows, every partner's money counting as industry's unless ``industry_types=``
    #: says whose does; ``rules=[Rule…]`` gives the rows themselves.
    @classmethod
    def _rule_kwargs(cls, kwargs: dict[str, Any]) -> tuple[dict[str, Any], Any, Any]:
        fields = {name: kwargs.pop(name) for name in list(kwargs) if name in FORMER_DEFAULTS}
        return {**_RULE_DEFAULTS, **fields}, kwargs.pop("industry_types", None), kwargs.pop("rules", None)

    @classmethod
    def _build(cls, model_class: Any, *args: Any, **kwargs: Any) -> Call:
        cls._rule_kwargs(kwargs)
        return super()._build(model_class, *args, **kwargs)

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Call:
        fields, industry_types, rules = cls._rule_kwargs(kwargs)
        call = super()._create(model_class, *args, **kwargs)
        if rules is None:
            rules = rules_from_fields(industry_types=industry_types, **fields)
        call_rules_write(call=call, rules=rules)
        return call

    @factory.post_generation
    def stages(self, create: bool, extracted: list[StagePlan] | None, **kwargs: Any) -> None:
        """The two-stage path of the call's windows, as ``call_create`` gives it; ``stages=[StagePlan…]`` another."""
        if create:
            # Written as given, without the stages page's checks: a test may assess a stage before writing its rubric.
            rule = PathRule(self.path_figure, self.path_threshold, tuple(self.path_below))
            plans = tuple(extracted or stages_default(call=self))
            call_path_write(call=self, path=CallPath(plans=plans, rule=rule, intake_mode=self.intake_mode))


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
    challenge = "Manufacturers cannot test new processes without stopping production."
    technology = "A shared digital twin of a production line."
    expected_partners = "Two SMEs and a university."
    estimated_total_cost = Decimal("3000000.00")
    estimated_funding_requested = Decimal("1000000.00")
    state = ProposalState.DRAFT
    # At the letter of intent or the full application by its state (``LOI_STAGE_STATES``); ``stage=`` another.
    stage = factory.LazyAttribute(
        lambda o: o.call.stages.get(
            kind=VersionKind.LOI
            if o.state in LOI_STAGE_STATES and o.call.stages.filter(kind=VersionKind.LOI).exists()
            else VersionKind.APPLICATION
        )
    )
    path = factory.LazyAttribute(lambda o: [stage.kind for stage in o.call.stages.all()])

    @factory.post_generation
    def lead_member(self, create: bool, extracted: object, **kwargs: object) -> None:
        """The lead organization is the consortium's lead, as ``proposal_create`` makes it."""
        if create:
            ConsortiumMember.objects.get_or_create(proposal=self, is_lead=True, organization=self.lead_organization)

    @factory.post_generation
    def application(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """Past the letter of intent, fill the full application; ``application=False`` leaves it empty."""
        if create and (extracted if extracted is not None else self.state not in LOI_STAGE_STATES):
            fill_application(self)


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


#: The states in which ``ProposalFactory`` leaves the full application empty.
LOI_STAGE_STATES = frozenset({"draft", "loi_submitted", "loi_declined", "withdrawn", "expired"})


def fill_application(proposal: Proposal) -> Proposal:
    """Complete every section of ``proposal``'s full application (a partner, budget, IP, outcomes, attachments)."""
    from intake.models import Attachment, BudgetLine, ForegroundIP, Milestone

    lead = ConsortiumMember.objects.get(proposal=proposal, is_lead=True)
    partner = ConsortiumMember.objects.create(
        proposal=proposal,
        organization=OrganizationFactory(kind=OrganizationType.LARGE_COMPANY, employee_count=900),
        cash_contribution=Decimal("1500000"),
        in_kind_contribution=Decimal("200000"),
        background_ip="None.",
    )
    second = ConsortiumMember.objects.create(
        proposal=proposal,
        organization=OrganizationFactory(kind=OrganizationType.LARGE_COMPANY, employee_count=1200),
        cash_contribution=Decimal("300000"),
        in_kind_contribution=Decimal("0"),
        funding_requested=Decimal("400000"),
        background_ip="None.",
    )
    ConsortiumMember.objects.filter(pk=lead.pk).update(
        cash_contribution=Decimal("800000"),
        in_kind_contribution=Decimal("0"),
        funding_requested=Decimal("600000"),
        background_ip="A sensor patent.",
    )
    BudgetLine.objects.bulk_create(
        [
            BudgetLine(member=lead, category="labour", amount=Decimal("2000000")),
            BudgetLine(member=partner, category="equipment", amount=Decimal("1500000")),
            BudgetLine(member=second, category="materials", amount=Decimal("500000")),
        ]
    )
    Milestone.objects.create(proposal=proposal, title="Testbed running", description="A report.", month=12)
    ForegroundIP.objects.create(proposal=proposal, kind="software", description="The twin's code.", owner=lead)
    Attachment.objects.bulk_create(
        Attachment(
            proposal=proposal,
            kind=kind,
            file=f"proposals/{proposal.pk}/factory-{kind}",
            original_name=f"{kind}.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            uploaded_by=proposal.lead_applicant,
        )
        for kind in proposal.call.required_attachment_kinds()
    )
    fields = {
        "project_description": "We build a shared testbed.",
        "work_plan": "Year one: build. Year two: share.",
        "ip_ownership_terms": "Each owns what it creates.",
        "ip_partner_licensing": "Royalty-free among the partners.",
        "ip_member_licensing": "On fair terms for cluster members.",
        "jobs_during": 10,
        "jobs_after": 20,
        "revenue_during": Decimal("0"),
        "revenue_after": Decimal("5000000"),
        "ip_rights_during": 1,
        "ip_rights_after": 2,
        "smes_scaled_during": 1,
        "smes_scaled_after": 2,
    }
    Proposal.objects.filter(pk=proposal.pk).update(**fields)
    for name, value in fields.items():
        setattr(proposal, name, value)
    return proposal


class ProposalVersionFactory(factory.django.DjangoModelFactory):
    """The proposal's next version, frozen from its current rows as a submission would freeze it."""

    class Meta:
        model = "intake.ProposalVersion"
        skip_postgeneration_save = True  # a version can never be saved twice

    proposal = factory.SubFactory(ProposalFactory)
    number = factory.LazyAttribute(lambda version: version.proposal.version_count + 1)
    kind = "loi"
    data = factory.LazyAttribute(lambda version: proposal_version_data(proposal=version.proposal)[0])
    submitted_by = factory.LazyAttribute(lambda version: version.proposal.lead_applicant)
    submitted_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def counted(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        """Raise the proposal's count of versions as a submission does, so the next one follows."""
        if create and self.proposal.version_count < self.number:
            self.proposal.version_count = self.number
            type(self.proposal).objects.filter(pk=self.proposal.pk).update(version_count=self.number)


def state_put(proposal: Proposal, state: str) -> None:
    """Put ``proposal`` in ``state`` behind the lifecycle's back, at the stage the two-stage path has it in there."""
    kind = VersionKind.LOI if state in LOI_STAGE_STATES else VersionKind.APPLICATION
    Proposal.objects.filter(pk=proposal.pk).update(state=state, stage=proposal.call.stages.get(kind=kind))


class QuestionFactory(factory.django.DjangoModelFactory):
    """A required short-text question of the letter-of-intent stage, in the section "The project"."""

    class Meta:
        model = "intake.Question"

    call = factory.SubFactory(CallFactory)
    stage = "loi"
    section_en = "The project"
    section_fr = "Le projet"
    position = factory.Sequence(lambda n: n + 1)
    kind = "short_text"
    label_en = factory.Sequence(lambda n: f"Question {n}")
    label_fr = factory.Sequence(lambda n: f"Question {n} (fr)")
    required = True


#: Where each of the call's former rule fields lives among the rows: the kind and the parameter.
_FIELD_PARAMS: dict[str, tuple[str, str]] = {
    "min_partners": ("min_partners", "count"),
    "min_smes": ("min_partners_of_types", "count"),
    "sme_max_employees": ("min_partners_of_types", "sme_max_employees"),
    "funded_partner_types": ("funded_types", "types"),
    "max_cluster_share": ("cluster_share", "max"),
    "min_matching_ratio": ("matching_ratio", "ratio"),
    "max_in_kind_share": ("in_kind_cap", "max_share"),
    "max_partner_share": ("partner_share", "max_share"),
    "min_project_size": ("project_size", "min"),
    "max_project_size": ("project_size", "max"),
    "required_attachments": ("required_attachments", "kinds"),
}


def call_rules_change(call: Call, **fields: Any) -> Call:
    """Change ``call``'s rule rows as the former fields ``fields`` would have (``max_cluster_share=…``), unaudited.

    What tests did with ``Call.objects.filter(…).update(field=…)`` behind the services' backs: the first
    row of the field's kind takes the new value, in place (its id kept, as staff's edit keeps it).
    ``loi_word_limit`` and ``application_word_limit`` set the word limit of the letter of intent and of
    the other stages: the word-limit rows are regrouped by limit where the first of them was.
    """
    unknown = set(fields) - set(_FIELD_PARAMS) - {"loi_word_limit", "application_word_limit"}
    if unknown:
        raise TypeError(f"not a former rule field: {sorted(unknown)}")
    call.rules_forget()
    rows = list(CallRule.objects.filter(call=call).order_by("position", "pk"))
    for name, value in fields.items():
        if name not in _FIELD_PARAMS:
            continue
        kind, param = _FIELD_PARAMS[name]
        row = next(row for row in rows if row.kind == kind)
        row.params = {**row.params, param: params_to_data({param: value})[param]}
        row.full_clean(exclude=["call"])
        row.save(update_fields=["params", "updated_at"])
    if {"loi_word_limit", "application_word_limit"} & set(fields):
        limits = {stage: call.word_limit(stage) for stage in STAGE_ORDER}
        for stage in STAGE_ORDER:
            name = "loi_word_limit" if stage == VersionKind.LOI else "application_word_limit"
            if name in fields:
                limits[stage] = fields[name]
        words = [row for row in rows if row.kind == "word_limit"]
        position = words[0].position if words else len(rows) + 1
        by_limit: dict[int, list[str]] = {}
        for stage, limit in limits.items():
            if limit is not None:
                by_limit.setdefault(int(limit), []).append(str(stage))
        CallRule.objects.filter(pk__in=[row.pk for row in words]).delete()
        CallRule.objects.bulk_create(
            CallRule(call=call, kind="word_limit", params={"words": limit}, stages=stages, position=position)
            for limit, stages in by_limit.items()
        )
    call.rules_forget()
    return call
