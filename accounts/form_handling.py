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
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from accounts.errors import ActionForbidden, DomainError, StaleAction

T = TypeVar("T")


def _attrs(attrs: dict[str, Any]) -> str:
    """Return ``attrs`` as Django's ``attrs.html`` writes them: each not False, its value unless True."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class BootstrapBoundField(forms.BoundField):
    """A field written as crispy-forms' Bootstrap 5 pack wrote it, without crispy-forms (ADR 0056, ADR 0067).

    ``{{ field.bootstrap }}`` writes the ``div_<id>`` wrapper, the label (``requiredField`` and
    the asterisk when required; a group of checkboxes or radios in a fieldset with a legend,
    each box written as the pack wrote it), the input, the errors and the help. The input
    carries the classes the pack's ``crispy_field`` gave it: the widget's class name in lower
    case (``textinput``, ``textarea``, ``numberinput``, ``select``) unless a class already
    holds it, then ``form-select`` for a select and ``form-control`` for any other input, and
    ``is-invalid`` with errors. Not for a single checkbox, a file or grouped choices.
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

    def bootstrap(self) -> SafeString:
        """Return the field as crispy-forms' Bootstrap 5 pack wrote it (its ``field.html``)."""
        auto_id = conditional_escape(self.auto_id)
        required = self.field.required
        css = self.css_classes()
        asterisk = '<span class="asteriskField">*</span>' if required else ""
        label = f"{conditional_escape(self.label)}{asterisk}" if self.label else ""
        required_class = " requiredField" if required else ""
        errors = self.errors
        errors_block = (
            f'<div id="{conditional_escape(getattr(errors, "field_id", ""))}_error" class="invalid-feedback">'
            + "".join(
                f'<p id="error_{number}_{auto_id}"><strong>{conditional_escape(str(error))}</strong></p>'
                for number, error in enumerate(errors, 1)
            )
            + "</div>"
            if errors
            else ""
        )
        help_text = f'<div id="{auto_id}_helptext" class="form-text">{self.help_text}</div>' if self.help_text else ""
        parts = [f'<div id="div_{auto_id}" class="mb-3{f" {css}" if css else ""}">']
        if self.use_fieldset:
            if label:
                described = self.aria_describedby
                described_by = f' aria-describedby="{conditional_escape(described)}"' if described else ""
                legend_for = f' for="{conditional_escape(self.id_for_label)}"' if self.id_for_label else ""
                parts.append(
                    f"<fieldset{described_by}><legend{legend_for}"
                    f' class="form-label{required_class} fs-6">{label}</legend>'
                )
            invalid = " is-invalid" if errors else ""
            name = conditional_escape(self.html_name)
            boxes = [widget.data for widget in self.subwidgets]
            parts.append("<div>")
            for number, box in enumerate(boxes, 1):
                parts.append(
                    f'<div class="form-check"><input type="{conditional_escape(box["type"])}"'
                    f' class="form-check-input{invalid}" name="{name}" value="{conditional_escape(box["value"])}"'
                    f"{_attrs(box['attrs'])}>"
                    f'<label for="{conditional_escape(box["attrs"].get("id", ""))}" class="form-check-label">'
                    f"{conditional_escape(box['label'])}</label>{errors_block if number == len(boxes) else ''}</div>"
                )
            parts.append(f"</div>{help_text}{'</fieldset>' if label else ''}</div>")
        else:
            if label:
                label_for = conditional_escape(self.id_for_label)
                parts.append(f'<label for="{label_for}" class="form-label{required_class}">{label}</label>')
            parts.append(f"{self}{errors_block}{help_text}</div>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped, the help text is the form's own


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
