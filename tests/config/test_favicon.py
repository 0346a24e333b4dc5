"""Browsers ask every site for /favicon.ico: Clusterflow answers with its static icon, never a 404."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.test import Client


def test_favicon_leads_to_the_static_icon() -> None:
    response = Client().get("/favicon.ico")

    assert (response.status_code, response["Location"]) == (302, "/static/favicon.ico")
    path = finders.find("favicon.ico")
    assert path is not None
    with open(path, "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an icon file's header
