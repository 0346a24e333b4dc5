"""Use cases of the assessor pool: invitations by email, accepting one, the assessor's profile, staff's view.

An invitation's token is the invitee's only proof: it is single-use, expires, and is
compared in constant time. Staff invite for a program they are staff of; accepting grants
the assessor role for that program to the account that accepts. An expert invited by two
programs assesses for both, with one profile. Staff see only the assessors, calls and
pending invitations of their own programs.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import Organization, User
from accounts.services import organization_register, user_grant_role
from assessment.choices import ACTIVE_ASSIGNMENT_STATES, Language
from assessment.models import Affiliation, AssessorInvitation, AssessorProfile
from intake import program_roles
from intake.choices import Sector
from intake.models import Call, Program, ProgramRole
from intake.services.program_roles import program_role_grant
from records.queue import current_app

logger = logging.getLogger(__name__)

#: How long an invitation link works.
INVITATION_LIFETIME = timedelta(days=30)
#: The task that sends an account email, named so this module need not import an interface.
SEND_EMAIL_TASK = "accounts.tasks.send_email"
#: How many leading characters of a token find its row; the whole token is then compared in constant time.
TOKEN_LOOKUP_PREFIX = 8
MAX_KEYWORDS = 30
MAX_KEYWORD_LENGTH = 60


class InvitationUnusable(DomainError):
    """The invitation was already used or has expired (410)."""

    status = 410


# --- Invitations -------------------------------------------------------------------------------


def invitation_pending(invitation: AssessorInvitation, *, now: datetime | None = None) -> bool:
    """Return whether ``invitation`` can still be accepted."""
    return invitation.accepted_at is None and invitation.expires_at > (now or timezone.now())


def invitation_send(
    *, email: str, by: User, program: Program, message: str = "", language: str = Language.ENGLISH
) -> AssessorInvitation:
    """Invite the expert at ``email`` to assess for ``program``, and email them the link after commit.

    Only the program's staff invite for it. Refused when the address already belongs to an
    assessor of the program, or an invitation to it for the program is still pending (staff
    can wait for it or let it expire); another program may invite the same expert.
    """
    email = email.strip().lower()
    if not by.acts_in(Role.STAFF, program.pk):
        raise ActionForbidden(_("You can invite assessors only for a program you are staff of."))
    with transaction.atomic():
        if User.objects.filter(program_roles.audience(Role.ASSESSOR, program.pk), email__iexact=email).exists():
            raise ValidationError(
                {"email": _("%(email)s is already an assessor of %(program)s.") % {"email": email, "program": program}}
            )
        # Lock the pending invitations of the address, so two staff inviting at once send one.
        pending = (
            AssessorInvitation.objects.select_for_update()
            .filter(email__iexact=email, program=program, accepted_at__isnull=True, expires_at__gt=timezone.now())
            .first()
        )
        if pending is not None:
            raise ValidationError(
                {
                    "email": _("An invitation to %(email)s is already pending; it expires on %(date)s.")
                    % {"email": email, "date": timezone.localdate(pending.expires_at).isoformat()}
                }
            )
        invitation = AssessorInvitation(
            email=email,
            program=program,
            invited_by=by,
            message=message.strip(),
            expires_at=timezone.now() + INVITATION_LIFETIME,
        )
        invitation.full_clean()
        invitation.save()
        subject, body, html = _invitation_email(invitation, language=language)
        transaction.on_commit(lambda: _queue_email(subject=subject, body=body, html=html, to=[email]))
    return invitation


def _invitation_email(invitation: AssessorInvitation, *, language: str) -> tuple[str, str, str]:
    context = {
        "invitation": invitation,
        "inviter": invitation.invited_by,
        "link": settings.SITE_URL + reverse("assessment:invitation", kwargs={"token": invitation.token}),
        "expires_on": timezone.localdate(invitation.expires_at),
    }
    with translation.override(language):
        subject = " ".join(render_to_string("assessment/invitation_email_subject.txt", context).split())
        body = render_to_string("assessment/invitation_email.txt", context)
        html = render_to_string("assessment/invitation_email.html", context)
    return subject, body, html


def _queue_email(*, subject: str, body: str, html: str, to: list[str]) -> None:
    try:
        current_app.send_task(SEND_EMAIL_TASK, kwargs={"subject": subject, "body": body, "to": to, "html": html})
    except Exception:  # The invitation stands; staff see it pending and can invite again once it expires.
        logger.exception("Could not queue the invitation email to %s.", to)


def invitation_for_token(*, token: str) -> AssessorInvitation | None:
    """Return the invitation whose token is ``token``, or None.

    Only a short prefix reaches the database; the full token is compared in constant time,
    so response times tell nothing about how much of a guessed token was right.
    """
    if len(token) < TOKEN_LOOKUP_PREFIX * 2 or len(token) > 64:
        return None
    candidates = AssessorInvitation.objects.select_related("invited_by", "program").filter(
        token__startswith=token[:TOKEN_LOOKUP_PREFIX]
    )
    found = None
    for candidate in candidates:
        if secrets.compare_digest(candidate.token.encode(), token.encode()):
            found = candidate
    return found


def _lock_usable(invitation: AssessorInvitation) -> AssessorInvitation:
    current = AssessorInvitation.objects.select_for_update().get(pk=invitation.pk)
    if current.accepted_at is not None:
        raise InvitationUnusable(_("This invitation was already used. Sign in to reach the assessor pages."))
    if current.expires_at <= timezone.now():
        raise InvitationUnusable(
            _("This invitation expired on %(date)s. Ask program staff to invite you again.")
            % {"date": timezone.localdate(current.expires_at).isoformat()}
        )
    return current


def _accept(invitation: AssessorInvitation, user: User) -> AssessorInvitation:
    """Mark ``invitation`` (locked) accepted by ``user`` and make them an assessor of its program.

    The grant is the inviter's: they are its granter, and must still be the program's staff
    (an invitation of someone who left the program's staff admits nobody). A role already
    held for the program is left as it is. An invitation sent before assessors were invited
    per program admits the expert to the pool without granting a program.
    """
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    program = invitation.program
    if program is None:
        user_grant_role(user=user, role=Role.ASSESSOR)
    else:
        inviter = User.objects.get(pk=invitation.invited_by_id)
        if not program_roles.holds(inviter, Role.STAFF, program.pk):
            raise InvitationUnusable(
                _(
                    "This invitation no longer holds: who sent it is no longer staff of %(program)s. "
                    "Ask program staff to invite you again."
                )
                % {"program": program}
            )
        if not ProgramRole.objects.filter(user=user, program=program, role=Role.ASSESSOR).exists():
            program_role_grant(by=inviter, user=user, program=program, role=Role.ASSESSOR)
        program_roles.forget(user)
    AssessorProfile.objects.get_or_create(user=user)
    return invitation


def invitation_is_for(invitation: AssessorInvitation, user: User) -> bool:
    """Return whether ``invitation`` was sent to ``user``'s own email address."""
    return user.email.casefold() == invitation.email.casefold()


def invitation_accept(*, invitation: AssessorInvitation, user: User) -> AssessorInvitation:
    """Accept ``invitation`` as the signed-in ``user``: they become an assessor with an empty profile.

    The link proves access to the invited mailbox, so only the account with that address may
    accept it, once: a forwarded or leaked link makes nobody else an assessor.
    """
    if not invitation_is_for(invitation, user):
        raise ActionForbidden(
            _(
                "This invitation was sent to another email address. Sign in with the address it was sent to, "
                "or ask program staff to invite this account."
            )
        )
    with transaction.atomic():
        return _accept(_lock_usable(invitation), user)


def invitation_accept_new_account(
    *, invitation: AssessorInvitation, display_name: str, password: str, preferred_language: str
) -> User:
    """Create an account for the invited address and accept ``invitation`` with it, all or nothing."""
    with transaction.atomic():
        current = _lock_usable(invitation)
        if User.objects.filter(email__iexact=current.email).exists():
            raise ValidationError(
                _("An account with this email address exists already: sign in to accept the invitation.")
            )
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=current.email,
                    password=password,
                    display_name=display_name.strip(),
                    preferred_language=preferred_language,
                )
        except IntegrityError as error:
            raise ValidationError(
                _("An account with this email address exists already: sign in to accept the invitation.")
            ) from error
        _accept(current, user)
    return user


