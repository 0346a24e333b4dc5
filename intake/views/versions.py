"""Frozen versions of a proposal: the printable view of one, its PDFs, and staff's comparison of two."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import DomainError
from intake.models import ProposalVersion
from intake.services.documents import version_dossier_download, version_receipt_download
from intake.services.versions import (
    version_digest,
    version_of,
    version_sheet,
    versions_compare,
    versions_for_comparison,
    versions_of,
)
from workflow.access import proposal_for_staff, proposal_for_user


def _download_url(version: ProposalVersion, attachment_id: int) -> str:
    """Link an attachment to its download view, or to nothing while that view does not exist."""
    for kwargs in ({"pk": attachment_id}, {"pk": version.proposal_id, "attachment_pk": attachment_id}):
        try:
            return reverse("intake:attachment_download", kwargs=kwargs)
        except NoReverseMatch:
            continue
    return ""


@login_required
def version_detail(request: AuthenticatedRequest, pk: int, number: int) -> HttpResponse:
    """Show one submitted version exactly as it was frozen, laid out to print."""
    version = version_of(proposal=proposal_for_user(user=request.user, pk=pk), number=number)
    sheet = version_sheet(data=version.data)
    linked = {attachment.pk for attachment in version.attachments.all()}
    for item in sheet["attachments"]:
        item["url"] = _download_url(version, item["id"]) if item["id"] in linked else ""
    return render(
        request,
        "intake/version_detail.html",
        {
            "version": version,
            "proposal": version.proposal,
            "call": version.proposal.call,
            "data": version.data,
            "sheet": sheet,
            "digest": version_digest(data=version.data),
            "is_staff": request.user.acts_in(Role.STAFF, version.proposal.call.program_id),
        },
    )


@login_required
def version_pdf(request: AuthenticatedRequest, pk: int, number: int) -> HttpResponse:
    """Download one submitted version as its dossier (PDF), for whoever reads its page, in their language.

    The stored file the worker printed; if there is none yet, a page saying it is being prepared (docs/pdfs.md).
    """
    version = version_of(proposal=proposal_for_user(user=request.user, pk=pk), number=number)
    return version_dossier_download(request=request, version=version)


@login_required
def version_receipt(request: AuthenticatedRequest, pk: int, number: int) -> HttpResponse:
    """Download the receipt of one version's submission (PDF), for whoever reads its page, in their language."""
    version = version_of(proposal=proposal_for_user(user=request.user, pk=pk), number=number)
    return version_receipt_download(request=request, version=version)


def _version_number(raw: str | None) -> int | None:
    if raw is None or not raw.strip().isdigit():
        return None
    return int(raw)


@role_required(Role.STAFF)
def version_compare(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Compare two versions of a proposal field by field; ``?a=<n>&b=<n>`` name them (400 if they do not)."""
    proposal = proposal_for_staff(user=request.user, pk=pk)
    versions = list(versions_of(proposal=proposal))
    first, second = _version_number(request.GET.get("a")), _version_number(request.GET.get("b"))
    context = {"proposal": proposal, "call": proposal.call, "versions": versions, "a": first, "b": second}
    error = ""
    if first is None or second is None:
        error = _("Choose two versions to compare, by their numbers.")
    else:
        try:
            before, after = versions_for_comparison(proposal=proposal, first=first, second=second)
        except DomainError as refused:
            error = refused.message
        else:
            context.update(
                before=before,
                after=after,
                differences=versions_compare(before=before.data, after=after.data),
            )
    if error:
        return render(request, "intake/version_compare.html", {**context, "error": error}, status=400)
    return render(request, "intake/version_compare.html", context)
