"""The member directory: organizations' profiles, "looking for partners" announcements and the relay.

Only organizations holding a current membership of a program appear in its directory, and only
that program's members and staff read it (``registry.directory_selectors``). Members write to one
another through the relay (``RelayThread``, ``RelayMessage``): nobody's address is shown to the
other side until the recipient replies (docs/directory.md, ADR 0037).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from intake.choices import Sector


class OrganizationProfile(models.Model):
    """What a member organization tells the other members of itself, kept by its own people.

    Its name, type, size and country are the organization's (``accounts.Organization``).
    """

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="directory_profile",
        verbose_name=_("organization"),
    )  # fmt: skip
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    capabilities = models.TextField(_("capabilities"), blank=True, help_text=_("What the organization can do."))
    technologies = models.TextField(_("technologies"), blank=True, help_text=_("Separate them with commas."))
    # The sectors' codes (``intake.choices.Sector``) between commas, ",health,ocean,": one LIKE filters them.
    sectors = models.CharField(_("sectors"), max_length=400, blank=True)
    region = models.CharField(
        _("region"), max_length=100, blank=True, help_text=_("A province, state or region, e.g. Ontario or Bavaria.")
    )
    is_cluster = models.BooleanField(
        _("cluster organization"), default=False,
        help_text=_(
            "The organization is itself a cluster (for example a European cluster) that speaks for its members."
        ),
    )  # fmt: skip
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("updated by"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("organization profile")
        verbose_name_plural = _("organization profiles")
        ordering = ["organization__legal_name"]

    def __str__(self) -> str:
        return str(self.organization)

    @property
    def description(self) -> str:
        """The description in the reader's language, or the other one when that is empty."""
        first, second = (
            (self.description_fr, self.description_en)
            if get_language() == "fr"
            else (self.description_en, self.description_fr)
        )
        return first or second

    def sector_codes(self) -> list[str]:
        return [code for code in self.sectors.split(",") if code]

    def sector_labels(self) -> list[str]:
        labels = dict(Sector.choices)
        return [str(labels.get(code, code)) for code in self.sector_codes()]

    def technology_list(self) -> list[str]:
        return [word.strip() for word in self.technologies.split(",") if word.strip()]


class Announcement(models.Model):
    """A member's "looking for partners" announcement for a call: what the project needs, which roles.

    Open until its poster closes it or the call's full applications close (by the server clock).
    """

    call = models.ForeignKey(
        "intake.Call", on_delete=models.CASCADE, related_name="partner_announcements", verbose_name=_("call")
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="partner_announcements",
        verbose_name=_("organization"),
    )  # fmt: skip
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("posted by")
    )
    title = models.CharField(_("title"), max_length=200)
    needs = models.TextField(_("what the project needs"))
    roles = models.ManyToManyField(
        "intake.ConsortiumRole", blank=True, related_name="+", verbose_name=_("roles sought")
    )
    created_at = models.DateTimeField(_("posted"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("partner announcement")
        verbose_name_plural = _("partner announcements")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def is_open(self) -> bool:
        return self.closed_at is None and timezone.now() < self.call.application_closes_at


def announcements_open(now: object = None) -> Q:
    """The condition that an announcement is open: not closed, and its call's full applications not closed."""
    return Q(closed_at__isnull=True, call__application_closes_at__gt=now or timezone.now())


class RelayThread(models.Model):
    """A conversation a member starts with another organization's people, or with an announcement's poster.

    The recipients are the poster (``recipient``) or the organization's people at the time of
    reading (``organization``). Until one of them replies (``replied_at``) neither side sees the
    other's address; the first reply shows each side's address to the other (the pages say so).
    """

    program = models.ForeignKey("intake.Program", on_delete=models.CASCADE, related_name="+", verbose_name=_("program"))
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("sender")
    )
    sender_organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("sender's organization")
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("organization contacted")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("recipient"),
    )  # fmt: skip
    announcement = models.ForeignKey(
        Announcement, on_delete=models.SET_NULL, null=True, blank=True, related_name="threads",
        verbose_name=_("announcement"),
    )  # fmt: skip
    subject = models.CharField(_("subject"), max_length=200)
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    replied_at = models.DateTimeField(_("first reply"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("replied by"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("relay conversation")
        verbose_name_plural = _("relay conversations")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["sender", "created_at"], name="relay_thread_sender_day")]

    def __str__(self) -> str:
        return self.subject


class RelayMessage(models.Model):
    """One message of a relay conversation."""

    thread = models.ForeignKey(
        RelayThread, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversation")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("author")
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("relay message")
        verbose_name_plural = _("relay messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["author", "created_at"], name="relay_message_author_day")]

    def __str__(self) -> str:
        return f"{self.thread} · {self.author_id}"
