"""Backups and restores: the database and every uploaded file in one archive with a manifest of hashes.

The archive is a tar file holding ``manifest.json``, the database (``database.sqlite3``,
copied through SQLite's online backup API, or ``database.pgdump``, PostgreSQL's custom
format) and ``media/`` with the uploads. The uploads are listed, read and written through
Django's default storage, so the same archive serves the local disk and an S3-compatible
bucket, and moves a site from one to the other (ADR 0025). The manifest counts the rows of every model as
they were in the database's copy and gives each file's SHA-256, so that a restore can prove
it rebuilt what was backed up. Both run while the site serves: SQLite's backup copies one
consistent state, and on PostgreSQL the counts and ``pg_dump`` read one exported snapshot.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import connection, transaction
from django.db.models import FileField
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore could not be made or does not match its manifest; the message says why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _sha256_stored(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _models() -> list[Any]:
    return sorted(
        (model for model in apps.get_models() if not model._meta.proxy and model._meta.managed),
        key=lambda model: model._meta.label,
    )


def restored_count(label: str) -> int | None:
    """Return how many rows the model named ``label`` holds now; None if no model answers to it.

    An archive made before a model moved to another app with its table (the board's models
    and the records left ``workflow`` so) names it by its former label, whose default table
    (``workflow_auditrecord``) is the one the model keeps: it is found by that table.
    """
    app_label, _, name = label.partition(".")
    table = f"{app_label}_{name.lower()}"
    for model in _models():
        if model._meta.label == label or model._meta.db_table == table:
            return int(model._default_manager.count())
    return None


def _storage() -> Storage:
    return default_storage  # type: ignore[return-value]  # a lazy proxy of the configured Storage


def _storage_described(storage: Storage) -> str:
    if isinstance(storage, FileSystemStorage):  # a lazy proxy answers for the storage it wraps
        return f"The media folder {storage.location}"
    return f"The bucket {getattr(storage, 'bucket_name', '?')}"


def _stored_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Yield the name of every file in ``storage`` under ``folder``, in order, through the storage API alone."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # the local media folder does not exist yet: nothing was uploaded
        return
    prefix = f"{folder.rstrip('/')}/" if folder else ""
    entries = [(name, False) for name in files] + [(name, True) for name in folders]
    for name, is_folder in sorted(entries):
        if is_folder:
            yield from _stored_names(storage, prefix + name)
        else:
            yield prefix + name


def _safe_name(name: str) -> str:
    relative = Path(name)
    if not name or relative.is_absolute() or ".." in relative.parts or "\\" in name:
        raise BackupError(f"The archive names a file outside the media folder: {name}")
    return relative.as_posix()


def _pg_environment(settings_dict: dict[str, Any]) -> dict[str, str]:
    environment = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if settings_dict.get(key):
            environment[variable] = str(settings_dict[key])
    return environment


def _run(command: list[str], *, environment: dict[str, str]) -> None:
    finished = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603
    if finished.returncode != 0:
        raise BackupError(f"{command[0]} failed: {finished.stderr.strip()}")


def _counts_sqlite(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as copy:
        return {
            model._meta.label: copy.execute(f'SELECT COUNT(*) FROM "{model._meta.db_table}"').fetchone()[0]  # noqa: S608
            for model in _models()
        }


def _dump_sqlite(target: Path) -> dict[str, int]:
    source = sqlite3.connect(connection.settings_dict["NAME"])
    try:
        with sqlite3.connect(target) as copy:
            source.backup(copy)
    finally:
        source.close()
    return _counts_sqlite(target)


def _dump_postgresql(target: Path) -> dict[str, int]:
    """Dump the database with pg_dump and count its rows, both in one exported snapshot."""
    settings_dict = connection.settings_dict
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        _run(
            ["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}", f"--file={target}",
             settings_dict["NAME"]],
            environment=_pg_environment(settings_dict),
        )  # fmt: skip
        return {model._meta.label: model._default_manager.count() for model in _models()}


@dataclass
class Backup:
    path: Path
    manifest: dict[str, Any]


def backup_create(*, output: Path) -> Backup:
    """Write one archive of the database and the uploads to ``output``; return it with its manifest."""
    engine = connection.vendor
    if engine not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")
    started = timezone.now()
    with tempfile.TemporaryDirectory() as work:
        database = Path(work) / ("database.sqlite3" if engine == "sqlite" else "database.pgdump")
        counts = _dump_sqlite(database) if engine == "sqlite" else _dump_postgresql(database)
        staged = Path(work) / "media"
        files = []
        storage = _storage()
        for name in _stored_names(storage):
            target = staged / _safe_name(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with storage.open(name, "rb") as source, target.open("wb") as handle:
                    shutil.copyfileobj(source, handle, CHUNK)
            except FileNotFoundError:  # deleted since it was listed; no row the copy holds needs it
                target.unlink(missing_ok=True)
                continue
            files.append({"path": name, "sha256": _sha256(target), "size": target.stat().st_size})
        manifest = {
            "format": FORMAT,
            "started_at": started.isoformat(),
            "finished_at": timezone.now().isoformat(),
            "engine": engine,
            "database": {"file": database.name, "sha256": _sha256(database), "size": database.stat().st_size},
            "counts": counts,
            "files": files,
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(started.timestamp())
            archive.addfile(info, io.BytesIO(data))
            archive.add(database, arcname=database.name)
            for entry in files:
                archive.add(staged / str(entry["path"]), arcname=f"media/{entry['path']}")
        partial.replace(output)  # a reader never sees half an archive under the final name
    return Backup(path=output, manifest=manifest)


@dataclass
class Restore:
    manifest: dict[str, Any]
    counts: dict[str, int]
    files: int
    problems: list[str] = field(default_factory=list)


def _member(archive: tarfile.TarFile, name: str) -> tarfile.TarInfo:
    try:
        member = archive.getmember(name)
    except KeyError as error:
        raise BackupError(f"The archive has no {name}.") from error
    if not member.isfile():
        raise BackupError(f"{name} in the archive is not a file.")
    return member


def _extract(archive: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    source = archive.extractfile(member)
    if source is None:
        raise BackupError(f"{member.name} cannot be read from the archive.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with source, target.open("wb") as handle:
        shutil.copyfileobj(source, handle, CHUNK)


def _database_empty() -> bool:
    return not connection.introspection.table_names()


def _restore_sqlite(database: Path) -> None:
    target = Path(connection.settings_dict["NAME"])
    connection.close()
    if target.exists() and target.stat().st_size > 0:
        with sqlite3.connect(target) as existing:
            if existing.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]:
                raise BackupError(f"The database {target} is not empty: restore into a new one.")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(database)
    try:
        with sqlite3.connect(target) as copy:
            source.backup(copy)
    finally:
        source.close()


def _restore_postgresql(database: Path) -> None:
    settings_dict = connection.settings_dict
    if not _database_empty():
        raise BackupError(f"The database {settings_dict['NAME']} is not empty: restore into a new one.")
    connection.close()
    _run(
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={settings_dict['NAME']}",
         str(database)],
        environment=_pg_environment(settings_dict),
    )  # fmt: skip


def _file_field_paths() -> Iterator[tuple[str, str]]:
    for model in _models():
        for model_field in model._meta.get_fields():
            if isinstance(model_field, FileField):
                names = model._default_manager.exclude(**{model_field.name: ""}).values_list(
                    model_field.name, flat=True
                )
                for name in names:
                    yield model._meta.label, str(name)


def backup_restore(*, archive_path: Path) -> Restore:
    """Rebuild the configured (empty) database and file storage from an archive, and check them against its manifest.

    Each file is written through the default storage (the media folder or the bucket the
    environment names) and read back from it to check its hash.
    """
    storage = _storage()
    if next(_stored_names(storage), None) is not None:
        raise BackupError(f"{_storage_described(storage)} is not empty: restore into a new one.")
    with tarfile.open(archive_path, "r") as archive, tempfile.TemporaryDirectory() as work:
        manifest = json.load(archive.extractfile(_member(archive, MANIFEST)))  # type: ignore[arg-type]
        if manifest.get("format") != FORMAT:
            raise BackupError(f"This archive's format is {manifest.get('format')}, not {FORMAT}.")
        if manifest["engine"] != connection.vendor:
            raise BackupError(f"This archive holds a {manifest['engine']} database; the site runs {connection.vendor}.")
        database = Path(work) / manifest["database"]["file"]
        _extract(archive, _member(archive, manifest["database"]["file"]), database)
        if _sha256(database) != manifest["database"]["sha256"]:
            raise BackupError("The database in the archive does not match its manifest's hash.")
        problems = []
        for entry in manifest["files"]:
            name = _safe_name(entry["path"])
            staged = Path(work) / "media" / name
            _extract(archive, _member(archive, f"media/{entry['path']}"), staged)
            with staged.open("rb") as handle:
                stored = storage.save(name, File(handle, name=name))
            staged.unlink()
            if stored != name:
                problems.append(f"file {name}: stored as {stored}")
            if _sha256_stored(storage, stored) != entry["sha256"]:
                problems.append(f"file {name}: its hash differs from the manifest's")
        if manifest["engine"] == "sqlite":
            _restore_sqlite(database)
        else:
            _restore_postgresql(database)
    counts = {model._meta.label: model._default_manager.count() for model in _models()}
    for label, expected in manifest["counts"].items():
        restored = counts[label] if label in counts else restored_count(label)
        if restored != expected:
            problems.append(f"{label}: {restored} rows restored, {expected} backed up")
    for label, name in _file_field_paths():
        if not storage.exists(name):
            problems.append(f"{label}: the file {name} is missing")
    return Restore(manifest=manifest, counts=counts, files=len(manifest["files"]), problems=problems)
