"""Backups and restores: the restore drill (a backup taken while a writer submits, restored and booted elsewhere)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import threading
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from intake.models import Attachment, Proposal
from records.audit_chain import audit_seal
from records.models import AuditRecord
from stewardship.backup import BackupError, backup_create, backup_restore, restored_count
from tests.factories import AttachmentFactory, CallFactory, ProposalFactory
from workflow.actions import proposal_submit_loi

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def _submit(proposal: Proposal) -> Proposal:
    return proposal_submit_loi(proposal=proposal, by=proposal.lead_applicant)


class Restored:
    """A new, empty database (and media folder) of the run's kind, and the environment that points at it."""

    def __init__(self, tmp_path: Path) -> None:
        self.media = tmp_path / "restored-media"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "true",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "AUDIT_CHAIN_KEY": settings.AUDIT_CHAIN_KEY,
            "MEDIA_ROOT": str(self.media),
        }
        self.database = ""
        if connection.vendor == "postgresql":
            source = connection.settings_dict
            self.database = f"{source['NAME']}_restored"
            self._maintenance(f'DROP DATABASE IF EXISTS "{self.database}"', f'CREATE DATABASE "{self.database}"')
            password = f":{source['PASSWORD']}" if source.get("PASSWORD") else ""
            self.env["DATABASE_URL"] = (
                f"postgres://{source['USER']}{password}@{source['HOST']}:{source['PORT'] or 5432}/{self.database}"
            )
        else:
            self.env.pop("DATABASE_URL", None)
            self.env["SQLITE_PATH"] = str(tmp_path / "restored.sqlite3")

    def _maintenance(self, *statements: str) -> None:
        with connection._nodb_cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, *args]
        return subprocess.run(command, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603

    def drop(self) -> None:
        if self.database:
            self._maintenance(f'DROP DATABASE IF EXISTS "{self.database}"')


@pytest.fixture
def restored(tmp_path: Path) -> Any:
    target = Restored(tmp_path)
    yield target
    target.drop()


def test_restore_drill_rebuilds_every_submission_and_file(media_root: Path, restored: Restored, tmp_path: Path) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    call = CallFactory()
    drafts = [AttachmentFactory(proposal=ProposalFactory(call=call)).proposal for _ in range(16)]
    before = [_submit(proposal).pk for proposal in drafts[:8]]
    audit_seal(accept_late=True)  # the seed writes its history into the past
    committed: list[tuple[int, Any]] = []

    def writer() -> None:
        try:
            for proposal in drafts[8:]:
                _submit(Proposal.objects.get(pk=proposal.pk))
                committed.append((proposal.pk, timezone.now()))
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    started = timezone.now()
    backup = backup_create(output=tmp_path / "backup.tar")
    thread.join(timeout=120)
    before += [pk for pk, at in committed if at < started]
    hashes = {attachment.file.name: attachment.sha256 for attachment in Attachment.objects.all()}

    restore = restored.run("manage.py", "restore", str(backup.path))
    site = restored.run("-m", "tests.stewardship.restored_site", json.dumps(before))

    assert restore.returncode == 0, restore.stderr
    assert "every count and hash matches the manifest" in restore.stdout
    assert site.returncode == 0, site.stderr
    served = json.loads(site.stdout)
    assert served["states"] == {str(pk): "loi_submitted" for pk in before}
    assert served["pages"] == {
        "/": 200,
        "/calls/": 200,
        "/applicant/": 200,
        "the demo applicant's proposal": 200,
    }
    assert served["audit_records"] == backup.manifest["counts"]["records.AuditRecord"]
    assert served["audit_records"] >= AuditRecord.objects.filter(proposal__in=before).count()
    assert (served["audit_ok"], served["audit_problem"]) == (True, "")
    restored_hashes = served["files"]
    assert {name: restored_hashes.get(name) for name in hashes if name in restored_hashes} == {
        name: digest for name, digest in hashes.items() if name in restored_hashes
    }
    assert set(restored_hashes) >= {
        attachment.file.name for attachment in Attachment.objects.filter(proposal__in=before)
    }
    assert backup.manifest["counts"]["intake.Attachment"] == len(restored_hashes)


def test_restore_refuses_an_archive_whose_file_was_altered(
    media_root: Path, restored: Restored, tmp_path: Path
) -> None:
    AttachmentFactory()
    backup = backup_create(output=tmp_path / "backup.tar")
    altered = tmp_path / "altered.tar"
    with tarfile.open(backup.path) as source, tarfile.open(altered, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("media/"):
                data = data.replace(b"%PDF", b"%PDX")
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))

    restore = restored.run("manage.py", "restore", str(altered))

    assert restore.returncode == 1
    assert "its hash differs from the manifest's" in restore.stderr


def test_restore_refuses_a_database_that_is_not_empty(media_root: Path, tmp_path: Path, settings: Any) -> None:
    AttachmentFactory()
    backup = backup_create(output=tmp_path / "backup.tar")
    settings.MEDIA_ROOT = str(tmp_path / "empty-media")

    with pytest.raises(BackupError, match="is not empty: restore into a new one"):
        backup_restore(archive_path=backup.path)


def test_backup_manifest_counts_rows_and_hashes_files(media_root: Path, tmp_path: Path) -> None:
    attachment = AttachmentFactory()

    manifest = backup_create(output=tmp_path / "backup.tar").manifest

    assert manifest["engine"] == connection.vendor
    assert manifest["counts"]["intake.Proposal"] == 1
    assert manifest["files"] == [{"path": attachment.file.name, "sha256": attachment.sha256, "size": attachment.size}]
    with tarfile.open(tmp_path / "backup.tar") as archive:
        names = archive.getnames()
    assert names[0] == "manifest.json"
    assert f"media/{attachment.file.name}" in names


@pytest.mark.django_db
def test_restored_count_finds_a_model_by_the_label_it_had_before_it_moved_apps() -> None:
    proposal = ProposalFactory()
    AuditRecord.objects.create(proposal=proposal, action="submit_loi", from_state="draft", to_state="loi_submitted")

    assert restored_count("records.AuditRecord") == 1
    assert restored_count("workflow.AuditRecord") == 1  # an archive made before the records left workflow
    assert restored_count("workflow.NoSuchModel") is None
