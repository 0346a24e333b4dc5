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


def bench_user(email: str, name: str, role: str) -> Any:
    """Create a user of ``role`` with no usable password (the bench signs in by session)."""
    from django.contrib.auth.models import Group

    from accounts.models import User

    user = User(email=email, display_name=name, preferred_language="en")
    user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user
