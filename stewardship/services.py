"""Actions of stewardship: closing an account, its identity replaced by a pseudonym (docs/privacy.md, ADR 0027).

Closing keeps the user's row, so that every record that names it stays whole: the audit
trail (sealed in a hash chain keyed on the actor's id, ``records.audit_chain``), reviews,
votes, versions and attachments keep their author, who is now "Former user N" at an address
that cannot receive mail. What only served the person goes: their memberships (ended, as
when one leaves an organization), assessor profile and affiliations, notifications,
sessions and sign-in history.
"""

from __future__ import annotations

import hashlib
import logging
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.choices import JoinRequestState
from accounts.errors import ActionForbidden, StaleAction
from accounts.models import FormerMembership, JoinRequest, Membership, SignInRecord, User
from assessment.models import Affiliation, AssessorInvitation, AssessorProfile
from intake.models import ProgramRole, ProposalVersion
from intake.services.documents import proposal_dossiers_delete
from records.models import Notification
from stewardship.selectors import active_led_proposals

security_log = logging.getLogger("clusterflow.security")

_CLOSURE_SALT = "stewardship.services.account_closure"
#: The domain of closed accounts' addresses: ``.invalid`` is reserved never to resolve (RFC 2606).
PSEUDONYM_DOMAIN = "closed.invalid"


def pseudonym_email(*, user: User) -> str:
    """Return the address a closed account takes: unique (by the user's id), never deliverable."""
    return f"former-user-{user.pk}@{PSEUDONYM_DOMAIN}"


def pseudonym_name(*, user: User) -> str:
    """Return the name a closed account takes, in both languages since it is stored once for every reader."""
    return f"Former user {user.pk} / Ancien utilisateur {user.pk}"


def _state_digest(user: User) -> str:
    # Changes once the account is closed (or its password or address changes): the link then stops working.
    raw = f"{user.pk}:{user.password}:{user.email}:{user.is_active}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def account_closure_token(*, user: User) -> str:
    """Return the token of the link that confirms closing ``user``'s account: signed, dated, single use."""
    return signing.dumps({"u": user.pk, "s": _state_digest(user)}, salt=_CLOSURE_SALT)


def account_closure_token_read(*, token: str) -> User | None:
    """Return the account ``token`` confirms closing, or None if it is forged, expired or already used."""
    try:
        payload = signing.loads(token, salt=_CLOSURE_SALT, max_age=settings.ACCOUNT_CLOSURE_TIMEOUT)
    except signing.BadSignature:  # SignatureExpired is one.
        return None
    user = User.objects.filter(pk=payload.get("u"), is_active=True).first()
    if user is None or payload.get("s") != _state_digest(user):
        return None
    return user


def account_closure_refusal(*, user: User) -> str | None:
    """Return why ``user``'s account cannot be closed now, or None if it can."""
    titles = list(active_led_proposals(user=user).values_list("title", flat=True)[:5])
    if titles:
        return _(
            "You lead proposals that are still in progress: %(titles)s. Withdraw them, or wait for their "
            "decision, before closing your account: a proposal cannot be left without its lead applicant."
        ) % {"titles": ", ".join(f"“{title}”" for title in titles)}
    return None


def account_closure_email(*, user: User) -> EmailMultiAlternatives:
    """Return the bilingual email with the link that confirms closing ``user``'s account."""
    context = {
        "name": user.get_short_name(),
        "link": settings.SITE_URL
        + reverse("stewardship:close_confirm", kwargs={"token": account_closure_token(user=user)}),
        "hours": settings.ACCOUNT_CLOSURE_TIMEOUT // 3600,
    }
    parts, subjects = [], []
    # The person's language first, then the other one.
    for language in sorted(("en", "fr"), key=lambda code: code != user.preferred_language):
        with translation.override(language):
            subjects.append(" ".join(render_to_string("stewardship/email/close_subject.txt", context).split()))
            parts.append(render_to_string("stewardship/email/close.txt", context))
    return EmailMultiAlternatives(subject=" / ".join(subjects), body="\n\n---\n\n".join(parts), to=[user.email])


def account_closure_request(*, user: User) -> EmailMultiAlternatives:
    """Return the email confirming ``user``'s request to close their account, or refuse (``ActionForbidden``) why.

    The caller sends it (through the worker, once its transaction commits).
    """
    refusal = account_closure_refusal(user=user)
    if refusal:
        raise ActionForbidden(refusal)
    security_log.info("Account closure requested by user %s.", user.pk)
    return account_closure_email(user=user)


def _sessions_delete(user: User) -> int:
    """Delete every session signed in as ``user``, from the database and any cache copy."""
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore()
    deleted = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if store.decode(session.session_data).get("_auth_user_id") == str(user.pk):
            engine.SessionStore(session_key=session.session_key).delete()
            deleted += 1
    return deleted


def account_close(*, user: User) -> User:
    """Close ``user``'s account: their identity replaced by a pseudonym, what only served them deleted.

    Refused (``ActionForbidden``) while they lead a proposal in progress; ``StaleAction`` if
    the account was closed meanwhile (the same link used twice at once).
    """
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        if not current.is_active:
            raise StaleAction(_("This account is already closed."))
        refusal = account_closure_refusal(user=current)
        if refusal:
            raise ActionForbidden(refusal)
        now = timezone.now()
        for membership in Membership.objects.filter(user=current):
            FormerMembership.objects.create(
                user=current,
                organization_id=membership.organization_id,
                title=membership.title,
                joined_at=membership.created_at,
                left_at=now,
            )
        Membership.objects.filter(user=current).delete()
        JoinRequest.objects.filter(user=current, state=JoinRequestState.PENDING).update(
            state=JoinRequestState.WITHDRAWN, decided_at=now
        )
        old_email = current.email
        current.email = pseudonym_email(user=current)
        current.display_name = pseudonym_name(user=current)
        current.set_unusable_password()
        current.is_active = False
        current.save(update_fields=["email", "display_name", "password", "is_active"])
        AssessorInvitation.objects.filter(email__iexact=old_email).update(email=current.email)
        Affiliation.objects.filter(assessor=current).delete()
        AssessorProfile.objects.filter(user=current).delete()
        ProgramRole.objects.filter(user=current).delete()
        Notification.objects.filter(recipient=current).delete()
        SignInRecord.objects.filter(user=current).delete()
        sessions = _sessions_delete(current)
    # A printed dossier names who submitted its version: printed again on demand, under the pseudonym.
    submitted = ProposalVersion.objects.filter(submitted_by=current).values_list("proposal_id", flat=True)
    proposal_dossiers_delete(proposal_ids=submitted.distinct())
    security_log.warning("Account of user %s closed and pseudonymized; %s sessions ended.", current.pk, sessions)
    return current
