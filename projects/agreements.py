"""Drafting a project's agreements from its program's templates, and keeping those templates (docs/projects.md).

Each agreement is rendered once, in English and in French, from the newest version of its
program's template of its kind, or from the built-in one (templates/projects/agreements/) when
the program has none. The template's context is ``agreement_context``'s, documented in
docs/projects.md. A rendered agreement never changes: an amendment drafts the next version.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.template import Context, Engine, TemplateSyntaxError
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError
from accounts.models import User
from intake.choices import VersionKind
from intake.eligibility.describe import describe, rule_label
from intake.models import ForegroundIP, Program
from projects.models import (
    Agreement,
    AgreementKind,
    AgreementTemplate,
    Amendment,
    Project,
    ProjectMilestone,
    ProjectPartner,
)
from records.pdf import pdf_or_pending, pdf_store, task_send_on_commit

#: The kinds of the call's rules an agreement states: those about money and who is funded.
MONEY_RULE_KINDS = (
    "funded_types", "industry_types", "cluster_share", "matching_ratio", "in_kind_cap", "partner_share",
    "project_size", "size_bands", "project_cap", "admin_fee",
)  # fmt: skip
LANGUAGES = ("en", "fr")
ZERO = Decimal("0")


def builtin_template_name(kind: str, language: str) -> str:
    return f"projects/agreements/{kind}_{language}.txt"


def builtin_template_source(kind: str, language: str) -> str:
    """Return the text of the built-in template of ``kind`` in ``language``, as staff start editing from it."""
    return str(get_template(builtin_template_name(kind, language)).template.source)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class TemplateBodies:
    """The bodies an agreement of a kind is rendered from, and the program's template version (None: built-in)."""

    body_en: str
    body_fr: str
    template: AgreementTemplate | None


def agreement_template_current(*, program: Program, kind: str) -> TemplateBodies:
    """Return the bodies of ``program``'s newest template of ``kind``, or the built-in ones."""
    template = AgreementTemplate.objects.filter(program=program, kind=kind).order_by("-version").first()
    if template is not None:
        return TemplateBodies(template.body_en, template.body_fr, template)
    return TemplateBodies(builtin_template_source(kind, "en"), builtin_template_source(kind, "fr"), None)


def _engine() -> Engine:
    return Engine.get_default()


class TemplateInvalid(DomainError):
    """A template's body is not a valid Django template: the message says where, per language."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def template_check(*, body_en: str, body_fr: str) -> None:
    """Raise ``TemplateInvalid`` naming each body whose syntax Django's template engine refuses."""
    errors = {}
    for language, body in (("en", body_en), ("fr", body_fr)):
        try:
            _engine().from_string(body)
        except TemplateSyntaxError as error:
            errors[f"body_{language}"] = _("This template cannot be read: %(error)s") % {"error": error}
    if errors:
        raise TemplateInvalid(errors)


def agreement_template_save(*, program: Program, kind: str, body_en: str, body_fr: str, by: User) -> AgreementTemplate:
    """Save ``program``'s template of ``kind`` as its next version (staff of the program only)."""
    if not by.acts_in(Role.STAFF, program.pk):
        raise ActionForbidden(_("Only the program's staff edit its agreement templates."))
    if kind not in AgreementKind.values:
        raise DomainError(_("There is no such kind of agreement."))
    template_check(body_en=body_en, body_fr=body_fr)
    with transaction.atomic():
        # The program's row orders two staff saving at once: each gets its own version number.
        Program.objects.select_for_update().filter(pk=program.pk).first()
        last = AgreementTemplate.objects.filter(program=program, kind=kind).aggregate(last=Max("version"))["last"]
        return AgreementTemplate.objects.create(
            program=program, kind=kind, version=(last or 0) + 1, body_en=body_en, body_fr=body_fr, created_by=by
        )


