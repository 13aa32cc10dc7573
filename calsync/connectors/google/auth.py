"""Google OAuth for calsync: the installed-app flow, and token files that stay 0600.

A token file is the authorized-user JSON google-auth writes (`Credentials.to_json()`): client id
and secret, refresh token, access token, expiry, scopes and `token_uri`. calsync honours the
file's `token_uri` (google-auth's own loader always replaces it with Google's), so a token issued
by another OAuth server, or by a test server, refreshes where it came from.

Scopes are the least that do the job: `calendar.events.owned` ("see, create, change and delete
events on calendars you own") for calendars calsync writes to, `calendar.events.readonly` for the
ones it only reads.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import stat
import webbrowser
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import google_auth_httplib2
import httplib2
from google.auth.exceptions import GoogleAuthError, RefreshError, TransportError
from google.oauth2.credentials import Credentials

from calsync.connectors.atomic import atomic_write
from calsync.errors import AuthError, UsageError
from calsync.logs import REDACTOR

log = logging.getLogger(__name__)

SCOPE_PREFIX = "https://www.googleapis.com/auth/"
WRITE_SCOPE = SCOPE_PREFIX + "calendar.events.owned"
READ_SCOPE = SCOPE_PREFIX + "calendar.events.readonly"
# Scopes that include what calsync needs (a token authorized with one of these also works).
WRITE_SCOPES_OK = {WRITE_SCOPE, SCOPE_PREFIX + "calendar.events", SCOPE_PREFIX + "calendar"}
READ_SCOPES_OK = WRITE_SCOPES_OK | {
    READ_SCOPE,
    SCOPE_PREFIX + "calendar.readonly",
    SCOPE_PREFIX + "calendar.events.owned.readonly",
}
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
TOKEN_MODE = 0o600


def scopes_for(write: bool) -> list[str]:
    return [WRITE_SCOPE] if write else [READ_SCOPE]


def auth_command(ref: str) -> str:
    partner, _, calendar = ref.partition("/")
    return f"calsync auth google --partner {partner} --calendar {calendar}"


def reauth_message(ref: str, detail: str) -> str:
    return f"{detail}; run `{auth_command(ref)}` again"


# -- token files ------------------------------------------------------------------------------
def save_token(path: Path, credentials: Credentials) -> None:
    """Write the authorized-user JSON with mode 0600 (atomically; the folder is created 0700)."""
    path = Path(path)
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    data = json.loads(credentials.to_json())
    atomic_write(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"), mode=TOKEN_MODE)


def _parse_expiry(value: Any) -> dt.datetime | None:
    if not value:
        return None
    text = str(value).rstrip("Z").split(".")[0]
    try:
        return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S")  # naive UTC, as google-auth expects
    except ValueError:
        return None


def load_token(path: Path, ref: str) -> Credentials:
    """Credentials from a token file; AuthError (naming the fix) when it is missing or unusable."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AuthError(ref, reauth_message(ref, f"no Google token at {path}")) from None
    except OSError as exc:
        raise AuthError(ref, f"cannot read the Google token {path}: {exc.strerror or exc}") from None
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("%s: token file %s is readable by others (mode %o); it should be 0600", ref, path, mode)
    except OSError:
        pass
    try:
        info = json.loads(raw)
        if not isinstance(info, dict):
            raise ValueError("not a JSON object")
        missing = [k for k in ("refresh_token", "client_id", "client_secret") if not info.get(k)]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
    except ValueError as exc:
        raise AuthError(ref, reauth_message(ref, f"the Google token {path} is not usable ({exc})")) from None
    for secret in (info.get("refresh_token"), info.get("token"), info.get("client_secret")):
        if secret:
            REDACTOR.add_secret(str(secret))
    scopes = info.get("scopes")
    if isinstance(scopes, str):
        scopes = scopes.split()
    return Credentials(
        token=info.get("token"),
        refresh_token=info["refresh_token"],
        token_uri=info.get("token_uri") or GOOGLE_TOKEN_URI,
        client_id=info["client_id"],
        client_secret=info["client_secret"],
        scopes=scopes,
        expiry=_parse_expiry(info.get("expiry")),
        account=info.get("account") or "",
    )


def check_scopes(credentials: Credentials, write: bool, ref: str) -> None:
    granted = set(credentials.scopes or [])
    if not granted:
        return  # older token files carry no scopes; Google will answer 403 if they do not fit
    needed = WRITE_SCOPES_OK if write else READ_SCOPES_OK
    if not granted & needed:
        what = "write blocks to" if write else "read"
        raise AuthError(ref, reauth_message(ref, f"the Google token does not allow calsync to {what} this calendar"))


def refresh_request(timeout: float = 30.0) -> google_auth_httplib2.Request:
    return google_auth_httplib2.Request(httplib2.Http(timeout=timeout))


def refresh(credentials: Credentials, ref: str, timeout: float = 30.0) -> None:
    """Refresh the access token; a revoked or expired refresh token becomes a clear AuthError."""
    try:
        credentials.refresh(refresh_request(timeout))
    except RefreshError as exc:
        raise AuthError(ref, reauth_message(ref, f"Google refused the stored authorization ({_refresh_detail(exc)})")) from None
    except (TransportError, OSError) as exc:
        raise AuthError(ref, f"cannot reach Google's token endpoint: {exc}", transient=True) from None
    if credentials.token:
        REDACTOR.add_secret(credentials.token)


