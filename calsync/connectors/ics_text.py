"""Split iCalendar text into top-level components without re-serialising anything.

Writable iCal files hold the user's events beside calsync's blocks. To keep every byte of the
user's components, calsync edits the file as text: it keeps the components it did not write
exactly as they are and only replaces its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from calsync.errors import ParseError


@dataclass(frozen=True)
class Chunk:
    name: str  # VEVENT, VTIMEZONE, ...
    text: str  # the component's lines, with their original line endings


@dataclass
class SplitCalendar:
    head: str  # BEGIN:VCALENDAR and the calendar's own properties
    components: list[Chunk]
    tail: str  # END:VCALENDAR and anything after
    newline: str

    def join(self, extra: list[str] | None = None) -> str:
        body = "".join(c.text for c in self.components)
        added = "".join(extra or [])
        return self.head + body + added + self.tail


def split_calendar(text: str, label: str) -> SplitCalendar:
    newline = "\r\n" if "\r\n" in text[:2000] else "\n"
    lines = text.splitlines(keepends=True)
    head: list[str] = []
    components: list[Chunk] = []
    tail: list[str] = []
    current: list[str] = []
    current_name = ""
    depth = 0
    seen_calendar = False
    finished = False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip().upper()
        if finished:
            tail.append(line)
            continue
        if not seen_calendar:
            head.append(line)
            if stripped == "BEGIN:VCALENDAR":
                seen_calendar = True
                depth = 1
            continue
        if stripped.startswith("BEGIN:"):
            depth += 1
            if depth == 2:
                current_name = stripped[6:]
                current = []
        if depth >= 2:
            current.append(line)
        elif stripped == "END:VCALENDAR":
            tail.append(line)
            finished = True
            depth = 0
            continue
        else:
            if components:
                # calendar properties after components are kept in place as a pseudo-chunk
                components.append(Chunk("", line))
            else:
                head.append(line)
        if stripped.startswith("END:"):
            if depth == 2:
                if stripped[4:] != current_name:
                    raise ParseError(label, f"line {number}: END:{stripped[4:]} closes BEGIN:{current_name}")
                components.append(Chunk(current_name, "".join(current)))
            depth -= 1
    if not seen_calendar:
        raise ParseError(label, "not an iCalendar file (no BEGIN:VCALENDAR)")
    if not finished:
        raise ParseError(label, "the calendar is truncated (no END:VCALENDAR)")
    if head and not head[-1].endswith(("\n", "\r")):
        head[-1] += newline
    return SplitCalendar("".join(head), components, "".join(tail), newline)


def empty_calendar(prodid: str, newline: str = "\r\n") -> str:
    return newline.join(["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{prodid}", "END:VCALENDAR"]) + newline
