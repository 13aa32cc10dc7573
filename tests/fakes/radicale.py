"""A real Radicale CalDAV server for tests (a pytest plugin module).

`radicale_server` (session scope) runs `python -m radicale` as a subprocess on 127.0.0.1 and a
free port, with its storage in a temp folder, no config files read (`--config ""`) and
`--auth-type none` (any user name and password is accepted; the principal is `/<user>/`).
`caldav_calendar` gives each test a fresh, empty calendar collection on it. `RadicaleServer` can be
stopped and started again on the same port and storage, to test outages.
"""

from __future__ import annotations

import base64
import itertools
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

USER = "alice"
PASSWORD = "radicale-test-password"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RadicaleServer:
    def __init__(self, storage: Path, port: int | None = None) -> None:
        self.storage = storage
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = storage / "radicale.log"
        self.extra_args: list[str] = []  # e.g. another --auth-type

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 20.0) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        self.storage.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable, "-m", "radicale", "--config", "",
            "--server-hosts", f"127.0.0.1:{self.port}",
            "--auth-type", "none",
            "--storage-filesystem-folder", str(self.storage / "collections"),
            "--web-type", "none",
            "--logging-level", "warning",
            *self.extra_args,
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"))}
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"radicale exited with {self.proc.returncode}: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                urllib.request.urlopen(self.url, timeout=0.5).close()
                return
            except urllib.error.HTTPError:
                return  # any HTTP answer means it is up
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"radicale did not answer on {self.url} within {timeout}s")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- plain HTTP helpers for arranging and inspecting test data ----------------------------
    def http(self, method: str, path_or_url: str, body: bytes | str = b"", headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        url = path_or_url if path_or_url.startswith("http") else self.url.rstrip("/") + path_or_url
        data = body.encode() if isinstance(body, str) else body
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        request = urllib.request.Request(url, data=data or None, method=method, headers={"Authorization": f"Basic {token}", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def make_calendar(self, name: str, user: str = USER) -> str:
        self.http("PROPFIND", f"/{user}/", b"", {"Depth": "0"})  # Radicale creates the principal on first use
        path = f"/{user}/{name}/"
        body = (
            '<?xml version="1.0" encoding="utf-8"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
            f"<d:set><d:prop><d:displayname>{name}</d:displayname></d:prop></d:set></c:mkcalendar>"
        )
        status, _, text = self.http("MKCALENDAR", path, body, {"Content-Type": "application/xml"})
        if status not in (200, 201):
            raise RuntimeError(f"MKCALENDAR {path} failed: {status} {text[:300]!r}")
        return self.url.rstrip("/") + path


@dataclass
class DavCalendar:
    """A fresh calendar collection on the test server, with raw HTTP helpers."""

    server: RadicaleServer
    url: str
    name: str

    @property
    def path(self) -> str:
        return self.url[len(self.server.url.rstrip("/")) :]

    def put(self, resource: str, ics: str | bytes, headers: dict[str, str] | None = None) -> int:
        status, _, _ = self.server.http("PUT", self.path + resource, ics, {"Content-Type": "text/calendar", **(headers or {})})
        return status

    def get(self, resource: str) -> tuple[int, str | None, bytes]:
        status, headers, body = self.server.http("GET", self.path + resource)
        return status, headers.get("ETag"), body

    def delete(self, resource: str) -> int:
        return self.server.http("DELETE", self.path + resource)[0]

    def resources(self) -> dict[str, bytes]:
        """Every item in the collection: resource name -> the bytes the server serves."""
        body = '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>'
        status, _, text = self.server.http("PROPFIND", self.path, body, {"Depth": "1", "Content-Type": "application/xml"})
        assert status == 207, (status, text[:300])
        import re
        from urllib.parse import unquote

        names = [unquote(h).rsplit("/", 1)[-1] for h in re.findall(rb"<(?:\w+:)?href>([^<]+)</(?:\w+:)?href>", text) for h in [h.decode()]]
        out = {}
        for name in names:
            if name:
                out[name] = self.get(name)[2]
        return out


_counter = itertools.count(1)


@pytest.fixture(scope="session")
def radicale_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    pytest.importorskip("radicale")
    server = RadicaleServer(tmp_path_factory.mktemp("radicale"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def caldav_calendar(radicale_server: RadicaleServer, request: pytest.FixtureRequest) -> DavCalendar:
    if not radicale_server.running:
        radicale_server.start()
    name = f"cal{next(_counter)}-{request.node.name[:40].replace('[', '-').replace(']', '').lower()}"
    name = "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in name)
    return DavCalendar(radicale_server, radicale_server.make_calendar(name), name)
