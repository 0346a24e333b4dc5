"""Seed the member directory: European members of the first cluster with their profiles, and one announcement.

Two European organizations — a German cluster organization and a French SME — become members of
the first cluster (recorded by the demo's staff member through the program's own service), each
with a person who logs in with the demo password; they and the applicant's organization get
bilingual profiles; the applicant posts a "looking for partners" announcement for one of the
cluster's calls still taking applications. Found by natural keys, so a second run changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from accounts.choices import OrganizationType
from accounts.models import Membership, Organization, User
from demo.seed.common import DemoSummary
from demo.seed.people import DEMO_PASSWORD, DemoPeople
from intake.models import Call, Program, ProgramMembership
from intake.services.memberships import membership_add
from registry.models import Announcement, OrganizationProfile
from registry.services.directory import announcement_post, profile_save

#: (legal name, country, type, employees, is a cluster, region, person's email, name, language, English, French)
EUROPEANS = [
    (
        "Cluster Bayern Sensorik e.V.", "DE", OrganizationType.FOREIGN, 35, True, "Bavaria",
        "eva@demo.clusterflow.eu", "Eva Europa", "en",
        "A Bavarian cluster of 120 sensor makers and research labs, open to Canadian partners.",
        "Une grappe bavaroise de 120 fabricants de capteurs et laboratoires, ouverte aux partenaires canadiens.",
    ),
    (
        "Lyon Matériaux Recyclés SAS", "FR", OrganizationType.FOREIGN, 48, False, "Auvergne-Rhône-Alpes",
        "lucien@demo.clusterflow.eu", "Lucien Lyon", "fr",
        "Recycled composite materials for robot arms and vehicle parts.",
        "Matériaux composites recyclés pour bras robotisés et pièces de véhicules.",
    ),
]  # fmt: skip


def directory_seed(*, program: Program, people: DemoPeople, now: datetime, summary: DemoSummary) -> None:
    """Create the European members, the profiles and the announcement that are missing."""
    since = (now - timedelta(days=365)).date()
    for name, country, kind, size, cluster, region, email, person, language, text_en, text_fr in EUROPEANS:
        organization, created = Organization.objects.get_or_create(
            legal_name=name, country=country, defaults={"kind": kind, "employee_count": size, "province": ""}
        )
        if created:
            summary.created.append(f"organization {name}")
        user, created = User.objects.get_or_create(
            email=email, defaults={"display_name": person, "preferred_language": language}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            summary.created.append(f"user {email}")
        Membership.objects.get_or_create(user=user, organization=organization)
        summary.logins.append((f"Member of {name}", email))
        if not ProgramMembership.objects.filter(program=program, organization=organization).exists():
            membership_add(
                by=people.staff, program=program, organization=organization, starts_on=since, ends_on=None,
                note="European member of the demo.",
            )  # fmt: skip
        if not OrganizationProfile.objects.filter(organization=organization).exists():
            profile_save(
                organization=organization, by=user, description_en=text_en, description_fr=text_fr,
                capabilities="Prototyping, testing, access to European supply chains.",
                technologies="sensors, composites, recycling", sectors=["advanced_manufacturing", "materials"],
                region=region, is_cluster=cluster,
            )  # fmt: skip
            summary.created.append(f"profile {name}")
    if not OrganizationProfile.objects.filter(organization=people.organization).exists():
        profile_save(
            organization=people.organization, by=people.applicant,
            description_en="Robot arms for small factories, built in Ontario.",
            description_fr="Bras robotisés pour petites usines, construits en Ontario.",
            capabilities="Robot design, machine vision.", technologies="robotics, machine vision",
            sectors=["advanced_manufacturing"], region="Ontario", is_cluster=False,
        )  # fmt: skip
        summary.created.append(f"profile {people.organization.legal_name}")
    call = Call.objects.filter(program=program, application_closes_at__gt=now).order_by("application_closes_at").first()
    if call is not None and not Announcement.objects.filter(call=call, organization=people.organization).exists():
        announcement_post(
            call=call, organization=people.organization, by=people.applicant,
            title="Looking for a recycled-materials partner",
            needs="We need a partner to supply and test recycled composite parts (matériaux recyclés) for a "
            "lighter robot arm.",
        )  # fmt: skip
        summary.created.append(f"announcement for {call.slug}")
