"""A program's outcomes: the arithmetic, its constant queries, the staff's page and CSV, and the open data."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from intake.models import Program, Proposal
from projects.models import Project, ProjectPartner, Report, ReportedIPRight, ReportState
from projects.outcomes import program_outcomes
from tests.conftest import client_for
from tests.factories import CallFactory, ProgramFactory, ProgramTermsFactory, ProjectFactory
from tests.written_html import same_as_template

pytestmark = pytest.mark.django_db


def _project(program: Program, *, amount: str, paid: str = "0", jobs_during: int = 10, call: Any = None) -> Project:
    call = call or CallFactory(program=program, decided=True)
    project = ProjectFactory(proposal__call=call)
    Proposal.objects.filter(pk=project.proposal_id).update(jobs_during=jobs_during, jobs_after=5)
    Project.objects.filter(pk=project.pk).update(amount=Decimal(amount), paid=Decimal(paid))
    project.refresh_from_db()
    return project


def _accepted(project: Project, *, period: int, jobs: str, maintained: str, revenue: str, rights: int = 0,
              women: str | None = None) -> Report:  # fmt: skip
    report = Report.objects.create(
        project=project, period=period, starts_on=timezone.localdate(), ends_on=timezone.localdate(),
        state=ReportState.ACCEPTED, jobs_created=Decimal(jobs), jobs_maintained=Decimal(maintained),
        revenue=Decimal(revenue), jobs_women=None if women is None else Decimal(women),
        created_by=project.proposal.lead_applicant,
    )  # fmt: skip
    for number in range(rights):
        ReportedIPRight.objects.create(report=report, title=f"Right {number}", kind="patent", status="filed")
    return report


def _set_partners(project: Project, *, cash: str, in_kind: str) -> None:
    """Put all of the industry's contribution on the lead; the other partners contribute nothing."""
    ProjectPartner.objects.filter(project=project).update(cash_committed=0, in_kind_committed=0)
    ProjectPartner.objects.filter(project=project, is_lead=True).update(
        cash_committed=Decimal(cash), in_kind_committed=Decimal(in_kind)
    )


def test_outcomes_arithmetic_leverage_ratios_expected_and_reported() -> None:
    program = ProgramFactory()
    ProgramTermsFactory(program=program, target_leverage=Decimal("1.50"), target_ip_rights=2)
    call = CallFactory(program=program, decided=True)
    one = _project(program, amount="400000.00", paid="100000.00", call=call, jobs_during=10)
    two = _project(program, amount="600000.00", paid="0", call=call, jobs_during=20)
    _set_partners(one, cash="300000", in_kind="100000")
    _set_partners(two, cash="500000", in_kind="0")
    _accepted(one, period=1, jobs="2.5", maintained="4", revenue="1000", rights=1, women="1")
    _accepted(one, period=2, jobs="1.5", maintained="6", revenue="2000", rights=2)
    Report.objects.create(  # submitted, not accepted: not counted
        project=two, period=1, starts_on=timezone.localdate(), ends_on=timezone.localdate(),
        state=ReportState.SUBMITTED, jobs_created=Decimal("99"), created_by=two.proposal.lead_applicant,
    )  # fmt: skip

    outcomes = program_outcomes(program=Program.objects.select_related("project_terms").get(pk=program.pk), label="All")
    total = outcomes.total

    participants = ProjectPartner.objects.filter(project__in=[one, two]).count()
    assert (total.projects, total.committed, total.paid, total.remaining) == (
        2, Decimal("1000000.00"), Decimal("100000.00"), Decimal("900000.00"),
    )  # fmt: skip
    assert total.industry == Decimal("900000.00")
    assert total.leverage == Decimal("0.90")
    assert total.participants == participants
    assert total.participants_per_project == (Decimal(participants) / 2).quantize(Decimal("0.1"))
    assert total.ip_rights == 3
    assert total.ip_rights_per_project == Decimal("1.5")
    assert total.expected["jobs_during"] == 30
    assert total.jobs_expected == 40
    assert total.reported["jobs_created"] == Decimal("4.00")
    assert total.reported["revenue"] == Decimal("3000.00")
    assert total.jobs_maintained == Decimal("6.00")  # the latest accepted report's, not the sum
    assert total.reports_accepted == 2
    assert total.women_share == Decimal("15.4")  # 1 of the 6.5 jobs of the one report that gives it
    assert outcomes.terms.target_leverage == Decimal("1.50")
    assert [call.label for call in outcomes.calls] == [call.title_en]


def test_a_program_without_terms_has_the_default_targets() -> None:
    program = ProgramFactory()
    outcomes = program_outcomes(program=Program.objects.select_related("project_terms").get(pk=program.pk), label="x")

    assert (outcomes.terms.target_participants, outcomes.terms.target_smes, outcomes.terms.target_ip_rights) == (
        2, 1, 1,
    )  # fmt: skip
    assert (outcomes.terms.target_leverage, outcomes.terms.target_jobs) == (Decimal("1"), 50_000)
    assert outcomes.total.projects == 0
    assert outcomes.total.leverage is None


