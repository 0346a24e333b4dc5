"""Decision letters: drafted from the recorded decision, edited by staff, released with the meeting's decisions.

A letter is drafted once per decided agenda item, in the lead applicant's language, from
what the decision recorded (the approved amount and conditions, or the rationale of a
decline) and, for a decline, the assessors' comments without their names. Staff edit it;
releasing the meeting's decisions sends every letter through the one notification entry
point, once, to the lead applicant and the co-applicants: until then the decision is
withheld from them (``workflow.access.decision_withheld_from``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.choices import Role
from accounts.errors import DomainError, StaleAction
from accounts.models import User
from assessment.choices import AssignmentState, ReviewState
from assessment.models import Review, Score
from board.models import AgendaItem, BoardMeeting, DecisionLetter
from board.services.lottery import proposal_in_lottery_band
from intake.choices import VersionKind
from intake.lifecycle import states_after
from intake.models import CoApplicant, Proposal
from intake.program_roles import in_programs
from intake.services.documents import dossier_folder
from intake.states import DECIDED, FUNDED_STATES, ProposalState
from records.events import Event
from records.models import AuditRecord
from records.notifications import notify
from records.pdf import pdf_or_pending, pdf_store, task_send_on_commit


@dataclass(frozen=True)
class Feedback:
    """One assessor's comments, under a number instead of their name."""

    label: str
    overall: str
    criteria: tuple[tuple[str, str], ...]  # (criterion's name, comment)


def decision_record(*, proposal: Proposal) -> AuditRecord | None:
    """Return the audit record of ``proposal``'s funding decision (its latest approve or decline), if any."""
    return (
        AuditRecord.objects.filter(proposal=proposal, to_state__in=DECIDED, action__in=("approve", "decline"))
        .order_by("-at", "-pk")
        .first()
    )


def assessor_feedback(*, proposal: Proposal) -> list[Feedback]:
    """Return the comments of ``proposal``'s submitted full-application reviews, each under "Assessor N".

    Numbered in the order the reviews were submitted; nothing that names an assessor is read.
    Criterion names are read in the active language.
    """
    reviews = (
        Review.objects.filter(
            assignment__proposal=proposal,
            assignment__state=AssignmentState.ACCEPTED,
            assignment__rubric__stage=VersionKind.APPLICATION,
            state=ReviewState.SUBMITTED,
        )
        .order_by("submitted_at", "pk")
        .prefetch_related(
            Prefetch(
                "scores",
                queryset=Score.objects.select_related("criterion").order_by("criterion__position", "criterion__pk"),
            )
        )
    )
    feedback: list[Feedback] = []
    for review in reviews:
        criteria = tuple(
            (score.criterion.name, score.comment.strip()) for score in review.scores.all() if score.comment.strip()
        )
        overall = review.overall_comment.strip()
        if overall or criteria:
            label = _("Assessor %(number)s") % {"number": len(feedback) + 1}
            feedback.append(Feedback(label=label, overall=overall, criteria=criteria))
    return feedback


def letter_draft(*, item: AgendaItem) -> DecisionLetter:
    """Return ``item``'s decision letter, drafting it first if it has none (idempotent).

    Drafted in the lead applicant's preferred language, from the decision as recorded. Two
    staff opening the letters at once draft it once: the loser of the insert reads the winner's.
    """
    existing = DecisionLetter.objects.filter(item=item).first()
    if existing is not None:
        return existing
    proposal = item.proposal
    if proposal.state not in DECIDED:
        raise DomainError(_("The board has not decided on this proposal yet."))
    record = decision_record(proposal=proposal)
    language = proposal.lead_applicant.preferred_language
    with translation.override(language):
        context = {
            "proposal": proposal,
            "call": proposal.call.title,
            "recipient": proposal.lead_applicant,
            "amount": proposal.approved_amount,
            "fee": proposal.approved_fee(),
            "conditions": proposal.decision_conditions.strip(),
            "rationale": record.reason.strip() if record is not None else "",
            # In the band of the meeting's lots (partial randomisation): decided partly by lottery.
            "lottery": proposal_in_lottery_band(meeting_id=item.meeting_id, proposal_id=proposal.pk),
        }
        if proposal.state in FUNDED_STATES:
            template = "board/letter_approved.txt"
        else:
            template = "board/letter_declined.txt"
            context["feedback"] = assessor_feedback(proposal=proposal)
        subject = " ".join(render_to_string("board/letter_subject.txt", context).split())
        body = render_to_string(template, context).strip() + "\n"
    try:
        with transaction.atomic():
            return DecisionLetter.objects.create(item=item, language=language, subject=subject[:250], body=body)
    except IntegrityError:
        return DecisionLetter.objects.get(item=item)


