"""Naming each partner's signatory, and signing the agreements through the signature adapter (docs/projects.md).

The adapter is a class named by the ``SIGNATURE_ADAPTER`` setting. It checks that the person
signing is who they say (``verify``) and returns the reference it keeps of the signature; the
service then writes the signature under the project's and the agreement's locks. The built-in
``ClickToSign`` asks for the password again, and the second factor's code where the person has
an authenticator. An e-signature service plugs in as another adapter.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts import second_factor
from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import Membership, User
from projects.agreements import agreement_print_on_commit
from projects.models import Agreement, Project, ProjectPartner, Signature
from records.events import Event
from records.models import AuditRecord
from records.notifications import notify

#: The audit records' actions of this module's steps (declared in ``workflow.actions``).
SIGNATORY_NAMED = "signatory_named"
AGREEMENT_SIGNED = "agreement_signed"

DEFAULT_ADAPTER = "projects.signing.ClickToSign"


class SignatureRefused(DomainError):
    """The adapter refused the proof given; ``field`` names the form's field it is about ("" for the form)."""

    status = 400

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class SignatureAdapter(Protocol):
    """What an adapter provides: the proof it asks for, its check, and the reference it keeps."""

    #: The proof's fields its form asks for ("password", "token"), for ``user``.
    def fields(self, *, user: User) -> list[str]: ...

    def verify(self, *, user: User, agreement: Agreement, proof: dict[str, Any], address: str = "") -> str:
        """Check ``proof`` of ``user``'s consent to sign ``agreement``; return the reference of the signature.

        Raise ``SignatureRefused`` (naming the field) when the proof does not hold.
        """
        ...


class ClickToSign:
    """The built-in adapter: the person re-enters their password, and their second factor's code if they have one."""

    name: ClassVar[str] = "click-to-sign"

    def fields(self, *, user: User) -> list[str]:
        return ["password", "token"] if second_factor.user_has_second_factor(user) else ["password"]

    def verify(self, *, user: User, agreement: Agreement, proof: dict[str, Any], address: str = "") -> str:
        if not user.check_password(proof.get("password") or ""):
            raise SignatureRefused(_("This is not your password."), field="password")
        if second_factor.user_has_second_factor(user):
            try:
                second_factor.second_factor_check(user=user, token=proof.get("token") or "", address=address)
            except DomainError as error:
                raise SignatureRefused(error.message, field="token") from error
        return f"{self.name}:{uuid.uuid4().hex}"


def signature_adapter() -> SignatureAdapter:
    """Return an instance of the adapter the ``SIGNATURE_ADAPTER`` setting names (click-to-sign by default)."""
    path = getattr(settings, "SIGNATURE_ADAPTER", DEFAULT_ADAPTER)
    adapter: SignatureAdapter = import_string(path)()
    return adapter


def signature_adapter_path() -> str:
    return str(getattr(settings, "SIGNATURE_ADAPTER", DEFAULT_ADAPTER))


# --- Naming a partner's signatory ----------------------------------------------------------------


def may_name_signatory(*, user: User, partner: ProjectPartner) -> bool:
    """Say whether ``user`` may name ``partner``'s signatory: the lead applicant, a member of it, or program staff."""
    project = partner.project
    return (
        project.proposal.lead_applicant_id == user.pk
        or Membership.objects.filter(user=user, organization_id=partner.organization_id).exists()
        or user.acts_in(Role.STAFF, project.proposal.call.program_id)
    )


def signatory_candidates(*, partner: ProjectPartner) -> Any:
    """Return the people who may sign for ``partner``: the members of its organization."""
    return User.objects.filter(memberships__organization_id=partner.organization_id, is_active=True).order_by(
        "display_name", "email", "pk"
    )


