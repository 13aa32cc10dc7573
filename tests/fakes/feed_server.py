"""A tiny HTTP server on 127.0.0.1 that serves iCal feeds, with ETags and injectable failures."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class FeedState:
    body: bytes = b""
    status: int = 200  # set to 500 (or anything) to fail
    send_etag: bool = True
    requests: list[dict[str, str]] = field(default_factory=list)


@contextmanager
def feed_server() -> Iterator[tuple[str, FeedState]]:
    state = FeedState()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            state.requests.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
            if state.status != 200:
                self.send_response(state.status)
                self.end_headers()
                self.wfile.write(b"server error")
                return
            etag = '"' + hashlib.sha1(state.body).hexdigest() + '"'
            if state.send_etag and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            if state.send_etag:
                self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
