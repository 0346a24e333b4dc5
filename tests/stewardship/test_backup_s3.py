"""Backups and restores of a site whose uploads are in S3-compatible object storage (moto's server, not a real S3)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from intake.models import Attachment
from stewardship.backup import BackupError, backup_create, backup_restore
from tests.factories import AttachmentFactory
from tests.stewardship.test_backup import Restored

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def restored(tmp_path: Path) -> Any:
    target = Restored(tmp_path)
    yield target
    target.drop()


def test_restore_drill_from_one_bucket_into_a_new_one(
    s3_storage: str, s3_server: Any, restored: Restored, tmp_path: Path
) -> None:
    call_command("seed_demo", stdout=io.StringIO())  # the demo's documents go through the storage too
    AttachmentFactory.create_batch(3)
    hashes = {attachment.file.name: attachment.sha256 for attachment in Attachment.objects.all()}
    backup = backup_create(output=tmp_path / "backup.tar")
    target = s3_server.new_bucket()
    restored.env.update(s3_server.environment(target))

    restore = restored.run("manage.py", "restore", str(backup.path))
    site = restored.run("-m", "tests.stewardship.restored_site", "[]")

    assert restore.returncode == 0, restore.stderr
    assert "every count and hash matches the manifest" in restore.stdout
    # Every stored file is backed up and restored: the applications' attachments, and the funded
    # project's evidence and the registry's documents the demo also stores.
    assert set(hashes) <= set(s3_server.keys(s3_storage))
    assert s3_server.keys(target) == s3_server.keys(s3_storage)
    assert [entry["path"] for entry in backup.manifest["files"]] == s3_server.keys(s3_storage)
    client = s3_server.client()
    assert {client.head_object(Bucket=target, Key=name)["ServerSideEncryption"] for name in s3_server.keys(target)} == {
        "AES256"
    }
    assert site.returncode == 0, site.stderr
    served = json.loads(site.stdout)
    assert served["files"] == hashes
    assert served["pages"]["the demo applicant's proposal"] == 200


def test_restore_from_the_disk_into_a_bucket(
    media_root: Path, s3_server: Any, restored: Restored, tmp_path: Path
) -> None:
    attachment = AttachmentFactory()
    backup = backup_create(output=tmp_path / "backup.tar")
    target = s3_server.new_bucket()
    restored.env.update(s3_server.environment(target))

    restore = restored.run("manage.py", "restore", str(backup.path))

    assert restore.returncode == 0, restore.stderr
    assert s3_server.keys(target) == [attachment.file.name]
    body = s3_server.client().get_object(Bucket=target, Key=attachment.file.name)["Body"].read()
    assert body == (media_root / attachment.file.name).read_bytes()


def test_restore_refuses_a_bucket_that_is_not_empty(s3_storage: str, tmp_path: Path) -> None:
    AttachmentFactory()
    backup = backup_create(output=tmp_path / "backup.tar")

    with pytest.raises(BackupError, match=f"The bucket {s3_storage} is not empty: restore into a new one"):
        backup_restore(archive_path=backup.path)


def test_restore_names_a_row_whose_file_the_archive_lacks(
    s3_storage: str, s3_server: Any, restored: Restored, tmp_path: Path
) -> None:
    kept, lost = AttachmentFactory(), AttachmentFactory()
    s3_server.client().delete_object(Bucket=s3_storage, Key=lost.file.name)
    backup = backup_create(output=tmp_path / "backup.tar")
    restored.env.update(s3_server.environment(s3_server.new_bucket()))

    restore = restored.run("manage.py", "restore", str(backup.path))

    assert [entry["path"] for entry in backup.manifest["files"]] == [kept.file.name]
    assert restore.returncode == 1
    assert f"intake.Attachment: the file {lost.file.name} is missing" in restore.stderr