def invitations_pending(*, user: User, now: datetime | None = None) -> QuerySet[AssessorInvitation]:
    """Return the invitations not accepted and not expired of the programs ``user`` is staff of, newest first."""
    return (
        AssessorInvitation.objects.filter(accepted_at__isnull=True, expires_at__gt=now or timezone.now())
        .filter(program_roles.in_programs(user, Role.STAFF))
        .select_related("invited_by", "program")
    )


# --- The assessor's profile --------------------------------------------------------------------


def keywords_normalise(text: str | Sequence[str]) -> list[str]:
    """Return the keywords in ``text`` (comma-separated) trimmed, lower-cased, without repeats, in order."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    keywords: list[str] = []
    for part in parts:
        keyword = re.sub(r"\s+", " ", part).strip().lower()
        if keyword and keyword not in keywords:
            keywords.append(keyword)
    return keywords


def assessor_profile_for(*, user: User) -> AssessorProfile:
    """Return ``user``'s assessor profile, created empty on first use."""
    profile, _created = AssessorProfile.objects.get_or_create(user=user)
    return profile


def assessor_affiliations(*, user: User) -> list[Affiliation]:
    """Return ``user``'s affiliations, current ones first, then the most recent."""
    return list(
        Affiliation.objects.filter(assessor=user)
        .select_related("organization")
        .order_by(F("ended_on").desc(nulls_first=True), F("started_on").desc(nulls_last=True), "pk")
    )


