"""Staff's use cases of a call's questions: build each stage's form, change it, retire, remove, copy.

Once a proposal has submitted an answer to a question (``Answer.submitted_at``), the question
may be reworded or retired, never removed or retyped. Once the call has submissions at the
question's stage, every change needs a reason and is audited on each of those proposals
(``QUESTION_CHANGE``), after staff have seen how many answered it (``question_impact``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from intake import program_roles
from intake.answers import CHOICE_KINDS, Section, sections_of
from intake.choices import SECTION_TEXTS, BuiltInSection, QuestionKind, QuestionStage, VersionKind
from intake.models import Answer, Call, Proposal, Question
from records.models import AuditRecord

#: The audit records' action of a change to a question of a call with submissions.
QUESTION_CHANGE = "question_change"
#: What staff set on a question beside its stage, kind and place.
QUESTION_FIELDS = (
    "section_en",
    "section_fr",
    "label_en",
    "label_fr",
    "guidance_en",
    "guidance_fr",
    "required",
    "word_limit",
    "page_limit",
    "choices",
    "columns",
    "max_rows",
    "file_types",
    "max_size_mb",
    "must_hold",
)


#: Why a question answered in a submitted version cannot be retyped.
RETYPE_REFUSED = gettext_lazy(
    "Proposals have submitted answers to this question, so what it asks can no longer change (its kind, its "
    "options' codes or its columns' kinds). Retire it and add a new question instead."
)


def _require_staff_of(user: User, call: Call) -> None:
    if not program_roles.holds(user, Role.STAFF, call.program_id):
        raise ActionForbidden(_("Only the program's staff can change its calls' questions."))


def _fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(QUESTION_FIELDS)
    if unknown:
        raise TypeError(f"unknown question fields: {', '.join(sorted(unknown))}")
    return {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}


# --- Reads ---------------------------------------------------------------------------------------


def questions_by_stage(*, call: Call) -> dict[str, list[Section]]:
    """Return the questions of ``call`` (retired ones too), by stage in the stages' order, then by section (1 query).

    The reports' questions (``QuestionStage.REPORT``) come last.
    """
    questions = list(Question.objects.filter(call=call).order_by("position", "pk"))
    return {
        stage: sections_of(question for question in questions if question.stage == stage)
        for stage in QuestionStage.values
    }


def question_for_staff(*, user: User, pk: int) -> Question:
    """Return the question ``pk`` if ``user`` is staff of its call's program, or raise 404."""
    questions = Question.objects.filter(program_roles.in_programs(user, Role.STAFF, "call__program"))
    return get_object_or_404(questions.select_related("call", "call__program"), pk=pk)


def calls_to_copy_from(*, user: User, call: Call) -> QuerySet[Call]:
    """Return the calls of the programs ``user`` is staff of, but ``call``, that have questions, newest first."""
    return (
        Call.objects.filter(program_roles.in_programs(user, Role.STAFF), questions__isnull=False)
        .exclude(pk=call.pk)
        .select_related("program")
        .distinct()
        .order_by("-loi_opens_at", "pk")
    )


@dataclass(frozen=True)
class Impact:
    """What a change to a question would touch: the submitted proposals at its stage, and those that answered it."""

    answered: int
    submitted: int

    @property
    def needs_reason(self) -> bool:
        return self.submitted > 0


def _submitted_at_stage(question: Question) -> QuerySet[Proposal]:
    return Proposal.objects.filter(call_id=question.call_id, versions__kind=question.stage).distinct()


def question_impact(*, question: Question) -> Impact:
    """Return how many proposals submitted at ``question``'s stage, and how many of them answered it (2 queries)."""
    answered = Answer.objects.filter(question=question, submitted_at__isnull=False).count()
    return Impact(answered=answered, submitted=_submitted_at_stage(question).count())


def _answered_in_a_submission(question: Question) -> bool:
    return Answer.objects.filter(question=question, submitted_at__isnull=False).exists()


