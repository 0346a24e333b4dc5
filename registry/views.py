"""The registry's pages: search and list, an asset, its form and check, licence requests, licences, the dashboard.

Every asset and request is fetched through ``registry.access`` (404 for what one may not read);
every change is one call of ``registry.services``.
"""

from __future__ import annotations

import csv
from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.models import Organization
from intake import program_roles
from intake.models import ProgramMembership
from records.downloads import stored_file_download
from records.paging import page_counted
from records.rows import url_around_keys
from registry import access
from registry.choices import AssetState, AssetType, Listing, RequestState
from registry.forms import AgreeForm, AssetForm, DeclineForm, LicenceRequestForm, MessageForm, SearchForm, SendBackForm
from registry.models import IPAsset, Licence, LicenceMessage, LicenceRequest
from registry.search import Filters, assets_search
from registry.selectors.members import member_organization_ids, registry_figures
from registry.services import assets as services
from registry.sweeps import escalation_cutoff

PAGE_SIZE = 25


def _errors_to_form(form: BaseForm, error: ValidationError) -> None:
    """Put a service's refusal beside the field it names, or at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        form.add_error(None, error)


def _filters(form: SearchForm) -> Filters:
    data = form.cleaned_data if form.is_valid() else {}
    return Filters(
        text=data.get("q", ""),
        asset_type=data.get("type", ""),
        sector=data.get("sector", ""),
        jurisdiction=data.get("jurisdiction", ""),
        listing=data.get("listing", ""),
        category=data.get("category", ""),
    )


#: An asset's row of the results, cell for cell under the table's header; every value put in is HTML already escaped.
ASSET_ROW = (
    '\n      <tr><th scope="row"><a href="{link}">{title}</a><div class="small text-secondary fw-normal">{teaser}</div>'
    "</th>\n        <td>{asset_type}</td><td>{jurisdiction}</td><td>{listing}</td><td>{program}</td></tr>\n    "
)


def _asset_rows(assets: list[IPAsset]) -> SafeString:
    """Return the results' rows in HTML: the link reversed and the labels translated once a page (ADR 0048).

    The same HTML the template wrote variable by variable (title and teaser in the reader's
    language, the teaser cut to 30 words as ``truncatewords`` does). Every value is escaped with
    ``html.escape``, the function Django's own ``escape`` applies.
    """
    before, after = url_around_keys("registry:asset_detail")
    types = {value: escape(str(label)) for value, label in AssetType.choices}
    listings = {value: escape(str(label)) for value, label in Listing.choices}
    french = (translation.get_language() or "").startswith("fr")
    html = "".join(
        ASSET_ROW.format(
            link=f"{before}{asset.pk}{after}",
            title=escape((french and asset.title_fr) or asset.title_en),
            teaser=escape(Truncator((french and asset.teaser_fr) or asset.teaser_en).words(30, truncate=" …")),
            asset_type=types.get(asset.asset_type, escape(asset.asset_type)),
            jurisdiction=escape(asset.jurisdiction) or "—",
            listing=listings.get(asset.listing, escape(asset.listing)),
            program=escape(asset.program.name),
        )
        for asset in assets
    )
    return mark_safe(html)  # noqa: S308 - accepted in .bandit.yaml


def asset_list(request: HttpRequest) -> HttpResponse:
    """Search the registry: the assets the visitor may read (only public ones when not signed in)."""
    form = SearchForm(request.GET or None)
    results = assets_search(user=request.user, filters=_filters(form))
    page = page_counted(results, request.GET.get("page"), per_page=PAGE_SIZE)
    assets = list(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/asset_list.html",
        {"form": form, "page": page, "assets": assets, "rows": _asset_rows(assets), "query": query.urlencode()},
    )


def asset_export(request: HttpRequest) -> HttpResponse:
    """Send the search's results as CSV: the same assets the visitor reads on the list, no other."""
    form = SearchForm(request.GET or None)
    assets = assets_search(user=request.user, filters=_filters(form)).prefetch_related("owners__organization")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ip-registry.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [_("Title (English)"), _("Title (French)"), _("Type"), _("Background or foreground"), _("Jurisdiction"),
         _("Legal status"), _("Listing"), _("Owners"), _("Licence offered to"), _("Link")]
    )  # fmt: skip
    for asset in assets:
        writer.writerow(
            [asset.title_en, asset.title_fr, asset.get_asset_type_display(), asset.get_category_display(),
             asset.jurisdiction, asset.get_legal_status_display(), asset.get_listing_display(),
             "; ".join(f"{owner.organization.legal_name} ({owner.share} %)" for owner in asset.owners.all()),
             asset.get_offered_to_display(), request.build_absolute_uri(f"/registry/assets/{asset.pk}/")]
        )  # fmt: skip
    return response


