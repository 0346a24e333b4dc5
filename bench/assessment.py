"""Benchmark of the optimal assignment, end to end: read the call, solve, store the plan, accept it.

``python -m bench.assessment --proposals 5000 --assessors 1000 --k 3 --conflicts 0.02``
seeds a fresh database with ``bulk_create`` (not through the use cases: they make volume
fast, the tests cover them), then runs the two use cases staff run, in a process of their
own so that its peak memory is the run's and not the seeding's:

- ``compute``: ``assignment_plan_compute`` reads the proposals in assessment, the pool
  with its loads, the conflicts and the pair rules, solves, and stores the plan;
- ``accept``: ``assignment_plan_accept`` re-checks every pair under row locks and writes
  the assignments and each assessor's one notification.

It prints one JSON line per measurement and checks the result in SQL: every proposal has
exactly k distinct assessors, no pair is conflicted (``assessment.selectors.conflicted``),
no cap is exceeded. A wrong result stops the run with a non-zero exit.

"Conflicts" is the share of the pool each proposal has a recorded conflict with: at 0.02
and 1,000 assessors each proposal has 20, so 5,000 proposals have 100,000 ``Conflict``
rows, 2 % of all pairs. On top come the automatic conflicts of the assessors affiliated
with an organization of a consortium.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.people import staff_of_every_program

BATCH = 5000
#: Organizations per proposal (at least 40) in the pool the consortia and affiliations are drawn from.
ORGANIZATIONS_PER_PROPOSAL = 0.4
#: Share of assessors whose affiliation is with an organization in some consortium.
AFFILIATED_WITH_MEMBER = 0.3
#: Share of affiliations that ended long enough ago not to conflict any more.
PAST_AFFILIATIONS = 0.1

#: Twenty terms for each sector, in the sectors' order: proposals and assessors draw most of
#: their keywords from their sectors' terms, so affinities vary as in a real call.
VOCABULARY: tuple[tuple[str, ...], ...] = (
    ("additive manufacturing", "machining", "robotics", "cobots", "automation", "welding", "casting",
     "injection moulding", "metrology", "tooling", "assembly", "lean", "plc", "cnc", "composites forming",
     "predictive maintenance", "digital twin", "quality control", "laser cutting", "sheet metal"),
    ("cloud", "edge computing", "cybersecurity", "blockchain", "5g", "iot", "sensors", "embedded software",
     "microservices", "api", "devops", "quantum computing", "networking", "semiconductors", "firmware",
     "augmented reality", "virtual reality", "simulation", "databases", "encryption"),
    ("machine learning", "computer vision", "natural language", "deep learning", "reinforcement learning",
     "data analytics", "forecasting", "optimization", "recommender", "anomaly detection", "speech",
     "knowledge graphs", "federated learning", "explainability", "mlops", "data labelling", "generative models",
     "time series", "clustering", "classification"),
    ("protein", "plant based", "fermentation", "aquaponics", "greenhouse", "crop genomics", "precision agriculture",
     "soil health", "livestock", "dairy", "food safety", "packaging", "cold chain", "pulses", "canola",
     "extraction", "milling", "irrigation", "pest control", "traceability"),
    ("aquaculture", "fisheries", "marine sensors", "underwater vehicles", "sonar", "offshore", "ports",
     "shipbuilding", "seaweed", "ocean mapping", "buoys", "hydrography", "marine biotech", "coastal",
     "desalination", "subsea", "hull", "ballast", "tidal", "oceanography"),
    ("diagnostics", "medical devices", "biologics", "vaccines", "genomics", "telehealth", "imaging",
     "wearables", "clinical trials", "drug discovery", "biomanufacturing", "cell therapy", "rehabilitation",
     "surgical robotics", "pathology", "microfluidics", "biomarkers", "antibodies", "implants", "digital health"),
    ("hydrogen", "batteries", "solar", "wind", "carbon capture", "smart grid", "energy storage", "biofuels",
     "heat pumps", "small modular reactors", "geothermal", "electrolysis", "recycling", "water treatment",
     "emissions", "efficiency", "microgrids", "lithium", "fuel cells", "circular economy"),
    ("polymers", "coatings", "nanomaterials", "graphene", "ceramics", "alloys", "catalysis", "adhesives",
     "biomaterials", "textiles", "cellulose", "critical minerals", "corrosion", "membranes", "specialty chemicals",
     "resins", "pigments", "thin films", "powders", "lightweighting"),
    ("electric vehicles", "autonomous driving", "logistics", "rail", "trucking", "fleet management",
     "charging", "last mile", "route planning", "warehousing", "supply chain", "telematics", "drones",
     "transit", "freight", "lidar", "vehicle to grid", "tires", "powertrain", "mobility"),
    ("avionics", "satellites", "space", "uav", "propulsion", "airframes", "mro", "defence", "radar",
     "flight simulation", "gnss", "aerostructures", "turbines", "earth observation", "launch", "rotorcraft",
     "certification", "hypersonics", "navigation", "sustainable aviation fuel"),
)  # fmt: skip


def _vocabulary_size() -> int:
    return sum(len(terms) for terms in VOCABULARY)


def _keywords(rng: random.Random, sector_indexes: Sequence[int], count: int) -> list[str]:
    """Draw ``count`` distinct keywords: four in five from the given sectors' terms, the rest from any."""
    chosen: list[str] = []
    while len(chosen) < count:
        if rng.random() < 0.8:
            term = rng.choice(VOCABULARY[rng.choice(sector_indexes)])
        else:
            term = rng.choice(rng.choice(VOCABULARY))
        if term not in chosen:
            chosen.append(term)
    return chosen


