"""The full-text index of any model with a folded text column, on both back ends (docs/adr/0036).

A searchable model keeps its text folded (``records.search_text.fold``) in one column. On
PostgreSQL a GIN index holds the ``simple`` text-search vector of that column; on SQLite an FTS5
table ``<table>_fts`` over the same column, kept in step by triggers (so rows written by
``bulk_create`` or ``update`` are indexed too). ``search_index_create`` makes either in a
migration; ``text_matches`` reads it, matching every word of a query as a prefix, as a
subquery of the row keys that joins the caller's own query (its access rule and filters), so a
search costs the same number of queries whatever it finds. A model with a stored vector on
PostgreSQL (``stored``) is matched on its own rows by ``text_filter`` (the GIN index read first,
the caller's conditions on its hits) and ranked from that vector by ``text_rank``. The registry's
assets and the proposals (``intake.ProposalSearchDocument``) are searched through here.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, SearchVectorField
from django.db import connection, models
from django.db.models.expressions import Expression, RawSQL

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


def _stored_vector_statements(table: str, column: str, gin_name: str, *, ranked: bool = False) -> list[str]:
    vector = f"to_tsvector('simple'::regconfig, COALESCE({column}, ''))"
    return [
        f"ALTER TABLE {table} ADD COLUMN {VECTOR_COLUMN} tsvector GENERATED ALWAYS AS "
        f"({vector if ranked else f'strip({vector})'}) STORED",
        f"CREATE INDEX {gin_name} ON {table} USING gin ({VECTOR_COLUMN})",
    ]


def stored_vector_create(
    schema_editor: Any, model: type[models.Model], *, column: str, gin_name: str, ranked: bool = False
) -> None:
    """On PostgreSQL, give ``model`` the stored vector of ``column`` (``VECTOR_COLUMN``) and its GIN index.

    Nothing elsewhere: for a model whose index was made without ``stored``, its SQLite FTS5 table stays as it is.
    ``ranked``: keep the words' positions, for ``text_rank(..., stored=True)``.
    """
    if schema_editor.connection.vendor == "postgresql":
        for statement in _stored_vector_statements(model._meta.db_table, column, gin_name, ranked=ranked):
            schema_editor.execute(statement)


def stored_vector_drop(schema_editor: Any, model: type[models.Model]) -> None:
    """Drop what ``stored_vector_create`` made (its index goes with the column)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {model._meta.db_table} DROP COLUMN IF EXISTS {VECTOR_COLUMN}")


class StoredVector(Expression):
    """The stored vector (``VECTOR_COLUMN``) of the row a query reads, on PostgreSQL.

    The column is made by a migration, not declared on the model (SQLite has none), so it is
    named here, on the query's own table under whatever alias the query gives it (a subquery's
    ``U0`` included).
    """

    output_field = SearchVectorField()

    # A list of parameters, as Django's own expressions give (its compiler adds them up as lists).
    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name_unless_alias(alias)}.{connection.ops.quote_name(VECTOR_COLUMN)}", []


def text_filter(
    rows: models.QuerySet[Any], *, column: str, words: list[str], stored: bool = False
) -> models.QuerySet[Any]:
    """Keep the ``rows`` whose ``column`` holds every one of ``words`` (each as a prefix), on the rows themselves.

    With ``stored`` on PostgreSQL, the condition is on the rows' stored vector, in the very query
    (the planner reads the GIN index first, then the caller's other conditions on those hits);
    elsewhere the keys of ``text_matches``. ``words`` are folded and not empty.
    """
    if connection.vendor == "postgresql" and stored:
        query = SearchQuery(tsquery(words), config="simple", search_type="raw")
        return rows.alias(_matched_vector=StoredVector()).filter(_matched_vector=query)
    return rows.filter(pk__in=text_matches(rows.model, column=column, words=words))


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


def text_rank(path: str, *, words: list[str], stored: bool = False) -> SearchRank | None:
    """Return how well the folded text at ``path`` matches ``words``, to order by (PostgreSQL only; None elsewhere).

    ``stored``: rank from the row's own stored vector (made ``ranked`` by ``stored_vector_create``)
    rather than parse its text again. SQLite's order is the caller's own: FTS5's rank would need a
    join for every row.
    """
    if connection.vendor != "postgresql":
        return None
    vector = StoredVector() if stored else SearchVector(path, config="simple")
    return SearchRank(vector, SearchQuery(tsquery(words), config="simple", search_type="raw"))
