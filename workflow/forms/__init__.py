"""One form per action a person performs, built from the fields its declaration takes.

What the pages say of each action (its label, whose it is, whether it is final) and the
fields it takes are its declaration's, in the registry (``workflow.actions``); this module
gives each kind of field its input and its checks, and builds one form class per action
(``ACTION_FORMS``), so that adding an action adds no form here. Each form carries the state
the person saw (``expected_state``), so that a post made after somebody else acted is refused
as stale rather than applied to a state the person never saw. ``arguments()`` returns the
keyword arguments of the action function.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, assert_never, cast

from django import forms
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.form_handling import BootstrapBoundField
from board.models import BoardMeeting
from board.selectors import board_meetings_ahead
from intake.models import Proposal
from intake.states import ProposalState
from workflow.actions import ACTIONS, IN_CALL, Action, Field, Kind, Performer
from workflow.forms.inputs import InputsWritten

LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"
#: One renderer for every action form: it keeps its own template engine.
INPUTS_WRITTEN = InputsWritten()


class _LocalDateTimeField(forms.DateTimeField):
    """A date and time typed as wall-clock time in the call's timezone (read in ``ActionForm.clean``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            widget=forms.DateTimeInput(
                format=LOCAL_INPUT_FORMAT, attrs={"type": "datetime-local", "class": "datetimeinput form-control"}
            ),
            input_formats=[LOCAL_INPUT_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
            **kwargs,
        )


class _ReadChoices(forms.models.ModelChoiceIterator):
    """The choices of a queryset read already (its rows cached): offered without reading them again."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.queryset._result_cache is None:
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class _MeetingChoiceField(forms.ModelChoiceField):
    """A board meeting, named by its date and time in the call's timezone (``zone``).

    The form reads the call's meetings once, when it is built: the page renders them without a query.
    """

    iterator = _ReadChoices
    zone: Any = None

    def label_from_instance(self, obj: Any) -> str:
        when = timezone.localtime(obj.held_at, self.zone)
        return _("Meeting of %(date)s at %(time)s (quorum %(quorum)s)") % {
            "date": formats.date_format(when, "DATE_FORMAT"),
            "time": formats.time_format(when, "TIME_FORMAT"),
            "quorum": obj.quorum,
        }


class _StateField(forms.ChoiceField):
    """The state the person saw: a choice of the states, which every copy of a form shares.

    A form copies its fields as it is made; a choice field copies its choices too, each label
    with it: some thirty states, most of the cost of making an action's form. These choices are
    the lifecycle's and never change, so a copy keeps them as they are.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return forms.Field.__deepcopy__(self, memo)


def _form_field(field: Field) -> forms.Field:
    """Return the input of one declared field; what it reads of the call is set on the bound form."""
    common: dict[str, Any] = {"label": field.label, "required": field.required, "help_text": field.help_text or ""}
    match field.kind:
        case Kind.TEXT:
            return forms.CharField(**common, widget=forms.Textarea(attrs={"rows": 3, "class": "textarea form-control"}))
        case Kind.LOCAL_DATETIME:
            return _LocalDateTimeField(**common)
        case Kind.AMOUNT:
            return forms.DecimalField(
                **common,
                max_digits=14,
                decimal_places=2,
                min_value=Decimal("0.01"),
                widget=forms.NumberInput(attrs={"class": "numberinput form-control"}),
            )
        case Kind.MEETING:
            return _MeetingChoiceField(
                **common,
                queryset=BoardMeeting.objects.none(),
                empty_label=None,
                widget=forms.Select(attrs={"class": "select form-select"}),
                error_messages={"invalid_choice": _("Choose one of the call's board meetings still to be held.")},
            )
        case _:
            assert_never(field.kind)


