"""The applicant's decision letter on their proposal's page, once the board's decisions are released."""

from typing import Any

from django import template

from board.services.letters import letter_released_for
from intake.models import Proposal

register = template.Library()


@register.inclusion_tag("board/letter_released.html")
def decision_letter(proposal: Proposal) -> dict[str, Any]:
    """Render ``proposal``'s released decision letter; nothing before the release (one query)."""
    return {"letter": letter_released_for(proposal=proposal)}
