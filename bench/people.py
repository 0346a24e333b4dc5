"""The people the benchmarks' pages are read by: each program role held in every program seeded so far."""

from __future__ import annotations

from typing import Any


def staff_of_every_program(user: Any, role: str = "program_staff") -> None:
    """Give ``user`` ``role`` in every program that exists (seed the programs first)."""
    from intake.models import Program, ProgramRole

    ProgramRole.objects.bulk_create(
        [ProgramRole(user=user, program=program, role=role) for program in Program.objects.all()],
        ignore_conflicts=True,
    )
