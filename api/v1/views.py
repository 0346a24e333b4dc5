"""The API's routes: each parses its input, reads through the access rules or calls one use case, and answers.

Reads go through the same selectors as the pages (``workflow.access``, ``registry.access``,
``intake.selectors``), so a person reads over the API exactly what they read on the site;
writes go through the same use cases and workflow actions, whose refusals
``api.v1.exceptions`` turns into 400, 403 and 409.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.db.models import F, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from api.v1 import serializers as api
from api.v1.authentication import BearerTokenAuthentication
from api.v1.exceptions import api_exception_handler
from api.v1.pagination import Pages
from api.v1.permissions import SignedIn, TokenScope
from api.v1.throttling import ApiRateThrottle
from board.models import AgendaItem
from intake import selectors as intake_selectors
from intake import services as intake_services
from intake.models import Call, ConsortiumMember, Program, Proposal
from intake.states import ProposalState
from records.search_text import query_words
from registry import access as registry_access
from workflow import access
from workflow.actions.screening import proposal_submit_application, proposal_submit_loi
from workflow.search import proposals_with_words


class ApiViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """What every route shares: a token or the session, the token's scope, the throttle, pages, one error handler."""

    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [SignedIn, TokenScope]
    throttle_classes = [ApiRateThrottle]
    pagination_class = Pages
    lookup_value_converter = "int"

    def get_exception_handler(self) -> Any:
        return api_exception_handler

    @property
    def person(self) -> User:
        """The signed-in person (the routes needing one let no anonymous request through)."""
        return cast(User, self.request.user)


def _date_param(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        value = serializers.DateTimeField().to_internal_value(raw)
    except ValidationError as error:
        raise ValidationError({name: error.detail}) from None
    return cast(datetime, value)


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise ValidationError({name: [_("Give a whole number.")]})
    return int(raw)


def _ordered(queryset: QuerySet[Any], request: Request, allowed: tuple[str, ...], default: str) -> QuerySet[Any]:
    """Order ``queryset`` by ``?ordering=`` (one of ``allowed``, ``-`` for descending), then by id."""
    ordering = request.query_params.get("ordering") or default
    if ordering.lstrip("-") not in allowed:
        raise ValidationError({"ordering": [_("Order by one of: %(fields)s.") % {"fields": ", ".join(allowed)}]})
    return queryset.order_by(ordering, "-pk" if ordering.startswith("-") else "pk")


def _ordering_param(allowed: tuple[str, ...]) -> OpenApiParameter:
    return OpenApiParameter(
        "ordering",
        str,
        enum=[*allowed, *(f"-{name}" for name in allowed)],
        description=_("Sort order; - for descending."),
    )


# --- Programs and calls: public --------------------------------------------------------------------


class PublicViewSet(ApiViewSet):
    permission_classes = [AllowAny, TokenScope]


@extend_schema_view(
    list=extend_schema(summary=_("List the programs")),
    retrieve=extend_schema(summary=_("Read a program")),
)
class ProgramViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PublicViewSet):
    """The programs: public, as the calls that name them."""

    serializer_class = api.ProgramSerializer

    def get_queryset(self) -> QuerySet[Program]:
        return Program.objects.order_by("slug", "pk")


@extend_schema_view(
    list=extend_schema(
        summary=_("List the calls"),
        parameters=[
            OpenApiParameter("program", int, description=_("Only the calls of this program.")),
            OpenApiParameter("open", bool, description=_("Only the calls open now (true).")),
        ],
    ),
    retrieve=extend_schema(summary=_("Read a call")),
)
class CallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PublicViewSet):
    """The calls: every call is public (``intake.selectors.call_public``)."""

    serializer_class = api.CallSerializer

    def get_queryset(self) -> QuerySet[Call]:
        if self.request.query_params.get("open") == "true":
            calls = intake_selectors.calls_open()
        else:
            calls = Call.objects.select_related("program").prefetch_related("stages").order_by("-loi_opens_at", "pk")
        program = _int_param(self.request, "program")
        return calls if program is None else calls.filter(program_id=program)

    def get_object(self) -> Call:
        return intake_selectors.call_public(pk=int(self.kwargs["pk"]))