# --- What a change is ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One field of a question that a save would change."""

    field: str
    label: str
    before: str
    after: str


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "; ".join(
            " | ".join(str(part) for part in item.values()) if isinstance(item, dict) else str(item) for item in value
        )
    return str(value)


def question_changes(*, question: Question, kind: str, fields: dict[str, Any]) -> list[Change]:
    """Return the fields of ``question`` that saving ``kind`` and ``fields`` would change (pure)."""
    changes = []
    for name, value in (("kind", kind), *_fields(fields).items()):
        before = getattr(question, name)
        if before != value and not (before in (None, "", []) and value in (None, "", [])):
            label = str(getattr(Question._meta.get_field(name), "verbose_name", name))
            changes.append(Change(field=name, label=label, before=_shown(before), after=_shown(value)))
    return changes


def _retyped(question: Question, kind: str, fields: dict[str, Any]) -> bool:
    """Return whether saving would change what the answers given mean: the kind, an option, or a column's kind."""
    if kind != question.kind:
        return True
    if kind in CHOICE_KINDS and "choices" in fields:
        kept = {str(option.get("value")) for option in fields["choices"] or [] if isinstance(option, dict)}
        return not set(question.option_values()) <= kept
    if kind == QuestionKind.TABLE and "columns" in fields:
        before = [column.get("kind") for column in question.columns or []]
        after = [column.get("kind") for column in fields["columns"] or [] if isinstance(column, dict)]
        return before != after
    return False


def _audit(question: Question, *, by: User, reason: str, what: str, changes: list[Change]) -> int:
    """Record the change on every proposal submitted at the question's stage; return how many."""
    proposals = list(_submitted_at_stage(question).values_list("pk", "state"))
    answered = set(
        Answer.objects.filter(question=question, submitted_at__isnull=False).values_list("proposal_id", flat=True)
    )
    now = timezone.now()
    AuditRecord.objects.bulk_create(
        AuditRecord(
            proposal_id=pk,
            action=QUESTION_CHANGE,
            from_state=state,
            to_state=state,
            actor=by,
            at=now,
            reason=reason,
            data={
                "question": question.pk,
                "stage": question.stage,
                "change": what,
                "label": question.label_en,
                "answered": pk in answered,
                "changes": [{"field": c.field, "before": c.before, "after": c.after} for c in changes],
            },
        )
        for pk, state in proposals
    )
    return len(proposals)


def _reason_required(question: Question, reason: str) -> str:
    """Return ``reason`` trimmed; refuse an empty one when the call has submissions at the question's stage."""
    reason = (reason or "").strip()
    if not reason and _submitted_at_stage(question).exists():
        raise ValidationError(
            {"reason": _("Proposals were submitted at this stage: say why you change the question (it is audited).")}
        )
    return reason


def _lock(question: Question, *, expected_updated_at: datetime | None = None) -> Question:
    current = Question.objects.select_for_update().select_related("call").get(pk=question.pk)
    if expected_updated_at is not None and current.updated_at != expected_updated_at:
        raise StaleAction(
            _(
                "Somebody else saved this question while you were editing it. Your changes are not saved yet: "
                "review them against the current version and save again."
            )
        )
    return current


# --- Writes ----------------------------------------------------------------------------------------


def question_create(*, call: Call, by: User, stage: str, kind: str, **fields: Any) -> Question:
    """Add a question of ``kind`` at the end of ``stage``'s questions of ``call``."""
    _require_staff_of(by, call)
    with transaction.atomic():
        last = Question.objects.filter(call=call, stage=stage).aggregate(last=Max("position"))["last"]
        question = Question(call=call, stage=stage, kind=kind, position=(last or 0) + 1, **_fields(fields))
        question.full_clean()
        question.save()
    return question


