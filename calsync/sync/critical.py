"""Critical sections: stretches of work that a stop request must let finish.

A calendar write and the state records that follow it form one such stretch. Code that wants to
stop the process (the daemon's SIGTERM handler) asks `active()`; while a section runs it `defer`s
its action, which then runs as the outermost section ends. Outside any section it may act at once.
Plain module state on purpose: signal handlers run in the main thread, as does the sync.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

_depth = 0
_deferred: list[Callable[[], None]] = []


def active() -> bool:
    return _depth > 0


def defer(action: Callable[[], None]) -> None:
    """Run `action` when the current critical section ends (it may raise to stop the caller)."""
    _deferred.append(action)


@contextmanager
def critical_section() -> Iterator[None]:
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0 and _deferred:
            actions = list(_deferred)
            _deferred.clear()
            for action in actions:
                action()
