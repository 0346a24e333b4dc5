"""A member finds an asset by a French word and obtains a licence; the IP manager sees it in the figures.

1. A member of the program (a person of an organization holding a current program
   membership), whose browser asks for French, searches the registry for « conduites »: the
   members-only asset of a funded project comes up by its French title; another
   organization's private asset with the same word does not.
2. The member opens it and requests a licence for their organization, in French.
3. One of the owner's people (in English) finds the request among their organization's,
   agrees and uploads the signed licence.
4. The member reads the licence recorded; the program's IP manager finds the request and
   the licence counted in the dashboard's figures.

Factories make only what exists before: the program, the funded project, the organizations
with their memberships, the people and the published assets. Every page reached is checked by
axe-core; the member's pages must say they are in French.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from intake.models import ProgramMembership
from registry.choices import AssetCategory, AssetState, AssetType, Listing, OfferedTo, RequestState
from registry.models import AssetOwner, IPAsset, Licence, LicenceRequest
from tests.e2e.applicant_steps import LOOKED_FOR, expect_message, field, press, t
from tests.e2e.harness import Visitor, expect
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, ProgramFactory, UserFactory
from tests.factories.projects import ProjectFactory
from tests.registry.conftest import PDF

TITLE_EN = "Corrosion sensor for buried pipes"
TITLE_FR = "Capteur de corrosion pour conduites enfouies"
SECRET_FR = "Méthode confidentielle d'inspection des conduites"
OWNER_ORG = "Owner Labs Inc."
MEMBER_ORG = "Laboratoires Membre inc."

#: Messages written the same in both languages.
SAME_IN_FRENCH: set[str] = set()


class FrenchVisitor(Visitor):
    """A visitor who checks, on every page reached, that the page says it is in French."""

    def arrive(self, step: str) -> None:
        super().arrive(step)
        expect(self.page.locator("html")).to_have_attribute("lang", "fr")


def _asset(program: Any, owner: Any, *, listing: str, title_en: str, title_fr: str, **fields: Any) -> IPAsset:
    asset = IPAsset.objects.create(
        program=program, listing=listing, state=AssetState.PUBLISHED, published_at=timezone.now(),
        title_en=title_en, title_fr=title_fr, asset_type=AssetType.PATENT, category=AssetCategory.FOREGROUND,
        offered_to=OfferedTo.MEMBERS, jurisdiction="CA", created_by=UserFactory(), **fields,
    )  # fmt: skip
    AssetOwner.objects.create(asset=asset, organization=owner, share=Decimal("100"))
    return asset


def _member_org(program: Any, name: str) -> Any:
    organization = OrganizationFactory(legal_name=name)
    ProgramMembership.objects.create(
        program=program, organization=organization, starts_on=timezone.localdate() - timedelta(days=365)
    )
    return organization


def test_a_member_finds_an_asset_in_french_and_obtains_a_licence(site: Any, visitor: Callable[..., Visitor]) -> None:
    program = ProgramFactory(name_en="Canada's Ocean Supercluster", name_fr="Supergrappe des océans du Canada")
    project = ProjectFactory(proposal__call__program=program)
    owner_org = _member_org(program, OWNER_ORG)
    member_org = _member_org(program, MEMBER_ORG)
    owner = UserFactory(email="olive@ownerlabs.ca", display_name="Olive Owner")
    MembershipFactory(user=owner, organization=owner_org)
    member = UserFactory(email="mireille@labmembre.ca", display_name="Mireille Membre", preferred_language="fr")
    MembershipFactory(user=member, organization=member_org)
    ip_manager = UserFactory(role=Role.IP_MANAGER, programs=[program], email="ines@ocean.ca", display_name="Inès IP")
    asset = _asset(
        program, owner_org, listing=Listing.MEMBERS, title_en=TITLE_EN, title_fr=TITLE_FR, project=project,
        agreement_version=1, teaser_en="Measures the corrosion of buried pipes, wirelessly.",
        teaser_fr="Mesure sans fil la corrosion des conduites enfouies.", keywords="sensor, capteur, pipeline",
    )  # fmt: skip
    # Another organization's private asset holds the same word: the member never sees it.
    other_org = _member_org(program, "Discreet Corp.")
    _asset(program, other_org, listing=Listing.PRIVATE, title_en="Confidential pipe inspection method",
           title_fr=SECRET_FR, teaser_en="Kept private.", teaser_fr="Gardée privée.")  # fmt: skip

    mireille = visitor("member", language="fr")
    mireille.__class__ = FrenchVisitor
    olive, ines = visitor("owner"), visitor("ip-manager")
    LOOKED_FOR.clear()
    fr = "fr"

    # 1. The member searches the registry by a French word.
    mireille.login(member.email, PASSWORD)
    mireille.go(reverse("registry:asset_list"))
    mireille.arrive("registry")
    main = mireille.page.locator("main")
    search = main.get_by_role("search")
    field(search, t(fr, "Words (English or French)")).fill("conduites")
    press(mireille, search.get_by_role("button", name=t(fr, "Search")), "search-results")
    results = main.get_by_role("table")
    expect(results.get_by_role("link", name=TITLE_FR)).to_have_count(1)
    expect(main.get_by_text(SECRET_FR)).to_have_count(0)

    # 2. They open it and request a licence for their organization.
    press(mireille, results.get_by_role("link", name=TITLE_FR), "asset")
    expect(main.get_by_role("heading", level=1)).to_have_text(TITLE_FR)
    press(mireille, main.get_by_role("link", name=t(fr, "Request a licence")), "request-form")
    form = main.locator("form").filter(has=mireille.page.locator("textarea"))
    expect(field(form, t(fr, "For the organization")).locator("option:checked")).to_have_text(MEMBER_ORG)
    field(form, t(fr, "Intended use")).fill("Surveiller nos conduites sous-marines.")
    field(form, t(fr, "Field of use")).fill("Inspection des pipelines en mer")
    field(form, t(fr, "Territory")).fill("Canada atlantique")
    press(mireille, form.get_by_role("button", name=t(fr, "Send the request")), "request-sent")
    expect_message(mireille, t(fr, "Your request is sent to the asset's owners."))
    licence_request = LicenceRequest.objects.get(asset=asset)
    assert (licence_request.organization, licence_request.requested_by, licence_request.state) == (
        member_org, member, RequestState.OPEN
    )  # fmt: skip
    assert mireille.path == reverse("registry:request_detail", args=[licence_request.pk])

    # 3. The owner finds the request among their organization's, agrees and uploads the signed licence.
    olive.login(owner.email, PASSWORD)
    olive.go(reverse("registry:my_registry"))
    olive.arrive("my-registry")
    requests = olive.page.locator("main section").filter(has=olive.page.locator("#requests-heading"))
    expect(requests.get_by_role("row", name=TITLE_EN)).to_contain_text(MEMBER_ORG)
    press(olive, requests.get_by_role("link", name=TITLE_EN), "request")
    olive_main = olive.page.locator("main")
    expect(olive_main).to_contain_text("Surveiller nos conduites sous-marines.")
    press(olive, olive_main.get_by_role("link", name="Agree and record the licence"), "agree-form")
    agree = olive_main.locator("form[enctype='multipart/form-data']")
    expect(field(agree, "Field of use")).to_have_value("Inspection des pipelines en mer")
    field(agree, "Main terms, as signed").fill("Non-exclusive, 3 % royalty on net sales, five years.")
    starts = timezone.localdate()
    field(agree, "Starts").fill(starts.isoformat())
    field(agree, "Ends").fill(date(starts.year + 5, starts.month, min(starts.day, 28)).isoformat())
    field(agree, "The signed licence").set_input_files(
        {"name": "signed-licence.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    press(olive, agree.get_by_role("button", name="Agree and record the licence"), "licence")
    expect_message(olive, "The licence is recorded.")
    licence = Licence.objects.get(request=licence_request)
    assert (licence.licensee, licence.starts_on) == (member_org, starts)
    assert olive.path == reverse("registry:licence_detail", args=[licence.pk])
    licence_request.refresh_from_db()
    assert licence_request.state == RequestState.AGREED

    # 4. The member reads the licence; the IP manager sees it in the figures.
    mireille.go(reverse("registry:request_detail", args=[licence_request.pk]))
    mireille.arrive("request-agreed")
    press(mireille, main.get_by_role("link", name=t(fr, "View the licence")), "licence")
    download = main.locator(f"a[href='{reverse('registry:licence_download', args=[licence.pk])}']")
    expect(download).to_contain_text("signed-licence.pdf")
    with mireille.page.expect_download() as downloaded:
        download.click()
    assert downloaded.value.suggested_filename == "signed-licence.pdf"

    ines.login(ip_manager.email, PASSWORD)
    ines.go(reverse("registry:dashboard"))
    ines.arrive("dashboard")
    figures = ines.page.locator("main table").filter(has=ines.page.locator("caption", has_text=program.name_en))
    for label, count in (("Licences granted", "1"), ("Licence requests", "1"), ("Published assets", "2")):
        expect(figures.get_by_role("row", name=label).locator("td")).to_have_text(count)

    untranslated = sorted(
        {message for language, message, text in LOOKED_FOR if language == "fr" and text == message} - SAME_IN_FRENCH
    )
    assert not untranslated, f"shown in English on the French pages: {untranslated}"
