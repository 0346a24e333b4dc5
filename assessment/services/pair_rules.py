"""Staff's pair rules for the optimal plan: pin an assessor to a proposal or forbid the pair."""

from __future__ import annotations

from django.db.models import OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import DomainError
from accounts.models import User
from assessment.choices import PairRuleKind
from assessment.models import AssessorProfile, PairRule
from assessment.selectors import conflicted
from assessment.services.pair_checks import assesses_for
from intake.models import Proposal


def pair_rule_set(*, proposal: Proposal, assessor: User, kind: str, by: User) -> PairRule:
    """Pin or forbid one assessor for one proposal in the optimal assignment (replacing an earlier rule)."""
    if kind not in PairRuleKind.values:
        raise DomainError(_("Choose whether to pin or forbid."))
    if not AssessorProfile.objects.filter(user=assessor).exists():
        raise DomainError(_("%(name)s is not in the assessor pool.") % {"name": assessor})
    if not assesses_for(assessor=assessor, program_id=proposal.call.program_id):
        raise DomainError(_("%(name)s does not assess for this program.") % {"name": assessor})
    if (
        kind == PairRuleKind.PIN
        and Proposal.objects.filter(pk=proposal.pk)
        .filter(conflicted(assessor=assessor.pk, proposal=OuterRef("pk")))
        .exists()
    ):
        raise DomainError(
            _("%(name)s has a conflict of interest with this proposal: they cannot be pinned.") % {"name": assessor}
        )
    rule, _created = PairRule.objects.update_or_create(
        proposal=proposal, assessor=assessor, defaults={"kind": kind, "created_by": by, "created_at": timezone.now()}
    )
    return rule


def pair_rule_remove(*, rule: PairRule, by: User) -> None:
    """Remove a pin or a ban."""
    PairRule.objects.filter(pk=rule.pk).delete()


def pair_rules(*, proposal: Proposal) -> list[PairRule]:
    return list(PairRule.objects.filter(proposal=proposal).select_related("assessor").order_by("kind", "pk"))