def asset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show an asset to whoever its listing lets read it, with what they may do."""
    asset = access.asset_for_user(user=request.user, pk=pk)
    user = request.user
    owner = access.is_owner(user=user, asset=asset)
    keeper = access.is_keeper(user=user, asset=asset)
    may_request = (
        user.is_authenticated
        and asset.state == AssetState.PUBLISHED
        and not owner
        and bool(member_organization_ids(user=user, program_id=asset.program_id))  # type: ignore[arg-type]
    )
    requests = access.requests_visible_to(user=user).filter(asset=asset) if user.is_authenticated else []
    return render(
        request,
        "registry/asset_detail.html",
        {
            "asset": asset,
            "owners": asset.owners.select_related("organization"),
            "is_owner": owner,
            "is_keeper": keeper,
            "may_edit": owner and asset.state in services.EDITABLE_STATES,
            "may_request": may_request,
            "requests": requests,
        },
    )


def _asset_form_page(request: AuthenticatedRequest, asset: IPAsset | None) -> HttpResponse:
    form = AssetForm(request.POST or None, user=request.user, asset=asset)
    if request.method == "POST" and form.is_valid():
        try:
            if asset is None:
                saved = services.asset_register(
                    by=request.user,
                    program=form.cleaned_data["program"],
                    organization=form.cleaned_data["owner"],
                    fields=form.asset_fields(),
                    owners=form.shares(),
                )
                messages.success(
                    request, _("The asset is registered as a draft. Submit it for the IP manager's check.")
                )
            else:
                saved = services.asset_edit(
                    by=request.user, asset=asset, fields=form.asset_fields(), owners=form.shares()
                )
                messages.success(request, _("The asset is saved."))
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            return redirect("registry:asset_detail", pk=saved.pk)
    return render(request, "registry/asset_form.html", {"form": form, "asset": asset})


@login_required
def asset_create(request: AuthenticatedRequest) -> HttpResponse:
    """Register an asset: for a person of a member organization, for that organization."""
    if (
        not ProgramMembership.objects.holding_on(timezone.localdate())
        .filter(organization__memberships__user=request.user)
        .exists()
    ):
        raise PermissionDenied(_("Only the people of a program's member organizations register IP assets."))
    return _asset_form_page(request, None)


@login_required
def asset_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Change a draft or withdrawn asset: its owners' people."""
    asset = access.asset_for_user(user=request.user, pk=pk)
    if not access.is_owner(user=request.user, asset=asset):
        raise PermissionDenied(_("Only the people of the asset's owners change it."))
    return _asset_form_page(request, asset)


