"""Use cases of the accounts app: one function each, keyword-only."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_ipv46_address
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.choices import ApiScope, JoinRequestState, Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import ApiToken, FormerMembership, JoinRequest, Membership, Organization, SignInRecord, User
from accounts.selectors import join_request_deciders

_SIGN_UP_SALT = "accounts.services.sign_up"


@dataclass(frozen=True)
class SignUpRequest:
    """What a person typed on the sign-up page, carried by the emailed link until they choose a password."""

    email: str
    display_name: str
    preferred_language: str


def sign_up_token(*, request: SignUpRequest) -> str:
    """Return the token of the link that finishes ``request``: signed, so nothing is stored until it is used."""
    payload = {"e": request.email, "n": request.display_name, "l": request.preferred_language}
    return signing.dumps(payload, salt=_SIGN_UP_SALT, compress=True)


def sign_up_token_read(*, token: str) -> SignUpRequest | None:
    """Return the sign-up that ``token`` carries, or None if it is forged or older than ``PASSWORD_RESET_TIMEOUT``."""
    try:
        payload = signing.loads(token, salt=_SIGN_UP_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
    except signing.BadSignature:  # SignatureExpired is one.
        return None
    return SignUpRequest(email=payload["e"], display_name=payload["n"], preferred_language=payload["l"])


def sign_up_email(*, request: SignUpRequest) -> EmailMultiAlternatives | None:
    """Return the email that answers a sign-up (ADR 0017), to be sent by the worker.

    An address nobody uses gets the link to choose a password and so create the account.
    The owner of an active account gets, in their own language, word that somebody tried
    to sign up with their address, and the links to sign in or reset the password; nothing
    is created. A deactivated account's address gets nothing: staff closed it.
    """
    owner = User.objects.filter(email__iexact=request.email).first()
    if owner is not None and not owner.is_active:
        return None
    if owner is None:
        language, template = request.preferred_language, "accounts/email/sign_up_link"
        context = {
            "name": request.display_name,
            "link": settings.SITE_URL
            + reverse("accounts:signup_confirm", kwargs={"token": sign_up_token(request=request)}),
        }
    else:
        language, template = owner.preferred_language, "accounts/email/sign_up_taken"
        context = {
            "name": owner.get_short_name(),
            "login_link": settings.SITE_URL + reverse("accounts:login"),
            "reset_link": settings.SITE_URL + reverse("accounts:password_reset"),
        }
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    return EmailMultiAlternatives(subject=subject, body=body, to=[request.email])


def user_sign_up(*, email: str, display_name: str, password: str, preferred_language: str) -> User:
    """Create an account for a person who signs up; they start as an applicant."""
    with transaction.atomic():
        user = User.objects.create_user(
            email=email, password=password, display_name=display_name, preferred_language=preferred_language
        )
        user_grant_role(user=user, role=Role.APPLICANT)
    return user


def user_grant_role(*, user: User, role: str) -> None:
    """Give ``user`` the role ``role`` (idempotent)."""
    group, _created = Group.objects.get_or_create(name=Role(role).value)
    user.groups.add(group)
    user.forget_roles()


def user_update_profile(*, user: User, display_name: str, preferred_language: str) -> User:
    """Change the name and language of ``user``."""
    user.display_name = display_name
    user.preferred_language = preferred_language
    user.save(update_fields=["display_name", "preferred_language"])
    return user


def user_set_language(*, user: User, language: str) -> None:
    """Remember the language ``user`` chose in the switcher."""
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])


def organization_create(*, by: User, title: str = "", **fields: Any) -> Organization:
    """Create an organization and make ``by`` its first member."""
    organization = Organization(**fields)
    organization.full_clean()
    try:
        with transaction.atomic():
            organization.save()
            Membership.objects.create(user=by, organization=organization, title=title)
    except IntegrityError as error:
        raise DomainError(
            _("An organization with this legal name already exists in this country: join it instead.")
        ) from error
    return organization


def organization_register(
    *, legal_name: str, kind: str, employee_count: int, country: str, province: str
) -> Organization:
    """Create an organization that nobody joins by creating it (a consortium's partner, an assessor's former employer).

    The same legal name in the same country, whatever its case, is the same organization:
    it is refused with a message to choose it instead.
    """
    legal_name = legal_name.strip()
    existing = Organization.objects.filter(legal_name__iexact=legal_name, country=country).first()
    if existing is not None:
        raise ValidationError(
            {
                "legal_name": _("%(organization)s already exists in this country: choose it in the list instead.")
                % {"organization": existing.legal_name}
            }
        )
    organization = Organization(
        legal_name=legal_name, kind=kind, employee_count=employee_count, country=country, province=province
    )
    organization.full_clean()
    try:
        with transaction.atomic():
            organization.save()
    except IntegrityError as error:
        raise DomainError(
            _("An organization with this legal name already exists in this country: choose it in the list.")
        ) from error
    return organization


def membership_create(*, user: User, organization: Organization, title: str = "") -> Membership:
    """Add ``user`` to ``organization``; joining twice is refused with a message.

    Only a decided join request (``join_request_decide``) and the set-up of accounts by staff
    and the demo call this: a person never adds themself to an existing organization.
    """
    try:
        with transaction.atomic():
            return Membership.objects.create(user=user, organization=organization, title=title)
    except IntegrityError as error:
        raise DomainError(_("You are already a member of %(name)s.") % {"name": organization.legal_name}) from error


def join_request_create(*, user: User, organization: Organization, title: str = "") -> JoinRequest:
    """Ask to act for ``organization``: its members (or staff, when it has none) approve or refuse.

    Refused for a member, and while an earlier request of the same person is still waiting.
    """
    name = organization.legal_name
    if Membership.objects.filter(user=user, organization=organization).exists():
        raise DomainError(_("You are already a member of %(name)s.") % {"name": name})
    try:
        with transaction.atomic():
            return JoinRequest.objects.create(user=user, organization=organization, title=title.strip())
    except IntegrityError as error:
        raise DomainError(
            _("You have already asked to join %(name)s: you will be told when it is answered.") % {"name": name}
        ) from error


def _lock_pending(join_request: JoinRequest) -> JoinRequest:
    current = JoinRequest.objects.select_for_update().select_related("organization", "user").get(pk=join_request.pk)
    if current.state != JoinRequestState.PENDING:
        raise StaleAction(
            _("This request to join %(name)s was already answered: it is now “%(state)s”.")
            % {"name": current.organization.legal_name, "state": current.get_state_display()}
        )
    return current


def join_request_decide(*, join_request: JoinRequest, by: User, approve: bool, reason: str = "") -> JoinRequest:
    """Approve (``by`` adds the person to the organization) or refuse, with a reason, a waiting request.

    Only a member of the organization decides, or program staff when it has no member; of two
    deciding at once, the first wins and the second is told.
    """
    reason = reason.strip()
    if not approve and not reason:
        raise DomainError(_("Give the reason for refusing: the person who asked will read it."))
    with transaction.atomic():
        current = _lock_pending(join_request)
        if not join_request_deciders(join_request=current).filter(pk=by.pk).exists():
            raise ActionForbidden(
                _("Only a member of %(name)s, or program staff when it has none, may answer this request.")
                % {"name": current.organization.legal_name}
            )
        if approve:
            membership_create(user=current.user, organization=current.organization, title=current.title)
        current.state = JoinRequestState.APPROVED if approve else JoinRequestState.REFUSED
        current.decided_by = by
        current.decided_at = timezone.now()
        current.reason = reason
        current.save(update_fields=["state", "decided_by", "decided_at", "reason"])
    return current


def join_request_withdraw(*, join_request: JoinRequest, by: User) -> JoinRequest:
    """Take back one's own waiting request."""
    if join_request.user_id != by.pk:
        raise ActionForbidden(_("You can only withdraw your own requests."))
    with transaction.atomic():
        current = _lock_pending(join_request)
        current.state = JoinRequestState.WITHDRAWN
        current.decided_by = by
        current.decided_at = timezone.now()
        current.save(update_fields=["state", "decided_by", "decided_at"])
    return current