def question_update(
    *, question: Question, by: User, expected_updated_at: datetime | None, kind: str, reason: str = "", **fields: Any
) -> Question:
    """Save staff's change to ``question``: refused if somebody saved it first or it would be retyped once answered.

    With submissions at its stage, the change needs ``reason`` and is audited on each of them.
    """
    _require_staff_of(by, question.call)
    values = _fields(fields)
    with transaction.atomic():
        current = _lock(question, expected_updated_at=expected_updated_at)
        if current.retired_at is not None:
            raise StaleAction(_("This question is retired: it can no longer be changed."))
        if _retyped(current, kind, values) and _answered_in_a_submission(current):
            field = "kind" if kind != current.kind else "choices" if kind in CHOICE_KINDS else "columns"
            raise ValidationError({field: RETYPE_REFUSED})
        changes = question_changes(question=current, kind=kind, fields=values)
        if changes:
            reason = _reason_required(current, reason)
        current.kind = kind
        for name, value in values.items():
            setattr(current, name, value)
        current.full_clean()
        current.save()
        if changes:
            _audit(current, by=by, reason=reason, what="update", changes=changes)
    return current


def question_move(*, question: Question, by: User, up: bool) -> Question:
    """Move ``question`` one place up or down among its section's questions at its stage (a no-op at the end)."""
    _require_staff_of(by, question.call)
    with transaction.atomic():
        current = _lock(question)
        siblings = list(
            Question.objects.select_for_update()
            .filter(call_id=current.call_id, stage=current.stage, section_en=current.section_en)
            .order_by("position", "pk")
        )
        index = next(i for i, sibling in enumerate(siblings) if sibling.pk == current.pk)
        other_index = index - 1 if up else index + 1
        if not 0 <= other_index < len(siblings):
            return current
        other = siblings[other_index]
        if other.position == current.position:  # equal positions: spread them first
            for number, sibling in enumerate(siblings):
                sibling.position = siblings[0].position + number
            Question.objects.bulk_update(siblings, ["position"])
            current = siblings[index]
        current.position, other.position = other.position, current.position
        Question.objects.bulk_update([current, other], ["position"])
    return current


def question_retire(*, question: Question, by: User, reason: str = "") -> Question:
    """Stop asking ``question``: new versions leave it out, the submitted ones keep its answers (audited)."""
    _require_staff_of(by, question.call)
    with transaction.atomic():
        current = _lock(question)
        if current.retired_at is not None:
            raise StaleAction(_("This question is already retired; somebody retired it first."))
        reason = _reason_required(current, reason)
        current.retired_at = timezone.now()
        current.save(update_fields=["retired_at", "updated_at"])
        _audit(current, by=by, reason=reason, what="retire", changes=[])
    return current


def question_delete(*, question: Question, by: User, reason: str = "") -> None:
    """Remove ``question`` and the drafts' answers to it; refused once a proposal submitted an answer to it.

    With submissions at its stage (none of which answered it), the removal needs ``reason`` and is audited.
    """
    _require_staff_of(by, question.call)
    with transaction.atomic():
        current = _lock(question)
        if _answered_in_a_submission(current):
            raise DomainError(
                _(
                    "Proposals have submitted answers to this question, so it cannot be removed: the versions "
                    "assessors read hold them. Retire it instead, and it will no longer be asked."
                )
            )
        reason = _reason_required(current, reason)
        _audit(current, by=by, reason=reason, what="delete", changes=[])
        Answer.objects.filter(question=current).delete()
        current.delete()