def meeting_items(*, meeting: BoardMeeting) -> QuerySet[AgendaItem]:
    """Return the items still on ``meeting``'s agenda (not deferred), with what a letter needs."""
    return (
        AgendaItem.objects.filter(meeting=meeting, deferred_to__isnull=True)
        .select_related("proposal", "proposal__call", "proposal__lead_applicant", "proposal__lead_organization")
        .order_by("proposal__title", "pk")
    )


@dataclass(frozen=True)
class MeetingLetters:
    """A meeting's letters, and the proposals on its agenda that wait for a decision."""

    letters: list[DecisionLetter]
    undecided: list[Proposal]


def meeting_letters(*, meeting: BoardMeeting) -> MeetingLetters:
    """Return ``meeting``'s decision letters, drafting those of newly decided items, and what awaits a decision.

    Before the release only: once released, no new letter is drafted (the meeting's letters are sent).
    """
    items = list(meeting_items(meeting=meeting).select_related("letter"))
    # Only a proposal still before the board waits for a decision: one withdrawn from the agenda
    # gets no letter and holds up nobody's (it can no longer be decided, nor deferred).
    undecided = [item.proposal for item in items if item.proposal.state == ProposalState.BOARD_REVIEW]
    letters = []
    for item in items:
        if item.proposal.state not in DECIDED:
            continue
        try:
            letters.append(item.letter)
        except DecisionLetter.DoesNotExist:
            if meeting.decisions_released_at is None:
                letters.append(letter_draft(item=item))
    return MeetingLetters(letters=letters, undecided=undecided)


def letter_for_staff(*, user: User, pk: int) -> DecisionLetter:
    """Return the letter ``pk`` with its proposal and meeting if ``user`` is staff of its program; 404 otherwise."""
    return get_object_or_404(
        DecisionLetter.objects.select_related(
            "item__meeting", "item__meeting__call", "item__proposal", "item__proposal__lead_applicant", "edited_by"
        ).filter(in_programs(user, Role.STAFF, "item__meeting__call__program")),
        pk=pk,
    )


def letter_update(*, letter: DecisionLetter, by: User, subject: str, body: str, seen: datetime) -> DecisionLetter:
    """Save staff's edit of ``letter``; ``seen`` is when the editor's copy was last saved.

    Refused once released, and when somebody saved it since the editor opened it (they
    would silently overwrite the other's edit): the later one is told and keeps their text.
    """
    subject, body = subject.strip(), body.strip()
    if not subject:
        raise DomainError(_("Give the letter a subject."))
    if not body:
        raise DomainError(_("The letter cannot be empty."))
    with transaction.atomic():
        locked = DecisionLetter.objects.select_for_update().get(pk=letter.pk)
        if locked.released_at is not None:
            raise StaleAction(_("This letter was already sent to the applicant: it can no longer be edited."))
        if locked.updated_at != seen:
            raise StaleAction(
                _("Somebody saved this letter after you opened it. Reload it to see their text before editing.")
            )
        locked.subject = subject
        locked.body = body + "\n"
        locked.edited_by = by
        locked.save(update_fields=["subject", "body", "edited_by", "updated_at"])
    return locked


def _co_applicants(*, proposal_ids: list[int]) -> dict[int, list[User]]:
    """Return the co-applicants of each of ``proposal_ids`` other than its lead applicant (one query)."""
    found: dict[int, list[User]] = {}
    rows = (
        CoApplicant.objects.filter(proposal_id__in=proposal_ids)
        .exclude(user_id=F("proposal__lead_applicant_id"))
        .select_related("user")
        .order_by("pk")
    )
    for row in rows:
        found.setdefault(row.proposal_id, []).append(row.user)
    return found


