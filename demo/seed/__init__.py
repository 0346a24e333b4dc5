"""Seed the demo: the five clusters, calls in each stage, one user per role, and the applicant's proposals.

Idempotent: objects are found by their natural keys and created only when missing, so
a second run changes nothing.

Each step is a module that seeds one part, run in this order by ``demo_seed``:

- ``programs``: the clusters and their calls, one in each stage for the first cluster;
- ``shaped_calls``: Protein Industries' three-stage call and NGen's call whose path depends on its size;
- ``cluster_calls``: each cluster's calls given its published rules (docs/cluster-rules.md) and a title
  of their own, Scale AI's naming the consortium roles its rule requires;
- ``people``: the applicant's organization, one user per role and the Django admin;
- ``proposals``: the applicant's draft letter of intent and invited proposal;
- ``reviews``: the call under review's rubric, a proposal in assessment offered to the
  demo assessor and an assessed one, reviewed by three more assessors;
- ``meeting``: the board meeting a week ahead with the assessed proposal on its agenda,
  chaired by the demo board member and opened early so that the chair can decide;
- ``memberships``: the applicant's organization, and every organization of a demo consortium, a
  member of its program for a year (so a call requiring membership of the program is met);
- ``registry``: the IP manager, a person of Laurentian Rail, assets of the demo's organizations in each
  listing (one waiting for the IP manager's check) and an open licence request with a message.
- ``directory``: two European members of the first cluster with profiles, the applicant's profile and
  a "looking for partners" announcement (docs/directory.md);
- ``projects``: a second assessed proposal of the call under review, approved at a board meeting of its
  own, its decision released, its agreements signed by each partner's signatory so that it is active, with
  a paid claim for the first quarter, an accepted milestone and an accepted progress report (docs/projects.md).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from demo.seed.cluster_calls import cluster_calls_seed
from demo.seed.common import DemoSummary
from demo.seed.directory import directory_seed
from demo.seed.meeting import meeting_seed
from demo.seed.memberships import memberships_seed
from demo.seed.people import DEMO_PASSWORD, DEMO_TOTP_KEY, REVIEWERS, people_seed
from demo.seed.programs import programs_seed
from demo.seed.projects import projects_seed
from demo.seed.proposals import ASSESSED, IN_ASSESSMENT, demo_pdf, proposals_seed
from demo.seed.registry import registry_seed
from demo.seed.reviews import reviews_seed
from demo.seed.shaped_calls import shaped_calls_seed
from intake.services.search import proposals_search_sweep

__all__ = [
    "ASSESSED",
    "DEMO_PASSWORD",
    "DEMO_TOTP_KEY",
    "IN_ASSESSMENT",
    "REVIEWERS",
    "DemoSummary",
    "demo_pdf",
    "demo_seed",
]


def demo_seed(*, now: datetime | None = None) -> DemoSummary:
    """Create what the demo needs and is missing; return what was created and the logins."""
    now = now or timezone.now()
    summary = DemoSummary()
    with transaction.atomic():
        program = programs_seed(now=now, summary=summary)
        shaped_calls_seed(now=now, summary=summary)
        cluster_calls_seed(summary=summary)
        people = people_seed(summary=summary)
        proposals_seed(program=program, people=people, summary=summary)
        in_review = reviews_seed(program=program, people=people, summary=summary)
        meeting_seed(call=in_review, people=people, now=now, summary=summary)
        memberships_seed(people=people, now=now, summary=summary)
        registry_seed(program=program, people=people, summary=summary)
        directory_seed(program=program, people=people, now=now, summary=summary)
        projects_seed(call=in_review, people=people, now=now, summary=summary)
        # Proposals the seed moved without the intake services (states, versions) are searchable at once.
        proposals_search_sweep(limit=10_000)
    return summary
