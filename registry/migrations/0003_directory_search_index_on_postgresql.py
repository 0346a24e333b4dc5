"""The directory's search index on PostgreSQL: the table SQLite has had since 0002, with a stemmed vector.

One row per profile or announcement (``kind``, ``ref``), its text in ``body`` as the directory's
service writes it on both back ends (``registry.services.directory.directory_index_write``). On
PostgreSQL ``vector`` is that text's English and French vectors, generated and kept, with a GIN
index: a search reads the index instead of parsing every member's text at each request. The rows
of the profiles and announcements already there are written once here.
"""

from django.db import migrations

CREATE = [
    "CREATE TABLE registry_directory_fts ("
    "kind varchar(20) NOT NULL, ref bigint NOT NULL, body text NOT NULL, "
    "vector tsvector GENERATED ALWAYS AS ("
    "to_tsvector('english'::regconfig, body) || to_tsvector('french'::regconfig, body)) STORED, "
    "PRIMARY KEY (kind, ref))",
    "CREATE INDEX registry_directory_fts_vector ON registry_directory_fts USING gin (vector)",
    # The profiles' text as ``registry.services.directory._profile_text`` writes it.
    "INSERT INTO registry_directory_fts (kind, ref, body) "
    "SELECT 'profile', p.id, concat_ws(E'\\n', o.legal_name, p.description_en, p.description_fr, "
    "p.capabilities, p.technologies, p.region) "
    "FROM registry_organizationprofile p JOIN accounts_organization o ON o.id = p.organization_id",
    # The announcements' text as ``registry.services.directory.announcement_post`` writes it.
    "INSERT INTO registry_directory_fts (kind, ref, body) "
    "SELECT 'announcement', a.id, concat_ws(E'\\n', a.title, a.needs, o.legal_name, "
    "(SELECT string_agg(r.name_en || ' ' || r.name_fr, E'\\n' ORDER BY r.id) "
    "FROM registry_announcement_roles ar JOIN intake_consortiumrole r ON r.id = ar.consortiumrole_id "
    "WHERE ar.announcement_id = a.id)) "
    "FROM registry_announcement a JOIN accounts_organization o ON o.id = a.organization_id",
]


def index_create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def index_drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS registry_directory_fts")


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_directory")]

    operations = [migrations.RunPython(index_create, index_drop)]
