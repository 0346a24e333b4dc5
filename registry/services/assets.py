"""The registry's use cases: registering, checking and publishing assets; licence requests and their answers.

Each function locks the row it changes (``select_for_update``), checks who acts and that the
row is still in the state the action starts from (else ``StaleAction``, a 409: somebody acted
first), changes it, writes an ``AuditRecord`` against the asset's program naming the asset or
request, and notifies in the same transaction (``records.notifications.notify``), whose emails
leave only after it commits. Who may read what is ``registry.access``'s.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, StaleAction
from accounts.models import Organization, User
from intake import program_roles
from intake.models import Program
from intake.services.attachments import Upload, attachment_display_name, upload_read
from projects.models import Report, ReportedIPRight
from records.events import Event
from records.models import AuditRecord
from records.notifications import notify
from registry import access
from registry.choices import AssetCategory, AssetState, Listing, OfferedTo, RequestState
from registry.models import AssetOwner, IPAsset, Licence, LicenceMessage, LicenceRequest
from registry.selectors.members import member_organization_ids

#: The fields of an asset its owners write (the form's, the service's and the audit's).
ASSET_FIELDS = (
    "title_en", "title_fr", "teaser_en", "teaser_fr", "asset_type", "category", "project", "agreement_version",
    "origin", "jurisdiction", "filing_number", "registration_number", "legal_status", "filed_on", "granted_on",
    "expires_on", "keywords", "sectors", "exclusive", "field_of_use", "territory", "fee_basis", "offered_to",
    "listing",
)  # fmt: skip

#: The states in which the owners may edit an asset: a draft (also one sent back) and a withdrawn one.
EDITABLE_STATES = (AssetState.DRAFT, AssetState.WITHDRAWN)


@dataclass(frozen=True)
class Share:
    """An owner and its share of an asset, in percent."""

    organization: Organization
    share: Decimal


# --- Helpers: the people told, the audit, the context of the messages -----------------------------


def owners_people(asset: IPAsset) -> QuerySet[User]:
    """Return the active people of ``asset``'s owners."""
    return User.objects.filter(is_active=True, memberships__organization__ip_ownerships__asset=asset)


def requesting_people(request: LicenceRequest) -> QuerySet[User]:
    """Return the active people of the requesting side: the requester and the people of their organization."""
    return User.objects.filter(
        Q(pk=request.requested_by_id) | Q(memberships__organization=request.organization_id), is_active=True
    )


def ip_managers(program_id: int) -> QuerySet[User]:
    """Return the IP managers of the program ``program_id``."""
    return User.objects.filter(program_roles.audience(Role.IP_MANAGER, program_id))


def _audit(*, asset: IPAsset, action: str, by: User, before: str, after: str, data: dict[str, Any],
           reason: str = "") -> AuditRecord:  # fmt: skip
    return AuditRecord.objects.create(
        program_id=asset.program_id,
        action=action,
        from_state=before,
        to_state=after,
        actor=by,
        reason=reason,
        data={"asset": asset.pk, "asset_title": asset.title_en, **data},
    )


def _asset_context(asset: IPAsset, **extra: Any) -> dict[str, Any]:
    return {
        "asset": asset.pk,
        "title_en": asset.title_en,
        "title_fr": asset.title_fr,
        "link": f"/registry/assets/{asset.pk}/",
        **extra,
    }


def _request_context(request: LicenceRequest, **extra: Any) -> dict[str, Any]:
    return _asset_context(
        request.asset,
        request=request.pk,
        organization=request.organization.legal_name,
        link=f"/registry/requests/{request.pk}/",
        **extra,
    )


def _tell(event: Event, recipients: QuerySet[User], *, by: User, record: AuditRecord, context: dict[str, Any]) -> None:
    """Notify ``recipients`` but the actor of ``event``, once for the audit record ``record``."""
    notify(
        event=event,
        recipients=list(recipients.exclude(pk=by.pk).distinct()),
        occurrence=f"a{record.pk}",
        context=context,
    )


# --- Assets ---------------------------------------------------------------------------------------


def _check_shares(owners: list[Share]) -> None:
    if not owners:
        raise ValidationError({"owners": _("Name at least one owner.")})
    organizations = [owner.organization.pk for owner in owners]
    if len(set(organizations)) != len(organizations):
        raise ValidationError({"owners": _("Name each owner once.")})
    if any(owner.share <= 0 or owner.share > 100 for owner in owners):
        raise ValidationError({"owners": _("Each share is more than 0 % and at most 100 %.")})
    total = sum((owner.share for owner in owners), Decimal("0"))
    if total != Decimal("100"):
        raise ValidationError(
            {"owners": _("The owners' shares add up to %(total)s %%; they must add up to 100 %%.") % {"total": total}}
        )


