"""The CommonGrants v0.4 routes: opportunities for everyone; applications and awards for the signed-in reader.

Each view parses the request (``queries``), reads through the selector or access rule the pages
use, and shapes the rows (``shapes``). Every answer is in the protocol's envelopes, errors
included: ``{"status", "message", "errors"}``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from api.common_grants import queries, shapes
from api.common_grants.queries import Among, Amounts, Between, ProtocolError, Search
from intake import selectors
from intake.models import Call, Proposal, Stage
from projects.models import Project
from workflow import access

SUCCESS = "Success"


def _error(status: int, message: str, errors: list[Any] | None = None) -> Response:
    return Response({"status": status, "message": message, "errors": errors or []}, status=status)


def protocol_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render every refusal in the protocol's error envelope, in the reader's language."""
    if isinstance(exc, ProtocolError):
        response = _error(exc.status, exc.message, list(exc.errors))
        if exc.status == 401:
            response["WWW-Authenticate"] = 'Session realm="clusterflow"'
        return response
    if isinstance(exc, Http404):
        return _error(404, _("Nothing here has this id."))
    if isinstance(exc, exceptions.ParseError):
        return _error(400, _("The request is not valid."), [{"field": "body", "message": _("Send valid JSON.")}])
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return _error(415, _("Send the request's body as application/json."))
    if isinstance(exc, exceptions.MethodNotAllowed):
        return _error(405, _("This route does not take the method %(method)s.") % {"method": context["request"].method})
    if isinstance(exc, exceptions.APIException):
        return _error(exc.status_code, str(exc.detail))
    return None


class CommonGrantsView(APIView):
    """A route of the protocol: JSON in and out, the site's session, errors in the protocol's envelope.

    Left out of the REST API's generated schema: the protocol publishes its own.
    """

    authentication_classes = (SessionAuthentication,)
    permission_classes = (AllowAny,)
    renderer_classes = (JSONRenderer,)
    parser_classes = (JSONParser,)
    schema = None

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        return protocol_exception_handler


def _reader(request: Request) -> User:
    """Return the signed-in reader, or refuse with the protocol's 401."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise ProtocolError(401, _("Sign in to read applications and awards."))
    return user


def _uuid(value: str, message: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise ProtocolError(404, message) from None


def _paginated(items: list[dict[str, Any]], page: queries.Page, total: int, **more: Any) -> Response:
    return Response({"status": 200, "message": SUCCESS, "items": items, "paginationInfo": page.info(total), **more})


# --- Opportunities (calls) ----------------------------------------------------------------------


def _opportunity(request: Request, call: Call, now: datetime) -> dict[str, Any]:
    source = request.build_absolute_uri(reverse("intake:call_detail", kwargs={"pk": call.pk}))
    return shapes.opportunity(call, now=now, source=source)


class OpportunityList(CommonGrantsView):
    """``GET /common-grants/opportunities``: every call, most recently changed first, a page at a time."""

    def get(self, request: Request) -> Response:
        page = queries.page_from(request.query_params)
        calls = selectors.calls_public()
        total = calls.count()
        now = timezone.now()
        items = [_opportunity(request, call, now) for call in calls[page.offset : page.offset + page.size]]
        return _paginated(items, page, total)


class OpportunityDetail(CommonGrantsView):
    """``GET /common-grants/opportunities/{oppId}``: one call, or the protocol's 404."""

    def get(self, request: Request, opp_id: str) -> Response:
        missing = _("No opportunity has this id.")
        try:
            call = selectors.call_public_by_uuid(uuid=_uuid(opp_id, missing))
        except Http404:
            raise ProtocolError(404, missing) from None
        return Response({"status": 200, "message": SUCCESS, "data": _opportunity(request, call, timezone.now())})


#: The order of the opportunity statuses, as the protocol's lifecycle runs.
STATUS_ORDER = {"forecasted": 0, "open": 1, "custom": 2, "closed": 3}

