"""What each resource of the API reads as, and what its writes take (docs/api.md, "Resources")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Organization
from assessment.models import Assignment
from intake.models import (
    Answer,
    Attachment,
    BudgetLine,
    Call,
    ConsortiumMember,
    Program,
    Proposal,
    ProposalVersion,
    Stage,
)
from projects.models import Claim, Project
from registry.models import IPAsset


def utc(value: datetime | None) -> str | None:
    """Return ``value`` in UTC as ISO 8601 with ``Z`` (None stays None)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class UtcDateTimeField(serializers.DateTimeField):
    """A time in UTC, ISO 8601 with ``Z``: every time the API gives, whatever the server's or the call's zone."""

    def to_representation(self, value: Any) -> str | None:
        return utc(value)


class ModelSerializer(serializers.ModelSerializer[Any]):
    """The API's model serializers: times in UTC (``UtcDateTimeField``)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: UtcDateTimeField,
    }


class ProgramSerializer(ModelSerializer):
    class Meta:
        model = Program
        fields = ["id", "slug", "name_en", "name_fr", "description_en", "description_fr"]


class StageSerializer(ModelSerializer):
    class Meta:
        model = Stage
        fields = ["kind", "position", "opens_at", "closes_at"]


class CallSerializer(ModelSerializer):
    phase = serializers.SerializerMethodField(help_text=_("Where the call stands now, by the server's clock."))
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Call
        fields = [
            "id", "program", "slug", "title_en", "title_fr", "description_en", "description_fr", "timezone",
            "intake_mode", "loi_opens_at", "loi_closes_at", "application_closes_at", "review_due_at",
            "board_meeting_at", "funding_envelope", "phase", "stages",
        ]  # fmt: skip

    def get_phase(self, call: Call) -> str:
        return str(call.phase())


class OrganizationSerializer(ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "legal_name"]


class BudgetLineSerializer(ModelSerializer):
    class Meta:
        model = BudgetLine
        fields = ["category", "amount"]


class ConsortiumMemberSerializer(ModelSerializer):
    organization = OrganizationSerializer(read_only=True)
    roles = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    budget_lines = BudgetLineSerializer(many=True, read_only=True)

    class Meta:
        model = ConsortiumMember
        fields = ["id", "organization", "is_lead", "roles", "background_ip", "budget_lines"]


class VersionSerializer(ModelSerializer):
    class Meta:
        model = ProposalVersion
        fields = ["number", "kind", "submitted_at"]


class AttachmentSerializer(ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "kind", "original_name", "content_type", "size", "uploaded_at", "removed_at"]


class AnswerSerializer(ModelSerializer):
    value = serializers.JSONField(read_only=True, allow_null=True)

    class Meta:
        model = Answer
        fields = ["question", "value", "attachment", "submitted_at", "updated_at"]


class ProposalSerializer(ModelSerializer):
    """A proposal as its reader may know it: a decision withheld from them reads as still before the board."""

    stage = serializers.CharField(source="stage.kind", read_only=True)
    lead_organization = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = [
            "id", "call", "title", "state", "stage", "lead_organization", "version_count", "submitted_at",
            "approved_amount", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OrganizationSerializer)
    def get_lead_organization(self, proposal: Proposal) -> dict[str, Any]:
        organization = proposal.lead_organization
        return {"id": organization.pk, "legal_name": organization.legal_name}


class ProposalRowSerializer(ProposalSerializer):
    """A row of the list: the fields of ``ProposalSerializer``, written out directly.

    A page holds up to 100 rows, and walking each field's serializer cost more than reading
    them; the fields (and so the schema) are ``ProposalSerializer``'s, which a test compares.
    """

    def to_representation(self, instance: Proposal) -> dict[str, Any]:
        amount = instance.approved_amount
        return {
            "id": instance.pk,
            "call": instance.call_id,
            "title": instance.title,
            "state": instance.state,
            "stage": instance.stage.kind,
            "lead_organization": self.get_lead_organization(instance),
            "version_count": instance.version_count,
            "submitted_at": utc(instance.submitted_at),
            "approved_amount": None if amount is None else str(amount),
            "created_at": utc(instance.created_at),
            "updated_at": utc(instance.updated_at),
        }


class ProposalDetailSerializer(ProposalSerializer):
    consortium = ConsortiumMemberSerializer(source="members", many=True, read_only=True)
    versions = VersionSerializer(many=True, read_only=True)
    answers = AnswerSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta(ProposalSerializer.Meta):
        fields = [
            *ProposalSerializer.Meta.fields,
            "summary", "challenge", "technology", "expected_partners", "estimated_total_cost",
            "estimated_funding_requested", "project_description", "work_plan", "sectors", "keywords",
            "decision_conditions", "consortium", "versions", "answers", "attachments",
        ]  # fmt: skip
        read_only_fields = fields


class ProposalCreateSerializer(serializers.Serializer[Any]):
    """A new letter of intent: the call, its title and summary, and the organization that leads it."""

    call = serializers.PrimaryKeyRelatedField(queryset=Call.objects.all())
    title = serializers.CharField(max_length=250)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    lead_organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())


class ActionSerializer(serializers.Serializer[Any]):
    """The state the caller saw: the action is refused (409) if the proposal has moved on since."""

    expected_state = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("The state the proposal was in when it was read.")
    )


class DecisionSerializer(ModelSerializer):
    """The board's decision on one proposal, read from the proposal and the meeting whose agenda holds it."""

    proposal = serializers.IntegerField(source="pk", read_only=True)
    outcome = serializers.SerializerMethodField()
    meeting = serializers.SerializerMethodField()
    meeting_held_at = serializers.SerializerMethodField()
    released_at = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = [
            "proposal", "call", "title", "outcome", "approved_amount", "decision_conditions", "meeting",
            "meeting_held_at", "released_at",
        ]  # fmt: skip

    @staticmethod
    def _item(proposal: Proposal) -> Any:
        items = getattr(proposal, "decided_items", [])
        return items[0] if items else None

    def get_outcome(self, proposal: Proposal) -> str:
        return "declined" if proposal.state == "declined" else "approved"

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_meeting(self, proposal: Proposal) -> int | None:
        item = self._item(proposal)
        return item.meeting_id if item else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_meeting_held_at(self, proposal: Proposal) -> Any:
        item = self._item(proposal)
        return UtcDateTimeField().to_representation(item.meeting.held_at) if item else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_released_at(self, proposal: Proposal) -> Any:
        item = self._item(proposal)
        released = item.meeting.decisions_released_at if item else None
        return UtcDateTimeField().to_representation(released) if released else None


