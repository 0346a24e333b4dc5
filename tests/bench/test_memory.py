"""The memory bench's parts that need no server of the project: its pages, its HTTP client, its reading of /proc."""

from __future__ import annotations

import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.test import Client

from bench.memory import HttpClient, _status, pages
from bench.registry import CASES
from bench.runner import FLOOR, cases_register

cases_register()


def test_the_pages_are_every_get_case_but_the_floor():
    names = {case.name for case in pages()}

    assert FLOOR not in names
    assert "dossier_pdf" in names
    assert "submit_loi" not in names  # a post
    assert names == {name for name, case in CASES.items() if name != FLOOR and case.expected_status == 200}
    assert [case.name for case in pages(["home"])] == ["home"]
    with pytest.raises(SystemExit, match="submit_loi"):
        pages(["submit_loi"])


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="Linux only")
def test_the_high_water_mark_is_read_in_mib():
    figures = _status(os.getpid())

    assert figures["VmHWM"] >= figures["VmRSS"] > 1


class _Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, Any]] = []

    def do_GET(self) -> None:
        _Recorder.seen.append({"path": self.path, **dict(self.headers)})
        if self.path.startswith("/away"):
            self.send_response(302)
            self.send_header("Location", "/accounts/login/")
        else:
            self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server():
    httpd = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Recorder.seen.clear()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_the_client_sends_the_signed_in_client_s_cookie_and_headers_and_follows_no_redirect(server):
    signed_in = Client()
    signed_in.cookies["sessionid"] = "abc"
    signed_in.defaults["HTTP_AUTHORIZATION"] = "Bearer token"

    page = HttpClient(server, signed_in).get("/registry/", {"q": "robot"})
    away = HttpClient(server, signed_in).get("/away/")

    assert page.status_code == 200
    assert away.status_code == 302
    assert _Recorder.seen[0]["path"] == "/registry/?q=robot"
    assert _Recorder.seen[0]["Cookie"] == "sessionid=abc"
    assert _Recorder.seen[0]["Authorization"] == "Bearer token"
    assert [row["path"] for row in _Recorder.seen] == ["/registry/?q=robot", "/away/"]
