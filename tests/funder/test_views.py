"""The funder's overview and its CSV: who may read them, what they show and hide, and what a funder never reads."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from intake.models import Proposal
from tests.conftest import client_for
from tests.factories import AttachmentFactory, CallFactory, ProposalVersionFactory, UserFactory
from tests.funder.conftest import Programs, decided, released_meeting
from workflow.access import proposals_visible_to

pytestmark = pytest.mark.django_db


def _csv(client: Client) -> list[list[str]]:
    response = client.get(reverse("funder:overview_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


def _row(rows: list[list[str]], figure: str) -> list[str]:
    return next(row[2:] for row in rows if row[1] == figure)


def test_overview_shows_the_programs_read_and_their_total(funder: User) -> None:
    response = client_for(funder).get(reverse("funder:overview"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Alpha" in content
    assert "Beta" in content
    assert "Gamma" not in content
    assert "<caption>" in content
    assert 'scope="row"' in content


def test_overview_names_no_proposal_and_no_person(funder: User, programs: Programs) -> None:
    response = client_for(funder).get(reverse("funder:overview"))

    content = response.content.decode()
    for proposal in Proposal.objects.select_related("lead_applicant", "lead_organization"):
        assert proposal.title not in content
        assert proposal.lead_applicant.display_name not in content
        assert proposal.lead_organization.legal_name not in content


def test_overview_says_what_is_suppressed(funder: User) -> None:
    response = client_for(funder).get(reverse("funder:overview"))

    content = response.content.decode()
    assert "fewer than 5 projects" in content
    assert "fewer than 5 proposals" in content
    assert "another program&#x27;s figure could be derived from it" in content
    assert "not reported yet" not in content


def test_overview_csv_exact_figures_without_a_minimum(settings: Any, funder: User) -> None:
    settings.FUNDER_MIN_PROJECTS = 1

    rows = _csv(client_for(funder))

    assert rows[0] == ["Table", "Figure", "Alpha", "Beta", "Total"]
    assert _row(rows, "Calls") == ["2", "1", "3"]
    assert _row(rows, "Proposals") == ["6", "2", "8"]
    assert _row(rows, "Approved projects") == ["2", "1", "3"]
    assert _row(rows, "Funds committed") == ["2500000.00", "2000000.00", "4500000.00"]
    assert _row(rows, "Funds paid") == ["0.00", "0.00", "0.00"]
    assert _row(rows, "Jobs created, reported (FTE)") == ["0", "0", "0"]
    assert _row(rows, "Industry contribution") == ["5600000.00", "2800000.00", "8400000.00"]
    assert _row(rows, "Leverage (industry $ per cluster $)") == ["2.24", "1.40", "1.87"]
    assert _row(rows, "Participants per project") == ["3.0", "3.0", "3.0"]
    assert _row(rows, "Jobs created in the three years after") == ["40", "20", "60"]


def test_overview_csv_suppressed_cells_say_so(funder: User) -> None:
    rows = _csv(client_for(funder))

    # Projects: Alpha 2, Beta 1, 3 in all, fewer than 5: everything drawn from them is hidden.
    assert _row(rows, "Funds committed") == ["suppressed: fewer than 5 projects"] * 3
    # Proposals: Alpha 6, Beta 2: Beta is small, and Alpha is hidden so that the total (8) does not give it back.
    assert _row(rows, "Proposals") == [
        "suppressed: another program's figure could be derived from it",
        "suppressed: fewer than 5 proposals",
        "8",
    ]
    assert _row(rows, "Calls") == ["2", "1", "3"]


def test_overview_csv_quotes_a_program_name_read_as_a_formula(settings: Any, programs: Programs) -> None:
    programs.a.name_en = "=HYPERLINK(1)"
    programs.a.save()
    funder = UserFactory(role=Role.FUNDER, programs=[programs.a])

    rows = _csv(client_for(funder))

    assert rows[0][2] == "'=HYPERLINK(1)"


def test_overview_is_in_french_for_a_french_funder(programs: Programs) -> None:
    funder = UserFactory(role=Role.FUNDER, programs=[programs.a], preferred_language="fr")

    response = client_for(funder).get(reverse("funder:overview"))

    assert response.status_code == 200
    assert response.headers["Content-Language"] == "fr"


@pytest.mark.parametrize("name", ["funder:overview", "funder:overview_csv"])
@pytest.mark.parametrize("role", [Role.APPLICANT, Role.STAFF, Role.ASSESSOR, Role.BOARD_MEMBER])
def test_overview_refuses_non_funders(name: str, role: Role, programs: Programs) -> None:
    response = client_for(UserFactory(role=role)).get(reverse(name))

    assert response.status_code == 403


def test_overview_sends_the_anonymous_to_log_in(db: None) -> None:
    response = Client().get(reverse("funder:overview"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_a_funder_reads_no_proposal(funder_everywhere: User, programs: Programs, media_root: Any) -> None:
    proposal = Proposal.objects.filter(state="approved").first()
    assert proposal is not None
    attachment = AttachmentFactory(proposal=proposal)
    version = ProposalVersionFactory(proposal=proposal)
    client = client_for(funder_everywhere)

    assert list(proposals_visible_to(user=funder_everywhere)) == []
    # The pages of other roles refuse the role; the pages open to whoever reads the proposal answer 404.
    assert client.get(reverse("workflow:proposal_detail", kwargs={"pk": proposal.pk})).status_code == 403
    assert client.get(reverse("intake:proposal_detail", kwargs={"pk": proposal.pk})).status_code == 403
    version_url = reverse("intake:version_detail", kwargs={"pk": proposal.pk, "number": version.number})
    assert client.get(version_url).status_code == 404
    assert client.get(reverse("intake:attachment_download", kwargs={"pk": attachment.pk})).status_code == 404


def test_the_funders_dashboard_is_the_overview(funder: User) -> None:
    response = client_for(funder).get(reverse("accounts:dashboard"))

    assert response.status_code == 302
    assert response.url == reverse("funder:overview")


def _page_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("funder:overview")).status_code == 200
    return len(queries)


def test_overview_query_count_does_not_grow_with_proposals(funder_everywhere: User, programs: Programs) -> None:
    client = client_for(funder_everywhere)
    one = _page_queries(client)
    call = CallFactory(program=programs.b)
    meeting = released_meeting(call)
    for _ in range(5):
        decided(call, "approved", meeting, approved_amount=Decimal("1"))

    many = _page_queries(client)

    assert one == many
