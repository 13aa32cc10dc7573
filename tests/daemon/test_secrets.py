"""Secrets stay secret: passwords from password_env and OAuth tokens are registered with the log
filter, and no log line, status file or status output ever shows them."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import json
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from calsync import logs
from calsync.config import load_config
from calsync.config.secrets import config_secrets
from calsync.daemon import weekly_report
from tests.daemon.conftest import DaemonProcess, add_calendar, run_cli
from tests.daemon.fake_smtp import FakeSmtp
from tests.fakes.google_server import FakeGoogle
from tests.fakes.radicale import RadicaleServer

DAV_PASSWORD = "Tr0ub4dor&3-dav-password"
SMTP_PASSWORD = "correct-horse-smtp-9931"
ACCESS_TOKEN = "ya29.a0AfH6SMBknownACCESStoken0123456789"
REFRESH_TOKEN = "1//0gKnownRefreshToken-abcdefXYZ"
CLIENT_SECRET = "GOCSPX-knownClientSecret42"
FEED_TOKEN = "feedtoken7c9e6679f7425"
SECRETS = (DAV_PASSWORD, SMTP_PASSWORD, ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET, FEED_TOKEN)


def _secret_household(
    config: Path, feed_port: int, smtp_port: int, *, google_endpoint: str = "http://127.0.0.1:9/calendar/v3/",
    token_uri: str = "http://127.0.0.1:9/token", dav_url: str = "http://127.0.0.1:9/dav/sam/home/", expired: bool = False,
) -> dict[str, str]:
    """Add a CalDAV calendar with a password, a Google calendar with a token file, a private feed
    URL with a token, and SMTP with a password; returns the environment holding the passwords."""
    base = config.parent
    (base / "secrets").mkdir(mode=0o700)
    token = base / "secrets" / "alex-google.json"
    expiry = dt.datetime.now(dt.UTC) + dt.timedelta(hours=-1 if expired else 1)
    token.write_text(json.dumps({
        "token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN, "client_id": "1234.apps.googleusercontent.com",
        "client_secret": CLIENT_SECRET, "token_uri": token_uri, "expiry": expiry.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "scopes": ["https://www.googleapis.com/auth/calendar.events.owned"],
    }))
    token.chmod(0o600)
    add_calendar(config, "alex", "google", [
        "source: google", "token: secrets/alex-google.json", f"api_endpoint: {google_endpoint}", "role: personal",
    ])
    add_calendar(config, "alex", "feed", [
        "source: ics", f"url: http://127.0.0.1:{feed_port}/private/{FEED_TOKEN}/basic.ics?token={FEED_TOKEN}", "role: personal",
    ])
    add_calendar(config, "sam", "dav", [
        "source: caldav", f"url: {dav_url}", "username: sam", "password_env: SAM_DAV_PASSWORD",
        "role: personal", "retries: 0", "timeout: 5",
    ])
    text = config.read_text()
    text += (
        "daemon:\n  report: {day: mon, time: \"07:00\", path: \"reports/{week}.md\", email: [alex@example.org]}\n"
        f"  smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none, username: calsync, "
        "password_env: CALSYNC_SMTP_PASSWORD, from: calsync@example.org}\n"
    )
    config.write_text(text)
    # SMTP password deliberately wrong for the server below, which echoes credentials it refuses
    return {"SAM_DAV_PASSWORD": DAV_PASSWORD, "CALSYNC_SMTP_PASSWORD": SMTP_PASSWORD}


class _FailingFeed(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(500)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_google() -> Iterator[FakeGoogle]:
    """The fake Google Calendar API, accepting the known access and refresh tokens."""
    fake = FakeGoogle().start()
    fake.access_tokens.add(ACCESS_TOKEN)
    fake.refresh_tokens.add(REFRESH_TOKEN)
    fake.calendars.setdefault("primary", {})
    yield fake
    fake.stop()


@pytest.fixture
def failing_feed() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FailingFeed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_config_secrets_finds_passwords_and_tokens(household: Path) -> None:
    env = _secret_household(household, 1, 2)
    found = config_secrets(load_config(household, env), env)
    assert set(found) == {DAV_PASSWORD, SMTP_PASSWORD, ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET}


def test_registered_secrets_are_redacted_in_messages_and_tracebacks(household: Path) -> None:
    """Even code that carelessly logs a password or token (or raises with one) cannot leak it."""
    env = _secret_household(household, 1, 2)
    stream = io.StringIO()
    logs.configure("debug", json_lines=True, stream=stream)
    logs.register_secrets(config_secrets(load_config(household, env), env))
    log = logging.getLogger("calsync.test")
    log.info("connecting with password %s and token %s", DAV_PASSWORD, ACCESS_TOKEN)
    log.warning("smtp said: 535 rejected calsync:%s", SMTP_PASSWORD)
    try:
        raise RuntimeError(f"refresh failed for {REFRESH_TOKEN} / {CLIENT_SECRET}")
    except RuntimeError:
        log.exception("token refresh")
    logs.configure("debug", json_lines=False, stream=stream)
    try:
        raise RuntimeError(f"refresh failed for {REFRESH_TOKEN}")
    except RuntimeError:
        log.exception("again, as text")
    output = stream.getvalue()
    assert output.count("***") >= 6
    for secret in SECRETS:
        assert secret not in output


def test_no_secret_in_any_daemon_log_line(
    household: Path, failing_feed: int, fake_google: FakeGoogle, daemons: list[DaemonProcess]
) -> None:
    """A daemon at debug level, with a failing private feed, an unreachable CalDAV server and an
    SMTP server that echoes the refused password: no secret anywhere."""
    smtp = FakeSmtp("the-server-wants-another-password")
    smtp.server.echo_credentials = True
    try:
        env = _secret_household(household, failing_feed, smtp.port, google_endpoint=fake_google.api_endpoint,
                                token_uri=fake_google.token_uri)
        config = load_config(household, env)
        schedule = config.file.daemon.report
        assert schedule is not None
        tz = config.tz
        slot = weekly_report.last_slot(schedule, dt.datetime.now(tz), tz)
        now = (slot + dt.timedelta(minutes=10)).isoformat()
        daemon = DaemonProcess(household, "--interval", "1", "--now", now, env=env)
        daemons.append(daemon)
        daemon.wait_cycles(2)
        assert daemon.stop() == 0
        assert smtp.received.auth  # the password did travel, to the SMTP server only
        assert all(auth == ("calsync", SMTP_PASSWORD) for auth in smtp.received.auth)
        status = run_cli("status", "--config", str(household), env=env)
        status_json = run_cli("status", "--json", "--config", str(household), env=env)
    finally:
        smtp.close()
    lines = daemon.log_text().splitlines()
    assert len(lines) > 10
    joined = "\n".join(lines)
    assert "authentication failed for calsync:***" in joined  # the echoed password was redacted
    assert "HTTP 500" in joined
    state_status = Path(f"{household.parent / 'state.db'}.status.json").read_text()
    for secret in SECRETS:
        for where, text in (("log", joined), ("status file", state_status), ("status", status.stdout + status.stderr),
                            ("status --json", status_json.stdout)):
            assert secret not in text, f"{secret!r} leaked into the {where}"
    assert os.stat(household.parent / "secrets" / "alex-google.json").st_mode & 0o077 == 0


def test_no_secret_in_logs_when_every_secret_is_really_used(
    household: Path, failing_feed: int, fake_google: FakeGoogle, tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    """The expired Google access token is refreshed with the refresh token and client secret, CalDAV
    authenticates with its password against Radicale, the report is mailed with the SMTP password:
    all of them cross the wire, none of them reaches a log line, the status file or `status`."""
    htpasswd = tmp_path / "users"
    htpasswd.write_text(f"sam:{DAV_PASSWORD}\n")
    server = RadicaleServer(tmp_path / "radicale")
    server.extra_args = ["--auth-type", "htpasswd", "--auth-htpasswd-filename", str(htpasswd), "--auth-htpasswd-encryption", "plain"]
    server.start()
    smtp = FakeSmtp(SMTP_PASSWORD)
    try:
        import base64
        import urllib.request

        request = urllib.request.Request(f"{server.url}sam/", method="PROPFIND", headers={
            "Depth": "0", "Authorization": "Basic " + base64.b64encode(f"sam:{DAV_PASSWORD}".encode()).decode()})
        urllib.request.urlopen(request, timeout=10).close()  # creates the principal
        body = '<?xml version="1.0"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"/>'
        request = urllib.request.Request(f"{server.url}sam/home/", data=body.encode(), method="MKCALENDAR", headers={
            "Authorization": "Basic " + base64.b64encode(f"sam:{DAV_PASSWORD}".encode()).decode()})
        urllib.request.urlopen(request, timeout=10).close()
        env = _secret_household(household, failing_feed, smtp.port, google_endpoint=fake_google.api_endpoint,
                                token_uri=fake_google.token_uri, dav_url=f"{server.url}sam/home/", expired=True)
        config = load_config(household, env)
        schedule = config.file.daemon.report
        assert schedule is not None
        slot = weekly_report.last_slot(schedule, dt.datetime.now(config.tz), config.tz)
        daemon = DaemonProcess(household, "--interval", "1", "--now", (slot + dt.timedelta(minutes=10)).isoformat(), env=env)
        daemons.append(daemon)
        status = daemon.wait_cycles(2)
        assert daemon.stop() == 0
        shown = run_cli("status", "--config", str(household), env=env)
    finally:
        smtp.close()
        server.stop()
    assert status["calendars"]["sam/dav"]["consecutive_failures"] == 0, status["calendars"]["sam/dav"]
    assert status["calendars"]["alex/google"]["consecutive_failures"] == 0, status["calendars"]["alex/google"]
    assert [r.op for r in fake_google.requests if r.op == "token"]  # the refresh token was used
    assert smtp.received.auth == [("calsync", SMTP_PASSWORD)] and len(smtp.received.messages) == 1
    refreshed = json.loads((household.parent / "secrets" / "alex-google.json").read_text())["token"]
    assert refreshed != ACCESS_TOKEN
    text = daemon.log_text() + Path(f"{household.parent / 'state.db'}.status.json").read_text() + shown.stdout + shown.stderr
    for secret in (*SECRETS, refreshed):
        assert secret not in text, f"{secret!r} leaked"
