"""Seed the demo's calls whose path is not the default one: Protein Industries' three stages and NGen's path by size.

Both are configured as staff configure them on a call's stages page (``intake.services.stages``);
docs/calls.md says where their shapes come from.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from accounts.choices import OrganizationType
from assessment.services.rubrics import rubric_for
from demo.seed.common import DemoSummary, demo_window
from intake.choices import Advance, PathFigure, VersionKind
from intake.models import Call, Program
from intake.services.stages import StagePlan, call_stages_save

PROTEIN_DESCRIPTION_EN = (
    "Three stages: an eligibility questionnaire that lets eligible consortia straight through to an expression of "
    "interest, then, by invitation, a project proposal."
)
PROTEIN_DESCRIPTION_FR = (
    "Trois étapes : un questionnaire d'admissibilité qui laisse passer d'emblée les consortiums admissibles à une "
    "déclaration d'intérêt, puis, sur invitation, une proposition de projet."
)
NGEN_DESCRIPTION_EN = (
    "Projects under $5M apply once, with one technology assessment; larger projects send an expression of interest "
    "first, then a full application by invitation."
)
NGEN_DESCRIPTION_FR = (
    "Les projets de moins de 5 M$ présentent une seule demande, avec une évaluation technologique ; les plus grands "
    "envoient d'abord une déclaration d'intérêt, puis une demande complète sur invitation."
)


def shaped_calls_seed(*, now: datetime, summary: DemoSummary) -> list[Call]:
    """Create Protein Industries' three-stage call and NGen's call whose path depends on the project's size."""
    day = lambda days: demo_window(now, days)  # noqa: E731 - a short name for the windows below
    protein, ngen = Program.objects.get(slug="protein"), Program.objects.get(slug="ngen")
    shapes = [
        (
            protein,
            "three-stages-2027",
            "Plant-based ingredients projects 2027",
            "Projets d'ingrédients d'origine végétale 2027",
            PROTEIN_DESCRIPTION_EN,
            PROTEIN_DESCRIPTION_FR,
            {},
            [
                StagePlan(VersionKind.QUESTIONNAIRE, day(-10), day(40), advance=Advance.AUTOMATIC),
                StagePlan(VersionKind.LOI, day(-10), day(60), assessed=True),
                StagePlan(VersionKind.APPLICATION, day(-10), day(120)),
            ],
        ),
        (
            ngen,
            "by-size-2027",
            "Advanced manufacturing projects 2027",
            "Projets de fabrication de pointe 2027",
            NGEN_DESCRIPTION_EN,
            NGEN_DESCRIPTION_FR,
            {
                "path_figure": PathFigure.ESTIMATED_TOTAL_COST,
                "path_threshold": Decimal("5000000.00"),
                "path_below": [VersionKind.APPLICATION],
            },
            [
                StagePlan(VersionKind.LOI, day(-10), day(45)),
                StagePlan(VersionKind.APPLICATION, day(-10), day(120)),
            ],
        ),
    ]
    calls = []
    for program, slug, title_en, title_fr, description_en, description_fr, path, plans in shapes:
        call = Call.objects.filter(program=program, slug=slug).first()
        if call is None:
            call = Call(
                program=program,
                slug=slug,
                title_en=title_en,
                title_fr=title_fr,
                description_en=description_en,
                description_fr=description_fr,
                timezone=program.calls.values_list("timezone", flat=True).first() or "America/Toronto",
                loi_opens_at=plans[0].opens_at,
                loi_closes_at=plans[0].closes_at,
                application_closes_at=plans[-1].closes_at,
                review_due_at=day(150),
                board_meeting_at=day(165),
                funding_envelope=Decimal("20000000.00"),
                funded_partner_types=[OrganizationType.LARGE_COMPANY, OrganizationType.SME],
                required_attachments=["project_plan"],
                **path,
            )
            call.full_clean()
            call.save()
            for plan in plans:  # an assessed stage has its rubric first: the default one, which staff adjust
                if plan.assessed:
                    rubric_for(call=call, stage=plan.kind)
            call_stages_save(call=call, plans=plans)
            summary.created.append(f"call {program.slug}/{slug}")
        calls.append(call)
    return calls