class ActionForm(forms.Form):
    """The form of one action on one proposal; its fields are prefixed with the action's name.

    Each action's form is a subclass built by ``_form_class`` from its declaration: its label,
    whose it is, whether it is final and its fields are read from there.
    """

    action: ClassVar[str]
    declared: ClassVar[Action]
    #: The action's label; a form made for a proposal reads it as it reads for that proposal (its stage).
    label: Promise
    #: Whether performing it is the applicant's (their page answers for it).
    by_applicant: ClassVar[bool] = False
    #: Whether the action cannot be undone, so the page says so beside the button.
    final: ClassVar[bool] = False
    #: Whether reading a posted form needs the proposal (its call's timezone, its meetings, its
    #: deadline). Those that do not are read first, and the action reads the proposal itself, once.
    needs_proposal: ClassVar[bool] = True
    #: Lists pass the form classes themselves to templates, which must read them, not call them.
    do_not_call_in_templates: ClassVar[bool] = True

    expected_state = _StateField(choices=ProposalState.choices, widget=forms.HiddenInput)
    #: Each field written as crispy's Bootstrap 5 pack wrote it (``{{ field.bootstrap }}``, ADR 0056, ADR 0067).
    bound_field_class = BootstrapBoundField
    #: The inputs are written in Python, as Django's widget templates write them (``workflow.forms.inputs``).
    default_renderer = INPUTS_WRITTEN

    def __init__(self, *args: Any, proposal: Proposal | None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.action)
        in_call = [field for field in self.declared.fields if field.kind in IN_CALL]
        if proposal is None and in_call:
            raise TypeError(f"{type(self).__name__} reads the proposal's call: pass the proposal.")
        if proposal is not None and self.declared.initial is not None:
            kwargs.setdefault("initial", self.declared.initial(proposal))
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        if proposal is not None:
            self.label = self.declared.label_for(proposal)
            self.fields["expected_state"].initial = proposal.state
            for field in in_call:
                self._read_in_call(field, proposal)

    def _read_in_call(self, field: Field, proposal: Proposal) -> None:
        """Show ``field`` in the call's timezone, and offer a meeting's field the call's meetings still to be held."""
        call = proposal.call
        self.fields[field.name].help_text = _("In the call's timezone, %(zone)s.") % {"zone": call.timezone}
        if field.kind == Kind.LOCAL_DATETIME:
            value = self.initial.get(field.name)
            if isinstance(value, datetime):
                self.initial[field.name] = timezone.localtime(value, call.zone).replace(tzinfo=None)
        elif field.kind == Kind.MEETING:
            meeting = cast(_MeetingChoiceField, self.fields[field.name])
            meeting.queryset = board_meetings_ahead(call=call)
            meeting.zone = call.zone
            if not meeting.queryset:  # read once here, offered from what was read
                create = _(
                    '<a href="{url}">Create a board meeting for this call</a> first: it has none still to be held.'
                )
                url = reverse("board:meeting_create", kwargs={"pk": call.pk})
                meeting.help_text = format_html(str(create), url=url)
                meeting.error_messages["required"] = _("Create a board meeting for this call first.")

    def clean(self) -> dict[str, Any]:
        """Read each date and time as wall-clock time in the call's timezone; refuse one that is not in the future."""
        cleaned = super().clean() or {}
        for field in self.declared.fields:
            value = cleaned.get(field.name)
            if field.kind == Kind.LOCAL_DATETIME and isinstance(value, datetime) and self.proposal is not None:
                cleaned[field.name] = value.replace(tzinfo=None).replace(tzinfo=self.proposal.call.zone)
                if cleaned[field.name] <= timezone.now():
                    self.add_error(field.name, _("Choose a time in the future."))
        return cleaned

    def arguments(self) -> dict[str, Any]:
        """Return the keyword arguments of the action, besides proposal, by and expected_state."""
        return {name: self.cleaned_data[name] for name in self.fields if name != "expected_state"}


def _form_class(action: Action) -> type[ActionForm]:
    """Build the form of ``action`` from its declaration: one input per declared field, in their order."""
    clashing = [
        field.name for field in action.fields if field.name in ActionForm.base_fields or hasattr(ActionForm, field.name)
    ]
    if clashing:
        raise ValueError(f"The fields {clashing} of {action.name} would hide the form's own attributes.")
    attributes: dict[str, Any] = {
        "__module__": __name__,
        "__doc__": f"The form of the action {action.name}, built from its declaration.",
        "action": action.name,
        "declared": action,
        "label": action.label,
        "by_applicant": action.by == Performer.APPLICANT,
        "final": action.final,
        # The board's actions read the proposal first, with the board's facts the chair's guards
        # need (``workflow.views.proposal_act``); staff's and the applicant's need it only for what
        # their fields read of it: the action reads it once, locked, with the facts its guards read.
        "needs_proposal": (
            action.by == Performer.BOARD
            or action.initial is not None
            or any(field.kind in IN_CALL for field in action.fields)
        ),
        **{field.name: _form_field(field) for field in action.fields},
    }
    name = "".join(part.capitalize() for part in action.name.split("_")) + "Form"
    return cast(type[ActionForm], types.new_class(name, (ActionForm,), exec_body=lambda body: body.update(attributes)))


#: The form of every action a person performs, by the action's name.
ACTION_FORMS: dict[str, type[ActionForm]] = {
    action.name: _form_class(action) for action in ACTIONS if action.by != Performer.SYSTEM
}
