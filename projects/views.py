"""The funded projects' pages: the list of a person's projects, a project's page, its agreements and amendments."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import Organization
from intake import program_roles, selectors
from intake.models import Program
from intake.states import NEXT_STEP
from projects import agreements as drafting
from projects import amendments, signing
from projects.forms import AmendmentForm, DecisionForm, SignatoryForm, SignForm, TemplateForm
from projects.models import (
    Agreement,
    AgreementKind,
    Amendment,
    AmendmentState,
    Project,
    ProjectMilestone,
    ProjectPartner,
)
from projects.selectors import project_agreements, project_partners
from workflow import access
from workflow.signing import agreement_sign_and_activate


@login_required
def project_list(request: AuthenticatedRequest) -> HttpResponse:
    """List the projects the person reads: theirs as a partner or applicant, their programs' as staff."""
    projects = access.projects_visible_to(user=request.user).order_by(
        "proposal__call__program__name_en", "proposal__call_id", "proposal__title", "pk"
    )
    return render(request, "projects/project_list.html", {"projects": projects})


def _agreements_section(
    request: AuthenticatedRequest, project: Project, partners: list[ProjectPartner]
) -> dict[str, Any]:
    """What the project page's "Agreements" section shows: each agreement, who signed, who must still, and who acts."""
    current = project_agreements(project=project)
    mine = {p.pk for p in partners if p.signatory_id == request.user.pk}
    for agreement in current:
        signed = {signature.partner_id for signature in agreement.signed}
        agreement.waiting = [p for p in partners if p.pk not in signed]  # type: ignore[attr-defined]
        agreement.mine_to_sign = [p for p in agreement.waiting if p.pk in mine]  # type: ignore[attr-defined]
    return {"agreements": current}


