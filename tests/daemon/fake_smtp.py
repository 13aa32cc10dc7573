"""A tiny SMTP server on loopback for tests: EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, QUIT."""

from __future__ import annotations

import base64
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Received:
    auth: list[tuple[str, str]] = field(default_factory=list)  # (user, password)
    messages: list[tuple[str, list[str], str]] = field(default_factory=list)  # (from, to, data)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _send(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def _line(self) -> str:
        return self.rfile.readline().decode("utf-8", "replace").rstrip("\r\n")

    def handle(self) -> None:
        self._send("220 fake.smtp ESMTP")
        sender, rcpts = "", []
        while True:
            line = self._line()
            if not line:
                return
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._send("250-fake.smtp")
                self._send("250 AUTH PLAIN LOGIN")
            elif verb == "AUTH":
                parts = line.split()
                if parts[1].upper() == "PLAIN":
                    raw = parts[2] if len(parts) > 2 else (self._send("334 ") or self._line())
                    _, user, password = base64.b64decode(raw).decode().split("\0")
                else:
                    if len(parts) > 2:  # AUTH LOGIN <username> (initial response)
                        user = base64.b64decode(parts[2]).decode()
                    else:
                        self._send("334 VXNlcm5hbWU6")
                        user = base64.b64decode(self._line()).decode()
                    self._send("334 UGFzc3dvcmQ6")
                    password = base64.b64decode(self._line()).decode()
                self.server.received.auth.append((user, password))
                if password == self.server.password:
                    self._send("235 ok")
                elif self.server.echo_credentials:  # a careless server that repeats what it got
                    self._send(f"535 authentication failed for {user}:{password}")
                else:
                    self._send("535 authentication failed")
            elif verb == "MAIL":
                sender, rcpts = line.split(":", 1)[1].strip(" <>"), []
                self._send("250 ok")
            elif verb == "RCPT":
                rcpts.append(line.split(":", 1)[1].strip(" <>"))
                self._send("250 ok")
            elif verb == "DATA":
                self._send("354 go ahead")
                lines = []
                while (data := self._line()) != ".":
                    lines.append(data)
                self.server.received.messages.append((sender, rcpts, "\n".join(lines)))
                self._send("250 queued")
            elif verb == "QUIT":
                self._send("221 bye")
                return
            else:
                self._send("250 ok")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, password: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.password = password
        self.echo_credentials = False
        self.received = Received()


class FakeSmtp:
    def __init__(self, password: str = "") -> None:
        self.server = _Server(password)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def received(self) -> Received:
        return self.server.received

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
