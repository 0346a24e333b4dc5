"""Write one archive of the database and every uploaded file, with a manifest of counts and SHA-256 hashes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from stewardship.backup import BackupError, backup_create


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            help="Where to write the archive (default: var/backups/clusterflow-<UTC time>.tar).",
        )

    def handle(self, *args: Any, output: Path | None, **options: Any) -> None:
        from django.conf import settings

        output = output or Path(settings.VAR_DIR) / "backups" / f"clusterflow-{timezone.now():%Y%m%dT%H%M%SZ}.tar"
        try:
            made = backup_create(output=output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = made.manifest
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            f"Backed up {rows} rows of {len(manifest['counts'])} models and {len(manifest['files'])} files "
            f"({manifest['engine']}) to {made.path} ({made.path.stat().st_size} bytes)."
        )
