"""One place that turns the project's refusals into the API's answers (docs/api.md, "Errors").

``accounts.errors.DomainError`` and its kinds answer with their own status: ``ActionForbidden``
403, ``StaleAction`` 409 (and the workflow's unmet conditions 409), any other 400; a Django
``ValidationError`` of a use case answers 400 with each field's messages. Every error body has
``detail``; a validation error's also has ``errors``, by field (``non_field_errors`` for none).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from accounts.errors import DomainError


def _field_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == NON_FIELD_ERRORS else field): [str(message) for message in messages]
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(message) for message in error.messages]}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Answer a domain error with its status and message, a validation error with 400 and its fields' messages."""
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc.message), "code": type(exc).__name__}, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        errors = _field_errors(exc)
        first = next(iter(errors.values()))[0]
        return Response({"detail": first, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        found = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        head = next(iter(found.values()), [""])
        response.data = {"detail": str(head[0] if isinstance(head, list) and head else head), "errors": found}
    return response
