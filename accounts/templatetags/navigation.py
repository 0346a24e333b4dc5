"""The layout's navigation and footer, written in Python: their fixed parts once per language and address book.

``base.html`` rendered its navigation with some fifteen ``{% translate %}`` and a dozen
``{% url %}`` on every page, the same for every user of one shape: about a millisecond of
every signed-in page (ADR 0066). Here the fixed parts (the labels, in the active language,
and the links) are written once per language, URLconf, script prefix and signed in or not,
the links of a user's dashboards once per set of roles, and each page writes only what is
its own: the user's name, the unread count, the programs, the form's token and the page's
address, each escaped as ``{{ }}`` escapes it. The HTML is the template's
(``tests/accounts/test_navigation.py`` compares the two in English and in French).
"""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.base import render_value_in_context
from django.template.defaulttags import CsrfTokenNode
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.choices import ROLE_DASHBOARDS, Role
from records.rows import url_around_keys

register = template.Library()

#: What is written once, by (what it is, language, URLconf, script prefix, and the shape it is of).
_written: dict[tuple[Any, ...], Any] = {}
#: More shapes than a site has (its languages, URLconfs and sets of roles) means something keys by mistake.
_WRITTEN_KEPT = 512
_CSRF = CsrfTokenNode()


def _forget(**kwargs: Any) -> None:
    """Forget what was written when a setting changes (tests change the URLconf, the languages, the catalogues)."""
    _written.clear()


setting_changed.connect(_forget)


def _where() -> tuple[str, str, str]:
    """Return what the fixed parts follow from besides their shape: the language, the URLconf and the script prefix."""
    return get_language(), get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()


def _once(what: str, shape: Any, write: Any, where: tuple[str, str, str]) -> Any:
    key = (what, shape, *where)
    found = _written.get(key)
    if found is None:
        if len(_written) >= _WRITTEN_KEPT:
            _written.clear()
        found = _written[key] = write()
    return found


def _start(signed_in: bool) -> str:
    """The navigation up to the user's dashboards: the brand, the menu's button, the open calls and the projects."""
    projects = (
        f'<li class="nav-item"><a class="nav-link" href="{escape(reverse("projects:project_list"))}">'
        + _("Projects")
        + "</a></li>"
        if signed_in
        else ""
    )
    return (
        '<a class="skip-link" href="#main">' + _("Skip to main content") + "</a>\n"
        "  <header>\n"
        '    <nav class="navbar navbar-expand-md navbar-dark bg-dark" aria-label="' + _("Main") + f'">\n'
        '      <div class="container">\n'
        f'        <a class="navbar-brand" href="{escape(reverse("home"))}">' + _("Clusterflow") + "</a>\n"
        '        <button class="navbar-toggler" type="button" data-bs-toggle="collapse" data-bs-target="#main-nav"\n'
        '                aria-controls="main-nav" aria-expanded="false" '
        'aria-label="' + _("Show the menu") + f'">\n'
        '          <span class="navbar-toggler-icon"></span>\n'
        "        </button>\n"
        '        <div class="collapse navbar-collapse" id="main-nav">\n'
        '          <ul class="navbar-nav me-auto">\n'
        f'            <li class="nav-item"><a class="nav-link" href="{escape(reverse("intake:calls_open"))}">'
        + _("Open calls")
        + f"</a></li>\n"
        f"            {projects}\n            "
    )


def _dashboard_items(roles: frozenset[str]) -> str:
    """The links to the dashboards of a user holding ``roles``, as ``accounts.context_processors.roles`` lists them."""
    return "".join(
        f'\n              <li class="nav-item"><a class="nav-link" href="{escape(reverse(url_name))}">'
        + (_("%(label)s dashboard") % {"label": escape(str(Role(role).label))})
        + "</a></li>\n            "
        for role, url_name in ROLE_DASHBOARDS.items()
        if role in roles
    )


def _programs_parts() -> tuple[str, str, str, str]:
    """The programs' menu around its items, and each item's link cut around the program's key."""
    before, after = url_around_keys("intake:program_detail")
    head = (
        '\n              <li class="nav-item dropdown">\n'
        '                <button type="button" class="btn btn-link nav-link dropdown-toggle" data-bs-toggle="dropdown"'
        ' aria-expanded="false" id="programs-menu">' + _("Programs") + "</button>\n"
        '                <ul class="dropdown-menu" aria-labelledby="programs-menu">\n                  '
    )
    tail = (
        '\n                  <li><hr class="dropdown-divider"></li>\n'
        f'                  <li><a class="dropdown-item" href="{escape(reverse("intake:program_list"))}">'
        + _("All my programs")
        + "</a></li>\n"
        "                </ul>\n              </li>\n            "
    )
    return head, before, after, tail