@login_required
def project_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show a project: its state and what comes next, its funding, partners, agreements and milestones."""
    project = access.project_for_user(user=request.user, pk=pk)
    proposal = project.proposal
    partners = list(project_partners(project=project))
    nameable = {p.pk for p in access.project_partners_of(user=request.user, project=project)}
    is_staff = program_roles.holds(request.user, Role.STAFF, proposal.call.program_id)
    may_name_all = is_staff or proposal.lead_applicant_id == request.user.pk
    for partner in partners:
        partner.may_name = may_name_all or partner.pk in nameable  # type: ignore[attr-defined]
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "proposal": proposal,
            "call": proposal.call,
            "next_step": NEXT_STEP.get(proposal.state, ""),
            "partners": partners,
            "milestones": ProjectMilestone.objects.filter(project=project),
            "is_staff": is_staff,
            **_agreements_section(request, project, partners),
            # Milestones and reports (docs/reports.md): who marks done, who reviews.
            "acts": access.project_acts_for(user=request.user, project=project),
            "reviews": access.project_reviews(user=request.user, project=project),
        },
    )


def _agreement(request: AuthenticatedRequest, pk: int, agreement_pk: int) -> tuple[Project, Agreement]:
    project = access.project_for_user(user=request.user, pk=pk)
    return project, get_object_or_404(Agreement, project=project, pk=agreement_pk)


@login_required
def agreement_detail(request: AuthenticatedRequest, pk: int, agreement_pk: int) -> HttpResponse:
    """Show an agreement's full text, in the reader's language or the one asked for, with its hash and signatures."""
    project, agreement = _agreement(request, pk, agreement_pk)
    language = request.GET.get("lang") or get_language() or "en"
    language = "fr" if language.startswith("fr") else "en"
    signatures = agreement.signatures.select_related("signer", "organization")
    return render(
        request,
        "projects/agreement_detail.html",
        {"project": project, "agreement": agreement, "language": language, "text": agreement.text(language),
         "signatures": signatures},
    )  # fmt: skip


@login_required
def agreement_pdf(request: AuthenticatedRequest, pk: int, agreement_pk: int) -> HttpResponse:
    """Download an agreement as PDF, for whoever reads its page, in the reader's language or the one asked for.

    The stored file the worker printed; if there is none yet, a page saying it is being prepared (docs/pdfs.md).
    """
    project, agreement = _agreement(request, pk, agreement_pk)
    language = request.GET.get("lang") or get_language() or "en"
    language = "fr" if language.startswith("fr") else "en"
    return drafting.agreement_download(
        request=request,
        agreement=agreement,
        language=language,
        filename=f"agreement-project-{project.pk}-{agreement.kind}-v{agreement.version}-{language}.pdf",
    )


@login_required
def agreement_sign(request: AuthenticatedRequest, pk: int, agreement_pk: int) -> HttpResponse:
    """Sign an agreement for the partner one is the named signatory of: password again, and the second factor."""
    project, agreement = _agreement(request, pk, agreement_pk)
    partner = (
        ProjectPartner.objects.filter(project=project, signatory=request.user, removed_at__isnull=True)
        .exclude(signatures__agreement=agreement)
        .select_related("organization")
        .first()
    )
    if partner is None:
        raise ActionForbidden(_("Only a partner's named signatory signs, once per version of an agreement."))
    adapter = signing.signature_adapter()
    form = SignForm(
        request.POST or None, initial={"sha256": agreement.sha256}, fields=adapter.fields(user=request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            agreement_sign_and_activate(
                agreement=agreement,
                partner=partner,
                by=request.user,
                sha256=form.cleaned_data["sha256"],
                proof={"password": form.cleaned_data["password"], "token": form.cleaned_data.get("token", "")},
                address=request.META.get("REMOTE_ADDR", ""),
            )
        except signing.SignatureRefused as refused:
            form.add_error(refused.field or None, refused.message)
        except StaleAction as stale:
            stale.back_url = project_url(project)
            stale.back_label = _("Back to the project")
            raise
        else:
            messages.success(
                request,
                _("Signed for %(organization)s: %(agreement)s, version %(version)s.")
                % {
                    "agreement": agreement.get_kind_display(),
                    "organization": partner.organization,
                    "version": agreement.version,
                },
            )
            return redirect("projects:project_detail", pk=project.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "projects/agreement_sign.html",
        {"project": project, "agreement": agreement, "partner": partner, "form": form,
         "text": agreement.text(get_language() or "en")},
        status=status,
    )  # fmt: skip


def project_url(project: Project) -> str:
    from django.urls import reverse

    return reverse("projects:project_detail", args=[project.pk])


@login_required
def signatory_name(request: AuthenticatedRequest, pk: int, partner_pk: int) -> HttpResponse:
    """Name a partner's signatory among its organization's members: the lead applicant, its people, or staff."""
    project = access.project_for_user(user=request.user, pk=pk)
    partner = get_object_or_404(
        ProjectPartner.objects.select_related("organization", "project__proposal__call"),
        project=project,
        pk=partner_pk,
        removed_at__isnull=True,
    )
    if not signing.may_name_signatory(user=request.user, partner=partner):
        raise ActionForbidden(_("Only the lead applicant, the partner's people or program staff name its signatory."))
    form = SignatoryForm(
        request.POST or None,
        candidates=signing.signatory_candidates(partner=partner),
        initial={"signatory": partner.signatory_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            signing.signatory_name(partner=partner, signatory=form.cleaned_data["signatory"], by=request.user)
        except StaleAction:
            raise
        except DomainError as error:
            if isinstance(error, ActionForbidden):
                raise
            form.add_error("signatory", error.message)
        else:
            messages.success(
                request, _("The signatory of %(organization)s is named.") % {"organization": partner.organization}
            )
            return redirect("projects:project_detail", pk=project.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "projects/signatory_form.html", {"project": project, "partner": partner, "form": form}, status=status
    )


@login_required
def amendment_list(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """List a project's amendments, newest first."""
    project = access.project_for_user(user=request.user, pk=pk)
    return render(
        request,
        "projects/amendment_list.html",
        {
            "project": project,
            "amendments": Amendment.objects.filter(project=project).select_related("requested_by", "decided_by"),
            "may_request": amendments.may_request_amendment(user=request.user, project=project),
        },
    )