def membership_delete(*, user: User, membership: Membership) -> None:
    """Leave an organization: only the member themself may."""
    if membership.user_id != user.pk:
        raise ActionForbidden(_("You can only leave your own organizations."))
    with transaction.atomic():
        deleted, _rows = Membership.objects.filter(pk=membership.pk).delete()
        if deleted:
            # Kept: a tie that ended within three years still conflicts an assessor or a board member.
            FormerMembership.objects.create(
                user_id=membership.user_id,
                organization_id=membership.organization_id,
                title=membership.title,
                joined_at=membership.created_at,
                left_at=timezone.now(),
            )


def sign_in_record(*, user: User, address: str) -> SignInRecord:
    """Record a successful sign-in of ``user`` from ``address`` (empty or not an IP address: none)."""
    try:
        validate_ipv46_address(address)
    except ValidationError:
        address = ""
    return SignInRecord.objects.create(user=user, address=address or None)


def sign_in_history_purge(*, now: datetime | None = None) -> int:
    """Delete the sign-ins older than ``SIGN_IN_HISTORY_DAYS`` days; return how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.SIGN_IN_HISTORY_DAYS)
    deleted, _rows = SignInRecord.objects.filter(at__lt=cutoff).delete()
    return deleted


# --- Personal access tokens of the REST API (docs/api.md, ADR 0043) ---------------------------

#: What every secret starts with, so that a leaked one is recognised (by a secret scanner, say).
API_TOKEN_MARK = "cfp_"  # noqa: S105 (a marker every secret starts with, not a secret)
#: How many characters of the secret the pages show to tell tokens apart.
API_TOKEN_PREFIX_LENGTH = 12
#: A token's last use is written at most this often: a busy client costs no write per request.
API_TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def api_token_hash(secret: str) -> str:
    """Return the SHA-256 (hexadecimal) of ``secret``: what is stored and looked up, never the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewApiToken:
    """A token just created, with its secret: the only time the secret exists outside its holder's hands."""

    token: ApiToken
    secret: str


