"""The member directory's use cases: an organization's profile, and "looking for partners" announcements.

Each write checks the writer's right (the organization's own people; a member of the program),
runs in one transaction and keeps the search index (``registry_directory_fts``, on both back ends)
in step with the row.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import ActionForbidden, StaleAction
from accounts.models import Membership, Organization, User
from intake.choices import Sector
from intake.models import Call, ConsortiumRole, Program
from registry.models import Announcement, OrganizationProfile
from registry.selectors.directory import directory_regions_forget, member_organizations_of


def directory_index_write(*, kind: str, ref: int, body: str) -> None:
    """Write the search index's row of ``kind`` ``ref``: its text, which each back end indexes its own way.

    SQLite's FTS5 table stems it (Porter); PostgreSQL's table keeps its English and French vectors
    (generated from ``body``) under a GIN index (migrations 0002 and 0003).
    """
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM registry_directory_fts WHERE kind = %s AND ref = %s", [kind, ref])
        cursor.execute("INSERT INTO registry_directory_fts (kind, ref, body) VALUES (%s, %s, %s)", [kind, ref, body])


def _profile_text(profile: OrganizationProfile) -> str:
    return "\n".join(
        [
            profile.organization.legal_name,
            profile.description_en,
            profile.description_fr,
            profile.capabilities,
            profile.technologies,
            profile.region,
        ]
    )


def profile_save(
    *,
    organization: Organization,
    by: User,
    description_en: str,
    description_fr: str,
    capabilities: str,
    technologies: str,
    sectors: Iterable[str],
    region: str,
    is_cluster: bool,
) -> OrganizationProfile:
    """Write ``organization``'s directory profile; only its own people may (``ActionForbidden`` otherwise)."""
    if not Membership.objects.filter(user=by, organization=organization).exists():
        raise ActionForbidden(_("Only the people of this organization keep its profile."))
    codes = [code for code in sectors if code in Sector.values]
    with transaction.atomic():
        profile = OrganizationProfile.objects.select_for_update().filter(organization=organization).first()
        if profile is None:
            profile = OrganizationProfile(organization=organization)
        profile.description_en = description_en.strip()
        profile.description_fr = description_fr.strip()
        profile.capabilities = capabilities.strip()
        profile.technologies = technologies.strip()
        profile.sectors = f",{','.join(codes)}," if codes else ""
        profile.region = region.strip()
        profile.is_cluster = is_cluster
        profile.updated_by = by
        profile.save()
        directory_index_write(kind="profile", ref=profile.pk, body=_profile_text(profile))
        # The search's filter offers the members' regions: the next page reads this one's.
        transaction.on_commit(lambda: directory_regions_forget(organization=organization.pk))
    return profile


def announcement_post(
    *,
    call: Call,
    organization: Organization,
    by: User,
    title: str,
    needs: str,
    roles: Iterable[ConsortiumRole] = (),
) -> Announcement:
    """Post a "looking for partners" announcement for ``call`` on behalf of ``organization``.

    ``by`` must act for ``organization``, a member of the call's program today; the call must still
    take full applications (by the server clock); the roles must be the call's own.
    """
    title, needs = title.strip(), needs.strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Give the announcement a title.")
    if not needs:
        errors["needs"] = _("Say what the project needs.")
    roles = list(roles)
    if any(role.call_id != call.pk for role in roles):
        errors["roles"] = _("Choose roles of this call only.")
    if timezone.now() >= call.application_closes_at:
        errors["call"] = _("This call no longer takes applications: an announcement for it would find no partner.")
    if errors:
        raise ValidationError(errors)
    if not member_organizations_of(user=by, program=call.program).filter(pk=organization.pk).exists():
        raise ActionForbidden(_("Only the people of a member organization of this program post announcements."))
    with transaction.atomic():
        announcement = Announcement.objects.create(
            call=call, organization=organization, posted_by=by, title=title, needs=needs
        )
        announcement.roles.set(roles)
        body = "\n".join([title, needs, organization.legal_name, *(f"{r.name_en} {r.name_fr}" for r in roles)])
        directory_index_write(kind="announcement", ref=announcement.pk, body=body)
    return announcement


def announcement_close(*, announcement: Announcement, by: User) -> Announcement:
    """Close ``announcement``: only its poster may; closing one already closed changes nothing (409)."""
    with transaction.atomic():
        locked = Announcement.objects.select_for_update().get(pk=announcement.pk)
        if locked.posted_by_id != by.pk:
            raise ActionForbidden(_("Only the person who posted this announcement closes it."))
        if locked.closed_at is not None:
            raise StaleAction(_("This announcement is already closed. Nothing was changed."))
        locked.closed_at = timezone.now()
        locked.save(update_fields=["closed_at"])
    return locked


def program_calls_for_announcements(*, program: Program) -> list[Call]:
    """Return ``program``'s calls still taking full applications, for the announcement form's choice."""
    return list(Call.objects.filter(program=program, application_closes_at__gt=timezone.now()).order_by("title_en"))