def _signed_in_parts() -> tuple[str, str, str, str]:
    """The right-hand menu of a signed-in user, around the unread count, the user's name and the form's token."""
    inbox = (
        '          <ul class="navbar-nav align-items-md-center">\n            \n'
        f'              <li class="nav-item"><a class="nav-link" href="{escape(reverse("records:inbox"))}">'
        + _("Inbox")
    )
    profile = (
        '</a></li>\n              <li class="nav-item">'
        f'<a class="nav-link" href="{escape(reverse("accounts:profile"))}">'
    )
    log_out = (
        "</a></li>\n"
        '              <li class="nav-item">\n'
        f'                <form method="post" action="{escape(reverse("accounts:logout"))}" class="d-inline">\n'
        "                  "
    )
    after_token = (
        "\n"
        '                  <button type="submit" class="btn btn-link nav-link">' + _("Log out") + "</button>\n"
        "                </form>\n"
        "              </li>\n            \n"
    )
    return inbox, profile, log_out, after_token


def _signed_out() -> str:
    return (
        '          <ul class="navbar-nav align-items-md-center">\n            \n'
        f'              <li class="nav-item"><a class="nav-link" href="{escape(reverse("accounts:login"))}">'
        + _("Log in")
        + f"</a></li>\n"
        f'              <li class="nav-item"><a class="nav-link" href="{escape(reverse("accounts:signup"))}">'
        + _("Sign up")
        + "</a></li>\n            \n"
    )


def _language_form() -> tuple[str, str, str]:
    """The language switcher's form around its token and the page's address, and the end of the navigation."""
    french = get_language() == "fr"
    button = (
        '<button type="submit" name="language" value="en" class="btn btn-sm btn-outline-light" lang="en">'
        "English</button>"
        if french
        else '<button type="submit" name="language" value="fr" class="btn btn-sm btn-outline-light" lang="fr">'
        "Français</button>"
    )
    start = (
        '            <li class="nav-item ms-md-2">\n'
        f'              <form method="post" action="{escape(reverse("accounts:set_language"))}" class="d-flex gap-1">\n'
        "                "
    )
    next_field = '\n                <input type="hidden" name="next" value="'
    end = (
        '">\n                \n'
        f"                  {button}\n"
        "                \n"
        "              </form>\n"
        "            </li>\n"
        "          </ul>\n"
        "        </div>\n"
        "      </div>\n"
        "    </nav>\n"
        "  </header>"
    )
    return start, next_field, end


@register.simple_tag(takes_context=True)
def navigation(context: template.Context) -> SafeString:
    """Write the skip link and the header's navigation as ``base.html`` wrote them, for the context's user."""
    user: Any = context.get("user")
    signed_in = bool(user is not None and user.is_authenticated)
    where = _where()
    html = [_once("start", signed_in, lambda: _start(signed_in), where)]
    if signed_in:
        roles = frozenset(role for role in ROLE_DASHBOARDS if user.has_role(role))
        html.append(_once("dashboards", roles, lambda: _dashboard_items(roles), where))
    html.append("\n            ")
    programs = context.get("staff_programs")
    if programs:
        head, before, after, tail = _once("programs", None, _programs_parts, where)
        items = "".join(
            f'\n                    <li><a class="dropdown-item" href="{before}{program.pk}{after}">'
            f"{render_value_in_context(program.name, context)}</a></li>\n                  "
            for program in programs
        )
        html += [head, items, tail]
    html.append("\n          </ul>\n")
    token = _CSRF.render(context)
    if signed_in:
        inbox, profile, log_out, after_token = _once("signed_in", None, _signed_in_parts, where)
        html.append(inbox)
        count = context.get("inbox_unread_count")
        if count:
            shown = render_value_in_context(count, context)
            unread = ngettext("(%(counter)s unread)", "(%(counter)s unread)", count) % {"counter": shown}
            html.append(
                f' <span class="badge rounded-pill text-bg-warning" aria-hidden="true">{shown}</span>'
                f'<span class="visually-hidden"> {unread}</span>'
            )
        html += [profile, render_value_in_context(user.get_short_name(), context), log_out, token, after_token]
    else:
        html.append(_once("signed_out", None, _signed_out, where))
    start, next_field, end = _once("language", None, _language_form, where)
    request = context.get("request")
    path = render_value_in_context(request.get_full_path(), context) if request is not None else ""
    html += [start, token, next_field, path, end]
    return mark_safe("".join(html))  # noqa: S308 - every value is escaped above, as {{ }} escapes it


@register.simple_tag
def footer() -> SafeString:
    """Write the footer as ``base.html`` wrote it: the same for every page of one language."""

    def write() -> str:
        return (
            '<footer class="container border-top py-3 text-secondary small">\n'
            '    <p class="mb-0">'
            + _("Clusterflow: applications and assessment for co-investment innovation programs.")
            + f"\n"
            f'      · <a href="{escape(reverse("workflow:status"))}">' + _("Service status") + f"</a>\n"
            f'      · <a href="{escape(reverse("stewardship:privacy"))}">' + _("Privacy") + "</a></p>\n"
            "  </footer>"
        )

    return mark_safe(_once("footer", None, write, _where()))  # noqa: S308 - fixed text and links, escaped
