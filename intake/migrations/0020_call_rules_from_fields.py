"""Each call's rule fields become the equivalent rows, so that every verdict stays the same.

The letter of intent's word limit applies at the letter of intent, the application's at the
questionnaire and the full application (as ``Call.eligibility_rules`` chose them); every other
rule at the full application; and an ``industry_types`` row of every organization type, since
every partner's money counted as industry's. Data only: PostgreSQL refuses to alter a table
in the transaction that changed its rows, so the fields are dropped in 0021.

The conversion is written out here, not imported, so that later changes of the code leave it as it ran.
"""

from django.db import migrations

STAGES = ["questionnaire", "loi", "application"]
ALL_TYPES = ["large_company", "sme", "post_secondary", "not_for_profit", "government", "foreign"]


def rows_of(call):
    application = ["application"]
    rows = [
        ("min_partners", {"count": call.min_partners}, application),
        (
            "min_partners_of_types",
            {"count": call.min_smes, "types": ["sme"], "sme_max_employees": call.sme_max_employees},
            application,
        ),
        ("funded_types", {"types": list(call.funded_partner_types or [])}, application),
        ("cluster_share", {"max": str(call.max_cluster_share)}, application),
        ("industry_types", {"types": list(ALL_TYPES)}, application),
        ("matching_ratio", {"ratio": str(call.min_matching_ratio)}, application),
        ("in_kind_cap", {"max_share": str(call.max_in_kind_share)}, application),
        ("partner_share", {"max_share": str(call.max_partner_share)}, application),
        ("project_size", {"min": str(call.min_project_size), "max": str(call.max_project_size)}, application),
    ]
    if call.loi_word_limit == call.application_word_limit:
        rows.append(("word_limit", {"words": call.loi_word_limit}, list(STAGES)))
    else:
        rows.append(("word_limit", {"words": call.application_word_limit}, ["questionnaire", "application"]))
        rows.append(("word_limit", {"words": call.loi_word_limit}, ["loi"]))
    rows.append(("required_attachments", {"kinds": list(call.required_attachments or [])}, application))
    return rows


def forward(apps, schema_editor):
    Call = apps.get_model("intake", "Call")
    CallRule = apps.get_model("intake", "CallRule")
    for call in Call.objects.order_by("pk").iterator():
        CallRule.objects.bulk_create(
            CallRule(call=call, kind=kind, params=params, stages=stages, position=position)
            for position, (kind, params, stages) in enumerate(rows_of(call), start=1)
        )


def backward(apps, schema_editor):
    """Give each call its fields back from its rows (the first of each kind; defaults where a kind is missing)."""
    Call = apps.get_model("intake", "Call")
    CallRule = apps.get_model("intake", "CallRule")
    for call in Call.objects.order_by("pk").iterator():
        rows = list(CallRule.objects.filter(call=call).order_by("position", "pk"))

        def first(kind, stage="application", rows=rows):
            return next((row.params for row in rows if row.kind == kind and stage in row.stages), None)

        fields = {}
        if (params := first("min_partners")) is not None:
            fields["min_partners"] = params["count"]
        if (params := first("min_partners_of_types")) is not None:
            fields["min_smes"] = params["count"]
            fields["sme_max_employees"] = params.get("sme_max_employees") or 500
        if (params := first("funded_types")) is not None:
            fields["funded_partner_types"] = params["types"]
        if (params := first("cluster_share")) is not None:
            fields["max_cluster_share"] = params["max"]
        if (params := first("matching_ratio")) is not None:
            fields["min_matching_ratio"] = params["ratio"]
        if (params := first("in_kind_cap")) is not None:
            fields["max_in_kind_share"] = params["max_share"]
        if (params := first("partner_share")) is not None:
            fields["max_partner_share"] = params["max_share"]
        if (params := first("project_size")) is not None:
            fields["min_project_size"], fields["max_project_size"] = params["min"], params["max"]
        if (params := first("word_limit")) is not None:
            fields["application_word_limit"] = params["words"]
        if (params := first("word_limit", "loi")) is not None:
            fields["loi_word_limit"] = params["words"]
        if (params := first("required_attachments")) is not None:
            fields["required_attachments"] = params["kinds"]
        if fields:
            Call.objects.filter(pk=call.pk).update(**fields)
    CallRule.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0019_call_rules"),
    ]

    operations = [migrations.RunPython(forward, backward)]