OPPORTUNITY_FILTERS = {
    "status": lambda raw, name: queries.among(raw, name, tuple(STATUS_ORDER)),
    "closeDateRange": queries.dates_between,
    "totalFundingAvailableRange": queries.amounts_between,
    "minAwardAmountRange": queries.amounts_between,
    "maxAwardAmountRange": queries.amounts_between,
}
OPPORTUNITY_SORTS = (
    "lastModifiedAt", "createdAt", "title", "status.value", "keyDates.closeDate", "funding.maxAwardAmount",
    "funding.minAwardAmount", "funding.totalAmountAvailable", "funding.estimatedAwardCount",
)  # fmt: skip


class _CallFacts:
    """What a search filters and sorts a call by, read once."""

    def __init__(self, call: Call, now: datetime) -> None:
        self.call = call
        self.status = shapes.OPPORTUNITY_STATUS[call.phase(now)]
        self.close_date = shapes.call_close_date(call)
        self.max_award = shapes.call_max_award(call)
        self.words = " ".join((call.title_en, call.title_fr, call.description_en, call.description_fr)).casefold()

    def passes(self, search: Search) -> bool:
        filters = search.filters
        checks: list[bool] = [all(word in self.words for word in search.text.casefold().split())]
        if "status" in filters:
            checks.append(filters["status"].matches(self.status))
        if "closeDateRange" in filters:
            checks.append(filters["closeDateRange"].matches(self.close_date))
        if "totalFundingAvailableRange" in filters:
            checks.append(filters["totalFundingAvailableRange"].matches(self.call.funding_envelope))
        if "minAwardAmountRange" in filters:  # Clusterflow's calls set no minimum award: none matches.
            checks.append(filters["minAwardAmountRange"].matches(None))
        if "maxAwardAmountRange" in filters:
            checks.append(filters["maxAwardAmountRange"].matches(self.max_award))
        return all(checks)

    def key(self, sort_by: str) -> Any:
        call = self.call
        return {
            "lastModifiedAt": call.last_modified_at,  # type: ignore[attr-defined]
            "createdAt": call.created_at,
            "title": call.title.casefold(),
            "status.value": STATUS_ORDER[self.status],
            "keyDates.closeDate": self.close_date,
            "funding.maxAwardAmount": self.max_award,
            "funding.minAwardAmount": None,
            "funding.totalAmountAvailable": call.funding_envelope,
            "funding.estimatedAwardCount": None,
        }[sort_by]


def _sorted(facts: list[_CallFacts], search: Search) -> list[_CallFacts]:
    """Sort by the key asked for, ties by id; calls without the key come last, whatever the order."""
    present = [fact for fact in facts if fact.key(search.sort_by) is not None]
    absent = [fact for fact in facts if fact.key(search.sort_by) is None]
    present.sort(key=lambda fact: (fact.key(search.sort_by), fact.call.pk), reverse=search.sort_order == "desc")
    return present + sorted(absent, key=lambda fact: fact.call.pk)


class OpportunitySearch(CommonGrantsView):
    """``POST /common-grants/opportunities/search``: calls filtered, sorted and paginated.

    A cluster's calls number in the tens or hundreds: they are read at once (a fixed number of
    queries) and filtered by the same status and dates the opportunities show.
    """

    def post(self, request: Request) -> Response:
        search = queries.search_from(request.data, filter_readers=OPPORTUNITY_FILTERS, sort_keys=OPPORTUNITY_SORTS)
        now = timezone.now()
        facts = [_CallFacts(call, now) for call in selectors.calls_public()]
        found = _sorted([fact for fact in facts if fact.passes(search)], search)
        page = search.page
        items = [_opportunity(request, fact.call, now) for fact in found[page.offset : page.offset + page.size]]
        return _paginated(items, page, len(found), sortInfo=search.sort_info(), filterInfo=search.filter_info())


# --- Applications (proposals) and awards (funded projects) --------------------------------------


def _among(field_name: str, filtered: Among, values: list[Any] | None = None) -> Q:
    condition = Q(**{f"{field_name}__in": values if values is not None else sorted(filtered.values)})
    return ~condition if filtered.negate else condition