class ProjectSerializer(ModelSerializer):
    title = serializers.CharField(source="proposal.title", read_only=True)
    state = serializers.CharField(source="proposal.state", read_only=True)
    call = serializers.IntegerField(source="proposal.call_id", read_only=True)
    lead_organization = OrganizationSerializer(source="proposal.lead_organization", read_only=True)

    class Meta:
        model = Project
        fields = [
            "id", "proposal", "title", "state", "call", "lead_organization", "amount", "paid", "holdback_percent",
            "claim_period_months", "opened_at", "started_on",
        ]  # fmt: skip


class ClaimSerializer(ModelSerializer):
    partner = OrganizationSerializer(source="partner.organization", read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id", "project", "partner", "period", "period_start", "period_end", "final", "state", "submitted_at",
            "decided_at", "paid_on", "created_at", "updated_at",
        ]  # fmt: skip


class AssignmentSerializer(ModelSerializer):
    """An assessor's assignment: only the title and call of the proposal, as the assessor's dashboard shows."""

    proposal_title = serializers.CharField(source="proposal.title", read_only=True)
    call = serializers.IntegerField(source="proposal.call_id", read_only=True)
    review_state = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id", "proposal", "proposal_title", "call", "assessor", "state", "due_at", "no_conflict_declared_at",
            "responded_at", "created_at", "review_state",
        ]  # fmt: skip

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_review_state(self, assignment: Assignment) -> str | None:
        return getattr(assignment, "review_state", None)


class AssetSerializer(ModelSerializer):
    class Meta:
        model = IPAsset
        fields = [
            "id", "program", "title_en", "title_fr", "teaser_en", "teaser_fr", "asset_type", "category", "state",
            "listing", "jurisdiction", "legal_status", "filed_on", "granted_on", "expires_on", "keywords", "sectors",
            "exclusive",
        ]  # fmt: skip
