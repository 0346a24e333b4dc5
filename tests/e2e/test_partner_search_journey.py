"""A member posts a "looking for partners" announcement; a European member finds it by a French word and answers.

Factories make what exists before: a cluster with an open call naming a consortium role, a
Canadian member organization and a German one (a member of the cluster too), one person each.
Everything after goes through the pages, with axe-core's check on each: the announcement is
posted, found by the French word « recyclage », answered through the relay, read and replied to
by its poster; the reply reveals the two addresses, and not before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from accounts.choices import OrganizationType
from intake.models import ConsortiumRole, ProgramMembership
from tests.e2e.harness import Visitor
from tests.e2e.review_steps import Person, click_to, sign_in
from tests.factories import CallFactory, MembershipFactory, OrganizationFactory, ProgramFactory, UserFactory

POSTER = "poppy@maple.example"
EUROPEAN = "eva@bayern.example"


def test_member_posts_an_announcement_a_european_member_answers_through_the_relay(
    visitor: Callable[..., Visitor],
) -> None:
    program = ProgramFactory(name_en="Next Generation Manufacturing Canada")
    call = CallFactory(program=program, title_en="Technology leadership projects")
    role = ConsortiumRole.objects.create(call=call, slug="adopter", name_en="Adopter", name_fr="Adoptant")
    since = timezone.localdate() - timedelta(days=365)
    maple = OrganizationFactory(legal_name="Maple Robotics")
    bayern = OrganizationFactory(
        legal_name="Cluster Bayern Sensorik", country="DE", province="", kind=OrganizationType.FOREIGN
    )
    for organization in (maple, bayern):
        ProgramMembership.objects.create(program=program, organization=organization, starts_on=since)
    poppy = UserFactory(email=POSTER, display_name="Poppy Poster")
    eva = UserFactory(email=EUROPEAN, display_name="Eva Europa", preferred_language="fr")
    MembershipFactory(user=poppy, organization=maple)
    MembershipFactory(user=eva, organization=bayern)
    poster = Person(poppy, visitor("poster"))
    european = Person(eva, visitor("european", language="fr"))
    sign_in(poster)
    sign_in(european)

    # The poster posts the announcement for the call, naming the role sought.
    page = poster.visitor.page
    poster.visitor.go(f"/directory/{program.pk}/announcements/new/")
    poster.visitor.arrive("announcement form")
    page.locator("select[name=call]").select_option(str(call.pk))
    page.locator("select[name=organization]").select_option(str(maple.pk))
    page.locator("input[name=title]").fill("Partner for recycled robot arms")
    page.locator("textarea[name=needs]").fill("Nous cherchons un partenaire en recyclage de composites.")
    page.locator(f"input[name=roles][value='{role.pk}']").check()
    click_to(poster.visitor, page.locator("main form [type=submit]"), "announcement posted")
    assert "Partner for recycled robot arms" in page.content()

    # The European member finds it by a French word, reads it and answers through the relay.
    page = european.visitor.page
    european.visitor.go(f"/directory/{program.pk}/?q=recyclage")
    european.visitor.arrive("search in French")
    click_to(european.visitor, page.get_by_role("link", name="Partner for recycled robot arms"), "announcement")
    click_to(european.visitor, page.locator("main a[href$='/answer/']"), "answer form")
    assert POSTER not in page.content()
    page.locator("select[name=sender_organization]").select_option(str(bayern.pk))
    page.locator("textarea[name=body]").fill("We recycle composites in Munich; shall we talk?")
    click_to(european.visitor, page.locator("main form [type=submit]"), "answer sent")
    assert POSTER not in page.content()

    # The poster reads the answer in their conversations, without the sender's address, and replies.
    page = poster.visitor.page
    poster.visitor.go("/directory/messages/")
    poster.visitor.arrive("conversations")
    click_to(poster.visitor, page.locator("main table a").first, "conversation")
    assert "We recycle composites in Munich" in page.content()
    assert EUROPEAN not in page.content()
    page.locator("textarea[name=body]").fill("Yes: let us meet next week.")
    click_to(poster.visitor, page.locator("main form [type=submit]"), "reply sent")
    assert EUROPEAN in page.content()

    # The European member sees the reply, and the poster's address it revealed.
    page = european.visitor.page
    european.visitor.go("/directory/messages/")
    european.visitor.arrive("conversations")
    click_to(european.visitor, page.locator("main table a").first, "conversation with the reply")
    assert "Yes: let us meet next week." in page.content()
    assert POSTER in page.content()
