"""Name a proposal's state for a page: the label of its stored value (``state_label``)."""

from django import template

from intake.states import ProposalState

register = template.Library()


@register.filter
def state_label(value: str) -> str:
    """Return the label of the state ``value`` in the page's language; the value itself if it is not a state."""
    return str(ProposalState(value).label) if value in ProposalState.values else value