def _apply(asset: IPAsset, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(ASSET_FIELDS)
    if unknown:
        raise ValueError(f"not an asset field: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(asset, name, value)
    if asset.project is not None and asset.project.proposal.call.program_id != asset.program_id:
        raise ValidationError({"project": _("Choose a project of the asset's program.")})
    asset.full_clean(exclude=["created_by", "program", "search_text"])


def _write_owners(asset: IPAsset, owners: list[Share]) -> list[dict[str, Any]]:
    AssetOwner.objects.filter(asset=asset).delete()
    AssetOwner.objects.bulk_create(
        [AssetOwner(asset=asset, organization=owner.organization, share=owner.share) for owner in owners]
    )
    return [{"organization": owner.organization.pk, "share": str(owner.share)} for owner in owners]


def asset_register(
    *, by: User, program: Program, organization: Organization, fields: dict[str, Any], owners: list[Share]
) -> IPAsset:
    """Register an asset of ``program`` directly, as a draft, for ``organization`` (one of its owners).

    ``by`` acts for ``organization``, which holds a current membership of the program; the owners'
    shares add up to 100 %. The IP manager checks it once its owners submit it.
    """
    if organization.pk not in member_organization_ids(user=by, program_id=program.pk):
        raise ActionForbidden(
            _("Only a person of a member organization of the program registers an asset, for that organization.")
        )
    if organization.pk not in {owner.organization.pk for owner in owners}:
        raise ValidationError({"owners": _("Your organization must be one of the owners.")})
    _check_shares(owners)
    with transaction.atomic():
        asset = IPAsset(program=program, created_by=by)
        _apply(asset, fields)
        asset.save()
        shares = _write_owners(asset, owners)
        _audit(asset=asset, action="ip_asset_register", by=by, before="", after=asset.state, data={"owners": shares})
    return asset


def assets_from_report(*, report: Report, by: User) -> list[IPAsset]:
    """Make each IP right ``report`` names a draft asset of its project's program, for its owners to complete.

    Called as staff accept the report, in the same transaction. A right already made an asset
    is left alone. The draft is private (its owners and the IP manager read it), foreground,
    of the right's type, owned in equal shares by the right's owners (to the hundredth, the first
    taking what rounding leaves); its titles are the right's, its teasers say where it comes from,
    in each language, until the owners write them.
    """
    project = report.project
    program_id = project.proposal.call.program_id
    made = []
    for right in ReportedIPRight.objects.filter(report=report, asset_id__isnull=True).prefetch_related(
        "owners__organization"
    ):
        with translation.override("en"):
            origin_en = _("Reported by the project “%(project)s” in its report of period %(period)s.") % {
                "project": project.proposal.title, "period": report.period,
            }  # fmt: skip
        with translation.override("fr"):
            origin_fr = _("Reported by the project “%(project)s” in its report of period %(period)s.") % {
                "project": project.proposal.title, "period": report.period,
            }  # fmt: skip
        asset = IPAsset.objects.create(
            program_id=program_id,
            title_en=right.title,
            title_fr=right.title,
            teaser_en=origin_en,
            teaser_fr=origin_fr,
            asset_type=right.kind,
            category=AssetCategory.FOREGROUND,
            project=project,
            origin=origin_en,
            offered_to=OfferedTo.MEMBERS,
            listing=Listing.PRIVATE,
            state=AssetState.DRAFT,
            created_by=by,
        )
        organizations = [owner.organization for owner in right.owners.all()]
        shares = equal_shares(len(organizations))
        owned = _write_owners(
            asset, [Share(organization, share) for organization, share in zip(organizations, shares, strict=True)]
        )
        _audit(
            asset=asset, action="ip_asset_register", by=by, before="", after=asset.state,
            data={"owners": owned, "report": report.pk, "reported_right": right.pk},
        )  # fmt: skip
        ReportedIPRight.objects.filter(pk=right.pk).update(asset_id=asset.pk)
        made.append(asset)
    return made


def equal_shares(count: int) -> list[Decimal]:
    """Split 100 % into ``count`` shares to the hundredth, the first taking what rounding leaves."""
    if count == 0:
        return []
    share = (Decimal("100") / count).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return [Decimal("100") - share * (count - 1), *[share] * (count - 1)]


def _lock_asset(asset: IPAsset) -> IPAsset:
    return IPAsset.objects.select_for_update().select_related("program").get(pk=asset.pk)


def _require_owner(by: User, asset: IPAsset) -> None:
    if not access.is_owner(user=by, asset=asset):
        raise ActionForbidden(_("Only the people of the asset's owners can do this."))


def _require_ip_manager(by: User, asset: IPAsset) -> None:
    if not access.is_keeper(user=by, asset=asset):
        raise ActionForbidden(_("Only the program's IP manager can check and publish assets."))


def _require_state(asset: IPAsset, states: tuple[str, ...], message: str) -> None:
    if asset.state not in states:
        raise StaleAction(message % {"state": asset.get_state_display()})


def asset_edit(*, by: User, asset: IPAsset, fields: dict[str, Any], owners: list[Share]) -> IPAsset:
    """Change a draft or withdrawn asset and its owners (its owners' people); a withdrawn one becomes a draft again."""
    _check_shares(owners)
    with transaction.atomic():
        current = _lock_asset(asset)
        _require_owner(by, current)
        _require_state(current, EDITABLE_STATES, _("This asset is %(state)s: withdraw it before changing it."))
        before = current.state
        _apply(current, fields)
        current.state = AssetState.DRAFT
        current.save()
        shares = _write_owners(current, owners)
        _audit(asset=current, action="ip_asset_edit", by=by, before=before, after=current.state,
               data={"owners": shares, "fields": sorted(fields)})  # fmt: skip
    return current


def asset_submit(*, by: User, asset: IPAsset) -> IPAsset:
    """Submit a draft asset for the IP manager's check (its owners' people); the IP manager is told."""
    with transaction.atomic():
        current = _lock_asset(asset)
        _require_owner(by, current)
        _require_state(current, (AssetState.DRAFT,), _("This asset is %(state)s: it cannot be submitted again."))
        current.state, current.submitted_at, current.check_message = AssetState.SUBMITTED, timezone.now(), ""
        current.save(update_fields=["state", "submitted_at", "check_message", "updated_at"])
        record = _audit(asset=current, action="ip_asset_submit", by=by, before=AssetState.DRAFT, after=current.state,
                        data={})  # fmt: skip
        _tell(Event.IP_ASSET_SUBMITTED, ip_managers(current.program_id), by=by, record=record,
              context=_asset_context(current))  # fmt: skip
    return current


def asset_publish(*, by: User, asset: IPAsset) -> IPAsset:
    """Publish a submitted asset (the program's IP manager): its listing now decides who reads it."""
    with transaction.atomic():
        current = _lock_asset(asset)
        _require_ip_manager(by, current)
        _require_state(current, (AssetState.SUBMITTED,), _("This asset is %(state)s: it is not waiting for a check."))
        current.state, current.published_at = AssetState.PUBLISHED, timezone.now()
        current.save(update_fields=["state", "published_at", "updated_at"])
        record = _audit(asset=current, action="ip_asset_publish", by=by, before=AssetState.SUBMITTED,
                        after=current.state, data={"listing": current.listing})  # fmt: skip
        _tell(Event.IP_ASSET_PUBLISHED, owners_people(current), by=by, record=record, context=_asset_context(current))
    return current


def asset_send_back(*, by: User, asset: IPAsset, message: str) -> IPAsset:
    """Send a submitted asset back to its owners with what to change (the program's IP manager)."""
    message = message.strip()
    if not message:
        raise ValidationError({"message": _("Say what the owners should change.")})
    with transaction.atomic():
        current = _lock_asset(asset)
        _require_ip_manager(by, current)
        _require_state(current, (AssetState.SUBMITTED,), _("This asset is %(state)s: it is not waiting for a check."))
        current.state, current.check_message = AssetState.DRAFT, message
        current.save(update_fields=["state", "check_message", "updated_at"])
        record = _audit(asset=current, action="ip_asset_send_back", by=by, before=AssetState.SUBMITTED,
                        after=current.state, data={}, reason=message)  # fmt: skip
        _tell(Event.IP_ASSET_SENT_BACK, owners_people(current), by=by, record=record,
              context=_asset_context(current, message=message))  # fmt: skip
    return current


def asset_withdraw(*, by: User, asset: IPAsset) -> IPAsset:
    """Withdraw a submitted or published asset from the registry (its owners' people); only they read it then."""
    with transaction.atomic():
        current = _lock_asset(asset)
        _require_owner(by, current)
        _require_state(current, (AssetState.SUBMITTED, AssetState.PUBLISHED),
                       _("This asset is %(state)s: there is nothing to withdraw."))  # fmt: skip
        before = current.state
        current.state = AssetState.WITHDRAWN
        current.save(update_fields=["state", "updated_at"])
        _audit(asset=current, action="ip_asset_withdraw", by=by, before=before, after=current.state, data={})
    return current


# --- Licence requests -----------------------------------------------------------------------------


def licence_request_create(
    *, by: User, asset: IPAsset, organization: Organization, intended_use: str, field_of_use: str = "",
    territory: str = "",
) -> LicenceRequest:  # fmt: skip
    """Request a licence on a published asset for ``organization``, a member organization ``by`` acts for.

    The owners' people and the program's IP manager are told. An owner does not request its own
    asset, and an organization has one open request per asset.
    """
    if not intended_use.strip():
        raise ValidationError({"intended_use": _("Say what you intend to use the asset for.")})
    with transaction.atomic():
        current = IPAsset.objects.select_related("program").get(pk=asset.pk)
        if not access.assets_visible_to(user=by).filter(pk=current.pk).exists():
            raise ActionForbidden(_("This asset is not listed for you."))
        if current.state != AssetState.PUBLISHED:
            raise StaleAction(_("This asset is no longer published: no licence can be requested."))
        if organization.pk not in member_organization_ids(user=by, program_id=current.program_id):
            raise ActionForbidden(
                _("Only a member organization of the program requests a licence, through its people.")
            )
        if current.owners.filter(organization=organization).exists():
            raise ValidationError({"organization": _("Your organization owns this asset.")})
        if LicenceRequest.objects.filter(asset=current, organization=organization, state=RequestState.OPEN).exists():
            raise ValidationError({"organization": _("Your organization already has an open request on this asset.")})
        request = LicenceRequest(
            asset=current, organization=organization, requested_by=by, intended_use=intended_use.strip(),
            field_of_use=field_of_use.strip(), territory=territory.strip(),
        )  # fmt: skip
        try:
            with transaction.atomic():
                request.save()
        except IntegrityError:
            raise StaleAction(_("Your organization already has an open request on this asset.")) from None
        record = _audit(asset=current, action="licence_request", by=by, before="", after=request.state,
                        data={"request": request.pk, "organization": organization.pk})  # fmt: skip
        recipients = owners_people(current) | ip_managers(current.program_id)
        _tell(Event.LICENCE_REQUESTED, recipients, by=by, record=record, context=_request_context(request))
    return request


def _lock_request(request: LicenceRequest) -> LicenceRequest:
    return (
        LicenceRequest.objects.select_for_update(of=("self",))
        .select_related("asset", "asset__program", "organization")
        .get(pk=request.pk)
    )


def _require_open(request: LicenceRequest) -> None:
    if request.state != RequestState.OPEN:
        raise StaleAction(
            _("This request was already answered or withdrawn: it is %(state)s.")
            % {"state": request.get_state_display()}
        )


def licence_message_post(*, by: User, request: LicenceRequest, body: str) -> LicenceMessage:
    """Post a message in an open request's thread (either side or the IP manager); the other side is told."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write a message.")})
    with transaction.atomic():
        current = _lock_request(request)
        if not access.requests_visible_to(user=by).filter(pk=current.pk).exists():
            raise ActionForbidden(_("Only the two sides of the request and the IP manager write in its thread."))
        _require_open(current)
        message = LicenceMessage.objects.create(request=current, author=by, body=body)
        record = _audit(asset=current.asset, action="licence_message", by=by, before=current.state,
                        after=current.state, data={"request": current.pk, "message": message.pk})  # fmt: skip
        requester_side = access.is_requester(user=by, request=current)
        recipients = owners_people(current.asset) if requester_side else requesting_people(current)
        if not requester_side and not access.is_owner(user=by, asset=current.asset):
            recipients = recipients | owners_people(current.asset)  # The IP manager wrote: both sides hear it.
        _tell(Event.LICENCE_MESSAGE, recipients, by=by, record=record,
              context=_request_context(current, message=body))  # fmt: skip
    return message


def _answer(current: LicenceRequest, *, by: User, state: str) -> None:
    current.state, current.answered_at, current.answered_by = state, timezone.now(), by


def licence_agree(
    *, by: User, request: LicenceRequest, terms: str, starts_on: date, ends_on: date | None, upload: Upload,
    exclusive: bool | None = None, field_of_use: str | None = None, territory: str | None = None,
) -> Licence:  # fmt: skip
    """Agree to an open request (its asset's owners' people) and record the licence with its signed document.

    The document passes the project's upload checks (``intake.services.attachments.upload_read``)
    and is stored under a random name. Two owners answering at once: one wins, the other gets a 409.
    """
    if not terms.strip():
        raise ValidationError({"terms": _("Write the main terms of the licence.")})
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The licence ends after it starts.")})
    data, kind = upload_read(upload=upload, limit=settings.ATTACHMENT_MAX_BYTES, field="document")
    with transaction.atomic():
        current = _lock_request(request)
        asset = current.asset
        _require_owner(by, asset)
        _require_open(current)
        _answer(current, by=by, state=RequestState.AGREED)
        current.save(update_fields=["state", "answered_at", "answered_by"])
        licence = Licence(
            request=current,
            asset=asset,
            licensee=current.organization,
            licensors=[
                {
                    "organization": owner.organization_id,
                    "name": owner.organization.legal_name,
                    "share": str(owner.share),
                }
                for owner in asset.owners.select_related("organization")
            ],
            exclusive=asset.exclusive if exclusive is None else exclusive,
            field_of_use=(current.field_of_use or asset.field_of_use) if field_of_use is None else field_of_use,
            territory=(current.territory or asset.territory) if territory is None else territory,
            fee_basis=asset.fee_basis,
            terms=terms.strip(),
            starts_on=starts_on,
            ends_on=ends_on,
            document_name=attachment_display_name(getattr(upload, "name", "") or "", extension=kind.extension),
            content_type=kind.content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            recorded_by=by,
        )
        licence.document.save(f"licence.{kind.extension}", ContentFile(data), save=False)
        try:
            licence.save()
        except BaseException:
            licence.document.delete(save=False)
            raise
        record = _audit(asset=asset, action="licence_agree", by=by, before=RequestState.OPEN, after=current.state,
                        data={"request": current.pk, "licence": licence.pk, "sha256": licence.sha256})  # fmt: skip
        _tell(Event.LICENCE_AGREED, (requesting_people(current) | ip_managers(asset.program_id)), by=by,
              record=record, context=_request_context(current, licence=licence.pk))  # fmt: skip
    return licence


def licence_decline(*, by: User, request: LicenceRequest, reason: str) -> LicenceRequest:
    """Decline an open request with a reason (its asset's owners' people); the requesting side is told why."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the request is declined.")})
    with transaction.atomic():
        current = _lock_request(request)
        _require_owner(by, current.asset)
        _require_open(current)
        _answer(current, by=by, state=RequestState.DECLINED)
        current.decline_reason = reason
        current.save(update_fields=["state", "answered_at", "answered_by", "decline_reason"])
        record = _audit(asset=current.asset, action="licence_decline", by=by, before=RequestState.OPEN,
                        after=current.state, data={"request": current.pk}, reason=reason)  # fmt: skip
        _tell(Event.LICENCE_DECLINED, requesting_people(current) | ip_managers(current.asset.program_id),
              by=by, record=record, context=_request_context(current, message=reason))  # fmt: skip
    return current


def licence_request_withdraw(*, by: User, request: LicenceRequest) -> LicenceRequest:
    """Withdraw an open request (its requesting side); the owners' people and the IP manager are told."""
    with transaction.atomic():
        current = _lock_request(request)
        if not access.is_requester(user=by, request=current):
            raise ActionForbidden(_("Only the requesting side withdraws a request."))
        _require_open(current)
        _answer(current, by=by, state=RequestState.WITHDRAWN)
        current.save(update_fields=["state", "answered_at", "answered_by"])
        record = _audit(asset=current.asset, action="licence_withdraw", by=by, before=RequestState.OPEN,
                        after=current.state, data={"request": current.pk})  # fmt: skip
        recipients = owners_people(current.asset) | ip_managers(current.asset.program_id)
        _tell(Event.LICENCE_WITHDRAWN, recipients, by=by, record=record, context=_request_context(current))
    return current