def _between(field_name: str, filtered: Between) -> Q:
    if filtered.outside:
        return Q(**{f"{field_name}__lt": filtered.low}) | Q(**{f"{field_name}__gt": filtered.high})
    return Q(**{f"{field_name}__gte": filtered.low, f"{field_name}__lte": filtered.high})


def _amounts(field_name: str, filtered: Amounts) -> Q:
    return _between(field_name, filtered.range) if filtered.currency == shapes.CURRENCY else Q(pk__in=[])


def _status_rank(field_name: str, statuses: dict[str, str], order: tuple[str, ...]) -> Case:
    """Rank rows by the protocol's status their state reads as, in ``order`` (unmapped states: custom)."""
    return Case(
        *[
            When(**{f"{field_name}__in": shapes.states_of(statuses, status)}, then=Value(rank))
            for rank, status in enumerate(order)
        ],
        default=Value(len(order)),
        output_field=IntegerField(),
    )


def _ordered(rows: QuerySet[Any], search: Search, fields: dict[str, Any]) -> QuerySet[Any]:
    expression = fields[search.sort_by]
    if isinstance(expression, str):
        expression = F(expression)
    if search.sort_order == "desc":
        return rows.order_by(expression.desc(nulls_last=True), "-pk")
    return rows.order_by(expression.asc(nulls_last=True), "pk")


APPLICATION_STATUSES = ("inProgress", "submitted", "accepted", "rejected", "custom")
APPLICATION_FILTERS = {
    "status": lambda raw, name: queries.among(raw, name, APPLICATION_STATUSES),
    "opportunityId": queries.uuids_among,
    "competitionId": queries.uuids_among,
    "submittedAtRange": queries.moments_between,
}
APPLICATION_SORTS = ("lastModifiedAt", "createdAt", "submittedAt", "status.value", "opportunityId", "competitionId")


class ApplicationSearch(CommonGrantsView):
    """``POST /common-grants/applications/search``: the proposals the reader may read, filtered, sorted, paginated."""

    def post(self, request: Request) -> Response:
        user = _reader(request)
        search = queries.search_from(request.data, filter_readers=APPLICATION_FILTERS, sort_keys=APPLICATION_SORTS)
        proposals = access.proposals_visible_with_shown_state(user=user)
        filters = search.filters
        if search.text:
            for word in search.text.split():
                proposals = proposals.filter(Q(title__icontains=word) | Q(summary__icontains=word))
        if "status" in filters:
            statuses = filters["status"].values
            states = [s for value in statuses for s in shapes.states_of(shapes.APPLICATION_STATUS, value)]
            proposals = proposals.filter(_among("shown_state", filters["status"], states))
        if "opportunityId" in filters:
            proposals = proposals.filter(_among("call__uuid", filters["opportunityId"]))
        if "competitionId" in filters:
            # Derived ids (``shapes.competition_id``): compared once the page's proposals are read would break
            # the count, so the stages they name are found among the reader's calls first.
            stage_ids = _stages_named(proposals, filters["competitionId"].values)
            proposals = proposals.filter(_among("stage_id", filters["competitionId"], stage_ids))
        if "submittedAtRange" in filters:
            proposals = proposals.filter(_between("submitted_at", filters["submittedAtRange"]))
        proposals = _ordered(
            proposals,
            search,
            {
                "lastModifiedAt": "updated_at",
                "createdAt": "created_at",
                "submittedAt": "submitted_at",
                "status.value": _status_rank("shown_state", shapes.APPLICATION_STATUS, APPLICATION_STATUSES[:-1]),
                "opportunityId": "call__uuid",
                "competitionId": "stage__position",
            },
        )
        page = search.page
        total = proposals.count()
        items = [shapes.application(proposal) for proposal in proposals[page.offset : page.offset + page.size]]
        return _paginated(items, page, total, sortInfo=search.sort_info(), filterInfo=search.filter_info())


def _stages_named(proposals: QuerySet[Proposal], competition_ids: frozenset[str]) -> list[int]:
    """Return the ids of the stages, among those of ``proposals``' calls, whose competition id is named."""
    stages = Stage.objects.filter(call__in=proposals.values("call")).select_related("call")
    return [stage.pk for stage in stages if str(shapes.competition_id(stage.call, stage)) in competition_ids]


