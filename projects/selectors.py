"""Reads of the funded projects: a program's terms, and the facts the project's guards read."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from intake.models import Program
from projects.models import (
    AgreementKind,
    Claim,
    ClaimState,
    ProgramTerms,
    Project,
    ProjectPartner,
    Report,
    ReportedIPRight,
    ReportState,
    Signature,
)


def program_terms(program: Program) -> ProgramTerms:
    """Return ``program``'s terms for its projects: its own row, or the defaults (unsaved) when it has none."""
    terms = ProgramTerms.objects.filter(program=program).first()
    return terms if terms is not None else ProgramTerms(program=program)


def project_facts() -> dict[str, Any]:
    """Return the annotations of a proposal that the funded project's guards read (``intake.lifecycle``).

    ``project_signatures_missing``: the signatures its current agreements still lack (``activate``);
    ``project_final_claim_paid`` and ``project_final_report_accepted`` (``close``). A proposal read
    without them meets none of these guards.
    """
    return {
        "project_signatures_missing": signatures_missing_expression(),
        "project_final_claim_paid": final_claims_paid(),
        # One EXISTS per proposal read: the project's final report, accepted (docs/reports.md).
        "project_final_report_accepted": Exists(
            Report.objects.filter(project__proposal=OuterRef("pk"), final=True, state=ReportState.ACCEPTED)
        ),
    }


def signatures_missing_expression() -> Any:
    """The signatures a proposal's project still lacks, as one expression on the proposal's row (two subqueries).

    Both kinds of agreement are owed by every partner still in the project, whether or not
    the agreement is drafted yet: the count is the partners times the kinds, less the
    signatures of current agreements by those partners.
    """
    partners = (
        ProjectPartner.objects.filter(project__proposal_id=OuterRef("pk"), removed_at__isnull=True)
        .order_by()
        .values("project_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    signed = (
        Signature.objects.filter(
            agreement__project__proposal_id=OuterRef("pk"),
            agreement__superseded_at__isnull=True,
            partner__removed_at__isnull=True,
        )
        .order_by()
        .values("agreement__project_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    zero = Value(0)
    return Coalesce(Subquery(partners, output_field=IntegerField()), zero) * Value(
        len(AgreementKind.values)
    ) - Coalesce(Subquery(signed, output_field=IntegerField()), zero)


def final_claims_paid() -> ExpressionWrapper:
    """The condition, on proposals, that every partner still in its project has its final claim paid.

    A partner's final claim is its claim flagged final (at most one that is not rejected); a
    project without partners has none paid. One expression of the proposals' read: no query per row.
    """
    partners = ProjectPartner.objects.filter(project__proposal_id=OuterRef("pk"), removed_at__isnull=True)
    paid_final = Claim.objects.filter(partner_id=OuterRef("pk"), final=True, state=ClaimState.PAID)
    unpaid = ProjectPartner.objects.filter(project__proposal_id=OuterRef("pk"), removed_at__isnull=True).filter(
        ~Exists(paid_final)
    )
    return ExpressionWrapper(Q(Exists(partners)) & ~Q(Exists(unpaid)), output_field=BooleanField())


def project_partners(*, project: Project) -> QuerySet[ProjectPartner]:
    """Return ``project``'s partners still in it, the lead first, with their organization, signatory and budget."""
    return (
        ProjectPartner.objects.filter(project=project, removed_at__isnull=True)
        .select_related("organization", "signatory")
        .prefetch_related("budget_lines")
    )


def project_agreements(*, project: Project) -> list[Any]:
    """Return ``project``'s current agreements, each with ``signed`` (its signatures, signer and organization)."""
    from django.db.models import Prefetch

    from projects.models import Agreement

    return list(
        Agreement.objects.filter(project=project, superseded_at__isnull=True)
        .defer("text_en", "text_fr")
        .prefetch_related(
            Prefetch(
                "signatures",
                queryset=Signature.objects.select_related("signer", "organization"),
                to_attr="signed",
            )
        )
        .order_by("kind")
    )


def reported_ip_rights_accepted(*, projects: QuerySet[Project] | None = None) -> QuerySet[ReportedIPRight]:
    """Return the IP rights reported in accepted reports (of ``projects``, or of every project), with their owners.

    The members' IP registry reads the rights the projects created from here (``ReportedIPRight.asset_id``
    is its slot); a right of a report not accepted yet, or sent back for changes, is not one yet.
    """
    rights = ReportedIPRight.objects.filter(report__state=ReportState.ACCEPTED)
    if projects is not None:
        rights = rights.filter(report__project__in=projects.values("pk"))
    return rights.select_related("report", "report__project").prefetch_related("owners__organization")
