"""Benchmark of backups and restores: ``python -m bench.backup --proposals 10000 --files-per-proposal 3``.

Seeds that many submitted proposals, each with that many small attachments written to the
media folder, into a fresh database; times ``manage.py backup``'s work (``backup_create``),
then ``manage.py restore`` into another fresh database and media folder in a new process,
as an operator would run it. Prints one JSON line per step, with the archive's size.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BATCH = 2000
#: A small PDF-like file of about 2 KiB: what a letter of support weighs, give or take.
FILE_BYTES = b"%PDF-1.4\n" + b"0" * 2048 + b"\n%%EOF\n"


def _seed(count: int, per_proposal: int, media: Path) -> int:
    """Bulk-create ``count`` submitted proposals with ``per_proposal`` attachments each, files written; return files."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.choices import OrganizationType, Role
    from accounts.models import Organization, User
    from intake.models import Attachment, Call, Program, Proposal
    from intake.services.rule_rows import call_rules_write, rules_from_fields
    from intake.services.stages import call_stages_default
    from intake.states import ProposalState as S

    now = timezone.now()
    program = Program.objects.create(slug="bench-backup", name_en="B", name_fr="B")
    call = Call.objects.create(
        program=program, slug="backup", title_en="Bench call", title_fr="Appel",
        loi_opens_at=now - timedelta(days=60), loi_closes_at=now - timedelta(days=30),
        application_closes_at=now + timedelta(days=30), review_due_at=now + timedelta(days=60),
        board_meeting_at=now + timedelta(days=90), funding_envelope=Decimal("1000000"),
    )  # fmt: skip
    call_rules_write(call=call, rules=rules_from_fields(funded_partner_types=[OrganizationType.SME]))
    stages = call_stages_default(call=call)
    applicant = User.objects.create_user(email="bench-applicant@example.org", password=None, display_name="A")
    applicant.groups.add(Group.objects.get(name=Role.APPLICANT))
    organization = Organization.objects.create(
        legal_name="Bench Robotics", kind=OrganizationType.SME, employee_count=20, province="ON"
    )
    digest = hashlib.sha256(FILE_BYTES).hexdigest()
    files = 0
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        proposals = Proposal.objects.bulk_create(
            Proposal(call=call, stage=stages["application"], path=list(stages),
                     lead_applicant=applicant, lead_organization=organization, state=S.SUBMITTED,
                     title=f"Project {start + i}", summary="A summary.", estimated_total_cost=Decimal("3000000"),
                     estimated_funding_requested=Decimal("1000000"))
            for i in range(size)
        )  # fmt: skip
        if not all(p.pk for p in proposals):  # A backend that returns no keys from bulk_create.
            proposals = list(Proposal.objects.filter(call=call).order_by("-pk")[:size])
        rows = []
        for proposal in proposals:
            folder = media / "proposals" / str(proposal.pk)
            folder.mkdir(parents=True, exist_ok=True)
            for n in range(per_proposal):
                name = f"proposals/{proposal.pk}/letter-{n}.pdf"
                (media / name).write_bytes(FILE_BYTES)
                rows.append(
                    Attachment(proposal=proposal, kind="letters_of_support", file=name, original_name=f"letter-{n}.pdf",
                               content_type="application/pdf", size=len(FILE_BYTES), sha256=digest,
                               uploaded_by=applicant)
                )  # fmt: skip
        Attachment.objects.bulk_create(rows, batch_size=BATCH)
        files += len(rows)
    return files


def _target_environment(vendor: str, work: Path) -> tuple[dict[str, str], Any]:
    """Return the environment of a new, empty database and media folder, and what drops that database."""
    environment = {**os.environ, "MEDIA_ROOT": str(work / "restored-media")}
    if vendor == "sqlite":
        environment["SQLITE_PATH"] = str(work / "restored.sqlite3")
        environment.pop("DATABASE_URL", None)
        return environment, lambda: None
    import environ

    from bench.database import _admin, _server_params

    url = os.environ["DATABASE_URL"]
    server = _server_params(environ.Env.db_url_config(url))
    name = f"clusterflow_bench_restore_{os.getpid()}"
    _admin(server, "CREATE DATABASE {}", name)
    environment["DATABASE_URL"] = urlsplit(url)._replace(path=f"/{name}").geturl()
    return environment, lambda: _admin(server, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


def measure(count: int, per_proposal: int, media: Path, work: Path) -> list[dict[str, Any]]:
    """Seed, back up and restore; return one line per step."""
    from django.core.management import call_command
    from django.db import connection

    from stewardship.backup import backup_create

    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    files = _seed(count, per_proposal, media)
    print(f"seeded {count} proposals and {files} files in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    vendor = connection.vendor
    archive = work / "backup.tar"
    started = time.perf_counter()
    made = backup_create(output=archive)
    backup_seconds = time.perf_counter() - started
    rows = sum(made.manifest["counts"].values())
    lines = [{"case": "backup", "database": vendor, "proposals": count, "files": files, "rows": rows,
              "seconds": round(backup_seconds, 2), "archive_bytes": archive.stat().st_size}]  # fmt: skip
    environment, drop = _target_environment(vendor, work)
    try:
        started = time.perf_counter()
        restored = subprocess.run(  # noqa: S603 (this interpreter, this project's manage.py)
            [sys.executable, "manage.py", "restore", str(archive)],
            env=environment, capture_output=True, text=True, check=False,
        )  # fmt: skip
        restore_seconds = time.perf_counter() - started
    finally:
        drop()
    if restored.returncode != 0:
        raise SystemExit(f"bench: the restore failed: {restored.stderr.strip()}")
    verified = "every count and hash matches" in restored.stdout
    lines.append({"case": "restore", "database": vendor, "proposals": count, "files": files, "rows": rows,
                  "seconds": round(restore_seconds, 2), "verified": verified})  # fmt: skip
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backup", description=__doc__)
    parser.add_argument("--proposals", type=int, default=10_000, help="proposals (10000)")
    parser.add_argument("--files-per-proposal", type=int, default=3, help="attachments per proposal (3)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from bench.database import fresh_database

    with fresh_database() as (_vendor, _name), tempfile.TemporaryDirectory(prefix="clusterflow-bench-") as work:
        media = Path(work) / "media"
        os.environ["MEDIA_ROOT"] = str(media)
        import django

        django.setup()
        for line in measure(args.proposals, args.files_per_proposal, media, Path(work)):
            print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
