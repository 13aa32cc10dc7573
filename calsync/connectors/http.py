"""Downloading iCal feeds: timeouts, a size limit, and ETag/Last-Modified conditional requests."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from dataclasses import dataclass

from calsync import __version__
from calsync.connectors.redact import redact_url
from calsync.errors import SourceError
from calsync.state.store import SourceCache

USER_AGENT = f"calsync/{__version__} (+https://github.com/calsync/calsync)"


@dataclass(frozen=True)
class Feed:
    body: bytes
    changed: bool  # False when the server said 304 or the body hash did not change
    digest: str


def fetch_feed(url: str, cache: SourceCache, *, label: str, timeout: float, max_bytes: int) -> Feed:
    """GET the feed, revalidating against what the cache holds; raise SourceError on any failure."""
    if url.startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]
    validators = cache.get_json("http") or {}
    cached = cache.get("body")
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if cached is not None:
        if validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
    request = urllib.request.Request(url, headers=headers)
    shown = redact_url(url)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise SourceError(label, f"feed {shown} is larger than max_bytes ({max_bytes} bytes)")
            etag = response.headers.get("ETag")
            modified = response.headers.get("Last-Modified")
    except urllib.error.HTTPError as exc:
        if exc.code == 304 and cached is not None:
            digest = hashlib.sha256(cached).hexdigest()
            return Feed(cached, False, digest)
        raise SourceError(label, f"feed {shown} answered HTTP {exc.code}", transient=exc.code >= 500 or exc.code == 429) from None
    except urllib.error.URLError as exc:
        raise SourceError(label, f"cannot reach feed {shown}: {exc.reason}", transient=True) from None
    except TimeoutError:
        raise SourceError(label, f"feed {shown} timed out after {timeout:g}s", transient=True) from None
    except OSError as exc:
        raise SourceError(label, f"cannot read feed {shown}: {exc}", transient=True) from None
    digest = hashlib.sha256(body).hexdigest()
    previous = validators.get("digest")
    if digest != previous or cached is None:  # an unchanged feed is not written to the state again
        cache.put("body", body)
    if validators != {"etag": etag, "last_modified": modified, "digest": digest}:
        cache.put_json("http", {"etag": etag, "last_modified": modified, "digest": digest})
    return Feed(body, digest != previous, digest)