def _created_pks(model: Any, objects: list[Any], **lookup: Any) -> list[int]:
    """Return the keys of ``objects`` just bulk-created, reading them back where the backend gave none."""
    if all(obj.pk for obj in objects):
        return [obj.pk for obj in objects]
    return list(model.objects.filter(**lookup).order_by("pk").values_list("pk", flat=True))[-len(objects) :]


def seed(*, proposals: int, assessors: int, k: int, conflicts: float, seed_value: int = 5) -> dict[str, Any]:
    """Create one call with ``proposals`` in assessment and a pool of ``assessors``; return the ids to run with."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.choices import OrganizationType, Role
    from accounts.models import Organization, User
    from assessment.choices import ConflictSource
    from assessment.models import Affiliation, AssessorProfile, Conflict
    from assessment.services.rubrics import rubric_for
    from intake.choices import Sector
    from intake.models import Call, ConsortiumMember, Program, ProgramRole, Proposal
    from intake.services.rule_rows import call_rules_write, rules_from_fields
    from intake.services.stages import call_stages_default
    from intake.states import ProposalState

    rng = random.Random(seed_value)  # noqa: S311 - reproducible data, not secrets
    now = timezone.now()
    today = timezone.localdate()
    sectors = [str(sector) for sector in Sector.values]
    assert len(sectors) == len(VOCABULARY), "one vocabulary row per sector"

    program = Program.objects.create(slug="bench-assignment", name_en="Bench assignment", name_fr="Affectation")
    call = Call.objects.create(
        program=program,
        slug="assignment",
        title_en="Projects to assign",
        title_fr="Projets à affecter",
        loi_opens_at=now - timedelta(days=150),
        loi_closes_at=now - timedelta(days=110),
        application_closes_at=now - timedelta(days=20),
        review_due_at=now + timedelta(days=30),
        board_meeting_at=now + timedelta(days=60),
        funding_envelope=Decimal("25000000.00"),
    )
    call_rules_write(
        call=call, rules=rules_from_fields(funded_partner_types=[OrganizationType.SME], required_attachments=[])
    )
    stages = call_stages_default(call=call)
    rubric = rubric_for(call=call)
    rubric.assessors_per_proposal = k
    rubric.save(update_fields=["assessors_per_proposal"])

    staff = User(email="assignment-staff@bench.clusterflow.test", display_name="Sam Staff")
    staff.set_unusable_password()
    staff.save()
    staff.groups.add(Group.objects.get_or_create(name=Role.STAFF.value)[0])
    staff_of_every_program(staff)
    applicant = User(email="assignment-applicant@bench.clusterflow.test", display_name="Ann Applicant")
    applicant.set_unusable_password()
    applicant.save()

    organization_count = max(40, int(proposals * ORGANIZATIONS_PER_PROPOSAL))
    kinds = [
        OrganizationType.SME,
        OrganizationType.LARGE_COMPANY,
        OrganizationType.SME,
        OrganizationType.POST_SECONDARY,
    ]
    organizations = Organization.objects.bulk_create(
        (
            Organization(
                legal_name=f"Bench Partner {index}",
                kind=kinds[index % len(kinds)],
                employee_count=40,
                country="CA",
                province="ON",
            )
            for index in range(organization_count)
        ),
        batch_size=BATCH,
    )
    organization_pks = _created_pks(Organization, organizations)

    # Proposals: 1 or 2 sectors, 3 to 5 keywords, a lead and 1 to 3 other consortium members.
    proposal_pks: list[int] = []
    members: list[tuple[int, int]] = []  # (proposal pk, organization pk)
    for start in range(0, proposals, BATCH):
        batch = []
        consortia = []
        for index in range(start, min(proposals, start + BATCH)):
            own = rng.sample(range(len(sectors)), rng.randint(1, 2))
            keywords = _keywords(rng, own, rng.randint(3, 5))
            consortium = rng.sample(organization_pks, rng.randint(2, 4))
            consortia.append(consortium)
            batch.append(
                Proposal(
                    call=call,
                    stage=stages["application"],
                    path=list(stages),
                    lead_applicant=applicant,
                    lead_organization_id=consortium[0],
                    title=f"Project {index}: {keywords[0]} for {Sector(sectors[own[0]]).label}",
                    technology=f"We apply {keywords[-1]} to a {sectors[own[-1]].replace('_', ' ')} problem.",
                    sectors=[sectors[i] for i in own],
                    keywords=keywords,
                    state=ProposalState.IN_ASSESSMENT,
                    submitted_at=now - timedelta(days=20, minutes=index),
                )
            )
        pks = _created_pks(Proposal, Proposal.objects.bulk_create(batch), call=call)
        proposal_pks += pks
        members += [
            (pk, organization) for pk, consortium in zip(pks, consortia, strict=True) for organization in consortium
        ]
    ConsortiumMember.objects.bulk_create(
        (
            ConsortiumMember(
                proposal_id=proposal,
                organization_id=organization,
                is_lead=position == 0,
                cash_contribution=Decimal("500000.00"),
                in_kind_contribution=Decimal("100000.00"),
                funding_requested=Decimal("300000.00"),
            )
            for proposal, organization, position in _positions(members)
        ),
        batch_size=BATCH,
    )

    # The pool: assessors with 1 to 3 sectors, 5 to 10 keywords, a cap of 15 to 20, one affiliation.
    group = Group.objects.get_or_create(name=Role.ASSESSOR.value)[0]
    users = []
    for index in range(assessors):
        user = User(email=f"assessor-{index}@bench.clusterflow.test", display_name=f"Assessor {index}")
        user.set_unusable_password()
        users.append(user)
    assessor_pks = _created_pks(
        User, User.objects.bulk_create(users, batch_size=BATCH), email__endswith="@bench.clusterflow.test"
    )
    assessor_pks = [pk for pk in assessor_pks if pk not in (staff.pk, applicant.pk)][-assessors:]
    User.groups.through.objects.bulk_create(
        (User.groups.through(user_id=pk, group_id=group.pk) for pk in assessor_pks), batch_size=BATCH
    )
    # Assessors of the call's program: a call's proposals are offered to its program's pool only.
    ProgramRole.objects.bulk_create(
        (ProgramRole(user_id=pk, program=program, role=Role.ASSESSOR) for pk in assessor_pks), batch_size=BATCH
    )
    profiles = []
    for pk in assessor_pks:
        own = rng.sample(range(len(sectors)), rng.randint(1, 3))
        profiles.append(
            AssessorProfile(
                user_id=pk,
                sectors=[sectors[i] for i in own],
                keywords=_keywords(rng, own, rng.randint(5, 10)),
                languages=["en"],
                max_assignments_per_call=rng.randint(15, 20),
            )
        )
    AssessorProfile.objects.bulk_create(profiles, batch_size=BATCH)
    in_consortia = sorted({organization for _proposal, organization in members})
    outside = sorted(set(organization_pks) - set(in_consortia)) or in_consortia
    affiliations = []
    for pk in assessor_pks:
        pool = in_consortia if rng.random() < AFFILIATED_WITH_MEMBER else outside
        past = rng.random() < PAST_AFFILIATIONS
        affiliations.append(
            Affiliation(
                assessor_id=pk,
                organization_id=rng.choice(pool),
                role="Engineer",
                started_on=today - timedelta(days=365 * 12),
                ended_on=today - timedelta(days=365 * 6) if past else None,
            )
        )
    Affiliation.objects.bulk_create(affiliations, batch_size=BATCH)

    # Recorded and declared conflicts: each proposal with ``conflicts`` of the pool.
    per_proposal = round(conflicts * assessors)
    rows = 0
    for start in range(0, len(proposal_pks), BATCH // max(1, per_proposal) or 1):
        chunk = proposal_pks[start : start + (BATCH // max(1, per_proposal) or 1)]
        batch = [
            Conflict(
                proposal_id=proposal,
                assessor_id=assessor,
                source=ConflictSource.DECLARED if index % 2 else ConflictSource.RECORDED,
                nature="Worked with the lead applicant.",
                recorded_by_id=None if index % 2 else staff.pk,
            )
            for proposal in chunk
            for index, assessor in enumerate(rng.sample(assessor_pks, per_proposal))
        ]
        Conflict.objects.bulk_create(batch)
        rows += len(batch)
    return {
        "call": call.pk,
        "staff": staff.pk,
        "proposals": len(proposal_pks),
        "assessors": len(assessor_pks),
        "k": k,
        "capacity": sum(profile.max_assignments_per_call for profile in profiles),
        "vocabulary": _vocabulary_size(),
        "consortium_members": len(members),
        "conflict_rows": rows,
    }


def _positions(members: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """Number each proposal's members in order: the first is its lead."""
    seen: dict[int, int] = {}
    numbered = []
    for proposal, organization in members:
        position = seen.get(proposal, 0)
        seen[proposal] = position + 1
        numbered.append((proposal, organization, position))
    return numbered


