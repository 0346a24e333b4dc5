"""Post a form to a service and report its refusal on the form: the glue every app's views share.

A view binds its form, hands ``form_submit`` the service call, and either redirects with a
message (``saved``) or renders the form again with ``status``. The refusal is said beside
its field or at the top of the form, and nothing typed is lost; a refusal the view leaves
to the domain-error middleware (403 by default) is raised with a link back, if given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, QueryDict

from accounts.errors import ActionForbidden, DomainError, StaleAction

T = TypeVar("T")


class BootstrapBoundField(forms.BoundField):
    """A field whose input carries the classes crispy-forms' Bootstrap 5 pack gave it, ``is-invalid`` with errors.

    As the pack's ``crispy_field`` did: the widget's class name in lower case (``textinput``,
    ``textarea``, ``numberinput``, ``select``) unless a class already holds it, then
    ``form-select`` for a select and ``form-control`` for any other input. A form takes it as
    Django's ``bound_field_class`` and renders each field through ``bootstrap_field.html``
    (ADR 0056, ADR 0067), which writes a group of checkboxes or radios itself.
    """

    def as_widget(self, widget: Any = None, attrs: dict[str, Any] | None = None, only_initial: bool = False) -> Any:
        shown = widget or self.field.widget
        if not shown.is_hidden and not isinstance(shown, forms.CheckboxInput | forms.RadioSelect | forms.FileInput):
            classes = shown.attrs.get("class", "")
            name = type(shown).__name__.lower()
            added = [] if name in classes else [name]
            added.append("form-select" if isinstance(shown, forms.Select) else "form-control")
            if self.errors:
                added.append("is-invalid")
            present = classes.split()
            wanted = " ".join([classes, *(one for one in added if one not in present)]).strip()
            if wanted != classes:
                attrs = {**(attrs or {}), "class": wanted}
        return super().as_widget(widget, attrs, only_initial)


@dataclass(frozen=True)
class Submission(Generic[T]):
    """What became of a form: saved with the service's ``result``, or the ``status`` to render it with."""

    saved: bool
    result: T | None = None
    status: int = 200
    #: The service's refusal, when it refused.
    refusal: DomainError | None = None


def validation_errors_show(form: BaseForm, error: ValidationError) -> None:
    """Put a service's validation errors beside their fields, and at the top those of no field of ``form``."""
    by_field = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
    for field, field_errors in by_field.items():
        form.add_error(field if field in form.fields else None, field_errors)


def loaded_at_refresh(form: BaseForm, updated_at: datetime, *, field: str = "loaded_at") -> None:
    """Post ``updated_at`` as the time the form was loaded, so the next save is made knowingly over that version."""
    form.data = data = cast(QueryDict, form.data).copy()
    data[form.add_prefix(field)] = updated_at.isoformat()


def _forbidden(error: DomainError) -> bool:
    return isinstance(error, ActionForbidden)


def form_submit(
    request: HttpRequest,
    form: BaseForm,
    save: Callable[[], T],
    *,
    others_valid: bool = True,
    field: str | None = None,
    current: Callable[[], datetime] | None = None,
    raised: Callable[[DomainError], bool] = _forbidden,
    back: tuple[str, str] | None = None,
    status: int | None = None,
) -> Submission[T]:
    """Run ``save`` for a valid posted ``form`` and say on the form why it was refused, if it was.

    Not posted: nothing is run (200). Posted but ``form`` invalid, or ``others_valid`` false
    (the formsets posted with it): 400. Otherwise see ``form_save``.
    """
    if request.method != "POST":
        return Submission(saved=False)
    if not form.is_valid() or not others_valid:
        return Submission(saved=False, status=400)
    return form_save(form, save, field=field, current=current, raised=raised, back=back, status=status)


def form_save(
    form: BaseForm,
    save: Callable[[], T],
    *,
    field: str | None = None,
    current: Callable[[], datetime] | None = None,
    raised: Callable[[DomainError], bool] = _forbidden,
    back: tuple[str, str] | None = None,
    status: int | None = None,
) -> Submission[T]:
    """Run ``save`` for a valid ``form``; on a refusal say why on the form, keeping what was typed.

    - A ``ValidationError`` goes beside its fields (400); a ``DomainError`` goes beside
      ``field``, or at the top, with ``status``, or else the error's own.
    - A ``StaleAction`` also posts the time ``current`` returns (the current version's) as
      the form's ``loaded_at``, so the next save is made knowingly over that version.
    - A refusal for which ``raised`` is true (an ``ActionForbidden`` by default) is left to the
      domain-error middleware, linking back to ``back`` (an address and its label) if given.
    """
    try:
        result = save()
    except ValidationError as error:
        validation_errors_show(form, error)
        return Submission(saved=False, status=400)
    except DomainError as error:
        if raised(error):
            if back is not None:
                error.back_url, error.back_label = back
            raise
        form.add_error(field, error.message)
        if current is not None and isinstance(error, StaleAction):
            loaded_at_refresh(form, current())
        return Submission(saved=False, status=status or error.status, refusal=error)
    return Submission(saved=True, result=result)
