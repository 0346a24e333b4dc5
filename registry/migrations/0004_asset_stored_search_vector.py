"""The assets' text-search vector stored on PostgreSQL, with its GIN index, in place of the index on an expression.

On PostgreSQL, ``search_vector`` is the ``simple`` vector of ``search_text``, generated and kept
with its words' positions (the search ranks by it), and indexed: a search matches and ranks
each hit without parsing its text again. The GIN index on the expression that 0001 made goes.
SQLite keeps its FTS5 table; nothing changes there.
"""

from django.db import migrations

from records.search import stored_vector_create, stored_vector_drop

EXPRESSION_INDEX = "ipasset_search_gin"
STORED_INDEX = "ipasset_search_vector_gin"


def vector_create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {EXPRESSION_INDEX}")
    model = apps.get_model("registry", "IPAsset")
    stored_vector_create(schema_editor, model, column="search_text", gin_name=STORED_INDEX, ranked=True)


def vector_drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("registry", "IPAsset")
    stored_vector_drop(schema_editor, model)
    schema_editor.execute(
        f"CREATE INDEX {EXPRESSION_INDEX} ON registry_ipasset "
        "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_text, '')))"
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_directory_search_index_on_postgresql")]

    operations = [migrations.RunPython(vector_create, vector_drop)]