def _refresh_detail(exc: RefreshError) -> str:
    text = str(exc.args[0]) if exc.args else str(exc)
    if "invalid_grant" in text:
        return "invalid_grant: the refresh token has expired or been revoked"
    return text[:200]


class TokenFile:
    """The credentials of one calendar, loaded lazily, refreshed when stale, saved when changed."""

    def __init__(self, path: Path, ref: str, *, write: bool, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.ref = ref
        self.write = write
        self.timeout = timeout
        self._credentials: Credentials | None = None
        self._saved_token: str | None = None

    def credentials(self) -> Credentials:
        if self._credentials is None:
            creds = load_token(self.path, self.ref)
            check_scopes(creds, self.write, self.ref)
            self._saved_token = creds.token
            if not creds.valid:
                refresh(creds, self.ref, self.timeout)
            self._credentials = creds
            self.save_if_changed()
        return self._credentials

    def save_if_changed(self) -> None:
        """google-auth refreshes on 401 without persisting; keep the file current (0600)."""
        creds = self._credentials
        if creds is None or creds.token == self._saved_token:
            return
        try:
            save_token(self.path, creds)
            self._saved_token = creds.token
        except OSError as exc:
            log.warning("%s: cannot save the refreshed Google token to %s: %s", self.ref, self.path, exc)


def token_expiry(path: Path) -> dt.datetime | None:
    """When the stored access token expires (for `calsync status`); None when unknown."""
    try:
        info = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    expiry = _parse_expiry(info.get("expiry")) if isinstance(info, dict) else None
    return expiry.replace(tzinfo=dt.UTC) if expiry else None


# -- the installed-app flow -------------------------------------------------------------------
@dataclass
class FlowOptions:
    """How to finish the OAuth flow.

    `manual`: print the URL and read the address the browser was sent to (or just the code)
    from `ask` — for machines without a browser. Otherwise a local redirect server on
    `host:port` (port 0 picks a free one) waits for the browser, which is opened when possible.
    """

    manual: bool = False
    open_browser: bool = True
    host: str = "localhost"
    port: int = 0
    timeout: float | None = 300.0
    redirect_port: int = 8765  # the port named in the manual flow's redirect address


@contextlib.contextmanager
def _relaxed_scope() -> Iterator[None]:
    """Let oauthlib accept a narrower grant than asked for; calsync checks the scopes itself."""
    old = os.environ.get("OAUTHLIB_RELAX_TOKEN_SCOPE")
    os.environ["OAUTHLIB_RELAX_TOKEN_SCOPE"] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("OAUTHLIB_RELAX_TOKEN_SCOPE", None)
        else:
            os.environ["OAUTHLIB_RELAX_TOKEN_SCOPE"] = old


def _browser_available() -> bool:
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def run_flow(
    client_secrets: Path,
    scopes: Sequence[str],
    ref: str,
    options: FlowOptions,
    say: Callable[[str], None],
    ask: Callable[[str], str],
) -> Credentials:
    """Run the installed-app flow and return the authorized credentials (not yet saved)."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(client_secrets), scopes=list(scopes))
    except FileNotFoundError:
        raise UsageError(f"client secrets file {client_secrets} not found (download it from the Google Cloud console)") from None
    except (ValueError, KeyError) as exc:
        raise UsageError(f"{client_secrets} is not an OAuth client secrets file for a desktop app: {exc}") from None
    try:
        with _relaxed_scope():
            if options.manual:
                flow.redirect_uri = f"http://localhost:{options.redirect_port}/"
                url, _state = flow.authorization_url(prompt="consent")
                say(f"Open this address in a browser on any machine and allow access:\n\n    {url}\n")
                say(
                    "The browser then goes to a http://localhost:... address that may not load. "
                    "Copy that whole address from the address bar (or just the code= value)."
                )
                answer = ask("Address or code").strip()
                if not answer:
                    raise AuthError(ref, "no address or code given; nothing was saved")
                if answer.startswith(("http://", "https://")):
                    flow.fetch_token(authorization_response=answer.replace("http://", "https://", 1))
                else:
                    flow.fetch_token(code=answer)
                creds = flow.credentials
            else:
                open_browser = options.open_browser and _browser_available()
                message = (
                    "Your browser has been opened to authorize calsync. If it did not open, visit:\n\n    {url}\n"
                    if open_browser
                    else "Open this address in a browser on this machine and allow access:\n\n    {url}\n"
                )
                creds = flow.run_local_server(
                    host=options.host,
                    port=options.port,
                    open_browser=open_browser,
                    authorization_prompt_message=message,
                    success_message="calsync is authorized. You can close this window.",
                    timeout_seconds=options.timeout,
                    prompt="consent",
                )
    except AuthError:
        raise
    except GoogleAuthError as exc:
        raise AuthError(ref, f"authorization failed: {exc}") from None
    except Exception as exc:  # oauthlib errors: access_denied, invalid_grant, mismatching state, timeouts
        name = type(exc).__name__
        if name == "WSGITimeoutError":
            raise AuthError(ref, "no answer from the browser in time; nothing was saved") from None
        detail = getattr(exc, "description", None) or getattr(exc, "error", None) or str(exc)
        raise AuthError(ref, f"authorization failed ({name}: {detail}); nothing was saved") from None
    if not isinstance(creds, Credentials) or not creds.refresh_token:
        raise AuthError(
            ref,
            "Google returned no refresh token; remove calsync's access at https://myaccount.google.com/permissions and run the command again",
        )
    granted = set(getattr(creds, "granted_scopes", None) or creds.scopes or [])
    if granted and not granted & (WRITE_SCOPES_OK if WRITE_SCOPE in scopes else READ_SCOPES_OK):
        raise AuthError(ref, "the calendar permission was not granted (tick the calendar box on Google's consent screen)")
    if creds.token:
        REDACTOR.add_secret(creds.token)
    REDACTOR.add_secret(creds.refresh_token)
    return creds


@dataclass(frozen=True)
class AuthResult:
    token_path: Path
    scopes: tuple[str, ...]
    checked: bool
    check_error: str = ""


def authorize_calendar(
    config: Any,
    partner: str,
    calendar: str,
    options: FlowOptions,
    say: Callable[[str], None],
    ask: Callable[[str], str],
) -> AuthResult:
    """`calsync auth google`: run the flow for one configured Google calendar and store its token."""
    partners = config.file.partners
    if partner not in partners:
        raise UsageError(f'no partner "{partner}" in {config.path} (partners: {", ".join(partners)})')
    calendars = partners[partner].calendars
    if calendar not in calendars:
        raise UsageError(f'partner "{partner}" has no calendar "{calendar}" (calendars: {", ".join(calendars)})')
    cal = calendars[calendar]
    if cal.source != "google":
        raise UsageError(f"{partner}/{calendar} is a {cal.source} calendar, not a Google one")
    if not cal.client_secrets:
        raise UsageError(
            f"{partner}/{calendar} has no client_secrets: download an OAuth client (type Desktop app) "
            "from the Google Cloud console and name the file in calsync.yaml"
        )
    ref = f"{partner}/{calendar}"
    scopes = scopes_for(cal.write)
    creds = run_flow(config.resolve(cal.client_secrets), scopes, ref, options, say, ask)
    token_path = config.resolve(cal.token)
    save_token(token_path, creds)
    checked, error = _check_access(creds, cal, ref)
    return AuthResult(token_path, tuple(creds.scopes or scopes), checked, error)


def _check_access(creds: Credentials, cal: Any, ref: str) -> tuple[bool, str]:
    """One small read, so a wrong calendar_id shows up now rather than at the first sync."""
    from googleapiclient.errors import HttpError

    from calsync.connectors.google.client import build_service, error_message

    try:
        service = build_service(creds, cal.api_endpoint, cal.timeout)
        service.events().list(calendarId=cal.calendar_id, maxResults=1).execute(num_retries=2)
    except HttpError as exc:
        return False, error_message(exc)
    except Exception as exc:  # the token is saved either way; report what went wrong
        return False, f"{type(exc).__name__}: {exc}"
    return True, ""


def auth_command_main(
    config: Any,
    partner: str,
    calendar: str,
    *,
    manual: bool,
    port: int,
    say: Callable[[str], None],
    ask: Callable[[str], str],
) -> int:
    """The body of `calsync auth google`: returns the exit status."""
    from calsync.errors import ExitStatus

    options = FlowOptions(manual=manual, port=port, redirect_port=port or FlowOptions.redirect_port)
    result = authorize_calendar(config, partner, calendar, options, say, ask)
    say(f"Saved the token for {partner}/{calendar} to {result.token_path} (mode 0600).")
    say(f"Scopes: {', '.join(result.scopes)}")
    if not result.checked:
        say(f"Warning: the token works, but reading the calendar failed: {result.check_error}")
        say("Check calendar_id in calsync.yaml, then run `calsync plan`.")
        return int(ExitStatus.RUNTIME_FAILURE)
    say("The calendar can be read. Next: `calsync plan` shows what calsync would write.")
    return int(ExitStatus.OK)


def describe_token(path: Path, ref: str, now: dt.datetime | None = None) -> str:
    """One line for `calsync status`: whether the token file exists, is private, and its access token's expiry."""
    path = Path(path)
    if not path.exists():
        return f"no token: run `{auth_command(ref)}`"
    parts = []
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            parts.append(f"token file mode {mode:o}, should be 600")
    except OSError:
        pass
    expiry = token_expiry(path)
    now = now or dt.datetime.now(dt.UTC)
    if expiry is None:
        parts.append("token present")
    elif expiry <= now:
        parts.append(f"access token expired {expiry:%Y-%m-%d %H:%M} UTC (refreshed at the next sync)")
    else:
        parts.append(f"access token valid until {expiry:%Y-%m-%d %H:%M} UTC")
    return "; ".join(parts)
