"""Staff's rubric page of a call: k, the pass threshold and the criteria, per stage."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.form_handling import form_submit
from assessment.forms.rubrics import CriterionFormSet, RubricForm
from assessment.models import Rubric
from assessment.services import rubrics as services
from intake.choices import VersionKind
from intake.selectors import call_for_staff


def _criteria_initial(rubric: Rubric) -> list[dict[str, Any]]:
    return [
        {
            "id": criterion.pk,
            "name_en": criterion.name_en,
            "name_fr": criterion.name_fr,
            "guidance_en": criterion.guidance_en,
            "guidance_fr": criterion.guidance_fr,
            "weight": criterion.weight,
            "scale_min": criterion.scale_min,
            "scale_max": criterion.scale_max,
            "ORDER": criterion.position,
        }
        for criterion in services.rubric_criteria(rubric=rubric)
    ]


@role_required(Role.STAFF)
def rubric_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show and save the rubric of a call for a stage (``?stage=loi``; the full application by default)."""
    call = call_for_staff(user=request.user, pk=pk)
    stage = request.GET.get("stage", VersionKind.APPLICATION)
    if stage not in VersionKind.values:
        stage = VersionKind.APPLICATION
    rubric = services.rubric_for(call=call, stage=stage)
    status = 200
    if request.method == "POST" and not rubric.is_locked:
        form = RubricForm(request.POST)
        formset = CriterionFormSet(request.POST, prefix="criteria")

        def save() -> None:
            try:
                services.rubric_update(
                    rubric=rubric,
                    by=request.user,
                    expected_updated_at=form.cleaned_data["loaded_at"],
                    assessors_per_proposal=form.cleaned_data["assessors_per_proposal"],
                    pass_threshold=form.cleaned_data["pass_threshold"],
                    criteria=cast(Any, formset).criteria(),
                    reviews_shared=form.cleaned_data["reviews_shared"],
                )
            except ValidationError as error:
                # The rubric's and its criteria's errors are all said at the top of the page.
                raise ValidationError(error.messages) from error

        def current() -> datetime:
            # Show what is saved now beside the refused edit; the next save is made knowingly.
            rubric.refresh_from_db()
            return rubric.updated_at

        done = form_submit(
            request, form, save, others_valid=formset.is_valid(), current=current, raised=lambda error: False
        )
        if done.saved:
            messages.success(request, _("The rubric is saved."))
            return redirect(f"{reverse('assessment:rubric', kwargs={'pk': call.pk})}?stage={stage}")
        status = done.status
    else:
        if request.method == "POST":
            messages.error(request, _("This rubric is locked: a review was submitted, so it cannot change any more."))
            status = 409
        form = RubricForm(
            initial={
                "assessors_per_proposal": rubric.assessors_per_proposal,
                "pass_threshold": rubric.pass_threshold,
                "reviews_shared": rubric.reviews_shared,
                "loaded_at": rubric.updated_at.isoformat(),
            }
        )
        formset = CriterionFormSet(prefix="criteria", initial=_criteria_initial(rubric))
    return render(
        request,
        "assessment/staff/rubric.html",
        {
            "call": call,
            "rubric": rubric,
            "stage": stage,
            "stages": VersionKind.choices,
            "criteria": services.rubric_criteria(rubric=rubric),
            "form": form,
            "formset": formset,
        },
        status=status,
    )
