"""What the CommonGrants tests share: posting JSON, and the protocol's published models for checking answers.

The opportunity and award routes are checked against the models of the ``common-grants-sdk``
package. It has no model of an application: ``ApplicationBase`` below is written from the
protocol's v0.4 OpenAPI file (``CommonGrants.Models.ApplicationBase``), built on the package's
own fields, envelopes and strict base so that it refuses what the protocol refuses.
"""

from __future__ import annotations

import json
from typing import Any, Literal
from uuid import UUID

from common_grants_sdk.schemas.pydantic import (
    CustomField,
    Error,
    FilterInfo,
    PaginatedResultsInfo,
    SortedResultsInfo,
)
from common_grants_sdk.schemas.pydantic._contract import SealedModel
from common_grants_sdk.schemas.pydantic.types import UTCDateTime
from django.test import Client
from pydantic import AwareDatetime, ConfigDict, Field


def post_json(client: Client, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


class AppStatus(SealedModel):
    value: Literal["inProgress", "submitted", "accepted", "rejected", "custom"]
    custom_value: str | None = None
    description: str | None = None


class ApplicationBase(SealedModel):
    model_config = ConfigDict(extra="forbid")

    id: UUID
    title: str
    competition_id: UUID
    opportunity_id: UUID
    form_responses: dict[str, Any]
    status: AppStatus
    submitted_at: AwareDatetime | None = Field(default=None)
    validation_errors: list[Any] | None = None
    custom_fields: dict[str, CustomField] | None = None
    created_at: UTCDateTime
    last_modified_at: UTCDateTime


class ApplicationResponse(SealedModel):
    status: Literal[200]
    message: str
    data: ApplicationBase


class ApplicationsFilteredResponse(SealedModel):
    status: Literal[200]
    message: str
    items: list[ApplicationBase]
    pagination_info: PaginatedResultsInfo
    sort_info: SortedResultsInfo
    filter_info: FilterInfo[dict[str, Any]]


def protocol_error(response: Any, status: int) -> Error:
    """Return the protocol's error envelope of ``response``, checking its status on the wire and in the body."""
    assert response.status_code == status, response.content
    error = Error.model_validate(response.json())
    assert error.status == status
    return error
