"""Enumerations of the accounts app (a leaf: imports nothing of the project)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """A role a user may hold; a user may hold several. Stored as Django groups."""

    APPLICANT = "applicant", _("Applicant")
    STAFF = "program_staff", _("Program staff")
    ASSESSOR = "assessor", _("Assessor")
    BOARD_MEMBER = "board_member", _("Board member")
    FUNDER = "funder", _("Funder")
    IP_MANAGER = "ip_manager", _("IP manager")


# The roles held for a program (``intake.models.ProgramRole``); the others are held everywhere.
# Holding the group of one of these means holding it in at least one program.
PROGRAM_ROLES: tuple[str, ...] = (Role.STAFF, Role.BOARD_MEMBER, Role.ASSESSOR, Role.FUNDER, Role.IP_MANAGER)


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")


class OrganizationType(models.TextChoices):
    LARGE_COMPANY = "large_company", _("Large company")
    SME = "sme", _("Small or medium-sized enterprise")
    POST_SECONDARY = "post_secondary", _("Post-secondary institution")
    NOT_FOR_PROFIT = "not_for_profit", _("Not-for-profit")
    GOVERNMENT = "government", _("Government")
    FOREIGN = "foreign", _("Foreign organization")


class Province(models.TextChoices):
    """Canadian provinces and territories, by their postal abbreviation."""

    AB = "AB", _("Alberta")
    BC = "BC", _("British Columbia")
    MB = "MB", _("Manitoba")
    NB = "NB", _("New Brunswick")
    NL = "NL", _("Newfoundland and Labrador")
    NS = "NS", _("Nova Scotia")
    NT = "NT", _("Northwest Territories")
    NU = "NU", _("Nunavut")
    ON = "ON", _("Ontario")
    PE = "PE", _("Prince Edward Island")
    QC = "QC", _("Quebec")
    SK = "SK", _("Saskatchewan")
    YT = "YT", _("Yukon")


# The roles whose holders must sign in with a second factor (docs/adr/0023): add a role here and
# its holders are sent to set one up. Superusers and users with admin access need one too.
SECOND_FACTOR_ROLES: frozenset[str] = frozenset({Role.STAFF})

# Where each role lands after login, in the order a user holding several is sent.
ROLE_DASHBOARDS: dict[str, str] = {
    Role.STAFF: "workflow:staff_dashboard",
    Role.BOARD_MEMBER: "board:dashboard",
    Role.FUNDER: "funder:overview",
    Role.ASSESSOR: "assessment:dashboard",
    Role.IP_MANAGER: "registry:dashboard",
    Role.APPLICANT: "intake:applicant_dashboard",
}


class JoinRequestState(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApiScope(models.TextChoices):
    """What a personal access token may do: read only, or read and write (docs/api.md)."""

    READ = "read", _("Read")
    WRITE = "write", _("Read and write")
