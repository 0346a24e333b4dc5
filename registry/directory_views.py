"""The member directory's pages: search, profiles, announcements, and the relay's conversations.

Every page fetches through ``registry.selectors.directory``: a program's directory is read by its
members and staff only (404 for anyone else); a conversation by those taking part in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import OrganizationType
from accounts.decorators import AuthenticatedRequest
from accounts.form_handling import form_submit
from accounts.models import Organization
from intake.choices import Sector
from intake.models import Program
from registry.directory_forms import AnnouncementForm, ContactForm, DirectorySearchForm, ProfileForm, ReplyForm
from registry.models import Announcement, OrganizationProfile
from registry.selectors.directory import (
    DirectoryQuery,
    announcement_for_user,
    announcements_of_program,
    directory_programs,
    directory_regions,
    directory_search,
    member_organizations_of,
    profile_for_directory,
    program_for_directory,
    relay_counterpart_address,
    relay_thread_for_user,
    relay_threads_of,
)
from registry.services.directory import (
    announcement_close,
    announcement_post,
    profile_save,
    program_calls_for_announcements,
)
from registry.services.relay import relay_reply, relay_start
from registry.widgets import country_names


def _member_organizations(request: AuthenticatedRequest, program: Program) -> list[Organization]:
    """The user's member organizations of ``program``; a reader who is not a member (staff) gets 403."""
    organizations = list(member_organizations_of(user=request.user, program=program).order_by("legal_name"))
    if not organizations:
        raise PermissionDenied(_("Only the people of a member organization of this program do this."))
    return organizations


@login_required
def index(request: AuthenticatedRequest) -> HttpResponse:
    """List the programs whose directory the user reads; with one, go straight to it."""
    programs = list(directory_programs(user=request.user))
    organizations = list(Organization.objects.filter(memberships__user=request.user).order_by("legal_name"))
    return render(request, "directory/index.html", {"programs": programs, "organizations": organizations})


@dataclass(frozen=True)
class DirectoryRow:
    """What one row of the directory's results shows of a member organization, its labels in the reader's language."""

    pk: int
    name: str
    is_cluster: bool
    kind: str
    country: str
    region: str
    sectors: str


def _rows(organizations: list[Organization]) -> list[DirectoryRow]:
    """Shape the organizations of a page of results for its table, each label looked up once per page."""
    kinds = {code: str(label) for code, label in OrganizationType.choices}
    names = country_names()
    sectors = {code: str(label) for code, label in Sector.choices}
    rows = []
    for organization in organizations:
        profile = getattr(organization, "directory_profile", None)
        codes = profile.sector_codes() if profile else []
        rows.append(
            DirectoryRow(
                pk=organization.pk,
                name=organization.legal_name,
                is_cluster=bool(profile and profile.is_cluster),
                kind=kinds.get(organization.kind, organization.kind),
                country=names.get(str(organization.country), ""),
                region=profile.region if profile else "",
                sectors=", ".join(sectors.get(code, code) for code in codes),
            )
        )
    return rows


@login_required
def search(request: AuthenticatedRequest, program_pk: int) -> HttpResponse:
    """Search the program's member organizations and open announcements, in English or French, with filters."""
    program = program_for_directory(user=request.user, pk=program_pk)
    form = DirectorySearchForm(request.GET or None, regions=directory_regions(program=program))
    query = DirectoryQuery()
    if form.is_valid():
        data = form.cleaned_data
        query = DirectoryQuery(
            text=data["q"], sector=data["sector"], region=data["region"], country=data["country"], kind=data["kind"]
        )
    results = directory_search(program=program, query=query, page=request.GET.get("page"))
    others = request.GET.copy()
    others.pop("page", None)
    return render(
        request,
        "directory/search.html",
        {
            "program": program,
            "form": form,
            "results": results,
            "page": results.page,
            "rows": _rows(results.organizations),
            "query": others.urlencode(),
            "searched": bool(request.GET),
        },
        status=200 if form.is_valid() or not request.GET else 400,
    )


@login_required
def profile(request: AuthenticatedRequest, program_pk: int, pk: int) -> HttpResponse:
    """Show a member organization's profile in the program's directory."""
    program = program_for_directory(user=request.user, pk=program_pk)
    organization = profile_for_directory(user=request.user, program=program, organization_pk=pk)
    own = organization.memberships.filter(user=request.user).exists()
    return render(
        request,
        "directory/profile.html",
        {
            "program": program,
            "organization": organization,
            "profile": getattr(organization, "directory_profile", None),
            "own": own,
            "announcements": announcements_of_program(program=program).filter(organization=organization),
        },
    )


@login_required
def profile_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Edit the profile of one of the user's organizations (404 for any other)."""
    organization = get_object_or_404(Organization.objects.filter(memberships__user=request.user), pk=pk)
    current = OrganizationProfile.objects.filter(organization=organization).first()
    initial = {}
    if current is not None:
        initial = {
            "description_en": current.description_en,
            "description_fr": current.description_fr,
            "capabilities": current.capabilities,
            "technologies": current.technologies,
            "sectors": current.sector_codes(),
            "region": current.region,
            "is_cluster": current.is_cluster,
        }
    form = ProfileForm(request.POST or None, initial=initial)
    done = form_submit(
        request, form, lambda: profile_save(organization=organization, by=request.user, **form.cleaned_data)
    )
    if done.saved:
        messages.success(request, _("The profile is saved."))
        return redirect("directory:index")
    return render(
        request, "directory/profile_form.html", {"organization": organization, "form": form}, status=done.status
    )