def _rss_kib() -> int:
    """Return the process's resident memory now, in KiB (Linux)."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() // 1024
    except OSError:
        return 0


def _peak_kib() -> int:
    """Return the process's peak resident memory so far, in KiB (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _mib(kib: int) -> float:
    return round(kib / 1024, 1)


def _timed_phases() -> tuple[dict[str, float], Callable[[], None]]:
    """Time the use cases' parts by wrapping what they call; return the totals and the undo."""
    from assessment import solver
    from assessment.services import plan_acceptance, planning

    totals: dict[str, float] = {}
    originals: list[tuple[Any, str, Any]] = []

    def wrap(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[label] = totals.get(label, 0.0) + time.perf_counter() - started

        originals.append((owner, name, original))
        setattr(owner, name, timed)

    wrap(planning, "conflicted_pairs", "conflicts_read")
    wrap(solver, "affinity_matrix", "affinity")
    wrap(solver, "assignment_solve", "solve")
    wrap(plan_acceptance, "_plan_problems", "recheck")
    wrap(plan_acceptance, "_notify_offered", "notify")

    def undo() -> None:
        for owner, name, original in reversed(originals):
            setattr(owner, name, original)

    return totals, undo


def measure(*, call_pk: int, staff_pk: int, profile: bool = False) -> list[dict[str, Any]]:
    """Compute and accept the plan of ``call_pk``; return one line per phase (run in a process of its own)."""
    from django.db import connection

    from accounts.models import User
    from assessment.services.plan_acceptance import assignment_plan_accept
    from assessment.services.planning import assignment_plan_compute
    from intake.models import Call

    call = Call.objects.get(pk=call_pk)
    staff = User.objects.get(pk=staff_pk)
    connection.ensure_connection()
    baseline = _rss_kib()
    vendor = connection.vendor
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()

    parts, undo = _timed_phases()
    started = time.perf_counter()
    outcome = assignment_plan_compute(call=call, by=staff)
    computed = time.perf_counter()
    if outcome.plan is None:
        raise SystemExit(f"bench: no plan: {' '.join(outcome.reasons)}")
    compute_peak = _peak_kib()
    created = assignment_plan_accept(plan=outcome.plan, by=staff)
    accepted = time.perf_counter()
    peak = _peak_kib()
    undo()
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    compute_seconds, accept_seconds = computed - started, accepted - computed
    compute_parts = {name: parts.get(name, 0.0) for name in ("conflicts_read", "affinity", "solve")}
    accept_parts = {name: parts.get(name, 0.0) for name in ("recheck", "notify")}
    return [
        {"case": "assignment_compute", "database": vendor, "seconds": round(compute_seconds, 3),
         "pairs": outcome.plan.pairs.count(), "total_affinity": outcome.plan.total_affinity,
         **{f"{name}_seconds": round(value, 3) for name, value in compute_parts.items()},
         "other_reads_and_store_seconds": round(compute_seconds - sum(compute_parts.values()), 3),
         "peak_mib": _mib(compute_peak)},
        {"case": "assignment_accept", "database": vendor, "seconds": round(accept_seconds, 3),
         "assignments": len(created), **{f"{name}_seconds": round(value, 3) for name, value in accept_parts.items()},
         "locks_reads_and_writes_seconds": round(accept_seconds - sum(accept_parts.values()), 3)},
        {"case": "assignment_total", "database": vendor, "seconds": round(accepted - started, 3),
         "peak_mib": _mib(peak), "baseline_mib": _mib(baseline), "run_mib": _mib(peak - baseline)},
    ]  # fmt: skip


def check(*, call_pk: int, k: int) -> dict[str, Any]:
    """Check the written assignments in SQL; raise ``SystemExit`` naming what is wrong."""
    from django.db.models import Count, F, OuterRef, Subquery

    from assessment.models import AssessorProfile, Assignment
    from assessment.selectors import conflicted
    from assessment.services.planning import conflicted_pairs
    from intake.models import Proposal
    from intake.states import ProposalState

    proposals = Proposal.objects.filter(call_id=call_pk, state=ProposalState.IN_ASSESSMENT)
    assignments = Assignment.objects.filter(proposal__call_id=call_pk)
    problems = []
    expected = proposals.count() * k
    total = assignments.count()
    if total != expected:
        problems.append(f"{total} assignments, not {expected}")
    per_proposal = (
        proposals.annotate(
            n=Count("assessment_assignments", distinct=True),
            who=Count("assessment_assignments__assessor", distinct=True),
        )
        .exclude(n=k, who=k)
        .count()
    )
    if per_proposal:
        problems.append(f"{per_proposal} proposals without exactly {k} distinct assessors")
    bad_pairs = assignments.filter(conflicted(assessor=OuterRef("assessor_id"), proposal=OuterRef("proposal_id")))
    conflicted_count = bad_pairs.count()
    if conflicted_count:
        problems.append(f"{conflicted_count} conflicted pairs assigned")
    load = (
        Assignment.objects.filter(assessor_id=OuterRef("user_id"), proposal__call_id=call_pk)
        .order_by()
        .values("assessor_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    over = AssessorProfile.objects.annotate(load=Subquery(load)).filter(load__gt=F("max_assignments_per_call")).count()
    if over:
        problems.append(f"{over} assessors above their cap")
    conflicted_all = len(conflicted_pairs(proposals=proposals))
    if problems:
        raise SystemExit("bench: wrong assignment: " + "; ".join(problems))
    return {"case": "assignment_check", "assignments": total, "conflicted_pairs_in_call": conflicted_all, "ok": True}


def _django() -> None:
    import django

    django.setup()
    # Accepting queues the assessors' emails after commit; no broker is needed to measure it.
    from config.celery import app

    app.conf.broker_url = "memory://"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.assessment", description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposals", type=int, default=5000, help="proposals in assessment (5000)")
    parser.add_argument("--assessors", type=int, default=1000, help="assessors in the pool (1000)")
    parser.add_argument("--k", type=int, default=3, help="assessors per proposal (3)")
    parser.add_argument("--conflicts", type=float, default=0.02, help="share of the pool conflicted per proposal")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions to stderr")
    parser.add_argument("--measure", nargs=2, type=int, metavar=("CALL", "STAFF"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    if args.measure:  # The measured process: the database exists and is seeded.
        _django()
        for line in measure(call_pk=args.measure[0], staff_pk=args.measure[1], profile=args.profile):
            print(json.dumps(line), flush=True)
        return 0

    from bench.database import fresh_database

    with fresh_database() as (vendor, name):
        print(f"bench: fresh {vendor} database {name}", file=sys.stderr, flush=True)
        _django()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", interactive=False, verbosity=0)
        started = time.perf_counter()
        seeded = seed(proposals=args.proposals, assessors=args.assessors, k=args.k, conflicts=args.conflicts)
        print(json.dumps({"case": "assignment_seed", "database": vendor,
                          "seconds": round(time.perf_counter() - started, 3),
                          **{key: value for key, value in seeded.items() if key not in ("call", "staff")},
                          "seed_process_peak_mib": _mib(_peak_kib())}), flush=True)  # fmt: skip
        if seeded["capacity"] < seeded["proposals"] * args.k:
            raise SystemExit("bench: the pool's capacity is below the assignments needed")
        connections.close_all()
        command = [sys.executable, "-m", "bench.assessment", "--measure", str(seeded["call"]), str(seeded["staff"])]
        completed = subprocess.run(  # noqa: S603 - this interpreter and this module
            command + (["--profile"] if args.profile else []), stdout=subprocess.PIPE, text=True, check=False
        )
        sys.stdout.write(completed.stdout)
        sys.stdout.flush()
        if completed.returncode:
            raise SystemExit(f"bench: the measured run failed ({completed.returncode})")
        print(json.dumps(check(call_pk=seeded["call"], k=args.k)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
