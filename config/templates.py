"""The site's Django template engine: the API's template tags imported when a template first loads them.

Django's engine imports every ``templatetags`` module of every installed app when it is built,
which a worker does on its first page. Django REST framework's (``{% load rest_framework %}``,
used only by its browsable API) imports DRF's serializers and renderers and, through DRF's
``compat``, whatever optional package is installed (psycopg through ``django.contrib.postgres``,
PyYAML, requests, pygments): some 19 MiB that a worker that never serves the API would keep
(issue 23, ADR 0063). Here such a library is named but imported at its first ``{% load %}``,
in the site's engine and in the one Django's form renderer builds to render widgets.
"""

from __future__ import annotations

from importlib import import_module
from pkgutil import walk_packages
from typing import Any

from django.apps import apps
from django.forms import renderers
from django.template import Library
from django.template.backends.django import DjangoTemplates as BaseDjangoTemplates
from django.template.library import InvalidTemplateLibrary, import_library

#: Template tag libraries imported when a template first loads them, by name: their module paths.
DEFERRED_LIBRARIES = {"rest_framework": "rest_framework.templatetags.rest_framework"}


class Libraries(dict[str, Library]):
    """An engine's template tag libraries by name; a deferred one is imported on its first lookup."""

    def __init__(self, loaded: dict[str, Library], deferred: dict[str, str]) -> None:
        super().__init__(loaded)
        self.deferred = dict(deferred)

    def __missing__(self, name: str) -> Library:
        # ``{% load name %}`` looks the library up with ``[]``; an unknown name stays a KeyError,
        # which the tag turns into its TemplateSyntaxError.
        path = self.deferred[name]
        library = self[name] = import_library(path)
        return library


def installed_libraries(*, deferred: dict[str, str]) -> dict[str, str]:
    """Return Django's built-in and the installed apps' template tag libraries, but ``deferred``'s modules.

    As ``django.template.backends.django.get_installed_libraries`` does, which imports every
    module to see whether it registers tags; the deferred modules are left unimported.
    """
    skip = set(deferred.values())
    candidates = ["django.templatetags", *(f"{config.name}.templatetags" for config in apps.get_app_configs())]
    libraries = {}
    for candidate in candidates:
        try:
            package = import_module(candidate)
        except ImportError:
            continue  # an app without template tags
        if not hasattr(package, "__path__"):
            continue
        for entry in walk_packages(package.__path__, f"{candidate}."):
            if entry.name in skip:
                continue
            try:
                module = import_module(entry.name)
            except ImportError as error:
                message = f"Invalid template library specified. ImportError raised when trying to load '{entry.name}'"
                raise InvalidTemplateLibrary(f"{message}: {error}") from error
            if hasattr(module, "register"):
                libraries[entry.name.removeprefix(candidate).lstrip(".")] = entry.name
    return libraries


class DjangoTemplates(BaseDjangoTemplates):
    """Django's template backend, with ``DEFERRED_LIBRARIES`` imported when a template first loads one."""

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__(params)
        deferred = {name: path for name, path in DEFERRED_LIBRARIES.items() if name not in self.engine.libraries}
        self.engine.libraries.update(deferred)
        self.engine.template_libraries = Libraries(self.engine.template_libraries, deferred)

    def get_templatetag_libraries(self, custom_libraries: dict[str, str]) -> dict[str, str]:
        libraries = installed_libraries(deferred=DEFERRED_LIBRARIES)
        libraries.update(custom_libraries)
        return libraries


class FormRenderer(renderers.DjangoTemplates):
    """Django's default form renderer (an engine of its own over the widgets' and apps' templates), on this backend."""

    backend = DjangoTemplates
