"""Benchmark of the proposals' search: 3,000 proposals of one program, searched by its staff and by an assessor.

The seed writes with ``bulk_create``: one program and call, 3,000 submitted applications led by
300 organizations, and each proposal's search document composed as the intake services compose
it (title, summary, the sections, three organizations' names, the answers and a document's
text: about 6,000 characters), folded, so SQLite's triggers index it in the FTS5 table and
PostgreSQL's GIN index holds it. Each proposal's work plan names one of 20 subjects in English
and French, so a subject's word is in 1 proposal in 20 (150 proposals). An assessor is
assigned to 60 proposals, 30 of them on the searched subject, and declared a conflict on one of
those. ``--scale`` does not apply: the budget is for 3,000 proposals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bench.people import bench_user, staff_of_every_program
from bench.registry import SeedContext, case
from bench.sign_in import log_in

PROPOSALS = 3_000
ORGANIZATIONS = 300
ASSIGNED = 60
#: The subjects of the work plans: (English, French), one per proposal in turn.
SUBJECTS = [
    ("hydrophone arrays for whale detection", "réseaux d'hydrophones pour détecter les baleines"),
    ("autonomous ferry docking", "accostage autonome des traversiers"),
    ("seaweed biorefinery", "bioraffinerie d'algues marines"),
    ("ice-class hull coatings", "revêtements de coque pour les glaces"),
    ("offshore wind mooring", "amarrage d'éoliennes en mer"),
    ("fish farm disease sensing", "détection des maladies en pisciculture"),
    ("port emissions digital twin", "jumeau numérique des émissions portuaires"),
    ("subsea cable inspection drones", "drones d'inspection des câbles sous-marins"),
    ("tidal turbine blades", "pales d'hydroliennes"),
    ("lobster traceability", "traçabilité du homard"),
    ("coastal erosion forecasting", "prévision de l'érosion côtière"),
    ("marine battery swapping", "échange de batteries marines"),
    ("oil spill early warning", "alerte précoce des déversements"),
    ("sea ice radar", "radar des glaces de mer"),
    ("shellfish hatchery automation", "automatisation des écloseries de mollusques"),
    ("ballast water treatment", "traitement des eaux de ballast"),
    ("ocean acidity probes", "sondes d'acidité océanique"),
    ("shipyard welding robots", "robots de soudage pour chantiers navals"),
    ("acoustic fish counting", "comptage acoustique des poissons"),
    ("hydrogen tugboats", "remorqueurs à hydrogène"),
]
#: The French word searched: one subject's, without its accents (« équipe » is found by « equipe » alike).
SEARCHED_WORD = "hydroliennes"
FILLER = (
    "The consortium brings together small and large companies and a university to test the "
    "solution at sea, then to bring it to market across Canada and abroad. "
    "Le consortium réunit des PME, de grandes entreprises et une université pour mettre la "
    "solution à l'essai en mer, puis la commercialiser au Canada et à l'étranger. "
)


@dataclass(frozen=True)
class ProposalSearchData:
    staff: Any
    assessor: Any


def seed_proposal_search(ctx: SeedContext) -> ProposalSearchData:
    """Create one program and call, 3,000 proposals with their search documents, its staff and an assessor."""
    from accounts.choices import OrganizationType, Role
    from accounts.models import Organization
    from assessment.choices import AssignmentState, ConflictSource
    from assessment.models import Assignment, Conflict
    from assessment.services.rubrics import rubric_for
    from intake.models import Call, ConsortiumMember, Program, Proposal, ProposalSearchDocument
    from intake.services.stages import call_stages_default
    from intake.states import ProposalState
    from records.search_text import fold

    now = ctx.now
    program = Program.objects.create(slug="bench-search", name_en="Ocean cluster", name_fr="Grappe des océans")
    call = Call.objects.create(
        program=program,
        slug="search",
        title_en="Ocean projects",
        title_fr="Projets océaniques",
        loi_opens_at=now - timedelta(days=200),
        loi_closes_at=now - timedelta(days=160),
        application_closes_at=now - timedelta(days=60),
        review_due_at=now + timedelta(days=5),
        board_meeting_at=now + timedelta(days=20),
        funding_envelope=Decimal("400000000.00"),
    )
    stages = call_stages_default(call=call)
    applicant = bench_user("search-applicant@bench.clusterflow.test", "Ann Applicant", Role.APPLICANT.value)
    staff = bench_user("search-staff@bench.clusterflow.test", "Sam Staff", Role.STAFF.value)
    staff_of_every_program(staff)
    assessor = bench_user("search-assessor@bench.clusterflow.test", "Alex Assessor", Role.ASSESSOR.value)
    staff_of_every_program(assessor, Role.ASSESSOR.value)
    organizations = Organization.objects.bulk_create(
        Organization(legal_name=f"Marine Works {index}", kind=OrganizationType.SME, employee_count=40, country="CA",
                     province="NS")
        for index in range(ORGANIZATIONS)
    )  # fmt: skip
    proposals = Proposal.objects.bulk_create(
        (
            Proposal(
                stage=stages["application"],
                path=list(stages),
                call=call,
                lead_applicant=applicant,
                lead_organization=organizations[index % ORGANIZATIONS],
                title=f"{SUBJECTS[index % len(SUBJECTS)][0].capitalize()} {index}",
                summary=FILLER,
                work_plan=f"{SUBJECTS[index % len(SUBJECTS)][1]}. {FILLER * 3}",
                state=ProposalState.IN_ASSESSMENT if index % 2 else ProposalState.SUBMITTED,
                submitted_at=now - timedelta(days=60, minutes=index),
                version_count=1,
            )
            for index in range(PROPOSALS)
        ),
        batch_size=1000,
    )
    assert all(proposal.pk for proposal in proposals), "the database returned no keys from bulk_create"
    members = [
        ConsortiumMember(proposal=proposal, organization=organizations[(index + offset) % ORGANIZATIONS],
                         is_lead=offset == 0)
        for index, proposal in enumerate(proposals)
        for offset in (0, 1, 2)
    ]  # fmt: skip
    ConsortiumMember.objects.bulk_create(members, batch_size=3000)
    documents = []
    for index, proposal in enumerate(proposals):
        names = " ".join(organizations[(index + offset) % ORGANIZATIONS].legal_name for offset in (0, 1, 2))
        body = "\n".join((proposal.title, proposal.summary, proposal.work_plan, names, FILLER * 8))
        documents.append(ProposalSearchDocument(proposal=proposal, body=body, search_text=fold(body), indexed_at=now))
    ProposalSearchDocument.objects.bulk_create(documents, batch_size=500)
    # The assessor: 60 proposals, every 50th from the 9th, so 30 on the searched subject (index % 20 == 8).
    rubric = rubric_for(call=call)
    assigned = [proposals[index] for index in range(8, PROPOSALS, PROPOSALS // ASSIGNED)]
    Assignment.objects.bulk_create(
        Assignment(proposal=proposal, assessor=assessor, rubric=rubric, state=AssignmentState.ACCEPTED,
                   due_at=now + timedelta(days=5), no_conflict_declared_at=now, responded_at=now)
        for proposal in assigned
    )  # fmt: skip
    Conflict.objects.create(
        assessor=assessor, proposal=assigned[0], source=ConflictSource.DECLARED, nature="Advises the lead organization."
    )
    return ProposalSearchData(staff=staff, assessor=assessor)


def log_in_staff(client: Any, data: ProposalSearchData) -> None:
    log_in(client, data.staff)


def log_in_assessor(client: Any, data: ProposalSearchData) -> None:
    log_in(client, data.assessor)


@case(
    "proposal_search",
    seed=seed_proposal_search,
    prepare=log_in_staff,
    description="The proposals searched by their program's staff for a French word, among 3,000 (first page of 20).",
)
def proposal_search(client: Any, data: ProposalSearchData) -> Any:
    return client.get("/manage/proposals/search/", {"q": SEARCHED_WORD})


@case(
    "proposal_search_assessor",
    seed=seed_proposal_search,
    prepare=log_in_assessor,
    description="The proposals searched by an assessor assigned to 60 of 3,000, conflicted on one of the hits.",
)
def proposal_search_assessor(client: Any, data: ProposalSearchData) -> Any:
    return client.get("/manage/proposals/search/", {"q": SEARCHED_WORD})
