"""Give every existing call the two-stage path of its windows, and every proposal its stage and path.

Its own migration, apart from 0009's schema: PostgreSQL refuses to create the new column's index in a
transaction that changed the table's rows.
"""

from django.db import migrations


def stages_from_windows(apps, schema_editor):
    """Give every call the two-stage path of its windows, and every proposal its stage and path."""
    Call = apps.get_model("intake", "Call")
    Stage = apps.get_model("intake", "Stage")
    Proposal = apps.get_model("intake", "Proposal")
    ProposalVersion = apps.get_model("intake", "ProposalVersion")
    for call in Call.objects.all().iterator():
        loi = Stage.objects.create(
            call=call, kind="loi", position=1, opens_at=call.loi_opens_at, closes_at=call.loi_closes_at
        )
        application = Stage.objects.create(
            call=call, kind="application", position=2, opens_at=call.loi_opens_at,
            closes_at=call.application_closes_at, assessed=True,
        )  # fmt: skip
        proposals = Proposal.objects.filter(call=call)
        proposals.update(path=["loi", "application"])
        # Where the proposal got to, as the stage was read before stages were data.
        at_loi = proposals.filter(state__in=["draft", "loi_submitted", "loi_declined"]) | proposals.filter(
            state__in=["withdrawn", "expired"], project_description="", work_plan=""
        ).exclude(pk__in=ProposalVersion.objects.filter(kind="application").values("proposal"))
        at_loi_ids = list(at_loi.values_list("pk", flat=True))
        proposals.filter(pk__in=at_loi_ids).update(stage=loi)
        proposals.exclude(pk__in=at_loi_ids).update(stage=application)


class Migration(migrations.Migration):
    dependencies = [("intake", "0014_contributions_not_given")]

    operations = [migrations.RunPython(stages_from_windows, migrations.RunPython.noop)]
