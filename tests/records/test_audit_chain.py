"""The audit trail's hash chain: sealing, and verification naming the first record tampered with."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from records.audit_chain import audit_seal, audit_verify
from records.models import AuditRecord, AuditSeal
from tests.factories import ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db


def _record(**fields: Any) -> AuditRecord:
    defaults: dict[str, Any] = {
        "proposal": ProposalFactory(),
        "action": "submit_loi",
        "from_state": "draft",
        "to_state": "loi_submitted",
        "actor": UserFactory(),
        "reason": "",
        "data": {"amount": "150000.00", "votes": {"approve": 2}},
    }
    return AuditRecord.objects.create(**{**defaults, **fields})


def _sql(statement: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def chain() -> list[AuditRecord]:
    records = [_record(reason=f"step {n}") for n in range(4)]
    assert audit_seal().sealed == 4
    return records


def test_audit_seal_links_every_record_once(chain: list[AuditRecord]) -> None:
    again = audit_seal()

    assert again.sealed == 0
    assert list(AuditSeal.objects.values_list("seq", "record_id")) == [
        (n + 1, record.pk) for n, record in enumerate(chain)
    ]
    assert AuditSeal.objects.get(seq=1).previous == ""
    assert AuditSeal.objects.get(seq=2).previous == AuditSeal.objects.get(seq=1).digest


def test_audit_verify_holds_on_an_untouched_trail(chain: list[AuditRecord]) -> None:
    result = audit_verify()

    assert result.ok
    assert (result.links, result.pending) == (4, 0)
    assert result.head == AuditSeal.objects.get(seq=4).digest


def test_audit_verify_names_the_record_altered(chain: list[AuditRecord]) -> None:
    _sql("UPDATE workflow_auditrecord SET reason = %s WHERE id = %s", "step one, rewritten", chain[1].pk)

    result = audit_verify()

    assert not result.ok
    assert result.record_id == chain[1].pk
    assert f"audit record {chain[1].pk} " in result.problem
    assert "was altered after it was sealed" in result.problem


def test_audit_verify_names_a_change_inside_the_data(chain: list[AuditRecord]) -> None:
    _sql("UPDATE workflow_auditrecord SET data = %s WHERE id = %s", '{"amount": "950000.00"}', chain[2].pk)

    assert audit_verify().record_id == chain[2].pk


def test_audit_verify_names_where_a_record_was_removed(chain: list[AuditRecord]) -> None:
    _sql("DELETE FROM workflow_auditseal WHERE record_id = %s", chain[1].pk)
    _sql("DELETE FROM workflow_auditrecord WHERE id = %s", chain[1].pk)

    result = audit_verify()

    assert result.record_id == chain[2].pk
    assert "link 2 is missing before" in result.problem


def test_audit_verify_names_a_record_inserted_into_the_past(chain: list[AuditRecord]) -> None:
    inserted = _record(at=timezone.now() - timedelta(days=30), reason="backdated")

    refused = audit_seal()
    result = audit_verify()

    assert refused.late == [inserted.pk]
    assert result.record_id == inserted.pk
    assert "is outside the chain" in result.problem


def test_audit_seal_joins_a_record_that_committed_late(chain: list[AuditRecord]) -> None:
    # A lower id committed after higher ones were sealed (its transaction was slower): it is a new link.
    late = _record(reason="slow transaction")
    _sql("UPDATE workflow_auditrecord SET id = %s WHERE id = %s", chain[0].pk - 1, late.pk)

    assert audit_seal().sealed == 1
    assert audit_verify().ok
    assert AuditSeal.objects.get(seq=5).record_id == chain[0].pk - 1


def test_audit_verify_counts_recent_unsealed_records_as_pending(chain: list[AuditRecord]) -> None:
    _record()

    result = audit_verify()

    assert result.ok
    assert result.pending == 1


def test_audit_chain_key_is_needed_to_forge_a_link(chain: list[AuditRecord], settings: Any) -> None:
    settings.AUDIT_CHAIN_KEY = "another key"

    assert audit_verify().record_id == chain[0].pk


def test_audit_seals_are_append_only(chain: list[AuditRecord]) -> None:
    seal = AuditSeal.objects.get(seq=1)

    with pytest.raises(TypeError):
        seal.save()
    with pytest.raises(TypeError):
        AuditSeal.objects.filter(seq=1).update(digest="0" * 64)


def test_audit_verify_command_fails_naming_the_record(chain: list[AuditRecord], capsys: Any) -> None:
    call_command("audit_verify")
    assert "The audit trail holds: 4 links" in capsys.readouterr().out
    _sql("UPDATE workflow_auditrecord SET action = %s WHERE id = %s", "decline", chain[3].pk)

    with pytest.raises(CommandError, match=f"audit record {chain[3].pk} "):
        call_command("audit_verify")


def test_audit_seal_command_accepts_late_records_when_told(capsys: Any) -> None:
    old = _record(at=timezone.now() - timedelta(days=2))

    call_command("audit_seal")
    assert "Left 1 records older than the grace period unsealed" in capsys.readouterr().err
    call_command("audit_seal", "--accept-late")

    assert AuditSeal.objects.get().record_id == old.pk
    assert audit_verify().ok