def _page_queries(staff: User, program: Program) -> int:
    client = client_for(staff)
    client.get(reverse("projects:program_outcomes", args=[program.pk]))  # warm the session and the user
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("projects:program_outcomes", args=[program.pk]))
    assert response.status_code == 200
    return len(queries)


def test_outcomes_page_queries_do_not_grow_with_the_projects(staff: User) -> None:
    program = ProgramFactory()
    first = _project(program, amount="100000")
    _accepted(first, period=1, jobs="1", maintained="1", revenue="1", rights=1)
    one = _page_queries(staff, program)

    for _number in range(6):
        project = _project(program, amount="100000")
        _accepted(project, period=1, jobs="1", maintained="1", revenue="1", rights=2)
        _accepted(project, period=2, jobs="1", maintained="1", revenue="1")
    many = _page_queries(staff, program)

    assert one == many
    assert many <= 6


def test_outcomes_page_and_csv_for_staff(staff: User) -> None:
    program = ProgramFactory(name_en="Clean tech")
    project = _project(program, amount="250000", paid="50000")
    client = client_for(staff)

    page = client.get(reverse("projects:program_outcomes", args=[program.pk])).content.decode()
    response = client.get(reverse("projects:program_outcomes_csv", args=[program.pk]))

    assert "<caption>" in page
    assert 'scope="row"' in page
    assert "<svg" in page
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Table", "Figure", project.proposal.call.title_en, "Program", "Target"]
    paid = next(row for row in rows if row[1] == "Funds paid")
    assert paid[2:4] == ["50000.00", "50000.00"]
    leverage = next(row for row in rows if row[1] == "Leverage (industry $ per cluster $)")
    assert leverage[-1] == "at least 1"


def test_open_data_suppresses_small_calls_and_names_no_project(client: Any, settings: Any) -> None:
    settings.FUNDER_MIN_PROJECTS = 3
    program = ProgramFactory()
    big, small = CallFactory(program=program, decided=True), CallFactory(program=program, decided=True)
    projects = [_project(program, amount="100000", call=big) for _number in range(3)]
    projects.append(_project(program, amount="100000", call=small))

    response = client.get(reverse("projects:open_data_outcomes", args=[program.pk]))
    rows = list(
        csv.reader(
            io.StringIO(client.get(reverse("projects:open_data_outcomes_csv", args=[program.pk])).content.decode())
        )
    )

    assert response.status_code == 200
    content = response.content.decode()
    for project in projects:
        assert project.proposal.title not in content
        assert project.proposal.lead_organization.legal_name not in content
    committed = next(row for row in rows if row[1] == "Funds committed")
    labels = rows[0][2:-1]
    by_call = dict(zip(labels, committed[2:-1], strict=True))
    assert by_call[small.title_en] == "suppressed: fewer than 3 projects"
    # The big call would give the small one back by subtraction from the total: it is hidden too.
    assert by_call[big.title_en] == "suppressed: another call's figure could be derived from it"
    assert by_call["Program"] == "400000.00"


# --- The tables and charts written in Python ---------------------------------------------------

#: The page's template as it was before its tables' rows and charts' bars were written in Python.
BEFORE = Path(__file__).with_name("outcomes_before_2026_12_07.html").read_text()


def _same_as_before(response: Any) -> str:
    """Assert ``response``'s page is the one the template before wrote (``tests.written_html.same_as_template``)."""
    assert response.status_code == 200
    return same_as_template(response, BEFORE)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_outcomes_page_writes_what_its_template_wrote(staff: User, language: str) -> None:
    program = ProgramFactory(name_en="Clean <tech> & co", name_fr="Techno « propre » & cie")
    ProgramTermsFactory(program=program, target_participants=3, target_smes=1)
    long = CallFactory(
        program=program,
        decided=True,
        title_en="A very long call title that the chart cuts short",
        title_fr="Un <b>appel</b>",
    )
    first = _project(program, amount="2500000", paid="50000", call=long)
    _set_partners(first, cash="1250000.50", in_kind="300000")
    _accepted(first, period=1, jobs="12.5", maintained="3", revenue="1000000", rights=2, women="5")
    second = _project(program, amount="100000")
    _accepted(second, period=1, jobs="0", maintained="1.25", revenue="0")
    staff.preferred_language = language
    staff.save(update_fields=["preferred_language"])

    response = client_for(staff).get(reverse("projects:program_outcomes", args=[program.pk]))

    assert response.status_code == 200
    _same_as_before(response)


def test_open_data_page_writes_what_its_template_wrote_with_hidden_cells(client: Any, settings: Any) -> None:
    settings.FUNDER_MIN_PROJECTS = 3
    program = ProgramFactory()
    big, small = CallFactory(program=program, decided=True), CallFactory(program=program, decided=True)
    for _number in range(3):
        _project(program, amount="100000", call=big)
    _project(program, amount="100000", call=small)

    response = client.get(reverse("projects:open_data_outcomes", args=[program.pk]))

    assert "suppressed: fewer than 3 projects" in response.content.decode()
    _same_as_before(response)