def agreement_render(*, body: str, context: dict[str, Any]) -> str:
    """Render ``body`` with ``context`` as plain text (nothing escaped), its lines' trailing spaces removed."""
    text = _engine().from_string(body).render(Context(context, autoescape=False))
    lines = [line.rstrip() for line in text.strip().splitlines()]
    # Runs of blank lines left by the template's tags read as one.
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept) + "\n"


def agreement_context(*, project: Project, version: int, language: str) -> dict[str, Any]:
    """Return what an agreement's template reads, in ``language`` (its labels and rules in words).

    The keys are documented in docs/projects.md: ``project``, ``proposal``, ``call``, ``program``,
    ``version``, ``date``, ``amount``, ``fee_rate``, ``fee``, ``net_amount``, ``conditions``,
    ``holdback_percent``, ``claim_period_months``, ``partners`` (each with ``name``, ``is_lead``,
    ``cash``, ``in_kind``, ``funding``, ``total_costs``, ``budget`` lines of ``category`` and
    ``amount``, ``background_ip``, ``signatory``), ``budget_total``, ``milestones`` (``title``,
    ``month``, ``due_on``, ``deliverables``), ``rules`` (``label``, ``text``) and
    ``foreground_ip`` (``kind``, ``description``, ``owner``: empty for joint ownership).
    """
    with translation.override(language):
        proposal = project.proposal
        call = proposal.call
        fee = proposal.approved_fee()
        partners_rows = list(
            ProjectPartner.objects.filter(project=project, removed_at__isnull=True)
            .select_related("organization", "member", "signatory")
            .prefetch_related("budget_lines")
        )
        partners = []
        for partner in partners_rows:
            budget = [
                {"category": line.get_category_display(), "amount": line.amount} for line in partner.budget_lines.all()
            ]
            partners.append(
                {
                    "name": partner.organization.legal_name or str(partner.organization),
                    "is_lead": partner.is_lead,
                    "cash": partner.cash_committed,
                    "in_kind": partner.in_kind_committed,
                    "funding": partner.funding_approved,
                    "budget": budget,
                    "total_costs": sum((line["amount"] for line in budget), ZERO),
                    "background_ip": partner.member.background_ip.strip() if partner.member else "",
                    "signatory": partner.signatory.get_full_name() if partner.signatory else "",
                }
            )
        owners = {partner.member_id: partner for partner in partners_rows if partner.member_id}
        foreground = [
            {
                "kind": ip.get_kind_display(),
                "description": ip.description.strip(),
                "owner": (
                    owners[ip.owner_id].organization.legal_name or str(owners[ip.owner_id].organization)
                    if ip.owner_id in owners
                    else ""
                ),
            }
            for ip in ForegroundIP.objects.filter(proposal=proposal).order_by("pk")
        ]
        rules = [
            {"label": rule_label(rule), "text": describe(rule)}
            for rule in proposal.eligibility_rules(VersionKind.APPLICATION).at(VersionKind.APPLICATION)
            if rule.kind in MONEY_RULE_KINDS
        ]
        milestones = [
            {"title": m.title, "month": m.month, "due_on": m.due_on, "deliverables": m.deliverables.strip()}
            for m in ProjectMilestone.objects.filter(project=project)
        ]
        return {
            "project": project,
            "proposal": proposal,
            "call": call,
            "program": call.program,
            "version": version,
            "date": timezone.localdate(),
            "amount": project.amount,
            "fee_rate": fee.rate if fee else None,
            "fee": fee.amount if fee else ZERO,
            "net_amount": project.amount - (fee.amount if fee else ZERO),
            "conditions": proposal.decision_conditions.strip(),
            "holdback_percent": project.holdback_percent,
            "claim_period_months": project.claim_period_months,
            "partners": partners,
            "budget_total": sum((partner["total_costs"] for partner in partners), ZERO),
            "milestones": milestones,
            "rules": rules,
            "foreground_ip": foreground,
        }


