"""Turn pydantic validation errors into `PATH:LINE: message` problems a person can act on."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from calsync.config.yamlfile import LoadedYaml, Loc
from calsync.errors import Problem


def _real_loc(data: Any, loc: tuple[Any, ...]) -> tuple[Loc, str | None]:
    """Follow `loc` through the data, dropping the parts pydantic adds (union tags, validators).

    Returns the path that exists in the file and, when the last element names a key that is not
    there (a missing or unknown key), that key.
    """
    real: list[str | int] = []
    current = data
    last_key: str | None = None
    for index, part in enumerate(loc):
        is_last = index == len(loc) - 1
        if isinstance(current, dict) and part in current or isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            real.append(part)
            current = current[part]
        elif is_last and isinstance(part, str):
            last_key = part
    return tuple(real), last_key


def _describe(error: dict[str, Any], key: str | None, value_path: Loc) -> str:
    kind = error["type"]
    msg = str(error["msg"])
    field = key or (str(value_path[-1]) if value_path else "")
    if kind == "extra_forbidden":
        return f'unknown key "{field}"'
    if kind == "missing":
        return f'missing required key "{field}"'
    if kind in ("value_error", "assertion_error"):
        return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f'{field}: {error.get("input")!r} is not one of {expected}'
    if kind == "union_tag_invalid":
        expected = error.get("ctx", {}).get("expected_tags", "")
        return f'{field}: {error.get("ctx", {}).get("tag")!r} is not one of {expected}'
    if kind == "union_tag_not_found":
        return f'{field}: missing required key "{error.get("ctx", {}).get("discriminator", "")}"'.replace("'", "")
    return f"{field}: {msg}" if field else msg


def problems_from_validation(exc: ValidationError, loaded: LoadedYaml, prefix: Loc = ()) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[int, str]] = set()
    for error in exc.errors():
        loc = (*prefix, *error["loc"])
        real, key = _real_loc(loaded.data, loc)
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            tag = str(error.get("ctx", {}).get("discriminator", "")).strip("'")
            node = loaded.data
            for part in real:
                node = node[part]
            if isinstance(node, dict) and tag in node:
                real = (*real, tag)
        line = loaded.line_of(real)
        message = _describe(dict(error), key, real)
        if (line, message) in seen:
            continue
        seen.add((line, message))
        problems.append(Problem(loaded.path, line, message))
    return problems
