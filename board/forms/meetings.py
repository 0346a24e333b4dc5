"""Forms of board meetings: plan or edit one, send assessed proposals to it, defer an item to a later one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from board.models import BoardMeeting
from board.services.meetings import (
    board_members,
    meeting_assessed_proposals,
    meeting_later_meetings,
    program_board_members,
)
from intake.choices import IntakeMode
from intake.models import Call, CutOff, Proposal
from intake.services.batches import proposals_in_batch

LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


class _MemberChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.email})"


class MeetingForm(forms.Form):
    """A meeting's date and time (typed in the call's timezone), quorum, members and chair.

    The members offered are the board of the call's program (``_offered``).
    """

    held_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(format=LOCAL_INPUT_FORMAT, attrs={"type": "datetime-local"}),
        input_formats=[LOCAL_INPUT_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    quorum = forms.IntegerField(
        label=_("Quorum"),
        min_value=1,
        initial=3,
        help_text=_("How many members who are not recused must vote on a proposal before it is decided."),
    )
    members = _MemberChoice(
        label=_("Members invited"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    chair = forms.ModelChoiceField(label=_("Chair"), queryset=User.objects.none(), help_text=_("One of the members."))
    updated_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, call: Call, meeting: BoardMeeting | None = None, **kwargs: Any) -> None:
        if meeting is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "held_at": timezone.localtime(meeting.held_at, call.zone).replace(tzinfo=None),
                "quorum": meeting.quorum,
                "members": list(meeting.members.all()),
                "chair": meeting.chair,
                "updated_at": meeting.updated_at.isoformat(),
            }
        super().__init__(*args, **kwargs)
        self.call = call
        self.fields["held_at"].help_text = _("In the call's timezone, %(zone)s.") % {"zone": call.timezone}
        offered = self._offered(meeting)
        self.fields["members"].queryset = offered  # type: ignore[attr-defined]
        self.fields["chair"].queryset = offered  # type: ignore[attr-defined]

    def _offered(self, meeting: BoardMeeting | None) -> QuerySet[User]:
        """The members offered: the board of the call's program, and any board member already chosen.

        One chosen from another program's board (invited by mistake, or whose seat was revoked
        since) stays on the form, ticked, so that the service's refusal names them and nothing
        typed is lost; unticking them is how the form is then saved.
        """
        chosen: list[Any] = []
        if self.is_bound:
            field = self.fields["members"]
            chosen = list(field.widget.value_from_datadict(self.data, self.files, self.add_prefix("members")) or [])
            chosen.append(self.data.get(self.add_prefix("chair")))
        elif meeting is not None:
            chosen = [member.pk for member in meeting.members.all()]
        chosen_ids = [int(value) for value in chosen if str(value or "").isdigit()]
        return board_members().filter(
            Q(pk__in=program_board_members(program_id=self.call.program_id).values("pk")) | Q(pk__in=chosen_ids)
        )

    def clean_held_at(self) -> datetime:
        value: datetime = self.cleaned_data["held_at"]
        local = value.replace(tzinfo=None).replace(tzinfo=self.call.zone)
        if local <= timezone.now():
            raise forms.ValidationError(_("Choose a date and time in the future."))
        return local

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        members = list(cleaned.get("members") or [])
        chair = cleaned.get("chair")
        if chair is not None and members and chair not in members:
            self.add_error("chair", _("The chair must be one of the members invited."))
        quorum = cleaned.get("quorum")
        if quorum is not None and members and quorum > len(members):
            self.add_error(
                "quorum",
                _("The quorum cannot be more than the members invited (%(count)d).") % {"count": len(members)},
            )
        return cleaned


def _cut_off_label(cut_off: CutOff, zone: Any) -> str:
    """Name a review batch by its cut-off, in the call's timezone."""
    return _("Cut-off of %(at)s") % {"at": timezone.localtime(cut_off.at, zone).strftime("%Y-%m-%d %H:%M")}


class SendProposalsForm(forms.Form):
    """The assessed proposals of the meeting's call to put on its agenda: some chosen, or a rolling call's batch.

    A rolling call's form also offers its review batches: choosing one sends every assessed
    proposal of that batch (``workflow.actions.board.meeting_send_proposals(batch=...)``).
    """

    proposals: forms.ModelMultipleChoiceField[Proposal] = forms.ModelMultipleChoiceField(
        label=_("Assessed proposals"),
        queryset=Proposal.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    batch: forms.ModelChoiceField[CutOff] = forms.ModelChoiceField(
        label=_("Or every assessed proposal of a review batch"),
        queryset=CutOff.objects.none(),
        required=False,
        empty_label=_("No batch: the proposals ticked above"),
    )

    def __init__(self, *args: Any, meeting: BoardMeeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        call = meeting.call
        self.fields["proposals"].queryset = meeting_assessed_proposals(meeting=meeting)  # type: ignore[attr-defined]
        self.fields["proposals"].label_from_instance = lambda proposal: proposal.title  # type: ignore[attr-defined]
        if call.intake_mode == IntakeMode.ROLLING:
            field = self.fields["batch"]
            field.queryset = CutOff.objects.filter(call_id=call.pk).order_by("at")  # type: ignore[attr-defined]
            zone = call.zone
            field.label_from_instance = lambda cut_off: _cut_off_label(cut_off, zone)  # type: ignore[attr-defined]
        else:
            del self.fields["batch"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        proposals = list(cleaned.get("proposals") or [])
        batch = cleaned.get("batch")
        if "batch" in self.errors or "proposals" in self.errors:
            return cleaned
        if batch is None:
            if not proposals:
                self.add_error("proposals", _("Choose at least one proposal."))
            return cleaned
        if proposals:
            self.add_error("batch", _("Choose either proposals or a batch, not both."))
            return cleaned
        in_batch = list(
            proposals_in_batch(proposals=self.fields["proposals"].queryset, cut_off=batch)  # type: ignore[attr-defined]
        )
        if not in_batch:
            self.add_error("batch", _("No proposal of this batch is assessed and waiting to be sent."))
        cleaned["proposals"] = in_batch
        return cleaned


class DeferForm(forms.Form):
    """The later meeting of the same call an item moves to."""

    to_meeting: forms.ModelChoiceField[BoardMeeting] = forms.ModelChoiceField(
        label=_("Defer to the meeting of"), queryset=BoardMeeting.objects.none()
    )

    def __init__(self, *args: Any, meeting: BoardMeeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone = meeting.call.zone
        field = self.fields["to_meeting"]
        field.queryset = meeting_later_meetings(meeting=meeting)  # type: ignore[attr-defined]
        field.label_from_instance = lambda later: timezone.localtime(later.held_at, zone).strftime(  # type: ignore[attr-defined]
            "%Y-%m-%d %H:%M"
        )


class OpenEarlyForm(forms.Form):
    """Why staff open a meeting before its scheduled time: kept in the meeting's audit record."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The members and staff read it on the meeting's page."),
        error_messages={"required": _("Give the reason the meeting opens before its scheduled time.")},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason the meeting opens before its scheduled time."))
        return reason
