"""The applicant's journey in French: every page the applicant reads is in French, and passes axe-core.

The applicant's browser asks for French, so the site answers in French before anyone signs
in; the applicant then chooses French on the sign-up form. Staff work in English. Each field
and button is found by its French label, so an untranslated label fails the lookup; and every
message the steps looked for must have a French translation, bar the words French shares.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import translation

from intake.models import Proposal
from intake.states import ProposalState
from tests.e2e import applicant_steps as steps
from tests.e2e.harness import Visitor, expect

#: Messages written the same in both languages.
SAME_IN_FRENCH = {"Budget", "Consortium", "Organization", "Description", "Type"}


class FrenchVisitor(Visitor):
    """A visitor who checks, on every page reached, that the page says it is in French."""

    def arrive(self, step: str) -> None:
        super().arrive(step)
        expect(self.page.locator("html")).to_have_attribute("lang", "fr")


def test_applicant_journey_in_french(site: Any, visitor: Callable[..., Visitor]) -> None:
    seeded = steps.seed_intake()
    applicant = visitor("applicant", language="fr")
    applicant.__class__ = FrenchVisitor
    staff = visitor("staff")
    steps.LOOKED_FOR.clear()

    proposal_pk = steps.register_and_submit_loi(site, applicant, call_pk=seeded.call_pk)
    staff.login(seeded.staff_email, seeded.password)
    steps.invite_and_complete_application(site, staff, applicant, proposal_pk)

    proposal = Proposal.objects.get(pk=proposal_pk)
    assert proposal.state == ProposalState.SUBMITTED
    assert proposal.lead_applicant.preferred_language == "fr"
    t = steps.t
    with translation.override("fr"):
        unread = translation.ngettext("(%(counter)s unread)", "(%(counter)s unread)", 4) % {"counter": 4}
    steps.press(
        applicant, applicant.page.locator("header").get_by_role("link", name=f"{t('fr', 'Inbox')} {unread}"), "inbox"
    )
    for subject in ("Letter of intent received: %(title)s", "Invited to submit a full application: %(title)s",
                    "Full application received: %(title)s"):  # fmt: skip
        text = f"{t('fr', 'Unread:')} {t('fr', subject, title=steps.TITLE)}"
        expect(applicant.page.locator("main").get_by_text(text)).to_have_count(1)
    joined = f"{t('fr', 'Unread:')} {t('fr', 'You are now a member of %(organization)s', organization=steps.LEAD)}"
    expect(applicant.page.locator("main").get_by_text(joined)).to_have_count(1)

    untranslated = sorted(
        {message for language, message, text in steps.LOOKED_FOR if language == "fr" and text == message}
        - SAME_IN_FRENCH
    )
    assert not untranslated, f"shown in English on the French pages: {untranslated}"
