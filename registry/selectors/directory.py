"""Who reads which program's directory, what it holds, and its search: one module, read by every page.

A program's directory lists the organizations holding a membership of it today
(``intake.ProgramMembership``), with their profiles, and the open "looking for partners"
announcements of its calls. It is read by the program's members (the people of those
organizations) and its staff; the public and everyone else get 404. The search reads the
index ``registry_directory_fts`` (kept by ``registry.services.directory``): PostgreSQL's English
and French vectors under a GIN index, or SQLite's FTS5 table, inside the same query as the
list, so a search costs the same number of queries whatever it finds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Membership, Organization, User
from intake import program_roles
from intake.models import Program, ProgramMembership
from registry.models import Announcement, OrganizationProfile, RelayThread
from registry.models.directory import announcements_open

logger = logging.getLogger(__name__)

#: The "type" filter's extra choice besides the organizations' own types: clusters (e.g. European clusters).
CLUSTER = "cluster"


def today() -> date:
    return timezone.localdate()


def member_of_program(*, program: int, organization: Any = None) -> Exists:
    """``EXISTS`` a membership of ``program`` held today by ``organization`` (an id or ``OuterRef("pk")``)."""
    return Exists(
        ProgramMembership.objects.holding_on(today()).filter(
            program_id=program, organization_id=OuterRef("pk") if organization is None else organization
        )
    )


def member_ids_of_program(*, program: int) -> QuerySet[ProgramMembership, Any]:
    """The ids of the organizations holding a membership of ``program`` today, as a subquery for ``pk__in``.

    Read once per query, where ``member_of_program`` is evaluated once per organization: the
    directory's list and count over all the members take a third of the time with it.
    """
    return ProgramMembership.objects.holding_on(today()).filter(program_id=program).values("organization_id")


def member_organizations_of(*, user: User, program: Program) -> QuerySet[Organization]:
    """Return the organizations ``user`` acts for that are members of ``program`` today, by name."""
    return Organization.objects.filter(memberships__user=user.pk).filter(member_of_program(program=program.pk))


def programs_of_member(*, user: User) -> Q:
    """Select the programs ``user`` is a member of today: one of their organizations holds a membership."""
    held = ProgramMembership.objects.holding_on(today()).filter(
        program_id=OuterRef("pk"), organization__memberships__user=user.pk
    )
    return Q(Exists(held))


def directory_programs(*, user: User) -> QuerySet[Program]:
    """Return the programs whose directory ``user`` reads: as a member, or as its staff."""
    if not user.is_authenticated:
        return Program.objects.none()
    return Program.objects.filter(
        programs_of_member(user=user) | program_roles.in_programs(user, Role.STAFF, "pk")
    ).order_by("name_en")


def program_for_directory(*, user: User, pk: int) -> Program:
    """Return program ``pk`` if ``user`` reads its directory, or raise 404."""
    return get_object_or_404(directory_programs(user=user), pk=pk)


def is_member(*, user: User, program: Program) -> bool:
    """Return whether ``user`` is a member of ``program`` today (1 query)."""
    return member_organizations_of(user=user, program=program).exists()


def profile_for_directory(*, user: User, program: Program, organization_pk: int) -> Organization:
    """Return the member organization ``organization_pk`` of ``program`` with its profile, or raise 404.

    ``program`` was fetched by ``program_for_directory``: ``user`` reads its directory.
    """
    return get_object_or_404(
        Organization.objects.filter(member_of_program(program=program.pk)).select_related("directory_profile"),
        pk=organization_pk,
    )


def announcements_of_program(*, program: Program) -> QuerySet[Announcement]:
    """Return the open announcements of ``program``'s calls, newest first, with what the list shows."""
    return (
        Announcement.objects.filter(announcements_open(), call__program=program)
        .select_related("call", "organization")
        .prefetch_related("roles")
        .order_by("-created_at", "-pk")
    )


