"""Rebuild the configured database and media folder (both new and empty) from a backup, and verify them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stewardship.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="An archive written by manage.py backup.")

    def handle(self, *args: Any, archive: Path, **options: Any) -> None:
        try:
            restored = backup_restore(archive_path=archive)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if restored.problems:
            raise CommandError(
                "The restore does not match the backup's manifest:\n- " + "\n- ".join(restored.problems), returncode=1
            )
        self.stdout.write(
            f"Restored {sum(restored.counts.values())} rows and {restored.files} files from {archive}, "
            f"backed up at {restored.manifest['started_at']}; every count and hash matches the manifest."
        )
