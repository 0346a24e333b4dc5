"""One form per action a person performs: the fields it takes.

What the pages say of each action (its label, whose it is, whether it is final) is its
declaration's, in the registry (``workflow.actions``). Each form carries the state the
person saw (``expected_state``), so that a post made after somebody else acted is refused
as stale rather than applied to a state the person never saw. ``arguments()`` returns the
keyword arguments of the action function.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, cast

from django import forms
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from board.models import BoardMeeting
from board.selectors import board_meetings_ahead
from intake.models import Proposal
from intake.states import ProposalState
from workflow.actions import ACTION, Action, Performer

LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


class ActionForm(forms.Form):
    """The form of one action on one proposal; its fields are prefixed with the action's name.

    A form names its action; its label, whose it is and whether it is final are read from the
    action's declaration.
    """

    action: ClassVar[str]
    declared: ClassVar[Action]
    label: ClassVar[Promise]
    #: Whether performing it is the applicant's (their page answers for it).
    by_applicant: ClassVar[bool] = False
    #: Whether the action cannot be undone, so the page says so beside the button.
    final: ClassVar[bool] = False
    #: Whether reading a posted form needs the proposal (its call's timezone, its deadline).
    #: Those that do not are read first, and the action reads the proposal itself, once.
    needs_proposal: ClassVar[bool] = True
    #: Lists pass the form classes themselves to templates, which must read them, not call them.
    do_not_call_in_templates: ClassVar[bool] = True

    expected_state = forms.ChoiceField(choices=ProposalState.choices, widget=forms.HiddenInput)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "action" in cls.__dict__:
            cls.declared = ACTION[cls.action]
            cls.label = cls.declared.label
            cls.by_applicant = cls.declared.by == Performer.APPLICANT
            cls.final = cls.declared.final

    def __init__(self, *args: Any, proposal: Proposal | None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.action)
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        if proposal is not None:
            self.fields["expected_state"].initial = proposal.state

    def arguments(self) -> dict[str, Any]:
        """Return the keyword arguments of the action, besides proposal, by and expected_state."""
        return {name: self.cleaned_data[name] for name in self.fields if name != "expected_state"}


def _reason(label: Any, *, required: bool = True, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, help_text=help_text, widget=forms.Textarea(attrs={"rows": 3})
    )


class _LocalDateTimeField(forms.DateTimeField):
    """A date and time typed as wall-clock time in the call's timezone (read in ``clean``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            widget=forms.DateTimeInput(format=LOCAL_INPUT_FORMAT, attrs={"type": "datetime-local"}),
            input_formats=[LOCAL_INPUT_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
            **kwargs,
        )


class _InCallTimezone(ActionForm):
    """Read the date-time fields in the call's timezone, and show them there."""

    local_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, proposal: Proposal | None, **kwargs: Any) -> None:
        if proposal is None:
            raise TypeError(f"{type(self).__name__} reads its times in the proposal's call: pass the proposal.")
        super().__init__(*args, proposal=proposal, **kwargs)
        self.call = proposal.call
        zone = self.call.zone
        for name in self.local_fields:
            self.fields[name].help_text = _("In the call's timezone, %(zone)s.") % {"zone": self.call.timezone}
            value = self.initial.get(name)
            if isinstance(value, datetime):
                self.initial[name] = timezone.localtime(value, zone).replace(tzinfo=None)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in self.local_fields:
            value = cleaned.get(name)
            if isinstance(value, datetime):
                cleaned[name] = value.replace(tzinfo=None).replace(tzinfo=self.call.zone)
                if cleaned[name] <= timezone.now():
                    self.add_error(name, _("Choose a time in the future."))
        return cleaned


class SubmitLoiForm(ActionForm):
    action = "submit_loi"
    needs_proposal = False


class InviteForm(ActionForm):
    action = "invite"
    reason = _reason(_("Note to the applicant (optional)"), required=False)


class DeclineLoiForm(ActionForm):
    action = "decline_loi"
    reason = _reason(_("Reason the letter of intent is not retained"), help_text=_("The applicant reads it."))