class ApplicationDetail(CommonGrantsView):
    """``GET /common-grants/applications/{appId}``: one proposal the reader may read, or the protocol's 404."""

    def get(self, request: Request, app_id: str) -> Response:
        user = _reader(request)
        missing = _("No application you may read has this id.")
        proposal = access.proposals_visible_with_shown_state(user=user).filter(uuid=_uuid(app_id, missing)).first()
        if proposal is None:
            raise ProtocolError(404, missing)
        return Response({"status": 200, "message": SUCCESS, "data": shapes.application(proposal)})


AWARD_STATUSES = ("awarded", "completed", "cancelled", "custom")
AWARD_FILTERS = {
    "status": lambda raw, name: queries.among(raw, name, AWARD_STATUSES),
    "opportunityId": queries.uuids_among,
    "awardDateRange": queries.moments_between,
    "awardedAmountRange": queries.amounts_between,
}
AWARD_SORTS = ("lastModifiedAt", "createdAt", "title", "status.value", "keyDates.awardDate", "funding.awardedAmount")
AWARD_SORT_FIELDS = {
    "lastModifiedAt": "updated_at",
    "createdAt": "opened_at",
    "title": "proposal__title",
    "status.value": _status_rank("proposal__state", shapes.AWARD_STATUS, AWARD_STATUSES[:-1]),
    "keyDates.awardDate": "opened_at",
    "funding.awardedAmount": "amount",
}


def _award_page(projects: QuerySet[Project], search: Search) -> tuple[list[dict[str, Any]], int]:
    page = search.page
    projects = _ordered(projects, search, AWARD_SORT_FIELDS)
    total = projects.count()
    return [shapes.award(project) for project in projects[page.offset : page.offset + page.size]], total


class AwardList(CommonGrantsView):
    """``GET /common-grants/awards``: the funded projects the reader may read, most recently changed first."""

    def get(self, request: Request) -> Response:
        user = _reader(request)
        search = Search(page=queries.page_from(request.query_params))
        items, total = _award_page(access.projects_visible_to(user=user), search)
        return _paginated(items, search.page, total)


class AwardSearch(CommonGrantsView):
    """``POST /common-grants/awards/search``: the funded projects the reader may read, filtered, sorted, paginated."""

    def post(self, request: Request) -> Response:
        user = _reader(request)
        search = queries.search_from(request.data, filter_readers=AWARD_FILTERS, sort_keys=AWARD_SORTS)
        projects = access.projects_visible_to(user=user)
        filters = search.filters
        for word in search.text.split():
            projects = projects.filter(Q(proposal__title__icontains=word) | Q(proposal__summary__icontains=word))
        if "status" in filters:
            states = [s for value in filters["status"].values for s in shapes.states_of(shapes.AWARD_STATUS, value)]
            projects = projects.filter(_among("proposal__state", filters["status"], states))
        if "opportunityId" in filters:
            projects = projects.filter(_among("proposal__call__uuid", filters["opportunityId"]))
        if "awardDateRange" in filters:
            projects = projects.filter(_between("opened_at", filters["awardDateRange"]))
        if "awardedAmountRange" in filters:
            projects = projects.filter(_amounts("amount", filters["awardedAmountRange"]))
        items, total = _award_page(projects, search)
        return _paginated(items, search.page, total, sortInfo=search.sort_info(), filterInfo=search.filter_info())


class AwardDetail(CommonGrantsView):
    """``GET /common-grants/awards/{awdId}``: one funded project the reader may read, or the protocol's 404."""

    def get(self, request: Request, awd_id: str) -> Response:
        user = _reader(request)
        missing = _("No award you may read has this id.")
        project = access.projects_visible_to(user=user).filter(uuid=_uuid(awd_id, missing)).first()
        if project is None:
            raise ProtocolError(404, missing)
        return Response({"status": 200, "message": SUCCESS, "data": shapes.award(project)})