def api_token_create(*, user: User, name: str, scope: str, days: int, now: datetime | None = None) -> NewApiToken:
    """Create a personal access token of ``user``, valid ``days`` days (at most ``API_TOKEN_MAX_DAYS``).

    Return it with its secret, which is kept only as its hash: the page shows it once.
    """
    name = name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Give the token a name, to tell it from your others.")
    if scope not in ApiScope.values:
        errors["scope"] = _("Choose read, or read and write.")
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        errors["days"] = _("A token lasts from 1 to %(max)d days.") % {"max": settings.API_TOKEN_MAX_DAYS}
    if errors:
        raise ValidationError(errors)
    if not user.is_active:
        raise ActionForbidden(_("A closed account cannot create tokens."))
    now = now or timezone.now()
    secret = API_TOKEN_MARK + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        prefix=secret[:API_TOKEN_PREFIX_LENGTH],
        key_hash=api_token_hash(secret),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    return NewApiToken(token=token, secret=secret)


def api_token_revoke(*, token: ApiToken, by: User, now: datetime | None = None) -> ApiToken:
    """Revoke ``token`` for good: from now on the API answers 401 to it. Only its holder revokes it."""
    if token.user_id != by.pk:
        raise ActionForbidden(_("Only its holder can revoke a token."))
    now = now or timezone.now()
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            raise StaleAction(_("This token was already revoked. Nothing was changed."))
        locked.revoked_at = now
        locked.save(update_fields=["revoked_at"])
    return locked


def api_token_use(*, token: ApiToken, now: datetime | None = None) -> None:
    """Record that ``token`` was used now, at most once a minute (no query when it was recorded less than that ago)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < API_TOKEN_USE_RESOLUTION:
        return
    # Conditional, so that concurrent requests write it once and an older time never overwrites a newer one.
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - API_TOKEN_USE_RESOLUTION)
    ).update(last_used_at=now)
    token.last_used_at = now
