"""The relay: members write to another organization's people, or to an announcement's poster, through Clusterflow.

The message goes to the recipients' inbox and by email (``records.notifications``, event
``relay_message``) from Clusterflow's own address: neither side learns the other's address. The
first reply of a recipient reveals, by design, the replier's address to the sender and the
sender's to the replier (the forms say so); from then on the conversation is theirs alone. A
sender writes at most ``DIRECTORY_RELAY_DAILY_LIMIT`` messages in 24 hours (ADR 0037).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import ActionForbidden, DomainError
from accounts.models import Membership, Organization, User
from intake.models import Program
from records.events import Event
from records.notifications import notify
from registry.models import Announcement, RelayMessage, RelayThread
from registry.selectors.directory import member_of_program, member_organizations_of

#: The longest message one may send.
BODY_MAX_LENGTH = 5000


class RelayLimitReached(DomainError):
    """The sender wrote as many messages as the relay allows in 24 hours."""

    status = 429


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write your message.")})
    if len(body) > BODY_MAX_LENGTH:
        raise ValidationError({"body": _("Keep your message under %(limit)s characters.") % {"limit": BODY_MAX_LENGTH}})
    return body


def _check_limit(by: User) -> None:
    since = timezone.now() - timedelta(days=1)
    limit = settings.DIRECTORY_RELAY_DAILY_LIMIT
    if RelayMessage.objects.filter(author=by, created_at__gte=since).count() >= limit:
        raise RelayLimitReached(
            _(
                "You sent %(limit)s messages through Clusterflow in the last 24 hours, the most it relays; "
                "try again tomorrow."
            )
            % {"limit": limit}
        )


def _notify(*, thread: RelayThread, message: RelayMessage, recipients: list[User], address: str) -> None:
    notify(
        event=Event.RELAY_MESSAGE,
        recipients=recipients,
        occurrence=f"relay{message.pk}",
        context={
            "thread": thread.pk,
            "subject": thread.subject,
            # The display name only: ``str(user)`` and ``get_full_name`` may carry the address.
            "author": message.author.display_name or _("A member"),
            "organization": str(
                thread.sender_organization if message.author_id == thread.sender_id else thread.organization
            ),
            "body": message.body,
            # Only once the recipient replied: the other side's address, revealed by that reply.
            "address": address,
        },
    )


def relay_start(
    *,
    program: Program,
    by: User,
    sender_organization: Organization,
    subject: str,
    body: str,
    organization: Organization | None = None,
    announcement: Announcement | None = None,
) -> RelayThread:
    """Write to ``organization``'s people, or to ``announcement``'s poster, as a member of ``program``.

    The sender acts for ``sender_organization``, a member of ``program`` today; the organization
    contacted is a member of it too (or the announcement one of its calls', open).
    """
    subject = (subject or "").strip()
    body = _check_body(body)
    if not subject:
        raise ValidationError({"subject": _("Give your message a subject.")})
    if not member_organizations_of(user=by, program=program).filter(pk=sender_organization.pk).exists():
        raise ActionForbidden(_("Only the people of a member organization of this program write to other members."))
    if announcement is not None:
        if announcement.call.program_id != program.pk or not announcement.is_open():
            raise ActionForbidden(_("This announcement is closed: its poster no longer takes answers."))
        organization = announcement.organization
        recipients = [announcement.posted_by]
    elif organization is not None:
        if not Organization.objects.filter(member_of_program(program=program.pk), pk=organization.pk).exists():
            raise ActionForbidden(_("This organization is not a member of the program."))
        recipients = list(User.objects.filter(memberships__organization=organization, is_active=True).exclude(pk=by.pk))
    else:
        raise ValueError("Name an organization or an announcement.")
    if organization.pk == sender_organization.pk or by in recipients:
        raise DomainError(_("You cannot write to your own organization through the relay."))
    if not recipients:
        raise DomainError(_("Nobody acts for this organization in Clusterflow yet: there is nobody to write to."))
    with transaction.atomic():
        # Serialize a sender's messages, so that two at once cannot both pass the daily limit.
        User.objects.select_for_update().filter(pk=by.pk).values_list("pk").get()
        _check_limit(by)
        thread = RelayThread.objects.create(
            program=program,
            sender=by,
            sender_organization=sender_organization,
            organization=organization,
            recipient=announcement.posted_by if announcement is not None else None,
            announcement=announcement,
            subject=subject[:200],
        )
        message = RelayMessage.objects.create(thread=thread, author=by, body=body)
        _notify(thread=thread, message=message, recipients=recipients, address="")
    return thread


def relay_reply(*, thread: RelayThread, by: User, body: str) -> RelayMessage:
    """Add ``by``'s message to ``thread``; a recipient's first reply reveals the two sides' addresses to each other."""
    body = _check_body(body)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=by.pk).values_list("pk").get()
        locked = (
            RelayThread.objects.select_for_update(of=("self",))
            .select_related("sender", "replied_by", "sender_organization", "organization", "recipient")
            .get(pk=thread.pk)
        )
        is_sender = by.pk == locked.sender_id
        recipient_side = not is_sender and (
            (locked.recipient_id is not None and by.pk == locked.recipient_id)
            or (
                locked.recipient_id is None
                and Membership.objects.filter(user=by, organization_id=locked.organization_id).exists()
            )
        )
        if not (is_sender or recipient_side):
            raise ActionForbidden(_("You do not take part in this conversation."))
        if recipient_side and locked.replied_by_id is not None and locked.replied_by_id != by.pk:
            raise ActionForbidden(_("Someone else of your organization answered this conversation already."))
        _check_limit(by)
        if recipient_side and locked.replied_by_id is None:
            locked.replied_by = by
            locked.replied_at = timezone.now()
            locked.save(update_fields=["replied_by", "replied_at"])
        message = RelayMessage.objects.create(thread=locked, author=by, body=body)
        if is_sender:
            if locked.replied_by is not None:
                recipients, address = [locked.replied_by], by.email
            elif locked.recipient is not None:
                recipients, address = [locked.recipient], ""
            else:
                recipients = list(
                    User.objects.filter(memberships__organization_id=locked.organization_id, is_active=True)
                )
                address = ""
        else:
            recipients, address = [locked.sender], by.email
        _notify(thread=locked, message=message, recipients=recipients, address=address)
    return message
