"""OAuth without a browser: the installed-app flow against the fake's token endpoint, token files 0600,
refreshes persisted, and revoked tokens turned into a clear "run calsync auth google again"."""

from __future__ import annotations

import json
import re
import stat
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from calsync.cli import main
from calsync.connectors.google.auth import (
    READ_SCOPE,
    WRITE_SCOPE,
    FlowOptions,
    TokenFile,
    load_token,
    run_flow,
    save_token,
)
from calsync.errors import AuthError
from tests.connectors import google_support
from tests.connectors.google_support import WINDOW, SourceMaker, household, write_token
from tests.fakes.google_server import FakeGoogle

fake = google_support.fake  # the fixture

RUN_AGAIN = "run `calsync auth google --partner alex --calendar work` again"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def client_secrets(path: Path, fake: FakeGoogle) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"installed": {
        "client_id": "fake-client.apps.googleusercontent.com", "client_secret": "fake-client-secret",
        "auth_uri": fake.auth_uri, "token_uri": fake.token_uri, "redirect_uris": ["http://localhost"],
    }}))
    return path


@pytest.fixture(autouse=True)
def _loopback_oauth(monkeypatch: pytest.MonkeyPatch) -> None:
    # oauthlib insists on https; the fake token endpoint is plain http on 127.0.0.1
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def consent(url: str) -> str:
    """What the user's browser does: visit the auth URL; return where Google sends it back to."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(url, timeout=5)
    except urllib.error.HTTPError as exc:
        assert exc.code == 302
        return str(exc.headers["Location"])
    raise AssertionError("no redirect")


class FakeBrowser:
    """Follows the authorization URL (and the redirect to calsync's local server) in a thread."""

    def __init__(self) -> None:
        self.opened: list[str] = []

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self.opened.append(url)
        threading.Thread(target=lambda: urllib.request.urlopen(url, timeout=10).read(), daemon=True).start()
        return True


def test_saved_tokens_are_0600_in_a_0700_folder(tmp_path: Path, fake: FakeGoogle) -> None:
    creds = load_token(write_token(tmp_path / "t.json", fake), "alex/work")
    target = tmp_path / "new" / "alex.json"
    save_token(target, creds)
    assert mode(target) == 0o600 and mode(target.parent) == 0o700
    (tmp_path / "loose.json").write_text("{}")
    (tmp_path / "loose.json").chmod(0o644)
    save_token(tmp_path / "loose.json", creds)
    assert mode(tmp_path / "loose.json") == 0o600


def test_an_expired_access_token_is_refreshed_at_the_file_token_uri_and_saved(tmp_path: Path, fake: FakeGoogle) -> None:
    path = write_token(tmp_path / "t.json", fake, expired=True)
    token = TokenFile(path, "alex/work", write=True)
    creds = token.credentials()
    [refresh] = [r for r in fake.requests if r.op == "token"]
    assert refresh.body["grant_type"] == "refresh_token"
    saved = json.loads(path.read_text())
    assert saved["token"] == creds.token != "stale-access"
    assert saved["token_uri"] == fake.token_uri
    assert mode(path) == 0o600


def test_a_401_mid_run_refreshes_and_the_new_token_is_persisted(tmp_path: Path, fake: FakeGoogle) -> None:
    make = SourceMaker(fake, tmp_path)
    fake.access_tokens.clear()  # Google revoked the access token, the refresh token is fine
    source = make()
    source.read(WINDOW)
    source.close()
    saved = json.loads((tmp_path / "alex-google.json").read_text())
    assert saved["token"] in fake.access_tokens
    assert mode(tmp_path / "alex-google.json") == 0o600


@pytest.mark.parametrize("expired", [True, False])
def test_a_revoked_refresh_token_is_a_clear_auth_error(tmp_path: Path, fake: FakeGoogle, expired: bool) -> None:
    make = SourceMaker(fake, tmp_path)
    write_token(tmp_path / "alex-google.json", fake, expired=expired)
    fake.revoke_all()
    with pytest.raises(AuthError) as info:
        make().read(WINDOW)
    assert RUN_AGAIN in info.value.message
    assert "revoked" in info.value.message


def test_missing_or_broken_token_files_name_the_fix(tmp_path: Path, fake: FakeGoogle) -> None:
    with pytest.raises(AuthError) as info:
        TokenFile(tmp_path / "none.json", "alex/work", write=True).credentials()
    assert "no Google token at" in info.value.message and RUN_AGAIN in info.value.message
    (tmp_path / "bad.json").write_text('{"token": "x"}')
    with pytest.raises(AuthError) as info:
        TokenFile(tmp_path / "bad.json", "alex/work", write=True).credentials()
    assert "missing refresh_token" in info.value.message and RUN_AGAIN in info.value.message


def test_a_read_only_token_cannot_be_used_to_write(tmp_path: Path, fake: FakeGoogle) -> None:
    path = write_token(tmp_path / "t.json", fake, scopes=[READ_SCOPE])
    TokenFile(path, "alex/work", write=False).credentials()
    with pytest.raises(AuthError) as info:
        TokenFile(path, "alex/work", write=True).credentials()
    assert "does not allow calsync to write" in info.value.message


def test_auth_google_with_the_local_redirect_server(tmp_path: Path, fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    cfg = household(tmp_path, fake)
    client_secrets(tmp_path / "secrets" / "client.json", fake)
    (tmp_path / "secrets" / "alex-google.json").unlink()
    browser = FakeBrowser()
    monkeypatch.setattr("webbrowser.get", lambda *a, **k: browser)
    code = main(["auth", "google", "--partner", "alex", "--calendar", "work", "--config", str(cfg)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Saved the token for alex/work" in out and "can be read" in out
    [auth] = [r for r in fake.requests if r.op == "auth"]
    assert auth.query["scope"] == [WRITE_SCOPE]
    assert auth.query["access_type"] == ["offline"] and auth.query["prompt"] == ["consent"]
    assert auth.query["code_challenge_method"] == ["S256"]
    token = tmp_path / "secrets" / "alex-google.json"
    saved = json.loads(token.read_text())
    assert mode(token) == 0o600
    assert saved["refresh_token"] in fake.refresh_tokens and saved["token_uri"] == fake.token_uri
    assert saved["scopes"] == [WRITE_SCOPE]


def test_auth_google_without_a_browser_accepts_the_pasted_address(tmp_path: Path, fake: FakeGoogle,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    cfg = household(tmp_path, fake)
    client_secrets(tmp_path / "secrets" / "client.json", fake)

    def paste(text: str, **kwargs: object) -> str:
        printed = capsys.readouterr().out
        url = re.search(r"(http://127\.0\.0\.1:\d+/auth\?\S+)", printed).group(1)  # type: ignore[union-attr]
        return consent(url)  # http://localhost:8765/?code=...&state=...

    monkeypatch.setattr("click.prompt", paste)
    (tmp_path / "secrets" / "alex-google.json").unlink()
    code = main(["auth", "google", "--partner", "alex", "--calendar", "work", "--no-browser", "--config", str(cfg)])
    assert code == 0, capsys.readouterr()
    saved = json.loads((tmp_path / "secrets" / "alex-google.json").read_text())
    assert saved["refresh_token"] in fake.refresh_tokens
    assert mode(tmp_path / "secrets" / "alex-google.json") == 0o600


def test_the_manual_flow_also_takes_just_the_code(tmp_path: Path, fake: FakeGoogle) -> None:
    secrets_file = client_secrets(tmp_path / "client.json", fake)
    said: list[str] = []

    def ask(text: str) -> str:
        url = re.search(r"(http://127\.0\.0\.1:\d+/auth\?\S+)", "\n".join(said)).group(1)  # type: ignore[union-attr]
        location = consent(url)
        assert location.startswith("http://localhost:8765/")
        return re.search(r"code=([^&]+)", location).group(1)  # type: ignore[union-attr]

    creds = run_flow(secrets_file, [READ_SCOPE], "sam/work", FlowOptions(manual=True), said.append, ask)
    assert creds.refresh_token in fake.refresh_tokens


def test_consent_denied_saves_nothing_and_exits_1(tmp_path: Path, fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    cfg = household(tmp_path, fake)
    client_secrets(tmp_path / "secrets" / "client.json", fake)
    token = tmp_path / "secrets" / "alex-google.json"
    token.unlink()
    fake.deny_consent = True
    monkeypatch.setattr("webbrowser.get", lambda *a, **k: FakeBrowser())
    code = main(["auth", "google", "--partner", "alex", "--calendar", "work", "--config", str(cfg)])
    assert code == 1
    assert "access_denied" in capsys.readouterr().err
    assert not token.exists()


def test_auth_google_usage_errors_exit_2(tmp_path: Path, fake: FakeGoogle, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = household(tmp_path, fake)
    assert main(["auth", "google", "--partner", "kim", "--calendar", "work", "--config", str(cfg)]) == 2
    assert 'no partner "kim"' in capsys.readouterr().err
    assert main(["auth", "google", "--partner", "sam", "--calendar", "work", "--config", str(cfg)]) == 2
    assert "no client_secrets" in capsys.readouterr().err


def test_token_status_line_for_calsync_status(tmp_path: Path, fake: FakeGoogle) -> None:
    from calsync.connectors.google.auth import describe_token

    assert "run `calsync auth google --partner alex --calendar work`" in describe_token(tmp_path / "none.json", "alex/work")
    path = write_token(tmp_path / "t.json", fake)
    assert "access token valid until" in describe_token(path, "alex/work")
    path.chmod(0o644)
    assert "should be 600" in describe_token(path, "alex/work")
