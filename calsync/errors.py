"""One exception hierarchy; every message is written for the person running calsync."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ExitStatus(enum.IntEnum):
    """Process exit codes, as the contract defines them."""

    OK = 0
    RUNTIME_FAILURE = 1  # a calendar could not be read or written; what was safe was done
    BAD_INPUT = 2  # bad usage, configuration or rules; nothing was read or written


class CalsyncError(Exception):
    """Base of every error calsync reports to a user."""

    exit_status: ExitStatus = ExitStatus.RUNTIME_FAILURE

    def user_message(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Problem:
    """One problem in one input file, with the line it is on (1-based; 0 when unknown)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}: {self.message}"
        return f"{self.path}: {self.message}"


class ConfigError(CalsyncError):
    """The configuration or a rule file is invalid. Carries every problem found, not just the first."""

    exit_status = ExitStatus.BAD_INPUT

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, path: str, line: int, message: str) -> ConfigError:
        return cls([Problem(path, line, message)])


class UsageError(CalsyncError):
    """The command line asks for something that cannot be done."""

    exit_status = ExitStatus.BAD_INPUT


class SourceError(CalsyncError):
    """A calendar could not be read or written."""

    def __init__(self, calendar: str, message: str, *, transient: bool = False) -> None:
        self.calendar = calendar
        self.message = message
        self.transient = transient
        super().__init__(f"{calendar}: {message}")


class AuthError(SourceError):
    """Credentials are missing, expired or revoked; the user has to act."""


class ParseError(SourceError):
    """Calendar data could not be parsed (names the file and the component)."""


class WriteConflict(SourceError):
    """Someone changed an event between our read and our write (CalDAV 412, Google etag)."""


class SafetyStop(CalsyncError):
    """A run would make more deletions than the safety limit allows; needs --force."""

    exit_status = ExitStatus.RUNTIME_FAILURE


class StateError(CalsyncError):
    """The state database cannot be used (locked, from a newer calsync, corrupt)."""
