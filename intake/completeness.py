"""What a proposal still lacks before it can be submitted (a leaf: pure functions).

The lifecycle's ``complete`` condition asks this one function; the full application
will extend it with its sections.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def missing_for_submission(proposal: Any) -> list[str]:
    """Return a message for each thing ``proposal`` lacks to be submitted; empty when complete."""
    missing = []
    if not (proposal.title or "").strip():
        missing.append(_("a title"))
    if not (proposal.summary or "").strip():
        missing.append(_("a summary"))
    if proposal.lead_organization_id is None:
        missing.append(_("a lead organization"))
    if proposal.lead_applicant_id is None:
        missing.append(_("a lead applicant"))
    return missing