@login_required
def contact(request: AuthenticatedRequest, program_pk: int, pk: int) -> HttpResponse:
    """Write to a member organization's people through the relay."""
    program = program_for_directory(user=request.user, pk=program_pk)
    organization = profile_for_directory(user=request.user, program=program, organization_pk=pk)
    return _relay_write(
        request,
        program,
        {"organization": organization},
        initial={},
        sent=_("Your message is sent; you will find any reply in your conversations."),
        organization=organization,
    )


def _relay_write(
    request: AuthenticatedRequest,
    program: Program,
    context: dict[str, Any],
    *,
    initial: dict[str, str],
    sent: str,
    **about: Any,
) -> HttpResponse:
    """Show and take the relay's first message, from one of the writer's member organizations, about ``about``
    (an organization or an announcement); once sent, say ``sent`` and open the conversation.
    """
    mine = _member_organizations(request, program)
    form = ContactForm(
        request.POST or None, organizations=Organization.objects.filter(pk__in=[o.pk for o in mine]), initial=initial
    )
    done = form_submit(
        request,
        form,
        lambda: relay_start(
            program=program,
            by=request.user,
            sender_organization=form.cleaned_data["sender_organization"],
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            **about,
        ),
        field="body",
    )
    if done.saved and done.result is not None:
        messages.success(request, sent)
        return redirect("directory:thread", pk=done.result.pk)
    return render(request, "directory/contact.html", {"program": program, "form": form, **context}, status=done.status)


@login_required
def announcement_list(request: AuthenticatedRequest, program_pk: int) -> HttpResponse:
    """List the open "looking for partners" announcements of the program's calls."""
    program = program_for_directory(user=request.user, pk=program_pk)
    return render(
        request,
        "directory/announcement_list.html",
        {"program": program, "announcements": announcements_of_program(program=program)},
    )


@login_required
def announcement_create(request: AuthenticatedRequest, program_pk: int) -> HttpResponse:
    """Post a "looking for partners" announcement for one of the program's open calls."""
    program = program_for_directory(user=request.user, pk=program_pk)
    mine = _member_organizations(request, program)
    calls = program_calls_for_announcements(program=program)
    form = AnnouncementForm(
        request.POST or None, calls=calls, organizations=Organization.objects.filter(pk__in=[o.pk for o in mine])
    )
    done = form_submit(
        request,
        form,
        lambda: announcement_post(
            call=form.cleaned_data["call"],
            organization=form.cleaned_data["organization"],
            by=request.user,
            title=form.cleaned_data["title"],
            needs=form.cleaned_data["needs"],
            roles=form.cleaned_data["roles"],
        ),
    )
    if done.saved and done.result is not None:
        messages.success(request, _("Your announcement is posted."))
        return redirect("directory:announcement", pk=done.result.pk)
    context = {"program": program, "form": form, "calls": calls}
    return render(request, "directory/announcement_form.html", context, status=done.status)


@login_required
def announcement_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show an announcement; its poster may close it, other members answer it through the relay."""
    announcement = announcement_for_user(user=request.user, pk=pk)
    return render(
        request,
        "directory/announcement_detail.html",
        {
            "announcement": announcement,
            "program": announcement.call.program,
            "roles": announcement.roles.all(),
            "is_poster": announcement.posted_by_id == request.user.pk,
        },
    )


@login_required
def announcement_answer(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Answer an announcement: a message to its poster through the relay."""
    announcement = announcement_for_user(user=request.user, pk=pk)
    if not announcement.is_open():
        raise Http404
    return _relay_write(
        request,
        announcement.call.program,
        {"announcement": announcement, "organization": announcement.organization},
        initial={"subject": announcement.title},
        sent=_("Your answer is sent; you will find any reply in your conversations."),
        announcement=announcement,
    )


@login_required
@require_POST
def announcement_close_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Close an announcement (its poster only)."""
    announcement = get_object_or_404(Announcement.objects.filter(posted_by=request.user), pk=pk)
    announcement_close(announcement=announcement, by=request.user)
    messages.success(request, _("The announcement is closed."))
    return redirect("directory:announcement_list", program_pk=announcement.call.program_id)


@login_required
def thread_list(request: AuthenticatedRequest) -> HttpResponse:
    """List the user's relay conversations."""
    threads = list(relay_threads_of(user=request.user)[:200])
    rows = [(thread, relay_counterpart_address(thread=thread, user=request.user)) for thread in threads]
    return render(request, "directory/thread_list.html", {"rows": rows})


@login_required
def thread(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Read a relay conversation and reply to it."""
    conversation = relay_thread_for_user(user=request.user, pk=pk)
    form = ReplyForm(request.POST or None)
    done = form_submit(
        request,
        form,
        lambda: relay_reply(thread=conversation, by=request.user, body=form.cleaned_data["body"]),
        field="body",
    )
    if done.saved:
        messages.success(request, _("Your reply is sent."))
        return redirect("directory:thread", pk=pk)
    context = {
        "thread": conversation,
        "messages_list": conversation.messages.select_related("author").order_by("created_at", "pk"),
        "address": relay_counterpart_address(thread=conversation, user=request.user),
        "is_sender": conversation.sender_id == request.user.pk,
        "form": form,
    }
    return render(request, "directory/thread.html", context, status=done.status)