def agreements_draft(*, project: Project, amendment: Amendment | None = None) -> list[Agreement]:
    """Draft the next version of both of ``project``'s agreements (inside the caller's transaction).

    Contracting drafts the first versions; an approved amendment (``amendment``) the next ones,
    superseding the current. Each is rendered in both languages from its program's template.
    """
    program = project.proposal.call.program
    now = timezone.now()
    drafted = []
    for kind in AgreementKind.values:
        current = Agreement.objects.filter(project=project, kind=kind, superseded_at__isnull=True).first()
        version = current.version + 1 if current is not None else 1
        if current is not None:
            Agreement.objects.filter(pk=current.pk).update(superseded_at=now)
        bodies = agreement_template_current(program=program, kind=kind)
        texts = {language: _rendered(bodies, project, version, language) for language in LANGUAGES}
        drafted.append(
            Agreement.objects.create(
                project=project,
                kind=kind,
                version=version,
                text_en=texts["en"],
                text_fr=texts["fr"],
                template=bodies.template,
                amendment=amendment,
                created_at=now,
            )
        )
        agreement_print_on_commit(agreement=drafted[-1])
    return drafted


def _rendered(bodies: TemplateBodies, project: Project, version: int, language: str) -> str:
    with translation.override(language):
        return agreement_render(
            body=getattr(bodies, f"body_{language}"),
            context=agreement_context(project=project, version=version, language=language),
        )


def agreement_preview(*, project: Project, kind: str, body: str, language: str) -> str:
    """Render ``body`` for ``project`` as its next version would read, without saving anything."""
    current = Agreement.objects.filter(project=project, kind=kind, superseded_at__isnull=True).first()
    version = current.version + 1 if current is not None else 1
    with translation.override(language):
        return agreement_render(
            body=body, context=agreement_context(project=project, version=version, language=language)
        )


def _agreement_html(agreement: Agreement, language: str) -> str:
    with translation.override(language):
        context = {
            "project": agreement.project,
            "agreement": agreement,
            "language": language,
            "text": agreement.text(language),
            "signatures": agreement.signatures.select_related("signer", "organization").order_by("pk"),
            "created": agreement.created_at,
        }
        return render_to_string("projects/agreement_pdf.html", context)


def agreement_folder(project_id: int) -> str:
    """Return the storage folder of the agreements printed for project ``project_id``."""
    return f"agreements/project-{project_id}"


def agreement_pdf(*, agreement: Agreement, language: str) -> bytes:
    """Return ``agreement`` as a tagged PDF in ``language`` (its page's sheet), laid out and stored if it is not yet.

    The task worker's. The whole document is in ``language``, the agreement's text as its page
    shows it in that language; the hash printed is the one signed, of both languages' texts
    (``text_sha256``). Its signatures are printed: each one makes another document.
    """
    return pdf_store(html=_agreement_html(agreement, language), folder=agreement_folder(agreement.project_id))


def agreement_documents_print(*, agreement: Agreement) -> int:
    """Print and store ``agreement`` in each language, as it stands (its signatures); return how many languages."""
    for language in LANGUAGES:
        agreement_pdf(agreement=agreement, language=language)
    return len(LANGUAGES)


#: The task that prints an agreement (``workflow.tasks``), named: a service imports no task.
AGREEMENT_PRINT_TASK = "workflow.tasks.print_agreement"


def agreement_print_on_commit(*, agreement: Agreement) -> None:
    """Have the worker print ``agreement`` as it stands once this transaction commits (drafted, or signed again)."""
    task_send_on_commit(task=AGREEMENT_PRINT_TASK, kwargs={"agreement_id": agreement.pk})


def agreement_download(*, request: HttpRequest, agreement: Agreement, language: str, filename: str) -> HttpResponse:
    """Return the download of ``agreement``'s stored PDF in ``language``, or the page saying it is being prepared."""
    return pdf_or_pending(
        request=request,
        html=_agreement_html(agreement, language),
        folder=agreement_folder(agreement.project_id),
        filename=filename,
        task=AGREEMENT_PRINT_TASK,
        kwargs={"agreement_id": agreement.pk},
    )