def signatory_name(*, partner: ProjectPartner, signatory: User, by: User) -> ProjectPartner:
    """Name ``signatory`` (a member of the partner's organization) to sign for ``partner``; audit and tell them."""
    with transaction.atomic():
        locked = (
            ProjectPartner.objects.select_for_update(of=("self",))
            .select_related("project__proposal__call", "organization")
            .get(pk=partner.pk)
        )
        if locked.removed_at is not None:
            raise StaleAction(_("This partner left the project: it has no signatory to name."))
        if not may_name_signatory(user=by, partner=locked):
            raise ActionForbidden(
                _("Only the lead applicant, the partner's people or program staff name its signatory.")
            )
        if not signatory_candidates(partner=locked).filter(pk=signatory.pk).exists():
            raise DomainError(
                _("The signatory must be a member of %(organization)s.") % {"organization": locked.organization}
            )
        previous = locked.signatory
        locked.signatory = signatory
        locked.save(update_fields=["signatory"])
        proposal = locked.project.proposal
        record = AuditRecord.objects.create(
            proposal=proposal,
            action=SIGNATORY_NAMED,
            from_state=proposal.state,
            to_state=proposal.state,
            actor=by,
            data={
                "partner": locked.pk,
                "organization": str(locked.organization),
                "signatory": signatory.pk,
                "signatory_name": signatory.get_full_name(),
                "previous": previous.pk if previous else None,
            },
        )
        if unsigned_agreements(partner=locked):
            agreement_to_sign_notify(project=locked.project, signatories=[signatory], occurrence=f"audit{record.pk}")
    return locked


def unsigned_agreements(*, partner: ProjectPartner) -> list[Agreement]:
    """Return the project's current agreements ``partner`` has not signed yet."""
    return list(
        Agreement.objects.filter(project_id=partner.project_id, superseded_at__isnull=True)
        .exclude(signatures__partner=partner)
        .order_by("kind")
    )


def agreement_to_sign_notify(*, project: Project, signatories: list[User], occurrence: str) -> None:
    """Tell each of ``signatories`` that the project's agreements wait for their signature (a link to the project)."""
    proposal = project.proposal
    notify(
        event=Event.AGREEMENT_TO_SIGN,
        recipients=signatories,
        occurrence=occurrence,
        context={
            "project": project.pk,
            "title": proposal.title,
            "call_en": proposal.call.title_en,
            "call_fr": proposal.call.title_fr,
        },
    )


# --- Signing ---------------------------------------------------------------------------------------


def agreement_sign(
    *,
    agreement: Agreement,
    partner: ProjectPartner,
    by: User,
    sha256: str,
    proof: dict[str, Any],
    address: str = "",
) -> Signature:
    """Sign ``agreement`` for ``partner`` as its named signatory, the text being the one of ``sha256``.

    The adapter checks the proof first (the password, the second factor), outside any lock;
    then, with the project's row locked (signatures of one project queue behind each other, so
    the last one sees all the others) and the agreement's: only the partner's signatory signs;
    a superseded agreement, or a text other than the one shown (``sha256``), is stale (409);
    a partner signs a version once. Run it inside ``workflow.signing``, which activates the
    project when the last signature lands.
    """
    adapter = signature_adapter()
    reference = adapter.verify(user=by, agreement=agreement, proof=proof, address=address)
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=agreement.project_id).first()
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        current_partner = ProjectPartner.objects.select_related("organization").get(pk=partner.pk)
        if current_partner.project_id != locked.project_id or current_partner.removed_at is not None:
            raise ActionForbidden(_("This organization is not a partner of the project."))
        if current_partner.signatory_id != by.pk:
            raise ActionForbidden(
                _("Only the signatory named for %(organization)s signs for it.")
                % {"organization": current_partner.organization}
            )
        if locked.superseded_at is not None or locked.sha256 != sha256:
            raise StaleAction(
                _(
                    "This agreement changed since you opened it: an amendment drafted a new version. "
                    "Read the current version and sign it. Nothing was signed."
                )
            )
        if Signature.objects.filter(agreement=locked, partner=current_partner).exists():
            raise StaleAction(
                _("%(organization)s already signed this version of the agreement. Nothing was signed again.")
                % {"organization": current_partner.organization}
            )
        signature = Signature.objects.create(
            agreement=locked,
            partner=current_partner,
            signer=by,
            organization_id=current_partner.organization_id,
            signed_at=timezone.now(),
            version=locked.version,
            sha256=locked.sha256,
            adapter=signature_adapter_path(),
            reference=reference,
        )
        agreement_print_on_commit(agreement=locked)  # its PDF prints its signatures: printed again
        proposal = locked.project.proposal
        AuditRecord.objects.create(
            proposal=proposal,
            action=AGREEMENT_SIGNED,
            from_state=proposal.state,
            to_state=proposal.state,
            actor=by,
            data={
                "agreement": locked.pk,
                "kind": locked.kind,
                "version": locked.version,
                "sha256": locked.sha256,
                "organization": str(current_partner.organization),
            },
        )
    return signature
