"""Signing an agreement and, at the last signature, starting the project (docs/projects.md).

Signing is ``projects.signing.agreement_sign``'s; this module adds what only the workflow may
do: when the signature just written was the last one missing, Clusterflow activates the
project (``proposal_activate`` by ``SYSTEM``) in the same transaction, so a success never
leaves a project signed by everyone but not started.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.models import User
from intake.lifecycle import SYSTEM
from intake.models import Proposal
from intake.states import ProposalState
from projects.models import Agreement, ProjectPartner, Signature
from projects.selectors import project_facts
from projects.signing import agreement_sign
from workflow.actions.projects import proposal_activate


def agreement_sign_and_activate(
    *, agreement: Agreement, partner: ProjectPartner, by: User, sha256: str, proof: dict[str, Any], address: str = ""
) -> Signature:
    """Sign ``agreement`` for ``partner``; activate the project if no signature is missing any more."""
    with transaction.atomic():
        signature = agreement_sign(
            agreement=agreement, partner=partner, by=by, sha256=sha256, proof=proof, address=address
        )
        # Still under the project's lock: another signature of this project waits for this transaction.
        proposal = (
            Proposal.objects.annotate(**project_facts()).only("pk", "state").get(project__pk=agreement.project_id)
        )
        if proposal.state == ProposalState.CONTRACTING and proposal.project_signatures_missing == 0:  # type: ignore[attr-defined]
            proposal_activate(proposal=proposal, by=SYSTEM, expected_state=ProposalState.CONTRACTING)
    return signature
