"""Boot Clusterflow on a restored database and report what it serves (run by the restore drill in a new process).

``python -m tests.stewardship.restored_site '[ids]'`` with the restored database and media
folder in the environment prints, as JSON, the row counts, the audit trail's verification,
the states of the proposals ``ids`` and what the pages answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

import django


def main(ids: list[int]) -> dict[str, object]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.test import Client

    from accounts.models import User
    from intake.models import Attachment, Proposal
    from records.audit_chain import audit_verify
    from records.models import AuditRecord

    applicant = User.objects.get(email="applicant@demo.clusterflow.ca")
    client = Client()
    client.force_login(applicant)
    mine = Proposal.objects.filter(lead_applicant=applicant).order_by("pk").first()
    pages = {
        "/": Client().get("/").status_code,
        "/calls/": Client().get("/calls/").status_code,
        "/applicant/": client.get("/applicant/").status_code,
        "the demo applicant's proposal": client.get(f"/proposals/{mine.pk}/").status_code if mine else None,
    }
    files = {
        attachment.file.name: hashlib.sha256(attachment.file.open("rb").read()).hexdigest()
        for attachment in Attachment.objects.all()
    }
    verification = audit_verify()
    return {
        "states": {str(pk): state for pk, state in Proposal.objects.filter(pk__in=ids).values_list("pk", "state")},
        "audit_records": AuditRecord.objects.count(),
        "audit_ok": verification.ok,
        "audit_problem": verification.problem,
        "files": files,
        "pages": pages,
    }


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