# --- Proposals ---------------------------------------------------------------------------------------

PROPOSAL_ORDERING = ("created_at", "submitted_at", "updated_at", "title", "id")
#: The columns a row of the list reads: a page sorts and reads these, not the proposals' texts.
PROPOSAL_LIST_COLUMNS = (
    "id", "call", "title", "state", "stage__kind", "lead_organization__id", "lead_organization__legal_name",
    "version_count", "submitted_at", "approved_amount", "decision_conditions", "created_at", "updated_at",
)  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        summary=_("List the proposals you may read"),
        parameters=[
            OpenApiParameter("state", str, enum=ProposalState.values, description=_("Only proposals in this state.")),
            OpenApiParameter("call", int, description=_("Only the proposals of this call.")),
            OpenApiParameter("stage", str, description=_("Only proposals at this stage (its kind).")),
            OpenApiParameter("submitted_after", OpenApiTypes.DATETIME, description=_("Last submitted at or after.")),
            OpenApiParameter("submitted_before", OpenApiTypes.DATETIME, description=_("Last submitted before.")),
            OpenApiParameter(
                "q",
                str,
                description=_(
                    "Only proposals whose title, summary, sections, answers, organizations or documents hold "
                    "every one of these words (accents do not matter; a word also finds the longer words it begins)."
                ),
            ),
            _ordering_param(PROPOSAL_ORDERING),
        ],
    ),
    retrieve=extend_schema(summary=_("Read a proposal with its consortium, budget, versions, answers and attachments")),
)
class ProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The proposals the person reads on the site (``workflow.access.proposals_visible_to``), and no other."""

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action == "retrieve":
            return api.ProposalDetailSerializer
        if self.action == "create":
            return api.ProposalCreateSerializer
        if self.action == "submit":
            return api.ActionSerializer
        return api.ProposalRowSerializer

    @staticmethod
    def _with_details(proposals: QuerySet[Proposal]) -> QuerySet[Proposal]:
        """Read each proposal's consortium (roles, budget lines), versions, answers and attachments: a query each."""
        return proposals.prefetch_related(
            Prefetch(
                "members",
                ConsortiumMember.objects.select_related("organization")
                .prefetch_related("roles", "budget_lines")
                .order_by("-is_lead", "pk"),
            ),
            "versions",
            "answers",
            "attachments",
        )

    def get_queryset(self) -> QuerySet[Proposal]:
        proposals = access.proposals_visible_to(user=self.person)
        if self.action == "retrieve":
            return self._with_details(proposals)
        proposals = proposals.select_related(None).select_related("stage", "lead_organization")
        proposals = proposals.only(*PROPOSAL_LIST_COLUMNS)
        params = self.request.query_params
        state = params.get("state")
        if state:
            if state not in ProposalState.values:
                raise ValidationError({"state": [_("Unknown state: %(state)s.") % {"state": state}]})
            proposals = access.proposals_shown_in_state(proposals, user=self.person, state=state)
        call = _int_param(self.request, "call")
        if call is not None:
            proposals = proposals.filter(call_id=call)
        if params.get("stage"):
            proposals = proposals.filter(stage__kind=params["stage"])
        after = _date_param(self.request, "submitted_after")
        if after is not None:
            proposals = proposals.filter(submitted_at__gte=after)
        before = _date_param(self.request, "submitted_before")
        if before is not None:
            proposals = proposals.filter(submitted_at__lt=before)
        if "q" in params:
            words = query_words(params["q"])
            if not words:
                raise ValidationError(
                    {"q": [_("Type at least one word of letters or digits: punctuation alone finds nothing.")]}
                )
            proposals = proposals_with_words(proposals, words=words)
        # Newest first by id: the primary key's index gives a page without sorting every row read.
        return _ordered(proposals, self.request, PROPOSAL_ORDERING, "-id")

    def _read(self, pk: int, *, created: bool = False) -> Response:
        proposal = get_object_or_404(self._with_details(access.proposals_visible_to(user=self.person)), pk=pk)
        return Response(
            api.ProposalDetailSerializer(proposal).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary=_("Start a letter of intent in an open call"),
        request=api.ProposalCreateSerializer,
        responses={
            201: api.ProposalDetailSerializer,
            400: OpenApiResponse(description=_("A field is missing or wrong, or the call is not open.")),
            403: OpenApiResponse(description=_("Only applicants start proposals; a read token may not write.")),
        },
    )
    def create(self, request: Request) -> Response:
        form = api.ProposalCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        proposal = intake_services.proposal_create(
            call=form.validated_data["call"],
            by=self.person,
            title=form.validated_data["title"],
            summary=form.validated_data["summary"],
            lead_organization=form.validated_data["lead_organization"],
        )
        return self._read(proposal.pk, created=True)

    @extend_schema(
        summary=_("Submit the proposal's current stage (the letter of intent, or the full application)"),
        request=api.ActionSerializer,
        responses={
            200: api.ProposalDetailSerializer,
            403: OpenApiResponse(description=_("Not yours to submit, or a read token.")),
            404: OpenApiResponse(description=_("No proposal you may read has this id.")),
            409: OpenApiResponse(description=_("It moved on since you read it, or a condition is not met.")),
        },
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        form = api.ActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        proposal = access.proposal_for_user(user=self.person, pk=int(pk))
        # The same actions as the proposal's page: the stage decides which of the two it is.
        perform = proposal_submit_application if proposal.at_last_stage else proposal_submit_loi
        perform(proposal=proposal, by=self.person, expected_state=form.validated_data["expected_state"] or None)
        return self._read(proposal.pk)


# --- The board's decisions ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("List the board's decisions you may know"),
        parameters=[OpenApiParameter("call", int, description=_("Only the decisions of this call."))],
    ),
    retrieve=extend_schema(summary=_("Read the board's decision on a proposal (by the proposal's id)")),
)
class DecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The decisions: staff and the deciding board at once, the applicants once staff released them."""

    serializer_class = api.DecisionSerializer

    def get_queryset(self) -> QuerySet[Proposal]:
        decisions = access.decisions_visible_to(user=self.person).prefetch_related(
            Prefetch(
                "agenda_items",
                AgendaItem.objects.filter(deferred_to__isnull=True).select_related("meeting"),
                to_attr="decided_items",
            )
        )
        call = _int_param(self.request, "call")
        if call is not None:
            decisions = decisions.filter(call_id=call)
        return decisions.order_by("call_id", "pk")


# --- Funded projects, their claims ------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("List the funded projects you may read")),
    retrieve=extend_schema(summary=_("Read a funded project")),
)
class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The funded projects of ``workflow.access.projects_visible_to``."""

    serializer_class = api.ProjectSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return access.projects_visible_to(user=self.person).order_by("-opened_at", "pk")