def announcement_for_user(*, user: User, pk: int) -> Announcement:
    """Return announcement ``pk`` if ``user`` reads its program's directory (open, or their organization's), or 404."""
    announcement = get_object_or_404(
        Announcement.objects.select_related("call", "call__program", "organization", "posted_by"), pk=pk
    )
    program_for_directory(user=user, pk=announcement.call.program_id)
    if (
        not announcement.is_open()
        and not Membership.objects.filter(user=user.pk, organization=announcement.organization_id).exists()
    ):
        raise Http404
    return announcement


# --- The search ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryQuery:
    """What a search asks: words (English or French) and filters, each empty for any."""

    text: str = ""
    sector: str = ""
    region: str = ""
    country: str = ""
    kind: str = ""


@dataclass
class DirectoryResults:
    """A page of the matching organizations (``page``, its rows in ``organizations``) and the open announcements."""

    page: Page  # type: ignore[type-arg]
    organizations: list[Organization] = field(default_factory=list)
    announcements: list[Announcement] = field(default_factory=list)


#: The only fields of an organization and its profile a page of results shows.
ROW_FIELDS = (
    "legal_name",
    "kind",
    "country",
    "directory_profile__is_cluster",
    "directory_profile__region",
    "directory_profile__sectors",
)
#: How many organizations one page of results shows; how many open announcements a search shows at most.
PAGE_SIZE = 25
LIMIT = 100


def directory_search(*, program: Program, query: DirectoryQuery, page: int | str | None = 1) -> DirectoryResults:
    """Return page ``page`` of the member organizations of ``program`` matching ``query``, and its open
    announcements matching it (3 queries, whatever they find).

    ``program`` was fetched by ``program_for_directory``: the searcher reads its directory, and
    nothing of another program is ever searched. Organizations come by name, ``PAGE_SIZE`` a page
    (a page number out of range gives the last page), with only the fields a row shows;
    announcements newest first.
    """
    organizations = (
        Organization.objects.filter(pk__in=member_ids_of_program(program=program.pk))
        .select_related("directory_profile")
        .only(*ROW_FIELDS)
        .order_by("legal_name", "pk")
    )
    announcements = announcements_of_program(program=program)
    if query.sector:
        organizations = organizations.filter(directory_profile__sectors__contains=f",{query.sector},")
        announcements = announcements.filter(organization__directory_profile__sectors__contains=f",{query.sector},")
    if query.region:
        organizations = organizations.filter(directory_profile__region__iexact=query.region)
        announcements = announcements.filter(organization__directory_profile__region__iexact=query.region)
    if query.country:
        organizations = organizations.filter(country=query.country)
        announcements = announcements.filter(organization__country=query.country)
    if query.kind == CLUSTER:
        organizations = organizations.filter(directory_profile__is_cluster=True)
        announcements = announcements.filter(organization__directory_profile__is_cluster=True)
    elif query.kind:
        organizations = organizations.filter(kind=query.kind)
        announcements = announcements.filter(organization__kind=query.kind)
    text = " ".join(query.text.split())
    if text:
        organizations = _matching(organizations, "profile", text, via="directory_profile__pk")
        announcements = _matching(announcements, "announcement", text, via="pk")
    found = Paginator(organizations, PAGE_SIZE).get_page(page)
    return DirectoryResults(
        page=found, organizations=list(found.object_list), announcements=list(announcements[:LIMIT])
    )


def _matching(rows: QuerySet, kind: str, text: str, *, via: str) -> QuerySet:  # type: ignore[type-arg]
    """Keep the ``rows`` whose indexed text matches ``text`` in English or French, or whose name holds it, in the
    same query.

    The index (``registry_directory_fts``, written by ``registry.services.directory``) is read as a
    subquery of the keys it matches: PostgreSQL's GIN index on the English and French vectors, with
    a ``websearch`` query in each language; SQLite's FTS5 table (Porter stems), every word required.
    """
    by_name = Q(legal_name__icontains=text) if kind == "profile" else Q(title__icontains=text)
    if connection.vendor == "postgresql":
        found = RawSQL(
            "SELECT ref FROM registry_directory_fts WHERE kind = %s AND vector @@ "
            "(websearch_to_tsquery('english'::regconfig, %s) || websearch_to_tsquery('french'::regconfig, %s))",
            [kind, text, text],
        )
        return rows.filter(Q(**{f"{via}__in": found}) | by_name)
    terms = fts_terms(text)
    if not terms:
        return rows.none()
    found = RawSQL(
        "SELECT ref FROM registry_directory_fts WHERE kind = %s AND registry_directory_fts MATCH %s", [kind, terms]
    )
    return rows.filter(Q(**{f"{via}__in": found}) | by_name)


