"""The bench's clients: what a browser does between two posts of an action."""

from __future__ import annotations

from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import Client, RequestFactory

from bench.sign_in import messages_shown


def test_messages_shown_drops_the_messages_cookie_and_keeps_the_others(rf: RequestFactory) -> None:
    storage = CookieStorage(rf.get("/"))
    storage.add(constants.SUCCESS, "Done: Start the assessment.")
    response = HttpResponse()
    storage.update(response)
    client = Client()
    client.cookies.load({"messages": response.cookies["messages"].value, "csrftoken": "kept"})

    messages_shown(client)
    messages_shown(client)  # nothing left to drop

    assert "messages" not in client.cookies
    assert client.cookies["csrftoken"].value == "kept"
