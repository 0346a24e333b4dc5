"""The registry's search: words in English or French, filters, and only what the searcher may read.

One selector, two back ends (docs/adr/0036), read through ``records.search``: PostgreSQL's text
search over the ``simple`` vector of ``IPAsset.search_text`` (its GIN index made by the
migration), SQLite's FTS5 table ``registry_ipasset_fts`` over the same column. Both match every
folded word of the query as a prefix, so ``brevet`` finds ``brevets`` and ``donnees`` finds ``données``. The access rule
(``registry.access.asset_visible_q``) and the filters join the same query: a page of results
costs the same number of queries whatever it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet

from records.search import text_filter, text_rank
from records.search_text import query_words
from registry.access import assets_visible_to
from registry.models import IPAsset


@dataclass(frozen=True)
class Filters:
    """What a search narrows to; empty strings mean "any"."""

    text: str = ""
    asset_type: str = ""
    sector: str = ""
    jurisdiction: str = ""
    listing: str = ""
    category: str = ""
    program: int | None = None


def _sector_q(sector: str) -> Q:
    return (
        Q(sectors=sector)
        | Q(sectors__startswith=f"{sector},")
        | Q(sectors__endswith=f",{sector}")
        | Q(sectors__contains=f",{sector},")
    )


def assets_search(*, user: Any, filters: Filters) -> QuerySet[IPAsset]:
    """Return the assets ``user`` may read that match ``filters``, the best matches first when words are given."""
    assets = assets_visible_to(user=user)
    if filters.asset_type:
        assets = assets.filter(asset_type=filters.asset_type)
    if filters.sector:
        assets = assets.filter(_sector_q(filters.sector))
    if filters.jurisdiction:
        assets = assets.filter(jurisdiction__iexact=filters.jurisdiction.strip())
    if filters.listing:
        assets = assets.filter(listing=filters.listing)
    if filters.category:
        assets = assets.filter(category=filters.category)
    if filters.program is not None:
        assets = assets.filter(program_id=filters.program)
    words = query_words(filters.text)
    if not words:
        return assets.order_by("-published_at", "-pk")
    assets = text_filter(assets, column="search_text", words=words, stored=True)
    rank = text_rank("search_text", words=words, stored=True)
    if rank is not None:
        return assets.annotate(rank=rank).order_by("-rank", "-pk")
    return assets.order_by(F("published_at").desc(nulls_last=True), "-pk")
