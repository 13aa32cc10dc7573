"""YAML loading that remembers where every value came from, so errors can name file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from calsync.errors import ConfigError, Problem

Loc = tuple[str | int, ...]


@dataclass
class LoadedYaml:
    """Plain Python data plus the line of every mapping key and sequence item (1-based)."""

    path: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int:
        """The line of the deepest part of `loc` that exists in the file."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 1)


class _Loader(yaml.SafeLoader):
    pass


def _to_python(node: yaml.Node, loc: Loc, out: LoadedYaml, problems: list[Problem], loader: _Loader) -> Any:
    out.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int):
                problems.append(Problem(out.path, key_node.start_mark.line + 1, f"key {key!r} must be text"))
                continue
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                problems.append(Problem(out.path, key_node.start_mark.line + 1, f'duplicate key "{key}"'))
                continue
            out.lines[(*loc, key)] = key_node.start_mark.line + 1
            result[key] = _to_python(value_node, (*loc, key), out, problems, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            out.lines[(*loc, index)] = item.start_mark.line + 1
            items.append(_to_python(item, (*loc, index), out, problems, loader))
        return items
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, TypeError, OverflowError):
        # an impossible date such as 2026-13-01: keep the text, validation names the key and line
        return node.value if isinstance(node, yaml.ScalarNode) else None


def load_yaml(path: Path, display: str | None = None) -> LoadedYaml:
    """Parse one YAML file; raises ConfigError with file and line on any syntax problem."""
    shown = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError.single(shown, 0, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError.single(shown, 0, f"cannot read file: {exc}") from None
    out = LoadedYaml(shown, None)
    problems: list[Problem] = []
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                out.data = _to_python(node, (), out, problems, loader)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        what = exc.problem or exc.context or "invalid YAML"
        raise ConfigError.single(shown, line, f"invalid YAML: {what}") from None
    except yaml.YAMLError as exc:
        raise ConfigError.single(shown, 0, f"invalid YAML: {exc}") from None
    if problems:
        raise ConfigError(problems)
    return out