class SubmitApplicationForm(ActionForm):
    action = "submit_application"
    needs_proposal = False


class RequestChangesForm(_InCallTimezone):
    action = "request_changes"
    local_fields = ("due_at",)
    message = _reason(_("Changes needed"), help_text=_("The applicant reads it."))
    due_at = _LocalDateTimeField(label=_("Due"))


class MarkIneligibleForm(ActionForm):
    action = "mark_ineligible"
    failed_checks = _reason(_("Eligibility checks failed"), help_text=_("The applicant reads it."))


class StartAssessmentForm(ActionForm):
    action = "start_assessment"
    reason = _reason(_("Note (optional)"), required=False)


class CompleteAssessmentForm(ActionForm):
    action = "complete_assessment"
    reason = _reason(_("Note (optional)"), required=False)


class ReopenAssessmentForm(ActionForm):
    action = "reopen_assessment"
    reason = _reason(_("Reason for reopening"))


class _MeetingChoiceField(forms.ModelChoiceField):
    """A board meeting, named by its date and time in the call's timezone (``zone``)."""

    zone: Any = None

    def label_from_instance(self, obj: Any) -> str:
        when = timezone.localtime(obj.held_at, self.zone)
        return _("Meeting of %(date)s at %(time)s (quorum %(quorum)s)") % {
            "date": formats.date_format(when, "DATE_FORMAT"),
            "time": formats.time_format(when, "TIME_FORMAT"),
            "quorum": obj.quorum,
        }


class SendToBoardForm(ActionForm):
    """Choose the meeting of the proposal's call, still to be held, whose agenda the proposal goes on."""

    action = "send_to_board"
    meeting = _MeetingChoiceField(
        label=_("Board meeting"),
        queryset=BoardMeeting.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of the call's board meetings still to be held.")},
    )
    reason = _reason(_("Note (optional)"), required=False)

    def __init__(self, *args: Any, proposal: Proposal | None, **kwargs: Any) -> None:
        if proposal is None:
            raise TypeError("SendToBoardForm offers the meetings of the proposal's call: pass the proposal.")
        super().__init__(*args, proposal=proposal, **kwargs)
        field = cast(_MeetingChoiceField, self.fields["meeting"])
        field.queryset = board_meetings_ahead(call=proposal.call)
        field.zone = proposal.call.zone
        field.help_text = _("In the call's timezone, %(zone)s.") % {"zone": proposal.call.timezone}
        if not field.queryset.exists():
            field.help_text = _("Create a board meeting for this call first: it has none still to be held.")
            field.error_messages["required"] = _("Create a board meeting for this call first.")


class ApproveForm(ActionForm):
    action = "approve"
    amount = forms.DecimalField(
        label=_("Approved amount ($)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    rationale = _reason(_("Rationale"))
    conditions = _reason(_("Conditions of funding (optional)"), required=False)


class DeclineForm(ActionForm):
    action = "decline"
    rationale = _reason(_("Rationale"), help_text=_("The applicant reads it."))


class WithdrawForm(ActionForm):
    action = "withdraw"
    needs_proposal = False
    reason = _reason(_("Why you withdraw"))


class ExtendDeadlineForm(_InCallTimezone):
    action = "extend_deadline"
    local_fields = ("until",)
    until = _LocalDateTimeField(label=_("New deadline"))
    reason = _reason(_("Reason for the extension"), help_text=_("The applicant reads it."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        proposal = kwargs["proposal"]
        kwargs.setdefault("initial", {"until": proposal.deadline})
        super().__init__(*args, **kwargs)


ACTION_FORMS: dict[str, type[ActionForm]] = {
    form.action: form
    for form in (
        SubmitLoiForm, InviteForm, DeclineLoiForm, SubmitApplicationForm, RequestChangesForm, MarkIneligibleForm,
        StartAssessmentForm, CompleteAssessmentForm, ReopenAssessmentForm, SendToBoardForm, ApproveForm,
        DeclineForm, WithdrawForm, ExtendDeadlineForm,
    )
}  # fmt: skip
