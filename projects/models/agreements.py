"""A project's agreements, their templates, the partners' signatures and the amendments that redraft them.

An agreement is a text rendered once, at drafting, from its program's template (or the
built-in one) and the project's figures, in English and in French. What a signatory signs is
that text: the signature keeps the SHA-256 of the canonical text (``canonical_text``), so a
signature proves which words were signed. A signed agreement never changes; an approved
amendment drafts the next version and supersedes the current one (docs/projects.md).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from intake.models import Program
from projects.models.partners import ProjectPartner
from projects.models.project import Project


class AgreementKind(models.TextChoices):
    FUNDING = "funding", _("Funding agreement")
    IP = "ip", _("IP agreement")


def canonical_text(text_en: str, text_fr: str) -> str:
    """Return the text an agreement's hash is of: the English, a blank line, the French."""
    return f"{text_en}\n\n{text_fr}"


def text_sha256(text_en: str, text_fr: str) -> str:
    """Return the SHA-256, in hexadecimal, of the UTF-8 of ``canonical_text``."""
    return hashlib.sha256(canonical_text(text_en, text_fr).encode("utf-8")).hexdigest()


class AgreementTemplate(models.Model):
    """One version of a program's template of one kind of agreement; the newest is used.

    Each save by staff adds a row with the next version: older versions stay, so an agreement
    drafted from one can be read against it. Both bodies are Django templates rendered with
    the context documented in docs/projects.md.
    """

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="agreement_templates", verbose_name=_("program")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AgreementKind.choices)
    version = models.PositiveIntegerField(_("version"))
    body_en = models.TextField(_("text (English)"))
    body_fr = models.TextField(_("text (French)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("saved by")
    )
    created_at = models.DateTimeField(_("saved"), default=timezone.now)

    class Meta:
        verbose_name = _("agreement template")
        verbose_name_plural = _("agreement templates")
        ordering = ["program_id", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["program", "kind", "version"], name="agreement_template_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class Agreement(models.Model):
    """One version of one of a project's agreements: its texts as rendered at drafting, and their hash.

    Current while ``superseded_at`` is empty. Its texts never change once a partner signed it;
    the model refuses to save changed texts at all, so a correction is always a new version.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("project"))
    kind = models.CharField(_("kind"), max_length=16, choices=AgreementKind.choices)
    version = models.PositiveIntegerField(_("version"))
    text_en = models.TextField(_("text (English)"))
    text_fr = models.TextField(_("text (French)"))
    sha256 = models.CharField(_("SHA-256 of the text"), max_length=64)
    #: The template version it was rendered from; none when the built-in template was used.
    template = models.ForeignKey(
        AgreementTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("template")
    )
    created_at = models.DateTimeField(_("drafted"), default=timezone.now)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)
    amendment = models.ForeignKey(
        "projects.Amendment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreements",
        verbose_name=_("amendment"),
    )

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["project_id", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind", "version"], name="agreement_unique_version"),
            models.UniqueConstraint(
                fields=["project", "kind"], condition=Q(superseded_at__isnull=True), name="agreement_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.sha256 = text_sha256(self.text_en, self.text_fr)
        if self.pk is not None:
            stored = Agreement.objects.filter(pk=self.pk).values_list("sha256", flat=True).first()
            if stored is not None and stored != self.sha256:
                raise ValueError("An agreement's text never changes: draft a new version instead.")
        super().save(*args, **kwargs)

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    def text(self, language: str) -> str:
        """Return the text in ``language`` (French for "fr…", English otherwise)."""
        return self.text_fr if language.startswith("fr") else self.text_en


class SignatureQuerySet(models.QuerySet["Signature"]):
    """Signatures are written once and never changed or removed."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError("Signatures are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Signatures are append-only.")


class Signature(models.Model):
    """A partner's signature of one agreement version: who, for which organization, when, and of which text."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("agreement")
    )
    partner = models.ForeignKey(
        ProjectPartner, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("partner")
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("signed by")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    signed_at = models.DateTimeField(_("signed"), default=timezone.now)
    version = models.PositiveIntegerField(_("agreement version"))
    sha256 = models.CharField(_("SHA-256 of the text signed"), max_length=64)
    #: The adapter that produced the signature (its dotted path) and its reference for it.
    adapter = models.CharField(_("signed through"), max_length=200)
    reference = models.CharField(_("reference"), max_length=200, blank=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "partner"], name="signature_one_per_partner"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.agreement}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("Signatures are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Signatures are append-only.")


class AmendmentKind(models.TextChoices):
    VIREMENT = "virement", _("Budget virement")
    MILESTONES = "milestones", _("Milestone dates")
    ADD_PARTNER = "add_partner", _("Adding a partner")
    REMOVE_PARTNER = "remove_partner", _("Removing a partner")


class AmendmentState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Amendment(models.Model):
    """A change to a project's budget, milestones or consortium, requested and then decided by staff.

    ``changes`` holds the proposed changes as the service validated them (``projects.amendments``);
    ``checks`` the call's money rules re-checked on the amended figures, at the request and again
    at the decision, each with its verdict and explanation.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="amendments", verbose_name=_("project"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    kinds = models.JSONField(_("kinds"), default=list)
    changes = models.JSONField(_("changes"), default=dict)
    reason = models.TextField(_("reason"))
    state = models.CharField(
        _("state"), max_length=16, choices=AmendmentState.choices, default=AmendmentState.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    checks = models.JSONField(_("rules re-checked"), default=list)

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.get_state_display()})"

    def kinds_display(self) -> list[str]:
        labels = dict(AmendmentKind.choices)
        return [str(labels.get(kind, kind)) for kind in self.kinds]
