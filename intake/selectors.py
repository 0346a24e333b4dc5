"""Reads of programs and calls."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from intake.models import Call, Program


def calls_open(*, now: datetime | None = None) -> QuerySet[Call]:
    """Return the calls that accept letters of intent or full applications at ``now``."""
    now = now or timezone.now()
    return (
        Call.objects.filter(loi_opens_at__lte=now, application_closes_at__gt=now)
        .select_related("program")
        .order_by("loi_closes_at", "pk")
    )


def calls_upcoming(*, now: datetime | None = None) -> QuerySet[Call]:
    """Return the calls announced but not open yet."""
    now = now or timezone.now()
    return Call.objects.filter(loi_opens_at__gt=now).select_related("program").order_by("loi_opens_at", "pk")


def call_public(*, pk: int) -> Call:
    """Return a call anyone may read about (every call is public), or raise 404."""
    return get_object_or_404(Call.objects.select_related("program"), pk=pk)


def programs_for_staff() -> QuerySet[Program]:
    """Return every program with the number of its calls."""
    return Program.objects.annotate(call_count=Count("calls")).order_by("name_en")


def program_for_staff(*, pk: int) -> Program:
    return get_object_or_404(Program, pk=pk)


def calls_for_staff(*, program: Program) -> QuerySet[Call]:
    """Return the calls of ``program``, newest first."""
    return program.calls.select_related("program").order_by("-loi_opens_at", "pk")


def call_for_staff(*, pk: int) -> Call:
    return get_object_or_404(Call.objects.select_related("program"), pk=pk)