@dataclass(frozen=True)
class AffiliationData:
    """One affiliation as the assessor typed it; ``pk`` is None for a new one."""

    organization: Organization
    role: str
    started_on: date | None
    ended_on: date | None
    pk: int | None = None


def assessor_profile_save(
    *,
    user: User,
    expected_updated_at: datetime | None,
    sectors: Sequence[str],
    keywords: Sequence[str],
    languages: Sequence[str],
    max_assignments_per_call: int,
    affiliations: Sequence[AffiliationData],
) -> AssessorProfile:
    """Save ``user``'s expertise, languages, cap and affiliations together, or nothing.

    Affiliations given with a ``pk`` are updated, those without are added, those left out removed.
    """
    if set(sectors) - set(Sector.values):
        raise ValidationError({"sectors": _("Choose sectors from the list.")})
    if set(languages) - set(Language.values):
        raise ValidationError({"languages": _("Choose languages from the list.")})
    if max_assignments_per_call < 0:
        raise ValidationError({"max_assignments_per_call": _("The number of assignments cannot be negative.")})
    keywords = keywords_normalise(keywords)
    if len(keywords) > MAX_KEYWORDS:
        raise ValidationError({"keywords": _("Give at most %(count)s keywords.") % {"count": MAX_KEYWORDS}})
    if any(len(keyword) > MAX_KEYWORD_LENGTH for keyword in keywords):
        raise ValidationError(
            {"keywords": _("A keyword has at most %(count)s characters.") % {"count": MAX_KEYWORD_LENGTH}}
        )
    for data in affiliations:
        if data.started_on and data.ended_on and data.ended_on < data.started_on:
            raise ValidationError(
                _("Your affiliation with %(organization)s cannot end before it starts.")
                % {"organization": data.organization.legal_name}
            )
    with transaction.atomic():
        profile, _created = AssessorProfile.objects.get_or_create(user=user)
        profile = AssessorProfile.objects.select_for_update().get(pk=profile.pk)
        if not _created and (expected_updated_at is None or profile.updated_at != expected_updated_at):
            raise StaleAction(
                _("Your profile was saved from another page meanwhile. Nothing is saved here: check it and save again.")
            )
        profile.sectors = [sector for sector in Sector.values if sector in set(sectors)]
        profile.keywords = keywords
        profile.languages = [language for language in Language.values if language in set(languages)]
        profile.max_assignments_per_call = max_assignments_per_call
        profile.full_clean(exclude=["user"])
        profile.save()
        mine = set(Affiliation.objects.filter(assessor=user).values_list("pk", flat=True))
        kept = {data.pk for data in affiliations if data.pk is not None}
        if kept - mine:
            raise StaleAction(_("An affiliation you edited was removed meanwhile. Nothing is saved."))
        Affiliation.objects.filter(assessor=user).exclude(pk__in=kept).delete()
        for data in affiliations:
            affiliation = Affiliation(
                pk=data.pk,
                assessor=user,
                organization=data.organization,
                role=data.role.strip(),
                started_on=data.started_on,
                ended_on=data.ended_on,
            )
            affiliation.full_clean(exclude=["assessor", "organization"], validate_unique=False)
            affiliation.save(force_insert=data.pk is None, force_update=data.pk is not None)
    return profile


