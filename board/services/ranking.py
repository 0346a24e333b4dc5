"""Which score ranks a meeting's agenda: raw (the default) or calibrated, chosen by staff or the chair.

The choice is the meeting's (``BoardMeeting.ranking``), audited on it; the agenda ranks by
it, the portfolio's computation uses the calibrated scores under it, and each decision of
the chair records the choice in force (``workflow.actions.board``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from assessment.models import CalibratedStanding
from board.models import BoardMeeting, Ranking
from intake.choices import VersionKind
from records.models import AuditRecord

RANKING_SET = "ranking_set"


def meeting_ranking_may_set(*, meeting: BoardMeeting, user: User) -> bool:
    """Whether ``user`` may choose the meeting's ranking: its program's staff, or its chair; before the release."""
    if meeting.decisions_released_at is not None:
        return False
    return user.acts_in(Role.STAFF, meeting.call.program_id) or (
        user.pk == meeting.chair_id and user.acts_in(Role.BOARD_MEMBER, meeting.call.program_id)
    )


def meeting_ranking_set(*, meeting: BoardMeeting, by: User, ranking: str, expected: str | None = None) -> BoardMeeting:
    """Set which score ranks ``meeting``'s agenda: staff of its program or its chair, until its decisions' release.

    The meeting is locked; ``expected`` (the choice the form showed) catches a change made
    meanwhile by someone else. Audited on the meeting with the choice before and after.
    """
    if ranking not in Ranking.values:
        raise DomainError(_("Choose the raw or the calibrated score."))
    with transaction.atomic():
        locked = BoardMeeting.objects.select_for_update().select_related("call").get(pk=meeting.pk)
        if not meeting_ranking_may_set(meeting=locked, user=by):
            raise ActionForbidden(
                _("Only program staff or the meeting's chair choose the ranking, until the decisions are released.")
            )
        if expected is not None and expected != locked.ranking:
            raise StaleAction(
                _("Someone else changed the ranking meanwhile: it is now by the %(ranking)s. Nothing was changed.")
                % {"ranking": Ranking(locked.ranking).label.lower()}
            )
        if locked.ranking != ranking:
            AuditRecord.objects.create(
                meeting=locked, action=RANKING_SET, actor=by, data={"from": locked.ranking, "to": ranking}
            )
            locked.ranking = ranking
            locked.save(update_fields=["ranking", "updated_at"])
    return locked


def meeting_ranking_scores(*, meeting: BoardMeeting) -> dict[int, float] | None:
    """Return the scores that replace the raw totals under the meeting's ranking: None when it ranks by raw.

    Under the calibrated ranking: each current agenda proposal's stored calibrated standing's
    score under the call's application rubric (calibrated, or raw where kept raw), for those
    that have one (one query); the others keep their raw total.
    """
    if meeting.ranking != Ranking.CALIBRATED:
        return None
    rows = CalibratedStanding.objects.filter(
        proposal__agenda_items__meeting=meeting,
        proposal__agenda_items__deferred_to__isnull=True,
        rubric__call_id=meeting.call_id,
        rubric__stage=VersionKind.APPLICATION,
    ).values_list("proposal_id", "calibrated", "raw")
    scores: dict[int, float] = {}
    for proposal_id, calibrated, raw in rows:
        score = calibrated if calibrated is not None else raw
        if score is not None:
            scores[proposal_id] = score
    return scores