def questions_copy(*, source: Call, target: Call, by: User) -> int:
    """Copy every question of ``source`` that is not retired into ``target``, after its own; return how many.

    ``by`` must be staff of both calls' programs. Refused if ``target`` has answered questions
    at a stage ``source`` has questions of: copying would mix two forms under those answers.
    """
    _require_staff_of(by, source)
    _require_staff_of(by, target)
    if source.pk == target.pk:
        raise DomainError(_("Choose another call to copy from."))
    with transaction.atomic():
        # Two copies into one call at once would interleave their positions: the second waits for the first.
        list(Call.objects.select_for_update().filter(pk=target.pk).values_list("pk", flat=True))
        questions = list(Question.objects.filter(call=source, retired_at__isnull=True).order_by("position", "pk"))
        stages = {question.stage for question in questions}
        answered = sorted(
            set(
                Answer.objects.filter(question__call=target, question__stage__in=stages).values_list(
                    "question__stage", flat=True
                )
            )
        )
        if answered:
            raise DomainError(
                _("Proposals have already answered this call's questions at: %(stages)s. Nothing is copied.")
                % {"stages": ", ".join(str(VersionKind(stage).label) for stage in answered)}
            )
        last = Question.objects.filter(call=target).aggregate(last=Max("position"))["last"] or 0
        copies = [
            Question(
                call=target,
                stage=question.stage,
                kind=question.kind,
                position=last + number,
                **{name: getattr(question, name) for name in QUESTION_FIELDS},
            )
            for number, question in enumerate(questions, start=1)
        ]
        Question.objects.bulk_create(copies)
    return len(copies)


#: The guidance a built-in text gave on its page, carried to the question that asks it instead.
_TEXT_GUIDANCE = {
    "project_description": gettext_lazy("The problem, the solution and why this consortium."),
    "work_plan": gettext_lazy("The phases of the work and who does what."),
}


def sections_left_out(*, call: Call) -> list[str]:
    """Return the built-in sections with texts that ``call``'s full application leaves out (none without one)."""
    stage = next((stage for stage in call.stages.all() if stage.kind == VersionKind.APPLICATION), None)
    if stage is None:
        return []
    return [slug for slug in SECTION_TEXTS if slug not in stage.sections]


def section_texts_ask(*, call: Call, section: str, by: User) -> list[Question]:
    """Ask the texts of a built-in ``section`` the call leaves out as long-text questions of its full application.

    The questions take the texts' labels and guidance in English and French, in a section named
    after the built-in one, and the call's word limit of a full application's texts; staff then
    edit them as any question. Refused when the full application uses the section, or already
    asks one of these questions.
    """
    _require_staff_of(by, call)
    if section not in sections_left_out(call=call):
        raise DomainError(
            _("The full application uses this section, or it has no texts: leave it out on the stages page first.")
        )

    def bilingual(text: Any) -> dict[str, str]:
        found = {}
        for language in ("en", "fr"):
            with translation.override(language):
                found[language] = capfirst(str(text))
        return found

    with transaction.atomic():
        list(Call.objects.select_for_update().filter(pk=call.pk).values_list("pk", flat=True))
        asked = set(
            Question.objects.filter(call=call, stage=VersionKind.APPLICATION, retired_at__isnull=True).values_list(
                "label_en", flat=True
            )
        )
        heading = bilingual(BuiltInSection(section).label)
        created = []
        for name in SECTION_TEXTS[section]:
            label = bilingual(Proposal._meta.get_field(name).verbose_name)
            if label["en"] in asked:
                raise DomainError(
                    _("“%(question)s” is already asked at the full application: nothing is added.")
                    % {"question": label["en"]}
                )
            guidance = bilingual(_TEXT_GUIDANCE[name]) if name in _TEXT_GUIDANCE else {"en": "", "fr": ""}
            created.append(
                question_create(
                    call=call,
                    by=by,
                    stage=VersionKind.APPLICATION,
                    kind=QuestionKind.LONG_TEXT,
                    section_en=heading["en"],
                    section_fr=heading["fr"],
                    label_en=label["en"],
                    label_fr=label["fr"],
                    guidance_en=guidance["en"],
                    guidance_fr=guidance["fr"],
                    word_limit=call.word_limit(VersionKind.APPLICATION),
                )
            )
    return created
