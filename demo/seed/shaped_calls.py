"""Seed the demo's calls whose path is not the default one: Protein Industries' three stages and NGen's path by size.

Both are configured as staff configure them on a call's stages page (``intake.services.stages``);
docs/calls.md says where their shapes come from. Their questions (docs/questions.md) are the
ones staff would add on the call's questions page: Protein Industries' questionnaire asks
yes-or-no questions whose answer must hold, its letter of intent a long text limited in pages
and a table of partners; NGen's full application asks its ten assessment questions.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from accounts.choices import OrganizationType
from assessment.services.rubrics import rubric_for
from demo.seed.common import DemoSummary, demo_window
from intake.choices import Advance, ColumnKind, PathFigure, QuestionKind, VersionKind
from intake.models import Call, Program, Question
from intake.services.rule_rows import call_rules_write, rules_from_fields
from intake.services.stages import StagePlan, call_stages_save

#: How many assessors screen each letter of intent of an assessed early stage.
EARLY_ASSESSORS = 2

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
                **path,
            )
            call.full_clean()
            with transaction.atomic():
                call.save()
                call_rules_write(
                    call=call,
                    rules=rules_from_fields(
                        funded_partner_types=[OrganizationType.LARGE_COMPANY, OrganizationType.SME],
                        required_attachments=["project_plan"],
                    ),
                )
                _early_rubrics_seed(call=call, plans=plans)
                call_stages_save(call=call, plans=plans)
            summary.created.append(f"call {program.slug}/{slug}")
        calls.append(call)
    protein_call, ngen_call = calls
    _questions_seed(call=protein_call, questions=PROTEIN_QUESTIONS, summary=summary)
    _questions_seed(call=ngen_call, questions=NGEN_QUESTIONS, summary=summary)
    return calls


def _early_rubrics_seed(*, call: Call, plans: list[StagePlan]) -> None:
    """Give each assessed stage before the full application its rubric, scored by two assessors, as staff must first."""
    for plan in plans:
        if plan.assessed and plan.kind != VersionKind.APPLICATION:
            rubric = rubric_for(call=call, stage=plan.kind)
            rubric.assessors_per_proposal = EARLY_ASSESSORS
            rubric.full_clean()
            rubric.save(update_fields=["assessors_per_proposal"])


def _yes_no(label_en: str, label_fr: str) -> dict[str, Any]:
    return {
        "stage": VersionKind.QUESTIONNAIRE,
        "kind": QuestionKind.YES_NO,
        "section_en": "Eligibility",
        "section_fr": "Admissibilité",
        "label_en": label_en,
        "label_fr": label_fr,
        "must_hold": True,
    }


def _assessment(label_en: str, label_fr: str) -> dict[str, Any]:
    return {
        "stage": VersionKind.APPLICATION,
        "kind": QuestionKind.LONG_TEXT,
        "section_en": "Assessment questions",
        "section_fr": "Questions d'évaluation",
        "label_en": label_en,
        "label_fr": label_fr,
        "word_limit": 900,
    }


#: Protein Industries' questions: the questionnaire's must-hold answers, then the letter of intent's.
PROTEIN_QUESTIONS: list[dict[str, Any]] = [
    _yes_no(
        "Is the lead organization a member of Protein Industries Canada?",
        "L'organisation principale est-elle membre de Protein Industries Canada ?",
    ),
    _yes_no("Is the project carried out in Canada?", "Le projet est-il réalisé au Canada ?"),
    _yes_no(
        "Does the consortium include at least two industry partners?",
        "Le consortium compte-t-il au moins deux partenaires industriels ?",
    ),
    _yes_no(
        "Does the project develop plant-based ingredients, food or feed?",
        "Le projet développe-t-il des ingrédients, aliments ou aliments pour animaux d'origine végétale ?",
    ),
    {
        "stage": VersionKind.LOI,
        "kind": QuestionKind.LONG_TEXT,
        "section_en": "The project",
        "section_fr": "Le projet",
        "label_en": "Describe the project, the problem it solves and the market it serves.",
        "label_fr": "Décrivez le projet, le problème qu'il résout et le marché qu'il dessert.",
        "page_limit": 2,
    },
    {
        "stage": VersionKind.LOI,
        "kind": QuestionKind.TABLE,
        "section_en": "The consortium",
        "section_fr": "Le consortium",
        "label_en": "Project partners and their roles",
        "label_fr": "Partenaires du projet et leurs rôles",
        "columns": [
            {"kind": ColumnKind.TEXT, "name_en": "Organization", "name_fr": "Organisation"},
            {"kind": ColumnKind.TEXT, "name_en": "Role", "name_fr": "Rôle"},
            {"kind": ColumnKind.MONEY, "name_en": "Contribution", "name_fr": "Contribution"},
        ],
        "max_rows": 10,
    },
]

#: NGen's ten assessment questions of its full application, each of at most 900 words.
NGEN_QUESTIONS: list[dict[str, Any]] = [
    _assessment(
        "What advanced manufacturing challenge does the project address, and why does it matter to Canadian industry?",
        "À quel défi de la fabrication de pointe le projet répond-il, et pourquoi compte-t-il pour l'industrie "
        "canadienne ?",
    ),
    _assessment(
        "Describe the technology the project develops and what makes it novel compared with the state of the art.",
        "Décrivez la technologie que le projet développe et ce qui la rend nouvelle par rapport à l'état de l'art.",
    ),
    _assessment(
        "What are the project's technical risks, and how will the consortium manage them?",
        "Quels sont les risques techniques du projet, et comment le consortium les gérera-t-il ?",
    ),
    _assessment(
        "Present the consortium: each partner's capabilities, role and commitment to the project.",
        "Présentez le consortium : les compétences, le rôle et l'engagement de chaque partenaire dans le projet.",
    ),
    _assessment(
        "How will the intellectual property be owned, shared and protected among the partners?",
        "Comment la propriété intellectuelle sera-t-elle détenue, partagée et protégée entre les partenaires ?",
    ),
    _assessment(
        "How will the results be commercialized, by whom and in which markets?",
        "Comment les résultats seront-ils commercialisés, par qui et sur quels marchés ?",
    ),
    _assessment(
        "What economic benefits will the project bring to Canada: jobs, investment, exports and supply chains?",
        "Quelles retombées économiques le projet apportera-t-il au Canada : emplois, investissements, exportations "
        "et chaînes d'approvisionnement ?",
    ),
    _assessment(
        "How does the project build skills and talent in Canada's manufacturing workforce?",
        "Comment le projet développe-t-il les compétences et les talents de la main-d'œuvre manufacturière du Canada ?",
    ),
    _assessment(
        "Describe the project plan: its milestones, deliverables and the readiness of the technology at the end.",
        "Décrivez le plan du projet : ses jalons, ses livrables et le niveau de maturité de la technologie à la fin.",
    ),
    _assessment(
        "Justify the budget: why each partner's costs are needed and what the cluster's funding makes possible.",
        "Justifiez le budget : pourquoi les dépenses de chaque partenaire sont nécessaires et ce que le financement "
        "de la grappe rend possible.",
    ),
]


def _questions_seed(*, call: Call, questions: list[dict[str, Any]], summary: DemoSummary) -> None:
    """Add each of ``questions`` to ``call`` unless a question of its stage has its English wording already."""
    existing = set(Question.objects.filter(call=call).values_list("stage", "label_en"))
    added = 0
    for position, fields in enumerate(questions, start=1):
        if (fields["stage"], fields["label_en"]) in existing:
            continue
        question = Question(call=call, position=position, **fields)
        question.full_clean()
        question.save()
        added += 1
    if added:
        summary.created.append(f"{added} questions of call {call.program.slug}/{call.slug}")
