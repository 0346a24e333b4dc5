"""The registry's template filters: the text of a bilingual pair in the reader's language."""

from __future__ import annotations

from django import template
from django.utils import translation

register = template.Library()


@register.filter
def bilingual(english: str, french: str) -> str:
    """Return ``french`` when the page or message is in French (and it is not empty), else ``english``."""
    if (translation.get_language() or "").startswith("fr") and french:
        return french
    return english
