"""Each kind of rule's parameters: their types, JSON form and checks (pure; the model and the forms use them).

A parameter is one of a few types (``Param.type``): a whole number, a Decimal (a percent,
a ratio, money), a list of choices (partner types, partner groups, attachment kinds, role
slugs), one choice, or a list of size bands. ``params_from_data`` reads parameters from their
JSON (Decimals as strings) and ``params_to_data`` writes them back exactly;
``params_problems`` says, by parameter, what is wrong with them in the active language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import OrganizationType

#: The partner groups a ``min_partners_of_types`` rule counts: the organization types, industry and SMEs.
PARTNER_GROUPS = (
    "industry",
    OrganizationType.SME.value,
    OrganizationType.LARGE_COMPANY.value,
    OrganizationType.POST_SECONDARY.value,
    OrganizationType.NOT_FOR_PROFIT.value,
    OrganizationType.GOVERNMENT.value,
    OrganizationType.FOREIGN.value,
)
MEMBERSHIP_WHO = ("lead", "every")
ROLE_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")

INT, DECIMAL, PERCENT, MONEY, TYPES, GROUPS, ATTACHMENTS, ROLES, CHOICE, BANDS = (
    "int", "decimal", "percent", "money", "types", "groups", "attachments", "roles", "choice", "bands",
)  # fmt: skip


@dataclass(frozen=True)
class Param:
    """One parameter of a kind of rule."""

    name: str
    type: str
    label: Any  # lazy text
    required: bool = True
    minimum: int = 0  # for INT
    default: Any = None


@dataclass(frozen=True)
class Kind:
    """A kind of rule the engine knows: its stable code, its label and its parameters."""

    code: str
    label: Any  # lazy text
    params: tuple[Param, ...] = ()
    help: Any = ""

    def params_label(self, name: str) -> str:
        """Return the label of the parameter ``name`` in the active language."""
        return next((str(param.label) for param in self.params if param.name == name), name)


KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        Kind(
            "min_partners",
            gettext_lazy("Minimum partners"),
            (Param("count", INT, gettext_lazy("Organizations, the lead included"), minimum=1),),
        ),
        Kind(
            "min_partners_of_types",
            gettext_lazy("Minimum partners of chosen types"),
            (
                Param("count", INT, gettext_lazy("At least this many partners"), minimum=1),
                Param("types", GROUPS, gettext_lazy("Of these types")),
                Param(
                    "sme_max_employees",
                    INT,
                    gettext_lazy("SME definition: fewer than this many employees"),
                    minimum=1,
                    default=500,
                ),
            ),
        ),
        Kind(
            "required_roles",
            gettext_lazy("Required consortium roles"),
            (Param("roles", ROLES, gettext_lazy("Roles (short names)")),),
        ),
        Kind(
            "membership",
            gettext_lazy("Membership of the program"),
            (Param("who", CHOICE, gettext_lazy("Members must be")),),
        ),
        Kind(
            "funded_types",
            gettext_lazy("Partner types that may receive funds"),
            (Param("types", TYPES, gettext_lazy("Types")),),
        ),
        Kind(
            "industry_types",
            gettext_lazy("Partner types that count as industry"),
            (Param("types", TYPES, gettext_lazy("Types")),),
            gettext_lazy("Their cash and in-kind count for the matching ratio and the in-kind cap."),
        ),
        Kind(
            "cluster_share",
            gettext_lazy("Cluster share of eligible costs"),
            (
                Param("min", PERCENT, gettext_lazy("Minimum (%)"), required=False),
                Param("max", PERCENT, gettext_lazy("Maximum (%)")),
            ),
        ),
        Kind(
            "matching_ratio",
            gettext_lazy("Industry matching ratio"),
            (Param("ratio", DECIMAL, gettext_lazy("Industry dollars per cluster dollar")),),
        ),
        Kind(
            "in_kind_cap",
            gettext_lazy("In-kind cap"),
            (Param("max_share", PERCENT, gettext_lazy("Maximum in-kind share of the industry contribution (%)")),),
        ),
        Kind(
            "partner_share",
            gettext_lazy("One partner's share"),
            (Param("max_share", PERCENT, gettext_lazy("Maximum share of the reimbursement to one partner (%)")),),
        ),
        Kind(
            "project_size",
            gettext_lazy("Project size"),
            (
                Param("min", MONEY, gettext_lazy("Minimum total eligible costs ($)")),
                Param("max", MONEY, gettext_lazy("Maximum total eligible costs ($)")),
            ),
        ),
        Kind("size_bands", gettext_lazy("Project size bands"), (Param("bands", BANDS, gettext_lazy("Bands")),)),
        Kind(
            "project_cap",
            gettext_lazy("Cap on the cluster's funding"),
            (Param("max_funding", MONEY, gettext_lazy("Maximum cluster funding ($)")),),
        ),
        Kind(
            "admin_fee",
            gettext_lazy("Administration fee"),
            (Param("percent", PERCENT, gettext_lazy("Fee (% of the cluster's funding)")),),
            gettext_lazy("Never fails: it says the fee in dollars."),
        ),
        Kind(
            "word_limit",
            gettext_lazy("Word limit"),
            (Param("words", INT, gettext_lazy("Words in each text"), minimum=1),),
        ),
        Kind(
            "page_limit",
            gettext_lazy("Page limit"),
            (Param("pages", INT, gettext_lazy("Pages in each text"), minimum=1),),
        ),
        Kind(
            "required_attachments",
            gettext_lazy("Required attachments"),
            (Param("kinds", ATTACHMENTS, gettext_lazy("Attachments"), required=False),),
        ),
        Kind(
            "min_ip_rights",
            gettext_lazy("Minimum expected IP rights"),
            (Param("count", INT, gettext_lazy("IP rights"), minimum=1),),
        ),
        Kind("answers_hold", gettext_lazy("Answers that must hold")),
    )
}


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(value)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as error:
        raise ValueError(value) from error
    if not number.is_finite():
        raise ValueError(value)
    return number


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.replace("\n", ",").split(",")]
    if not isinstance(value, list | tuple):
        raise ValueError(value)
    return tuple(str(item) for item in value if str(item).strip())


def _value(param: Param, raw: Any) -> Any:
    """Return ``raw`` (JSON or a form's value) as ``param``'s Python value; ``ValueError`` when it cannot be."""
    if param.type == INT:
        if isinstance(raw, bool) or (isinstance(raw, str) and not raw.strip().lstrip("-").isdigit()):
            raise ValueError(raw)
        if isinstance(raw, float | Decimal) and raw != int(raw):
            raise ValueError(raw)
        return int(raw)
    if param.type in (DECIMAL, PERCENT, MONEY):
        return _decimal(raw)
    if param.type == CHOICE:
        return str(raw)
    if param.type == BANDS:
        if not isinstance(raw, list | tuple):
            raise ValueError(raw)
        bands = []
        for band in raw:
            if not isinstance(band, Mapping):
                raise ValueError(band)
            share = band.get("max_cluster_share")
            bands.append(
                {
                    "min": _decimal(band["min"]),
                    "max": _decimal(band["max"]),
                    "max_cluster_share": None if share in (None, "") else _decimal(share),
                }
            )
        return tuple(bands)
    return _strings(raw)


def params_from_data(kind: str, data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return ``kind``'s parameters from ``data`` (JSON: Decimals as strings); ``ValueError`` if they cannot be read.

    A missing optional parameter is None (or its default); unknown names are refused.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind of rule: {kind!r}")
    data = dict(data or {})
    spec = KINDS[kind].params
    unknown = set(data) - {param.name for param in spec}
    if unknown:
        raise ValueError(f"unknown parameters of {kind}: {sorted(unknown)}")
    params: dict[str, Any] = {}
    for param in spec:
        raw = data.get(param.name)
        if raw is None or raw == "":
            params[param.name] = param.default if param.type not in (TYPES, GROUPS, ATTACHMENTS, ROLES) else ()
            continue
        params[param.name] = _value(param, raw)
    return params


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


def params_to_data(params: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``params`` as JSON keeps them exactly: Decimals as their strings ("40.00" stays so), tuples as lists."""
    return {name: _plain(value) for name, value in params.items()}


def params_problems(kind: str, data: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """Return, by parameter, why ``data`` cannot be ``kind``'s parameters, in the active language; empty when fine.

    Whole numbers at their minimum; percents from 0 to 100 (a maximum share above 0); money and
    ratios not negative; a minimum at most its maximum; types from their lists; bands each in
    order and none overlapping another.
    """
    from intake.choices import AttachmentType  # a leaf, imported here to keep the module's top short

    if kind not in KINDS:
        return {"kind": [_("Choose a kind of rule.")]}
    problems: dict[str, list[str]] = {}

    def refuse(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    data = dict(data or {})
    values: dict[str, Any] = {}
    for param in KINDS[kind].params:
        raw = data.get(param.name)
        if raw is None or raw == "" or raw == [] or raw == ():
            if param.required and param.default is None:
                refuse(param.name, _("This parameter is required."))
            continue
        try:
            value = _value(param, raw)
        except (ValueError, KeyError, TypeError):
            refuse(param.name, _bad_value(param.type))
            continue
        values[param.name] = value
        if param.type == INT and value < param.minimum:
            refuse(param.name, _("Enter a whole number of at least %(minimum)d.") % {"minimum": param.minimum})
        elif param.type == PERCENT and not Decimal("0") <= value <= Decimal("100"):
            refuse(param.name, _("Enter a percent from 0 to 100."))
        elif param.type in (DECIMAL, MONEY) and value < 0:
            refuse(param.name, _("Enter an amount of 0 or more."))
        elif param.type in (DECIMAL, PERCENT, MONEY) and value != value.quantize(Decimal("0.01")):
            refuse(param.name, _("Enter at most two digits after the decimal point."))
        elif param.type == TYPES:
            _refuse_unknown(refuse, param.name, value, OrganizationType.values)
        elif param.type == GROUPS:
            _refuse_unknown(refuse, param.name, value, PARTNER_GROUPS)
        elif param.type == ATTACHMENTS:
            _refuse_unknown(refuse, param.name, value, [v for v in AttachmentType.values if v != AttachmentType.ANSWER])
        elif param.type == ROLES:
            bad = [role for role in value if not ROLE_SLUG.match(role)]
            if bad:
                refuse(
                    param.name,
                    _("Role names are lowercase letters, digits and hyphens: %(bad)s.") % {"bad": ", ".join(bad)},
                )
        elif param.type == CHOICE and value not in MEMBERSHIP_WHO:
            refuse(param.name, _("Choose the lead or every partner."))
        elif param.type == BANDS:
            _refuse_bands(refuse, param.name, value)
    if kind in ("partner_share", "cluster_share"):
        top = values.get("max_share" if kind == "partner_share" else "max")
        if top is not None and top <= 0 and not problems:
            refuse("max_share" if kind == "partner_share" else "max", _("The maximum share must be above 0 %."))
    low, high = values.get("min"), values.get("max")
    if low is not None and high is not None and low > high and not problems.get("max"):
        refuse("max", _("The maximum is below the minimum."))
    return problems


def _bad_value(kind: str) -> str:
    if kind == INT:
        return _("Enter a whole number.")
    if kind == BANDS:
        return _("Each band needs a minimum and a maximum amount.")
    return _("Enter a number, such as 40 or 40.50.")


def _refuse_unknown(refuse: Any, name: str, values: tuple[str, ...], known: Any) -> None:
    unknown = sorted(set(values) - set(known))
    if unknown:
        refuse(name, _("Unknown choices: %(choices)s.") % {"choices": ", ".join(unknown)})
    elif name != "kinds" and not values:
        refuse(name, _("Choose at least one."))


def _refuse_bands(refuse: Any, name: str, bands: tuple[dict[str, Any], ...]) -> None:
    if not bands:
        refuse(name, _("Give at least one band."))
        return
    for number, band in enumerate(bands, start=1):
        share = band["max_cluster_share"]
        if band["min"] < 0 or band["max"] < 0:
            refuse(name, _("Band %(number)d: amounts cannot be negative.") % {"number": number})
        elif band["min"] > band["max"]:
            refuse(name, _("Band %(number)d: the maximum is below the minimum.") % {"number": number})
        if share is not None and not Decimal("0") < share <= Decimal("100"):
            message = _("Band %(number)d: the cluster's share must be above 0 and at most 100 %%.")
            refuse(name, message % {"number": number})
    ordered = sorted(bands, key=lambda band: band["min"])
    for lower, upper in pairwise(ordered):
        if upper["min"] <= lower["max"]:
            refuse(name, _("Bands may not overlap: each band must start above the previous one's maximum."))
            break