def fts_terms(text: str) -> str:
    """Return ``text`` as an FTS5 query: each word quoted (so no word is read as an operator), all required."""
    words = ["".join(ch for ch in word if ch.isalnum() or ch in "-'") for word in text.split()]
    return " ".join(f'"{word}"' for word in words if word)


#: How long a program's regions stay in the cache. A saved profile forgets its programs' at once; a
#: membership that starts or ends shows within this time (or the next day: the key names the day).
REGIONS_CACHE_SECONDS = 300


def _regions_key(program: int) -> str:
    return f"directory:regions:{program}:{today().isoformat()}"


def directory_regions(*, program: Program) -> list[str]:
    """Return the regions the program's member organizations name, for the search's filter.

    Read from the cache, or in 1 query and kept there (``REGIONS_CACHE_SECONDS``): the filter's
    options change only when a profile is saved or a membership starts or ends, not between requests.
    """
    key = _regions_key(program.pk)
    try:
        regions = cache.get(key)
    except Exception:  # The cache only saves a query: when it cannot be read, the database is.
        logger.warning("The cache could not be read; reading the directory's regions.", exc_info=True)
        regions = None
    if isinstance(regions, list):
        return regions
    regions = sorted(
        OrganizationProfile.objects.filter(organization_id__in=member_ids_of_program(program=program.pk))
        .exclude(region="")
        .order_by()
        .values_list("region", flat=True)
        .distinct(),
        key=str.casefold,
    )
    try:
        cache.set(key, regions, REGIONS_CACHE_SECONDS)
    except Exception:
        logger.warning("The cache could not keep the directory's regions.", exc_info=True)
    return regions


def directory_regions_forget(*, organization: int) -> None:
    """Forget the cached regions of the programs ``organization`` is a member of (1 query).

    When the cache cannot be written, the regions it holds are at most ``REGIONS_CACHE_SECONDS`` old.
    """
    programs = ProgramMembership.objects.filter(organization_id=organization).values_list("program_id", flat=True)
    try:
        cache.delete_many([_regions_key(program) for program in set(programs)])
    except Exception:
        logger.warning("The cache could not forget the directory's regions.", exc_info=True)


# --- The relay ----------------------------------------------------------------------------------


def relay_threads_of(*, user: User) -> QuerySet[RelayThread]:
    """Return the relay conversations ``user`` takes part in, newest first.

    Theirs as the sender; as the announcement's poster; as one of the contacted organization's
    people until one of them replies, then only the one who replied.
    """
    org_side = Q(recipient__isnull=True, replied_by__isnull=True) & Q(
        Exists(Membership.objects.filter(user=user.pk, organization_id=OuterRef("organization_id")))
    )
    return (
        RelayThread.objects.filter(Q(sender=user.pk) | Q(recipient=user.pk) | Q(replied_by=user.pk) | org_side)
        .select_related("sender", "sender_organization", "organization", "recipient", "replied_by", "announcement")
        .order_by("-created_at", "-pk")
    )


def relay_thread_for_user(*, user: User, pk: int) -> RelayThread:
    """Return relay conversation ``pk`` if ``user`` takes part in it, or raise 404."""
    return get_object_or_404(relay_threads_of(user=user), pk=pk)


def relay_counterpart_address(*, thread: RelayThread, user: User) -> str:
    """Return the other side's address as ``user`` may see it: only once the recipient replied; else blank.

    The sender then sees the replier's address, and the replier the sender's: the reply reveals them.
    """
    if thread.replied_by_id is None:
        return ""
    if user.pk == thread.sender_id:
        return thread.replied_by.email if thread.replied_by else ""
    if user.pk == thread.replied_by_id:
        return thread.sender.email
    return ""