@login_required
@require_POST
def asset_act(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    """Submit an asset for the check or withdraw it (its owners' people)."""
    asset = access.asset_for_user(user=request.user, pk=pk)
    if action == "submit":
        services.asset_submit(by=request.user, asset=asset)
        messages.success(request, _("The asset is submitted for the IP manager's check."))
    elif action == "withdraw":
        services.asset_withdraw(by=request.user, asset=asset)
        messages.success(request, _("The asset is withdrawn from the registry."))
    else:
        raise Http404
    return redirect("registry:asset_detail", pk=asset.pk)


@role_required(Role.IP_MANAGER)
def asset_check(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The IP manager's check of a submitted asset: publish it, or send it back with a message."""
    asset = access.asset_for_user(user=request.user, pk=pk)
    if not access.is_keeper(user=request.user, asset=asset):
        raise Http404
    form = SendBackForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("decision") == "publish":
            services.asset_publish(by=request.user, asset=asset)
            messages.success(request, _("The asset is published."))
            return redirect("registry:dashboard")
        if form.is_valid():
            try:
                services.asset_send_back(by=request.user, asset=asset, message=form.cleaned_data["message"])
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, _("The asset is sent back to its owners."))
                return redirect("registry:dashboard")
    return render(
        request,
        "registry/asset_check.html",
        {"asset": asset, "owners": asset.owners.select_related("organization"), "form": form},
    )


@login_required
def request_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Request a licence on a published asset: a member of its program, not an owner."""
    asset = access.asset_for_user(user=request.user, pk=pk)
    organizations = Organization.objects.filter(
        pk__in=member_organization_ids(user=request.user, program_id=asset.program_id)
    ).exclude(ip_ownerships__asset=asset)
    if asset.state != AssetState.PUBLISHED or not organizations.exists():
        raise PermissionDenied(
            _("Only a member organization of the program that does not own the asset requests a licence.")
        )
    form = LicenceRequestForm(request.POST or None, organizations=organizations.order_by("legal_name"))
    if request.method == "POST" and form.is_valid():
        try:
            created = services.licence_request_create(by=request.user, asset=asset, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Your request is sent to the asset's owners."))
            return redirect("registry:request_detail", pk=created.pk)
    return render(request, "registry/request_form.html", {"asset": asset, "form": form})


@login_required
def request_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A licence request's thread, and the answers its reader may give; a POST posts a message."""
    licence_request = access.request_for_user(user=request.user, pk=pk)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.licence_message_post(by=request.user, request=licence_request, body=form.cleaned_data["body"])
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            return redirect("registry:request_detail", pk=licence_request.pk)
    is_open = licence_request.state == RequestState.OPEN
    owner = access.is_owner(user=request.user, asset=licence_request.asset)
    return render(
        request,
        "registry/request_detail.html",
        {
            "licence_request": licence_request,
            "asset": licence_request.asset,
            "thread": LicenceMessage.objects.filter(request=licence_request).select_related("author"),
            "licence": Licence.objects.filter(request=licence_request).first(),
            "form": form,
            "decline_form": DeclineForm(),
            "is_open": is_open,
            "may_answer": is_open and owner,
            "may_withdraw": is_open and access.is_requester(user=request.user, request=licence_request),
        },
    )


@login_required
@require_POST
def request_act(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    """Decline a request with a reason (owners) or withdraw it (requesting side)."""
    licence_request = access.request_for_user(user=request.user, pk=pk)
    if action == "decline":
        form = DeclineForm(request.POST)
        form.is_valid()
        try:
            services.licence_decline(
                by=request.user, request=licence_request, reason=form.cleaned_data.get("reason", "")
            )
        except ValidationError as error:
            _errors_to_form(form, error)
            return render(
                request,
                "registry/request_decline.html",
                {"licence_request": licence_request, "asset": licence_request.asset, "decline_form": form},
                status=400,
            )
        messages.success(request, _("The request is declined."))
    elif action == "withdraw":
        services.licence_request_withdraw(by=request.user, request=licence_request)
        messages.success(request, _("The request is withdrawn."))
    else:
        raise Http404
    return redirect("registry:request_detail", pk=licence_request.pk)


@login_required
def licence_agree(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Agree to a request and record the licence with its signed document: the asset's owners' people."""
    licence_request = access.request_for_user(user=request.user, pk=pk)
    if not access.is_owner(user=request.user, asset=licence_request.asset):
        raise PermissionDenied(_("Only the people of the asset's owners agree to a licence."))
    asset = licence_request.asset
    initial = {
        "exclusive": asset.exclusive,
        "field_of_use": licence_request.field_of_use or asset.field_of_use,
        "territory": licence_request.territory or asset.territory,
    }
    form = AgreeForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            licence = services.licence_agree(
                by=request.user, request=licence_request, terms=data["terms"], starts_on=data["starts_on"],
                ends_on=data["ends_on"], upload=data["document"], exclusive=data["exclusive"],
                field_of_use=data["field_of_use"], territory=data["territory"],
            )  # fmt: skip
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("The licence is recorded."))
            return redirect("registry:licence_detail", pk=licence.pk)
    return render(request, "registry/licence_agree.html", {"licence_request": licence_request, "asset": asset,
                                                            "form": form})  # fmt: skip


@login_required
def licence_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The licence recorded: parties, terms, dates and the signed document; read by whoever reads its request."""
    licence = access.licence_for_user(user=request.user, pk=pk)
    return render(request, "registry/licence_detail.html", {"licence": licence, "asset": licence.asset})


@login_required
def licence_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    """Send the signed licence to whoever reads its request, as a download never rendered inline."""
    licence = access.licence_for_user(user=request.user, pk=pk)
    return stored_file_download(
        licence.document,
        filename=licence.document_name,
        content_type=licence.content_type,
        missing=_("The file of this licence is missing."),
    )


@login_required
def my_registry(request: AuthenticatedRequest) -> HttpResponse:
    """The assets of the person's organizations (drafts included) and the licence requests they take part in."""
    assets = (
        IPAsset.objects.select_related("program")
        .filter(access.owner_q(user_id=request.user.pk))
        .order_by("-updated_at", "-pk")
    )
    theirs = LicenceRequest.objects.filter(
        access.owner_q(user_id=request.user.pk, asset_field="asset_id")
        | Q(requested_by=request.user)
        | Q(organization__memberships__user=request.user)
    )
    requests = access.requests_visible_to(user=request.user).filter(pk__in=theirs.values("pk"))
    return render(request, "registry/my_registry.html", {"assets": list(assets), "requests": list(requests)})


@role_required(Role.IP_MANAGER)
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """The IP manager's dashboard: assets to check, requests in progress (escalated first), the IP figures."""
    user = request.user
    programs = list(program_roles.programs_of(user, Role.IP_MANAGER))
    in_mine = program_roles.in_programs(user, Role.IP_MANAGER)
    to_check = list(
        IPAsset.objects.filter(in_mine, state=AssetState.SUBMITTED).select_related("program").order_by("submitted_at")
    )
    cutoff = escalation_cutoff()
    in_progress = list(
        access.requests_visible_to(user=user)
        .filter(program_roles.in_programs(user, Role.IP_MANAGER, "asset__program"), state=RequestState.OPEN)
        .annotate(messages_count=Count("messages"))
        .order_by("created_at", "pk")
    )
    figures = registry_figures(program_ids=[program.pk for program in programs])
    return render(
        request,
        "registry/dashboard.html",
        {
            "to_check": to_check,
            "in_progress": in_progress,
            "cutoff": cutoff,
            "program_figures": [
                (
                    program,
                    figures[program.pk],
                    [(label, figures[program.pk]["by_type"][value]) for value, label in AssetType.choices],
                )
                for program in programs
            ],
        },
    )
