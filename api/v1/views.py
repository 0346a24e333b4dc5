"""The API's routes: each parses its input, reads through the access rules or calls one use case, and answers.

Reads go through the same selectors as the pages (``workflow.access``, ``registry.access``,
``intake.selectors``), so a person reads over the API exactly what they read on the site;
writes go through the same use cases and workflow actions, whose refusals
``api.v1.exceptions`` turns into 400, 403 and 409.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, cast

from django.db.models import F, Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from accounts.choices import Role
from accounts.models import User
from api.v1 import serializers as api
from api.v1.authentication import BearerTokenAuthentication
from api.v1.exceptions import api_exception_handler
from api.v1.pagination import Pages
from api.v1.permissions import SignedIn, TokenScope
from api.v1.throttling import ApiRateThrottle
from assessment.choices import AssignmentState
from assessment.forms.reviews import ReviewForm
from assessment.models import Review
from assessment.services import reviews as review_services
from assessment.services.results import CallResults, call_results, results_stages
from board.models import AgendaItem
from intake import selectors as intake_selectors
from intake import services as intake_services
from intake.choices import VersionKind
from intake.models import Call, ConsortiumMember, Program, Proposal
from intake.states import PROJECT_STATES, ProposalState
from projects.models import ClaimState, ReportState
from records.search_text import query_words
from registry import access as registry_access
from registry.choices import AssetCategory, AssetState, AssetType, Listing
from workflow import access
from workflow import reviews as review_actions
from workflow.actions import Kind
from workflow.actions.base import proposal_action_precheck
from workflow.actions.screening import proposal_submit_application, proposal_submit_loi
from workflow.forms import ACTION_FORMS, LOCAL_INPUT_FORMAT, ActionForm
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


#: The largest key a row may have (a signed 64-bit integer).
LARGEST_ID = 2**63 - 1


def _date_param(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        value = serializers.DateTimeField().to_internal_value(raw)
    except ValidationError as error:
        raise ValidationError({name: error.detail}) from None
    return cast(datetime, value)


def _day_param(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        value = serializers.DateField().to_internal_value(raw)
    except ValidationError as error:
        raise ValidationError({name: error.detail}) from None
    return cast(date, value)


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise ValidationError({name: [_("Give a whole number.")]})
    value = int(raw)
    if value > LARGEST_ID:  # no row has it, and the database would refuse to compare with it
        raise ValidationError({name: [_("Give a whole number no greater than %(max)s.") % {"max": LARGEST_ID}]})
    return value


def _choice_param(request: Request, name: str, choices: Any) -> str | None:
    """Return ``?name=`` if it is one of ``choices`` (a ``TextChoices``' values), None if not given; else 400."""
    raw = request.query_params.get(name)
    if not raw:
        return None
    if raw not in choices:
        raise ValidationError({name: [_("Unknown value: %(value)s.") % {"value": raw}]})
    return raw


def _bool_param(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    if raw not in ("true", "false"):
        raise ValidationError({name: [_("Give true or false.")]})
    return raw == "true"


def _one_of(choices: Any) -> Callable[[Request, str], str | None]:
    """The parser of a parameter that must be one of ``choices`` (a ``TextChoices``' values)."""
    return lambda request, name: _choice_param(request, name, choices)


#: A list's filter: the query parameter, how it is read (None when not given; else 400 if bad), the lookup.
Filter = tuple[str, Callable[[Request, str], Any], str]


def _filtered(queryset: QuerySet[Any], request: Request, filters: Sequence[Filter]) -> QuerySet[Any]:
    """Narrow ``queryset`` by each of ``filters`` whose parameter the request gives, in their order."""
    for name, parse, lookup in filters:
        value = parse(request, name)
        if value is not None:
            queryset = queryset.filter(**{lookup: value})
    return queryset


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
        return _filtered(calls, self.request, [("program", _int_param, "program_id")])

    def get_object(self) -> Call:
        return intake_selectors.call_public(pk=int(self.kwargs["pk"]))

    @extend_schema(
        summary=_("Read a page of the call's results at a stage: its proposals ranked by weighted total (staff)"),
        parameters=[
            OpenApiParameter(
                "stage", str, description=_("The assessed stage (its kind); the full application when not given.")
            ),
            OpenApiParameter("page", int, description=_("The page, from 1.")),
            OpenApiParameter("page_size", int, description=_("Rows a page: 25 when not given, at most 100.")),
        ],
        responses={
            200: api.ResultsPageSerializer,
            400: OpenApiResponse(description=_("The stage is not one of the call's assessed stages.")),
            403: OpenApiResponse(description=_("Only program staff read results.")),
            404: OpenApiResponse(description=_("No call of a program you are staff of has this id.")),
        },
    )
    @action(detail=True, methods=["get"], permission_classes=[SignedIn, TokenScope])
    def results(self, request: Request, pk: str) -> Response:
        """The results page's ranking (``assessment.services.results.call_results``), a page at a time.

        The order is the ranking's (highest stored standing first, ties by title), the page's own:
        no other order is offered, so the rank a row carries is its place in the ranking.
        """
        if not self.person.has_role(Role.STAFF):
            raise PermissionDenied(_("Only program staff read the results of a call."))
        # The call as the results page reads it (its program and stages, compiled once per reader).
        call = intake_selectors.call_for_staff_results(user=self.person, pk=int(pk))
        stages = dict(results_stages(call=call))
        stage = request.query_params.get("stage") or VersionKind.APPLICATION
        if stage not in stages:
            raise ValidationError(
                {"stage": [_("This call's results are at: %(stages)s.") % {"stages": ", ".join(stages)}]}
            )
        pages = Pages()
        per_page = pages.get_page_size(request) or pages.page_size
        results = call_results(call=call, stage=stage, page_number=request.query_params.get("page"), per_page=per_page)
        return Response(api.ResultsPageSerializer(results_page(results, request=request)).data)


def results_page(results: CallResults, *, request: Request) -> dict[str, Any]:
    """Say a page of ``results`` as the API's pages say theirs: the count, the links around it, its rows."""
    page = results.page
    url = request.build_absolute_uri()

    def link(number: int | None) -> str | None:
        if number is None:
            return None
        return remove_query_param(url, "page") if number == 1 else replace_query_param(url, "page", number)

    rubric = results.rubric
    return {
        "count": page.paginator.count if page is not None else 0,
        "next": link(page.next_page_number() if page is not None and page.has_next() else None),
        "previous": link(page.previous_page_number() if page is not None and page.has_previous() else None),
        "stage": results.stage,
        "rubric": None
        if rubric is None
        else {
            "id": rubric.pk,
            "assessors_per_proposal": rubric.assessors_per_proposal,
            "pass_threshold": rubric.pass_threshold,
        },
        "criteria": [
            {
                "id": criterion.pk,
                "position": criterion.position,
                "name_en": criterion.name_en,
                "name_fr": criterion.name_fr,
                "weight": criterion.weight,
                "scale_min": criterion.scale_min,
                "scale_max": criterion.scale_max,
            }
            for criterion in results.criteria
        ],
        "results": [
            {
                "rank": row.rank,
                "proposal": {"id": row.proposal.pk, "title": row.proposal.title, "state": row.proposal.state},
                "total": row.scores.total,
                "spread": row.scores.spread,
                "passed": row.passed,
                "reviews_submitted": row.submitted,
                "reviews_required": row.required,
                "outliers": row.outlier_names,
                "criteria": [{"criterion": criterion.pk, "mean": mean} for criterion, mean in row.criterion_means],
                "calibration": None
                if row.calibration is None
                else {
                    "calibrated": row.calibration.calibrated,
                    "low": row.calibration.low,
                    "high": row.calibration.high,
                    "kept_raw_because": row.calibration.fallback,
                    "chance": row.calibration.chance,
                },
            }
            for row in results.rows
        ],
    }


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
        proposals = _filtered(proposals, self.request, [("call", _int_param, "call_id")])
        if params.get("stage"):
            proposals = proposals.filter(stage__kind=params["stage"])
        proposals = _filtered(proposals, self.request, SUBMITTED_BETWEEN)
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

    @extend_schema(
        summary=_("Perform an action on the proposal, as its page does (request changes, start the assessment...)"),
        description=_(
            "The same actions as the pages, by their names: the applicant's (submit_loi, submit_application, "
            "withdraw) and staff's and the board's (invite, request_changes, start_assessment, approve, decline...). "
            "Each takes its own fields; a date and time is ISO 8601 (with its offset; UTC without one)."
        ),
        parameters=[
            OpenApiParameter(
                "name", str, OpenApiParameter.PATH, enum=api.ACTION_NAMES, description=_("The action's name.")
            )
        ],
        request=api.ProposalActionSerializer,
        responses={
            200: api.ProposalDetailSerializer,
            400: OpenApiResponse(description=_("A field is missing or wrong: errors by field.")),
            403: OpenApiResponse(description=_("Not yours to do, with the reason; or a read token.")),
            404: OpenApiResponse(description=_("No proposal you may read has this id, or no action this name.")),
            409: OpenApiResponse(description=_("It moved on since you read it, or a condition is not met.")),
        },
    )
    @action(detail=True, methods=["post"], url_path="actions/<str:name>", url_name="act")
    def act(self, request: Request, pk: str, name: str) -> Response:
        """Read the action's fields through its form on the pages, then perform it through its one function."""
        form_class = ACTION_FORMS.get(name)
        if form_class is None:
            raise Http404
        fetch = access.proposal_for_user if form_class.by_applicant else access.proposal_to_act_on
        proposal = fetch(user=self.person, pk=int(pk))
        sent = request.data if isinstance(request.data, dict) else {}
        expected = str(sent.get("expected_state") or "") or None
        # Nobody is told to correct the fields of an action that is no longer theirs.
        proposal_action_precheck(proposal=proposal, action=name, by=self.person, expected_state=expected)
        form = form_class(_form_data(form_class, proposal, sent, expected), proposal=proposal)
        if not form.is_valid():
            raise ValidationError(
                {
                    ("non_field_errors" if field == "__all__" else field): [str(message) for message in messages]
                    for field, messages in form.errors.items()
                }
            )
        arguments = form.arguments()
        if form_class.declared.transition:
            arguments["expected_state"] = form.cleaned_data["expected_state"]
        form_class.declared.perform(proposal=proposal, by=self.person, **arguments)
        return self._read(proposal.pk)


def _form_data(
    form_class: type[ActionForm], proposal: Proposal, sent: dict[str, Any], expected: str | None
) -> dict[str, str]:
    """Return the API's JSON as the action's form on the pages reads it: prefixed, times as the call's wall clock."""
    prefix = form_class.declared.name
    data = {f"{prefix}-expected_state": expected or proposal.state}
    for field in form_class.declared.fields:
        value = sent.get(field.name)
        if value is None or value == "":
            continue
        if field.kind == Kind.LOCAL_DATETIME:
            try:
                moment = cast(datetime, serializers.DateTimeField().to_internal_value(value))
            except ValidationError as error:
                raise ValidationError({field.name: error.detail}) from None
            value = timezone.localtime(moment, proposal.call.zone).strftime(LOCAL_INPUT_FORMAT)
        data[f"{prefix}-{field.name}"] = str(value)
    return data


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
        return _filtered(decisions, self.request, [("call", _int_param, "call_id")]).order_by("call_id", "pk")


# --- Funded projects, their claims and reports --------------------------------------------------------

PROJECT_ORDERING = ("opened_at", "started_on", "amount", "id")
PROJECT_FILTERS: list[Filter] = [
    ("call", _int_param, "proposal__call_id"),
    ("program", _int_param, "proposal__call__program_id"),
    ("state", _one_of(PROJECT_STATES), "proposal__state"),
    ("started_after", _day_param, "started_on__gte"),
    ("started_before", _day_param, "started_on__lt"),
]


def _project_filters(states: Any) -> list[Filter]:
    """The filters of a list of a project's claims or reports: the project, its call, their state, final or not."""
    return [
        ("project", _int_param, "project_id"),
        ("call", _int_param, "project__proposal__call_id"),
        ("state", _one_of(states), "state"),
        ("final", _bool_param, "final"),
    ]


#: Submitted at or after, and before: the proposals', claims' and reports' lists.
SUBMITTED_BETWEEN: list[Filter] = [
    ("submitted_after", _date_param, "submitted_at__gte"),
    ("submitted_before", _date_param, "submitted_at__lt"),
]


@extend_schema_view(
    list=extend_schema(
        summary=_("List the funded projects you may read"),
        parameters=[
            OpenApiParameter("call", int, description=_("Only the projects of this call.")),
            OpenApiParameter("program", int, description=_("Only the projects of this program.")),
            OpenApiParameter(
                "state",
                str,
                enum=sorted(str(state) for state in PROJECT_STATES),
                description=_("Only the projects in this state."),
            ),
            OpenApiParameter("started_after", OpenApiTypes.DATE, description=_("Started on or after this day.")),
            OpenApiParameter("started_before", OpenApiTypes.DATE, description=_("Started before this day.")),
            _ordering_param(PROJECT_ORDERING),
        ],
    ),
    retrieve=extend_schema(summary=_("Read a funded project")),
)
class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The funded projects of ``workflow.access.projects_visible_to``."""

    serializer_class = api.ProjectSerializer

    def get_queryset(self) -> QuerySet[Any]:
        projects = access.projects_visible_to(user=self.person)
        if self.action != "list":
            return projects
        projects = _filtered(projects, self.request, PROJECT_FILTERS)
        return _ordered(projects, self.request, PROJECT_ORDERING, "-opened_at")


CLAIM_ORDERING = ("created_at", "submitted_at", "decided_at", "period", "id")


@extend_schema_view(
    list=extend_schema(
        summary=_("List the claims you may read"),
        parameters=[
            OpenApiParameter("project", int, description=_("Only the claims of this project.")),
            OpenApiParameter("call", int, description=_("Only the claims of this call's projects.")),
            OpenApiParameter("state", str, enum=ClaimState.values, description=_("Only the claims in this state.")),
            OpenApiParameter("final", bool, description=_("Only the final claims (true) or the others (false).")),
            OpenApiParameter("submitted_after", OpenApiTypes.DATETIME, description=_("Submitted at or after.")),
            OpenApiParameter("submitted_before", OpenApiTypes.DATETIME, description=_("Submitted before.")),
            _ordering_param(CLAIM_ORDERING),
        ],
    ),
    retrieve=extend_schema(summary=_("Read a claim")),
)
class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The partners' claims of ``workflow.access.claims_visible_to``."""

    serializer_class = api.ClaimSerializer

    def get_queryset(self) -> QuerySet[Any]:
        claims = access.claims_visible_to(user=self.person)
        if self.action != "list":
            return claims
        claims = _filtered(claims, self.request, [*_project_filters(ClaimState.values), *SUBMITTED_BETWEEN])
        return _ordered(claims, self.request, CLAIM_ORDERING, "-created_at")


REPORT_ORDERING = ("period", "ends_on", "submitted_at", "updated_at", "id")


@extend_schema_view(
    list=extend_schema(
        summary=_("List the projects' reports you may read"),
        parameters=[
            OpenApiParameter("project", int, description=_("Only the reports of this project.")),
            OpenApiParameter("call", int, description=_("Only the reports of this call's projects.")),
            OpenApiParameter("state", str, enum=ReportState.values, description=_("Only the reports in this state.")),
            OpenApiParameter("final", bool, description=_("Only the final reports (true) or the others (false).")),
            OpenApiParameter("submitted_after", OpenApiTypes.DATETIME, description=_("Submitted at or after.")),
            OpenApiParameter("submitted_before", OpenApiTypes.DATETIME, description=_("Submitted before.")),
            _ordering_param(REPORT_ORDERING),
        ],
    ),
    retrieve=extend_schema(summary=_("Read a project's report")),
)
class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The reports of the projects a person reads (``workflow.access.reports_visible_to``), as the project's page."""

    serializer_class = api.ReportSerializer

    def get_queryset(self) -> QuerySet[Any]:
        reports = access.reports_visible_to(user=self.person).select_related(None)
        if self.action != "list":
            return reports
        reports = _filtered(reports, self.request, [*_project_filters(ReportState.values), *SUBMITTED_BETWEEN])
        return _ordered(reports, self.request, REPORT_ORDERING, "-id")


# --- Assessment ------------------------------------------------------------------------------------

ASSIGNMENT_ORDERING = ("due_at", "created_at", "id")


@extend_schema_view(
    list=extend_schema(
        summary=_("List the assessment assignments you may read"),
        parameters=[
            OpenApiParameter("call", int, description=_("Only the assignments of this call's proposals.")),
            OpenApiParameter("proposal", int, description=_("Only the assignments of this proposal.")),
            OpenApiParameter(
                "state", str, enum=AssignmentState.values, description=_("Only the assignments in this state.")
            ),
            _ordering_param(ASSIGNMENT_ORDERING),
        ],
    ),
    retrieve=extend_schema(summary=_("Read an assessment assignment")),
)
class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Assessors read their own assignments, staff their programs'; applicants none."""

    serializer_class = api.AssignmentSerializer

    def get_queryset(self) -> QuerySet[Any]:
        assignments = access.assignments_visible_to(user=self.person).annotate(
            review_state=F("review__state"), review_updated_at=F("review__updated_at")
        )
        if self.action != "list":
            return assignments
        assignments = _filtered(
            assignments,
            self.request,
            [
                ("call", _int_param, "proposal__call_id"),
                ("proposal", _int_param, "proposal_id"),
                ("state", _one_of(AssignmentState.values), "state"),
            ],
        )
        return _ordered(assignments, self.request, ASSIGNMENT_ORDERING, "due_at")

    @extend_schema(
        summary=_("Save or submit your review of the assignment's proposal, as the review page does"),
        request=api.ReviewWriteSerializer,
        responses={
            200: api.ReviewSerializer,
            400: OpenApiResponse(
                description=_("A field is wrong, or a submitted review lacks something (saved as a draft): by field.")
            ),
            403: OpenApiResponse(description=_("Only assessors write reviews; a read token may not write.")),
            404: OpenApiResponse(description=_("No assignment of yours, accepted and free of conflict, has this id.")),
            409: OpenApiResponse(description=_("The review was saved since you read it, or is already submitted.")),
        },
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        """Read the review through the review page's form; save it or submit it through the same use cases."""
        if not self.person.has_role(Role.ASSESSOR):
            raise PermissionDenied(_("Only assessors write reviews."))
        page = review_services.review_page_for_assessor(user=self.person, pk=int(pk))
        sent = api.ReviewWriteSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        fields = sent.validated_data
        known = {criterion.pk for criterion in page.criteria}
        unknown = sorted({score["criterion"] for score in fields["scores"]} - known)
        if unknown:
            said = _("Not a criterion of this review: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}
            raise ValidationError({"scores": [said]})
        data: dict[str, Any] = {
            "recommendation": fields["recommendation"],
            "confidence": fields["confidence"],
            "overall_comment": fields["overall_comment"],
        }
        for score in fields["scores"]:
            value = score["value"]
            data[f"score_{score['criterion']}"] = "" if value is None else str(value)
            data[f"comment_{score['criterion']}"] = score["comment"]
        form = ReviewForm(data, criteria=page.criteria, review=page.review, scores=page.scores)
        if not form.is_valid():
            raise ValidationError({name: [str(m) for m in messages] for name, messages in form.errors.items()})
        service = review_actions.review_submit if fields["submit"] else review_services.review_save_draft
        try:
            review = service(
                assignment=page.assignment,
                by=self.person,
                data=form.review_input(),
                expected_updated_at=fields["expected_updated_at"],
            )
        except review_services.ReviewIncomplete as incomplete:
            # The draft is saved: say what submitting still needs, by field.
            errors = {name: [str(message)] for name, message in incomplete.errors.items()}
            return Response({"detail": str(incomplete.message), "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        saved = Review.objects.prefetch_related("scores__criterion").get(pk=review.pk)
        return Response(api.ReviewSerializer(saved).data)


# --- The IP registry ---------------------------------------------------------------------------------


ASSET_ORDERING = ("created_at", "title_en", "title_fr", "filed_on", "granted_on", "expires_on", "id")


@extend_schema_view(
    list=extend_schema(
        summary=_("List the registry's IP assets you may read"),
        parameters=[
            OpenApiParameter("program", int, description=_("Only the assets of this program.")),
            OpenApiParameter("listing", str, enum=Listing.values, description=_("Only the assets of this listing.")),
            OpenApiParameter("state", str, enum=AssetState.values, description=_("Only the assets in this state.")),
            OpenApiParameter("asset_type", str, enum=AssetType.values, description=_("Only the assets of this type.")),
            OpenApiParameter(
                "category", str, enum=AssetCategory.values, description=_("Only background or foreground assets.")
            ),
            _ordering_param(ASSET_ORDERING),
        ],
    ),
    retrieve=extend_schema(summary=_("Read an IP asset")),
)
class AssetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PublicViewSet):
    """The registry's assets as ``registry.access.assets_visible_to`` lets each person (anonymous too) read them."""

    serializer_class = api.AssetSerializer

    def get_queryset(self) -> QuerySet[Any]:
        # The serializer names the program by its id: nothing of the program is read.
        assets = registry_access.assets_visible_to(user=self.request.user).select_related(None)
        if self.action != "list":
            return assets
        assets = _filtered(
            assets,
            self.request,
            [
                ("program", _int_param, "program_id"),
                ("listing", _one_of(Listing.values), "listing"),
                ("state", _one_of(AssetState.values), "state"),
                ("asset_type", _one_of(AssetType.values), "asset_type"),
                ("category", _one_of(AssetCategory.values), "category"),
            ],
        )
        return _ordered(assets, self.request, ASSET_ORDERING, "-id")