def affiliation_add_new_organization(
    *,
    user: User,
    legal_name: str,
    kind: str,
    employee_count: int,
    country: str,
    province: str,
    role: str,
    started_on: date | None,
    ended_on: date | None,
) -> Affiliation:
    """Create an organization and record ``user``'s affiliation with it, together or not at all."""
    if started_on and ended_on and ended_on < started_on:
        raise ValidationError({"ended_on": _("An affiliation cannot end before it starts.")})
    with transaction.atomic():
        organization = organization_register(
            legal_name=legal_name, kind=kind, employee_count=employee_count, country=country, province=province
        )
        affiliation = Affiliation(
            assessor=user, organization=organization, role=role.strip(), started_on=started_on, ended_on=ended_on
        )
        affiliation.full_clean()
        affiliation.save()
        AssessorProfile.objects.get_or_create(user=user)
        # The profile's form carries its updated_at: bump it so a form loaded before this is refused.
        AssessorProfile.objects.get(user=user).save(update_fields=["updated_at"])
    return affiliation


# --- Staff's view of the pool -----------------------------------------------------------------


@dataclass(frozen=True)
class PoolRow:
    """One assessor of the pool, with their load in the chosen call."""

    user: User
    profile: AssessorProfile | None
    load: int | None

    @property
    def cap(self) -> int | None:
        return self.profile.max_assignments_per_call if self.profile else None

    @property
    def available(self) -> int | None:
        """How many more assignments the assessor takes in the chosen call (never below zero)."""
        if self.load is None or self.cap is None:
            return None
        return max(self.cap - self.load, 0)

    @property
    def sector_labels(self) -> list[str]:
        return [
            str(Sector(sector).label)
            for sector in (self.profile.sectors if self.profile else [])
            if sector in Sector.values
        ]

    @property
    def language_labels(self) -> list[str]:
        return [
            str(Language(code).label)
            for code in (self.profile.languages if self.profile else [])
            if code in Language.values
        ]


def assessor_pool(*, user: User, call: Call | None = None) -> list[PoolRow]:
    """Return the active assessors of the programs ``user`` is staff of, with their profiles (1 query).

    For ``call`` (one of ``calls_for_pool``): the assessors of its program, each with their
    live assignments in it.
    """
    users = User.objects.filter(is_active=True, groups__name=Role.ASSESSOR)
    if call is None:
        grants = ProgramRole.objects.filter(user_id=OuterRef("pk"), role=Role.ASSESSOR).filter(
            program_roles.in_programs(user, Role.STAFF)
        )
        users = users.filter(Exists(grants))
    else:
        users = users.filter(program_roles.audience(Role.ASSESSOR, call.program_id))
    users = users.select_related("assessor_profile").order_by("display_name", "email", "pk")
    if call is not None:
        users = users.annotate(
            call_load=Count(
                "assignments",
                filter=Q(assignments__proposal__call=call, assignments__state__in=ACTIVE_ASSIGNMENT_STATES),
            )
        )
    rows = []
    for assessor in users:
        profile = getattr(assessor, "assessor_profile", None)
        load = getattr(assessor, "call_load", None) if call is not None else None
        rows.append(PoolRow(user=assessor, profile=profile, load=load))
    return rows


def calls_for_pool(*, user: User) -> QuerySet[Call]:
    """Return the calls of the programs ``user`` is staff of, to see the pool's load in, newest first."""
    return (
        Call.objects.filter(program_roles.in_programs(user, Role.STAFF))
        .select_related("program")
        .order_by("-loi_opens_at", "pk")
    )