@login_required
def amendment_request(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Request an amendment: the form shows the current figures; only what the person changes is proposed."""
    project = access.project_for_user(user=request.user, pk=pk)
    if not amendments.may_request_amendment(user=request.user, project=project):
        raise ActionForbidden(_("Only the project's partners and program staff request an amendment."))
    partners = list(project_partners(project=project))
    milestones = list(ProjectMilestone.objects.filter(project=project))
    organizations = Organization.objects.exclude(project_partnerships__project=project).order_by("legal_name")
    form = AmendmentForm(request.POST or None, partners=partners, milestones=milestones, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        try:
            amendment = amendments.amendment_request(
                project=project, by=request.user, changes=form.changes(), reason=form.cleaned_data["reason"]
            )
        except amendments.AmendmentInvalid as invalid:
            for error in invalid.errors:
                form.add_error(None, error)
        else:
            messages.success(request, _("The amendment is requested: program staff decide it."))
            return redirect("projects:amendment_detail", pk=project.pk, amendment_pk=amendment.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "projects/amendment_form.html",
        {"project": project, "form": form, "partners": partners, "milestones": milestones},
        status=status,
    )


@login_required
def amendment_detail(request: AuthenticatedRequest, pk: int, amendment_pk: int) -> HttpResponse:
    """Show an amendment, its changes and its re-checked rules; program staff decide it here."""
    project = access.project_for_user(user=request.user, pk=pk)
    amendment = get_object_or_404(
        Amendment.objects.select_related("requested_by", "decided_by"), project=project, pk=amendment_pk
    )
    is_staff = program_roles.holds(request.user, Role.STAFF, project.proposal.call.program_id)
    form = DecisionForm(request.POST or None) if is_staff else None
    if request.method == "POST":
        if form is None:
            raise ActionForbidden(_("Only program staff decide an amendment."))
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            try:
                if form.cleaned_data["decision"] == "approve":
                    amendments.amendment_approve(amendment=amendment, by=request.user, reason=reason)
                else:
                    amendments.amendment_refuse(amendment=amendment, by=request.user, reason=reason)
            except amendments.AmendmentInvalid as invalid:
                for error in invalid.errors:
                    form.add_error(None, error)
            else:
                messages.success(request, _("The amendment is decided."))
                return redirect("projects:amendment_detail", pk=project.pk, amendment_pk=amendment.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "projects/amendment_detail.html",
        {"project": project, "amendment": amendment, "form": form, "changes": _changes_described(amendment),
         "may_withdraw": amendment.state == AmendmentState.REQUESTED and amendment.requested_by_id == request.user.pk},
        status=status,
    )  # fmt: skip


@login_required
@require_POST
def amendment_withdraw(request: AuthenticatedRequest, pk: int, amendment_pk: int) -> HttpResponse:
    """Withdraw an amendment while it is requested: who requested it (or program staff)."""
    project = access.project_for_user(user=request.user, pk=pk)
    amendment = get_object_or_404(Amendment, project=project, pk=amendment_pk)
    try:
        amendments.amendment_withdraw(amendment=amendment, by=request.user)
    except StaleAction as stale:
        stale.back_url = reverse("projects:amendment_detail", args=[project.pk, amendment.pk])
        stale.back_label = _("Back to the amendment")
        raise
    messages.success(request, _("The amendment is withdrawn: nothing of it was applied."))
    return redirect("projects:amendment_detail", pk=project.pk, amendment_pk=amendment.pk)


def _changes_described(amendment: Amendment) -> list[str]:
    """Say each change of ``amendment`` in words, naming the partners and milestones."""
    from intake.choices import CostCategory
    from intake.formatting import money

    changes = amendment.changes
    partners = {
        p.pk: p for p in ProjectPartner.objects.filter(project_id=amendment.project_id).select_related("organization")
    }
    milestones = {m.pk: m for m in ProjectMilestone.objects.filter(project_id=amendment.project_id)}
    lines = []

    def name(key: Any) -> str:
        partner = partners.get(int(key))
        return str(partner.organization) if partner else str(key)

    for key, amount in (changes.get("funding") or {}).items():
        lines.append(
            _("%(organization)s: cluster funding %(amount)s") % {"organization": name(key), "amount": money(amount, 2)}
        )
    for key, budget in (changes.get("budget") or {}).items():
        for category, amount in budget.items():
            lines.append(
                _("%(organization)s: %(category)s budget %(amount)s")
                % {"organization": name(key), "category": CostCategory(category).label, "amount": money(amount, 2)}
            )
    for key, day in (changes.get("milestones") or {}).items():
        milestone = milestones.get(int(key))
        lines.append(
            _("%(milestone)s: due on %(date)s") % {"milestone": milestone.title if milestone else key, "date": day}
        )
    for key in changes.get("remove_partners") or []:
        lines.append(_("%(organization)s leaves the project") % {"organization": name(key)})
    for item in changes.get("add_partners") or []:
        lines.append(
            _("%(organization)s joins the project: cluster funding %(funding)s, cash %(cash)s, in kind %(in_kind)s")
            % {"organization": item["name"], "funding": money(item["funding"], 2), "cash": money(item["cash"], 2),
               "in_kind": money(item["in_kind"], 2)}
        )  # fmt: skip
    return lines


@role_required(Role.STAFF)
def agreement_template_edit(request: AuthenticatedRequest, program_pk: int, kind: str) -> HttpResponse:
    """Edit a program's template of one kind of agreement: each save is a new version; preview before saving."""
    program = selectors.program_for_staff(user=request.user, pk=program_pk)
    if kind not in AgreementKind.values:
        raise Http404
    current = drafting.agreement_template_current(program=program, kind=kind)
    form = TemplateForm(request.POST or None, initial={"body_en": current.body_en, "body_fr": current.body_fr})
    preview = None
    if request.method == "POST" and form.is_valid():
        try:
            drafting.template_check(body_en=form.cleaned_data["body_en"], body_fr=form.cleaned_data["body_fr"])
            if "preview" in request.POST:
                preview = _preview(form, program, kind)
            else:
                saved = drafting.agreement_template_save(
                    program=program, kind=kind, body_en=form.cleaned_data["body_en"],
                    body_fr=form.cleaned_data["body_fr"], by=request.user,
                )  # fmt: skip
                messages.success(
                    request, _("Version %(version)d of the template is saved.") % {"version": saved.version}
                )
                return redirect("projects:agreement_template_edit", program_pk=program.pk, kind=kind)
        except drafting.TemplateInvalid as invalid:
            for field, error in invalid.errors.items():
                form.add_error(field, error)
    status = 400 if form.errors else 200
    return render(
        request,
        "projects/agreement_template_form.html",
        {"program": program, "kind": kind, "kind_label": AgreementKind(kind).label, "form": form, "current": current,
         "preview": preview},
        status=status,
    )  # fmt: skip


def _preview(form: TemplateForm, program: Program, kind: str) -> str | None:
    """Render the typed template, in the reader's language, for the program's newest project (None without one)."""
    project = Project.objects.filter(proposal__call__program=program).order_by("-opened_at").first()
    if project is None:
        form.add_error(None, _("The program has no project yet to preview the template with."))
        return None
    language = "fr" if (get_language() or "en").startswith("fr") else "en"
    return drafting.agreement_preview(
        project=project, kind=kind, body=form.cleaned_data[f"body_{language}"], language=language
    )
