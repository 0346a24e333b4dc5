"""Bind eligibility overrides to their figures, let staff revoke them, and keep a zero contribution as typed.

Each existing override gets its check's stage, figure and limit from the proposal's latest
submitted version, measured as the eligibility engine measured them when overrides were
bound (the computation is copied here, so that later changes to the engine leave this
migration as it was). An override of a proposal with no submitted version, or of a check
this copy does not know, is kept lapsed with no stage: the page explains it.

A consortium member's contributions become "not given" (NULL) where both were zero: a zero
typed from now on stays zero, and the section is complete exactly where it was before.
"""

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

import intake.models.base

HUNDRED = Decimal("100")
ZERO = Decimal("0")
LOI_TEXTS = ("summary", "challenge", "technology", "expected_partners")
APPLICATION_TEXTS = (
    "summary",
    "project_description",
    "work_plan",
    "ip_ownership_terms",
    "ip_partner_licensing",
    "ip_member_licensing",
)
COMPANY_KINDS = ("large_company", "sme")


def _digits(value):
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _plain(value):
    return str(value.quantize(Decimal(1).scaleb(-max(2, _digits(value)))))


def _shown(value, limit):
    for digits in range(max(2, _digits(limit)), 13):
        step = Decimal(1).scaleb(-digits)
        result = value.quantize(step, rounding=ROUND_HALF_UP)
        if result == limit and value != limit:
            result = value.quantize(step, rounding=ROUND_CEILING if value > limit else ROUND_FLOOR)
        if result != limit or value == limit:
            return str(result)
    return str(value)


def _listed(items):
    return "; ".join(sorted(items))


def _figure(code, kind, data):
    """Return the (figure, limit) of check ``code`` for a version of ``kind`` holding ``data``, or None."""
    rules = data.get("rules") or {}
    partners = data.get("consortium") or []

    def amount(partner, name):
        return Decimal(str(partner.get(name) or "0"))

    try:
        if code == "word_limits":
            if "word_limit" in rules:  # frozen by the engine (schema 2): the limit of the version's own stage
                limit = rules["word_limit"]
            else:
                limit = rules["loi_word_limit"] if kind == "loi" else rules["application_word_limit"]
            names = LOI_TEXTS if kind == "loi" else APPLICATION_TEXTS
            counts = [(name, len((data.get(name) or "").split())) for name in names]
            return _listed([f"{name}: {count}" for name, count in counts if count > limit]), str(limit)
        if kind == "loi":
            return None  # a letter of intent was held to its word limits only
        costs = sum((Decimal(str(line["amount"])) for line in data.get("budget") or []), ZERO)
        funding = sum((amount(p, "funding_requested") for p in partners), ZERO)
        cash = sum((amount(p, "cash_contribution") for p in partners), ZERO)
        in_kind = sum((amount(p, "in_kind_contribution") for p in partners), ZERO)
        industry = cash + in_kind
        if code == "min_partners":
            return str(len(partners)), str(rules["min_partners"])
        if code == "min_smes":
            smes = [
                p for p in partners if p["type"] in COMPANY_KINDS and p["employees"] < rules["sme_max_employees"]
            ]
            return str(len(smes)), str(rules["min_smes"])
        if code == "funded_types":
            allowed = list(rules["funded_partner_types"])
            offenders = [p["name"] for p in partners if amount(p, "funding_requested") > ZERO and p["type"] not in allowed]
            return _listed(offenders), _listed(allowed)
        if code == "cluster_share":
            limit = Decimal(str(rules["max_cluster_share"]))
            return ("" if costs == ZERO else _shown(funding * HUNDRED / costs, limit)), _plain(limit)
        if code == "matching_ratio":
            limit = Decimal(str(rules["min_matching_ratio"]))
            return ("" if funding == ZERO else _shown(industry / funding, limit)), _plain(limit)
        if code == "in_kind_cap":
            limit = Decimal(str(rules["max_in_kind_share"]))
            return ("" if industry == ZERO else _shown(in_kind * HUNDRED / industry, limit)), _plain(limit)
        if code == "partner_share":
            limit = Decimal(str(rules["max_partner_share"]))
            over = (
                []
                if funding == ZERO
                else [p for p in partners if amount(p, "funding_requested") * HUNDRED > limit * funding]
            )
            figure = _listed(
                [f"{p['name']}: {_shown(amount(p, 'funding_requested') * HUNDRED / funding, limit)}" for p in over]
            )
            return figure, _plain(limit)
        if code == "project_size":
            low, high = Decimal(str(rules["min_project_size"])), Decimal(str(rules["max_project_size"]))
            return _plain(costs), f"{_plain(low)}..{_plain(high)}"
        if code == "attachments":
            present = {item["kind"] for item in data.get("attachments") or []}
            required = list(rules["required_attachments"])
            return _listed([kind for kind in required if kind not in present]), _listed(required)
    except (KeyError, TypeError, ArithmeticError, ValueError):
        return None
    return None


