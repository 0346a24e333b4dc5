"""What each resource of the API reads as, and what its writes take (docs/api.md, "Resources")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, assert_never

from django.db import models
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Organization
from assessment.models import Assignment, Review
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
from intake.states import ProposalState
from projects.models import Claim, Project, Report
from registry.models import IPAsset
from workflow.actions import ACTION, Field, Kind
from workflow.forms import ACTION_FORMS


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
    review_updated_at = serializers.SerializerMethodField(
        help_text=_("When the review was last saved: send it back with the next save (none before the first).")
    )

    class Meta:
        model = Assignment
        fields = [
            "id", "proposal", "proposal_title", "call", "assessor", "state", "due_at", "no_conflict_declared_at",
            "responded_at", "created_at", "review_state", "review_updated_at",
        ]  # fmt: skip

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_review_state(self, assignment: Assignment) -> str | None:
        return getattr(assignment, "review_state", None)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_review_updated_at(self, assignment: Assignment) -> str | None:
        return utc(getattr(assignment, "review_updated_at", None))


class AssetSerializer(ModelSerializer):
    class Meta:
        model = IPAsset
        fields = [
            "id", "program", "title_en", "title_fr", "teaser_en", "teaser_fr", "asset_type", "category", "state",
            "listing", "jurisdiction", "legal_status", "filed_on", "granted_on", "expires_on", "keywords", "sectors",
            "exclusive",
        ]  # fmt: skip


class ReportSerializer(ModelSerializer):
    """A funded project's progress (or final) report, as the project's page shows it to its readers."""

    class Meta:
        model = Report
        fields = [
            "id", "project", "period", "starts_on", "ends_on", "final", "state", "staff_message", "milestones",
            "risks", "jobs_created", "jobs_maintained", "jobs_women", "jobs_underrepresented", "revenue",
            "follow_on_investment", "smes_scaled", "new_products", "participants", "answers", "questions",
            "submitted_at", "decided_at", "created_at", "updated_at",
        ]  # fmt: skip


# --- A call's results at a stage (staff) ----------------------------------------------------------
# Read from ``assessment.services.results.call_results`` as plain values: the shapes below say them.


class ResultCriterionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    name_en = serializers.CharField()
    name_fr = serializers.CharField()
    weight = serializers.DecimalField(max_digits=6, decimal_places=2)
    scale_min = serializers.IntegerField()
    scale_max = serializers.IntegerField()


class ResultRubricSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    assessors_per_proposal = serializers.IntegerField()
    pass_threshold = serializers.DecimalField(max_digits=5, decimal_places=2)


class ResultProposalSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=ProposalState.choices)


class CriterionMeanSerializer(serializers.Serializer[Any]):
    criterion = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)


class CalibrationSerializer(serializers.Serializer[Any]):
    calibrated = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    kept_raw_because = serializers.CharField(allow_blank=True)
    chance = serializers.FloatField(allow_null=True)


class ResultRowSerializer(serializers.Serializer[Any]):
    """One proposal's line of the ranking: the results page's, from the stored standing and the page's scores."""

    rank = serializers.IntegerField(allow_null=True, help_text=_("Its place among the scored; none while unscored."))
    proposal = ResultProposalSerializer()
    total = serializers.FloatField(allow_null=True, help_text=_("The weighted total out of 100 of complete reviews."))
    spread = serializers.FloatField(allow_null=True)
    passed = serializers.BooleanField(allow_null=True, help_text=_("Whether the total reaches the pass threshold."))
    reviews_submitted = serializers.IntegerField()
    reviews_required = serializers.IntegerField()
    outliers = serializers.ListField(child=serializers.CharField(), help_text=_("The assessors flagged as outliers."))
    criteria = CriterionMeanSerializer(many=True)
    calibration = CalibrationSerializer(allow_null=True)


