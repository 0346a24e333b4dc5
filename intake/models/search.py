"""The proposals' search document: the text the full-text index reads, one row per proposal (docs/search.md)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.models.proposals import Proposal


class ProposalSearchDocument(models.Model):
    """What the search finds a proposal by: its title, summary, sections, answers, organizations and documents.

    ``body`` is that text as written (the results' snippets are cut from it); ``search_text``
    the same folded (``records.search_text.fold``), which the full-text index holds: a GIN
    index on PostgreSQL, the FTS5 table ``intake_proposalsearchdocument_fts`` on SQLite
    (``records.search``). Written only by ``intake.services.search``, in the transaction of
    the change it follows; ``indexed_at`` says when, for the sweep that catches any change made
    without it.
    """

    proposal = models.OneToOneField(
        Proposal,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_document",
        verbose_name=_("proposal"),
    )
    body = models.TextField(_("text searched"), blank=True, editable=False)
    search_text = models.TextField(_("folded text"), blank=True, editable=False)
    indexed_at = models.DateTimeField(_("indexed"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("proposal's search document")
        verbose_name_plural = _("proposals' search documents")

    def __str__(self) -> str:
        return str(self.proposal_id)