def meeting_decisions_release(*, meeting: BoardMeeting, by: User) -> int:
    """Send every letter of ``meeting`` to its applicants and mark the decisions released; return how many letters.

    The lead applicant and each co-applicant get the letter once, in the inbox and by email:
    the first they hear of the decision, withheld from them until now
    (``workflow.access.decision_withheld_from``, which reads ``decisions_released_at``).
    Once only: the meeting's row is locked and a second release sends nothing and returns 0.
    Refused while a proposal on the agenda awaits its decision, since its letter could not
    go out with the others.
    """
    with transaction.atomic():
        locked = BoardMeeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.decisions_released_at is not None:
            return 0
        state = meeting_letters(meeting=locked)
        if state.undecided:
            raise DomainError(
                ngettext(
                    "%(count)d proposal on this meeting's agenda awaits its decision: record it, or defer it, first.",
                    "%(count)d proposals on this meeting's agenda await their decision: record them, or defer them, "
                    "first.",
                    len(state.undecided),
                )
                % {"count": len(state.undecided)}
            )
        now = timezone.now()
        co_applicants = _co_applicants(proposal_ids=[letter.item.proposal_id for letter in state.letters])
        for letter in state.letters:
            proposal = letter.item.proposal
            context = {"subject": letter.subject, "body": letter.body}
            notify(
                event=Event.DECISION_LETTER,
                recipients=[proposal.lead_applicant],
                occurrence=f"letter{letter.pk}",
                proposal=proposal,
                context=context,
            )
            notify(
                event=Event.DECISION_LETTER,
                recipients=co_applicants.get(proposal.pk, []),
                occurrence=f"letter{letter.pk}",
                proposal=proposal,
                context={**context, "audience": "co_applicant"},
            )
        DecisionLetter.objects.filter(pk__in=[letter.pk for letter in state.letters]).update(released_at=now)
        for letter in state.letters:  # printed by the worker once released, for the applicants' downloads
            task_send_on_commit(task=LETTER_PRINT_TASK, kwargs={"letter_id": letter.pk})
        locked.decisions_released_at = now
        locked.save(update_fields=["decisions_released_at", "updated_at"])
    meeting.decisions_released_at = now
    return len(state.letters)


#: The states a proposal can be in once decided: letters are drafted for decided proposals only (``letter_draft``).
AFTER_DECISION = states_after(DECIDED)


def letter_released_for(*, proposal: Proposal) -> DecisionLetter | None:
    """Return ``proposal``'s released decision letter, the latest if it had several; None before release.

    A proposal no decision has reached yet (a draft, one in assessment) has none: it is not read.
    """
    if proposal.state not in AFTER_DECISION:
        return None
    return (
        DecisionLetter.objects.filter(item__proposal=proposal, released_at__isnull=False)
        .select_related("item__proposal__call")
        .order_by("-released_at", "-pk")
        .first()
    )


def letter_text_sha256(letter: DecisionLetter) -> str:
    """Return the SHA-256 of ``letter``'s text as released: its subject, an empty line, its body, in UTF-8 (pure)."""
    return hashlib.sha256(f"{letter.subject}\n\n{letter.body}".encode()).hexdigest()


def _letter_html(letter: DecisionLetter) -> str:
    proposal = letter.item.proposal
    context = {
        "letter": letter,
        "proposal": proposal,
        "call": proposal.call,
        "digest": letter_text_sha256(letter),
        "created": letter.released_at,
    }
    return render_to_string("board/letter_pdf.html", context)


def letter_pdf(*, letter: DecisionLetter) -> bytes:
    """Return the released ``letter`` as a tagged PDF, laid out and stored if it is not yet (the task worker's).

    Its text in its own language, the rest in the active one: the page's template of the letter
    (``board/_letter.html``) inside the print template, the letter's text marked with its
    language. Stored with the proposal's documents, so the retention's disposal deletes it.
    """
    return pdf_store(html=_letter_html(letter), folder=dossier_folder(letter.item.proposal_id))


def letter_documents_print(*, letter: DecisionLetter) -> int:
    """Print and store the released ``letter`` in each of the site's languages; return how many languages."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            letter_pdf(letter=letter)
    return len(settings.LANGUAGES)


#: The task that prints a released letter (``workflow.tasks``), named: a service imports no task.
LETTER_PRINT_TASK = "workflow.tasks.print_decision_letter"


def letter_download(*, request: HttpRequest, letter: DecisionLetter) -> HttpResponse:
    """Return the download of released ``letter``'s stored PDF in the active language, or say it is being prepared."""
    return pdf_or_pending(
        request=request,
        html=_letter_html(letter),
        folder=dossier_folder(letter.item.proposal_id),
        filename=f"decision-letter-proposal-{letter.item.proposal_id}.pdf",
        task=LETTER_PRINT_TASK,
        kwargs={"letter_id": letter.pk},
    )
