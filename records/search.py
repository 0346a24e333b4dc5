"""The full-text index of any model with a folded text column, on both back ends (docs/adr/0036).

A searchable model keeps its text folded (``records.search_text.fold``) in one column. On
PostgreSQL a GIN index holds the ``simple`` text-search vector of that column; on SQLite an FTS5
table ``<table>_fts`` over the same column, kept in step by triggers (so rows written by
``bulk_create`` or ``update`` are indexed too). ``search_index_create`` makes either in a
migration; ``text_matches`` reads it, matching every word of a query as a prefix, as a
subquery of the row keys that joins the caller's own query (its access rule and filters), so a
search costs the same number of queries whatever it finds. The registry's assets and the
proposals (``intake.ProposalSearchDocument``) are searched through here.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection, models
from django.db.models.expressions import RawSQL

from records.search_text import fts5_match, tsquery

#: The generated column holding a text's vector on PostgreSQL, for an index made ``stored``.
VECTOR_COLUMN = "search_vector"


def fts_table(model: type[models.Model]) -> str:
    """Return the name of ``model``'s FTS5 table on SQLite."""
    return f"{model._meta.db_table}_fts"


def _gin_index(column: str, name: str) -> GinIndex:
    # The very expression ``text_matches`` filters on, so that the planner uses the index.
    return GinIndex(SearchVector(column, config="simple"), name=name)


def _fts5_statements(table: str, key: str, column: str) -> list[str]:
    # Every name is the model's own (its table, key and column), never a user's input.
    fts = f"{table}_fts"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5("
        f"{column}, content='{table}', content_rowid='{key}', tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "  # noqa: S608
        f"INSERT INTO {fts}(rowid, {column}) VALUES (new.{key}, new.{column}); END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "  # noqa: S608
        f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.{key}, old.{column}); END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {column} ON {table} BEGIN "  # noqa: S608
        f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.{key}, old.{column}); "
        f"INSERT INTO {fts}(rowid, {column}) VALUES (new.{key}, new.{column}); END",
        # Rows already there (a table filled before its index) are indexed once.
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # noqa: S608
    ]


def _stored_vector_statements(table: str, column: str, gin_name: str) -> list[str]:
    return [
        f"ALTER TABLE {table} ADD COLUMN {VECTOR_COLUMN} tsvector GENERATED ALWAYS AS "
        f"(strip(to_tsvector('simple'::regconfig, COALESCE({column}, '')))) STORED",
        f"CREATE INDEX {gin_name} ON {table} USING gin ({VECTOR_COLUMN})",
    ]


def search_index_create(
    schema_editor: Any, model: type[models.Model], *, column: str, gin_name: str, stored: bool = False
) -> None:
    """Create ``model``'s full-text index over ``column``: FTS5 and triggers on SQLite, a GIN index on PostgreSQL.

    ``stored``: on PostgreSQL, keep the text's vector in a generated column (``VECTOR_COLUMN``) and index
    that, for long texts: matching then never parses a text again, whatever plan the database chooses.
    The vector is stripped of its positions (each word once): it is matched, never ranked.
    """
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        table, key = model._meta.db_table, str(model._meta.pk.column)
        for statement in _fts5_statements(table, key, column):
            schema_editor.execute(statement)
    elif vendor == "postgresql" and stored:
        for statement in _stored_vector_statements(model._meta.db_table, column, gin_name):
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        schema_editor.add_index(model, _gin_index(column, gin_name))


def search_index_drop(
    schema_editor: Any, model: type[models.Model], *, column: str, gin_name: str, stored: bool = False
) -> None:
    """Drop what ``search_index_create`` made."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        fts = fts_table(model)
        for suffix in ("_update", "_delete", "_insert"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {fts}{suffix}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {fts}")
    elif vendor == "postgresql" and stored:
        schema_editor.execute(f"ALTER TABLE {model._meta.db_table} DROP COLUMN IF EXISTS {VECTOR_COLUMN}")
    elif vendor == "postgresql":
        schema_editor.remove_index(model, _gin_index(column, gin_name))


def text_matches(model: type[models.Model], *, column: str, words: list[str], stored: bool = False) -> Any:
    """Return the keys of ``model``'s rows whose ``column`` holds every one of ``words`` (each as a prefix).

    A subquery for ``filter(pk__in=...)`` or ``filter(<relation>__in=...)``: PostgreSQL reads the
    GIN index (on the stored vector when the index was made ``stored``), SQLite the FTS5 table.
    ``words`` are folded (``records.search_text.query_words``) and not empty.
    """
    if connection.vendor == "postgresql" and stored:
        # The names are the model's own; the words are a parameter.
        table, key = model._meta.db_table, model._meta.pk.column
        return RawSQL(  # noqa: S611
            f"SELECT {key} FROM {table} WHERE {VECTOR_COLUMN} @@ to_tsquery('simple'::regconfig, %s)",  # noqa: S608
            (tsquery(words),),
        )
    if connection.vendor == "postgresql":
        query = SearchQuery(tsquery(words), config="simple", search_type="raw")
        return (
            model._default_manager.annotate(search=SearchVector(column, config="simple"))
            .filter(search=query)
            .values("pk")
        )
    if connection.vendor == "sqlite":
        fts = fts_table(model)
        # The table's name is the model's own; the words are a parameter.
        return RawSQL(f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", (fts5_match(words),))  # noqa: S608, S611
    # Any other database: a plain containment of each folded word (no index; not a supported back end).
    rows = model._default_manager.all()
    for word in words:
        rows = rows.filter(**{f"{column}__contains": word})
    return rows.values("pk")


def text_rank(path: str, *, words: list[str]) -> SearchRank | None:
    """Return how well the folded text at ``path`` matches ``words``, to order by (PostgreSQL only; None elsewhere).

    SQLite's order is the caller's own: FTS5's rank would need a join for every row.
    """
    if connection.vendor != "postgresql":
        return None
    return SearchRank(
        SearchVector(path, config="simple"), SearchQuery(tsquery(words), config="simple", search_type="raw")
    )