def bind_overrides(apps, schema_editor):
    EligibilityOverride = apps.get_model("intake", "EligibilityOverride")
    ProposalVersion = apps.get_model("intake", "ProposalVersion")
    now = timezone.now()
    for override in EligibilityOverride.objects.order_by("pk").iterator():
        version = ProposalVersion.objects.filter(proposal_id=override.proposal_id).order_by("-number").first()
        measured = _figure(override.check_code, version.kind, version.data or {}) if version is not None else None
        if measured is None:
            override.lapsed_at = now
            override.save(update_fields=["lapsed_at"])
            continue
        override.stage = version.kind
        override.figure, override.limit = measured
        override.save(update_fields=["stage", "figure", "limit"])


def unbind_overrides(apps, schema_editor):
    """Going back, only one override per proposal and check may stay: keep the latest in force, else the latest."""
    EligibilityOverride = apps.get_model("intake", "EligibilityOverride")
    kept = {}
    for override in EligibilityOverride.objects.order_by("pk"):
        key = (override.proposal_id, override.check_code)
        current = kept.get(key)
        in_force = override.revoked_at is None and override.lapsed_at is None
        if current is None or in_force or not (current.revoked_at is None and current.lapsed_at is None):
            kept[key] = override
    EligibilityOverride.objects.exclude(pk__in=[override.pk for override in kept.values()]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0010_frozen_rules"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="eligibilityoverride", name="override_unique_check"),
        migrations.AlterModelOptions(
            name="eligibilityoverride",
            options={
                "ordering": ["at", "pk"],
                "verbose_name": "eligibility override",
                "verbose_name_plural": "eligibility overrides",
            },
        ),
        migrations.AddField(
            model_name="eligibilityoverride",
            name="stage",
            field=models.CharField(
                blank=True,
                choices=[
                    ("questionnaire", "Eligibility questionnaire"),
                    ("loi", "Letter of intent"),
                    ("application", "Full application"),
                ],
                max_length=16,
                verbose_name="stage",
            ),
        ),
        migrations.AddField(
            model_name="eligibilityoverride",
            name="figure",
            field=models.TextField(blank=True, help_text="The measured value it set aside.", verbose_name="figure"),
        ),
        migrations.AddField(
            model_name="eligibilityoverride",
            name="limit",
            field=models.TextField(blank=True, help_text="The rule's limit at the time.", verbose_name="limit"),
        ),
        migrations.AddField(
            model_name="eligibilityoverride",
            name="message",
            field=models.TextField(
                blank=True, help_text="The check's explanation at the time.", verbose_name="explanation"
            ),
        ),
        migrations.AddField(
            model_name="eligibilityoverride",
            name="lapsed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="lapsed"),
        ),
        migrations.AddField(
            model_name="eligibilityoverride",
            name="lapsed_figure",
            field=models.TextField(blank=True, verbose_name="figure when it lapsed"),
        ),
        migrations.AddField(
            model_name="eligibilityoverride",
            name="lapsed_limit",
            field=models.TextField(blank=True, verbose_name="limit when it lapsed"),
        ),
        migrations.AddField(
            model_name="eligibilityoverride",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="revoked"),
        ),
        migrations.AddField(
            model_name="eligibilityoverride",
            name="revoked_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="revoked by",
            ),
        ),
        migrations.AddField(
            model_name="eligibilityoverride",
            name="revoked_reason",
            field=models.TextField(blank=True, verbose_name="reason for the revocation"),
        ),
        migrations.AddConstraint(
            model_name="eligibilityoverride",
            constraint=models.UniqueConstraint(
                condition=models.Q(("lapsed_at__isnull", True), ("revoked_at__isnull", True)),
                fields=("proposal", "check_code", "stage"),
                name="override_one_in_force",
            ),
        ),
        migrations.AddConstraint(
            model_name="eligibilityoverride",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("revoked_at__isnull", True), ("revoked_by__isnull", True), ("revoked_reason", "")),
                    models.Q(("revoked_at__isnull", False), ("revoked_by__isnull", False)),
                    _connector="OR",
                ),
                name="override_revocation_complete",
            ),
        ),
        migrations.RunPython(bind_overrides, unbind_overrides),
    ]
