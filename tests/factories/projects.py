"""Factories of the funded project's models."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from intake.states import ProposalState
from projects.models import ProgramTerms, Project
from projects.services import project_open, project_start
from tests.factories.intake import ProgramFactory, ProposalFactory


class ProgramTermsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgramTerms

    program = factory.SubFactory(ProgramFactory)


class ProjectFactory(factory.django.DjangoModelFactory):
    """The project of a complete proposal approved for $1,000,000, opened as contracting opens it.

    Active unless ``proposal__state`` says otherwise; past contracting it started ``started_on``
    (90 days ago unless told), so its milestones have their dates.
    """

    class Meta:
        model = Project

    proposal = factory.SubFactory(
        ProposalFactory, state=ProposalState.ACTIVE, approved_amount=Decimal("1000000.00"), call__decided=True
    )
    started_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=90))

    @classmethod
    def _create(cls, model_class: type[Project], *args: Any, **kwargs: Any) -> Project:
        started_on = kwargs.pop("started_on")
        project = project_open(proposal=kwargs.pop("proposal"))
        if project.proposal.state != ProposalState.CONTRACTING:
            project_start(project=project, on=started_on)
        if kwargs:
            Project.objects.filter(pk=project.pk).update(**kwargs)
            project.refresh_from_db()
        return project