@extend_schema_view(
    list=extend_schema(
        summary=_("List the claims you may read"),
        parameters=[OpenApiParameter("project", int, description=_("Only the claims of this project."))],
    ),
    retrieve=extend_schema(summary=_("Read a claim")),
)
class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The partners' claims of ``workflow.access.claims_visible_to``."""

    serializer_class = api.ClaimSerializer

    def get_queryset(self) -> QuerySet[Any]:
        claims = access.claims_visible_to(user=self.person)
        project = _int_param(self.request, "project")
        if project is not None:
            claims = claims.filter(project_id=project)
        return claims.order_by("-created_at", "pk")


# --- Assessment ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("List the assessment assignments you may read")),
    retrieve=extend_schema(summary=_("Read an assessment assignment")),
)
class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Assessors read their own assignments, staff their programs'; applicants none."""

    serializer_class = api.AssignmentSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return (
            access.assignments_visible_to(user=self.person)
            .annotate(review_state=F("review__state"))
            .order_by("due_at", "pk")
        )


# --- The IP registry ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("List the registry's IP assets you may read")),
    retrieve=extend_schema(summary=_("Read an IP asset")),
)
class AssetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PublicViewSet):
    """The registry's assets as ``registry.access.assets_visible_to`` lets each person (anonymous too) read them."""

    serializer_class = api.AssetSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return registry_access.assets_visible_to(user=self.request.user).order_by("-pk")