class ResultsPageSerializer(serializers.Serializer[Any]):
    """A page of a call's ranking at one stage, with the rubric and its criteria."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    stage = serializers.CharField()
    rubric = ResultRubricSerializer(allow_null=True)
    criteria = ResultCriterionSerializer(many=True)
    results = ResultRowSerializer(many=True)


# --- The actions that move a proposal -----------------------------------------------------------------


def _say_of(field: Field, takers: list[str]) -> str:
    taken = gettext("Taken by: %(actions)s.") % {"actions": ", ".join(takers)}
    # One action's field is named by its label; a field several take is labelled differently by each.
    return f"{field.label}. {taken}" if len(takers) == 1 else taken


#: The description of an action's field, in the language of the request that reads the schema.
_said_of = lazy(_say_of, str)


def _action_field(field: Field, takers: list[str]) -> serializers.Field[Any, Any, Any, Any]:
    """Describe one field of the actions (its kind's JSON) for the schema; the action's own form checks it."""
    common: dict[str, Any] = {"required": False, "help_text": _said_of(field, takers)}
    match field.kind:
        case Kind.TEXT:
            return serializers.CharField(allow_blank=True, **common)
        case Kind.LOCAL_DATETIME:
            return serializers.DateTimeField(**common)
        case Kind.AMOUNT:
            return serializers.DecimalField(max_digits=14, decimal_places=2, **common)
        case Kind.MEETING:
            return serializers.IntegerField(**common)
        case _:
            assert_never(field.kind)


def _action_fields() -> dict[str, serializers.Field[Any, Any, Any, Any]]:
    """Return one schema field per field any action takes, saying which actions take it."""
    takers: dict[str, list[str]] = {}
    first: dict[str, Field] = {}
    for name in ACTION_FORMS:
        for field in ACTION[name].fields:
            takers.setdefault(field.name, []).append(name)
            first.setdefault(field.name, field)
    return {name: _action_field(field, takers[name]) for name, field in first.items()}


#: The names of the actions a person performs over the API: every one with a form on the pages.
ACTION_NAMES = sorted(ACTION_FORMS)

ProposalActionSerializer = type(
    "ProposalActionSerializer",
    (ActionSerializer,),
    {
        "__doc__": (
            "What an action takes: the state the caller saw (a changed one answers 409) and the action's own "
            "fields (each action reads only its own; its form on the pages checks them)."
        ),
        "__module__": __name__,
        **_action_fields(),
    },
)


# --- An assessor's review ---------------------------------------------------------------------------


class ScoreSerializer(serializers.Serializer[Any]):
    criterion = serializers.IntegerField(help_text=_("The criterion's id (the call's results name them)."))
    value = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_("On the criterion's scale.")
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewWriteSerializer(serializers.Serializer[Any]):
    """What the assessor writes: a score and comment per criterion and the overall fields, as the review page."""

    scores = ScoreSerializer(many=True, required=False, default=list)
    recommendation = serializers.CharField(required=False, allow_blank=True, default="")
    confidence = serializers.CharField(required=False, allow_blank=True, default="")
    overall_comment = serializers.CharField(required=False, allow_blank=True, default="")
    submit = serializers.BooleanField(
        required=False, default=True, help_text=_("Submit it (true), or save it as a draft (false).")
    )
    expected_updated_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "The review's review_updated_at as read (none before the first save): a review saved since answers 409."
        ),
    )


class ReviewSerializer(ModelSerializer):
    scores = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id", "assignment", "state", "recommendation", "confidence", "overall_comment", "submitted_at",
            "updated_at", "scores",
        ]  # fmt: skip

    @extend_schema_field(ScoreSerializer(many=True))
    def get_scores(self, review: Review) -> list[dict[str, Any]]:
        return [
            {"criterion": score.criterion_id, "value": score.value, "comment": score.comment}
            for score in sorted(review.scores.all(), key=lambda score: (score.criterion.position, score.criterion_id))
        ]
