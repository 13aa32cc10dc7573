"""Find, load and validate calsync.yaml and its rule files; report every problem at once."""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from calsync.config.models import Config, ConfigFile
from calsync.config.problems import problems_from_validation
from calsync.config.yamlfile import LoadedYaml, load_yaml
from calsync.errors import ConfigError, Problem
from calsync.rules.schema import LoadThresholds, RuleFile, RuleSet

CONFIG_NAME = "calsync.yaml"


def find_config(explicit: str | os.PathLike[str] | None, env: dict[str, str] | None = None) -> Path:
    """`--config PATH`, else ./calsync.yaml, else $XDG_CONFIG_HOME/calsync/calsync.yaml."""
    env = dict(os.environ) if env is None else env
    if explicit:
        return Path(explicit)
    local = Path.cwd() / CONFIG_NAME
    if local.exists():
        return local
    xdg = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    candidate = xdg / "calsync" / CONFIG_NAME
    if candidate.exists():
        return candidate
    raise ConfigError.single(
        CONFIG_NAME, 0, f"no configuration found (looked in ./{CONFIG_NAME} and {candidate}); pass --config PATH"
    )


def default_state_path(env: dict[str, str] | None = None) -> Path:
    env = dict(os.environ) if env is None else env
    base = Path(env.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "calsync" / "state.db"


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _rule_paths(cfg: ConfigFile, loaded: LoadedYaml, base: Path) -> tuple[list[Path], list[Problem]]:
    paths: list[Path] = []
    problems: list[Problem] = []
    for index, pattern in enumerate(cfg.rules):
        full = Path(pattern).expanduser()
        full = full if full.is_absolute() else base / full
        if glob.has_magic(str(full)):
            matches = sorted(Path(p) for p in glob.glob(str(full)))
            if not matches:
                problems.append(Problem(loaded.path, loaded.line_of(("rules", index)), f'no rule file matches "{pattern}"'))
            paths.extend(matches)
        elif full.exists():
            paths.append(full)
        else:
            problems.append(Problem(loaded.path, loaded.line_of(("rules", index)), f'rule file "{pattern}" not found'))
    unique: list[Path] = []
    for path in paths:
        if path.resolve() not in {p.resolve() for p in unique}:
            unique.append(path)
    return unique, problems


def _check_references(cfg: ConfigFile, files: list[tuple[LoadedYaml, RuleFile]]) -> list[Problem]:
    """Cross-file checks: partner names, unique rule names, target calendars."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    partners = cfg.partners
    for loaded, rule_file in files:
        for section in ("no_work_zones", "rituals"):
            for index, rule in enumerate(getattr(rule_file, section)):
                loc: tuple[str | int, ...] = (section, index)
                where = f"{loaded.path}:{loaded.line_of((*loc, 'name'))}"
                if rule.name in seen:
                    problems.append(
                        Problem(loaded.path, loaded.line_of((*loc, "name")), f'rule name "{rule.name}" is already used at {seen[rule.name]}')
                    )
                else:
                    seen[rule.name] = where
                if not rule.who:
                    problems.append(Problem(loaded.path, loaded.line_of((*loc, "who")), f'rule "{rule.name}": who: names nobody'))
                for w_index, who in enumerate(rule.who):
                    if who not in partners:
                        known = ", ".join(sorted(partners))
                        problems.append(
                            Problem(loaded.path, loaded.line_of((*loc, "who", w_index)), f'rule "{rule.name}": unknown partner "{who}" (partners: {known})')
                        )
                if len(set(rule.who)) != len(rule.who):
                    problems.append(Problem(loaded.path, loaded.line_of((*loc, "who")), f'rule "{rule.name}": a partner is named twice in who'))
                for c_index, cal in enumerate(rule.calendars or []):
                    for who in rule.who:
                        partner = partners.get(who)
                        if partner is None:
                            continue
                        if cal not in partner.calendars:
                            problems.append(
                                Problem(loaded.path, loaded.line_of((*loc, "calendars", c_index)), f'rule "{rule.name}": partner "{who}" has no calendar "{cal}"')
                            )
                        elif not partner.calendars[cal].write:
                            problems.append(
                                Problem(loaded.path, loaded.line_of((*loc, "calendars", c_index)), f'rule "{rule.name}": calendar "{who}/{cal}" is not writable (write: true)')
                            )
    return problems


def _merge_load(files: list[tuple[LoadedYaml, RuleFile]]) -> tuple[LoadThresholds, list[Problem]]:
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    problems: list[Problem] = []
    for loaded, rule_file in files:
        if rule_file.load is None:
            continue
        for key, value in rule_file.load.model_dump(exclude_none=True).items():
            if key in merged:
                problems.append(Problem(loaded.path, loaded.line_of(("load", key)), f"load.{key} is already set in {origin[key]}"))
            else:
                merged[key] = value
                origin[key] = loaded.path
    return LoadThresholds(**merged), problems


def load_config(path: Path, env: dict[str, str] | None = None) -> Config:
    """Load and validate everything; raises ConfigError listing every problem found."""
    path = Path(path)
    loaded = load_yaml(path, _display(path))
    if not isinstance(loaded.data, dict):
        raise ConfigError.single(loaded.path, 1, "the configuration must be a mapping (timezone:, partners:, ...)")
    try:
        cfg = ConfigFile.model_validate(loaded.data)
    except ValidationError as exc:
        raise ConfigError(problems_from_validation(exc, loaded)) from None
    base = path.resolve().parent
    problems: list[Problem] = []
    rule_paths, path_problems = _rule_paths(cfg, loaded, base)
    problems.extend(path_problems)
    files: list[tuple[LoadedYaml, RuleFile]] = []
    for rule_path in rule_paths:
        try:
            rule_loaded = load_yaml(rule_path, _display(rule_path))
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        data = rule_loaded.data if rule_loaded.data is not None else {}
        if not isinstance(data, dict):
            problems.append(Problem(rule_loaded.path, 1, "a rule file must be a mapping (no_work_zones:, rituals:, load:)"))
            continue
        try:
            files.append((rule_loaded, RuleFile.model_validate(data)))
        except ValidationError as exc:
            problems.extend(problems_from_validation(exc, rule_loaded))
    problems.extend(_check_references(cfg, files))
    load, load_problems = _merge_load(files)
    problems.extend(load_problems)
    if problems:
        raise ConfigError(problems)
    rules = RuleSet(
        no_work_zones=tuple(z for _, f in files for z in f.no_work_zones),
        rituals=tuple(r for _, f in files for r in f.rituals),
        load=load,
    )
    return Config(path=path.resolve(), file=cfg, rules=rules, rule_files=tuple(rule_paths), state_path=_state_path(cfg, base, env))


def _state_path(cfg: ConfigFile, base: Path, env: dict[str, str] | None) -> Path:
    if cfg.state:
        state_path = Path(cfg.state).expanduser()
        return state_path if state_path.is_absolute() else base / state_path
    return default_state_path(env)


def load_connections(path: Path, env: dict[str, str] | None = None) -> Config:
    """calsync.yaml alone, without its rules: enough to find the state and calendars when a rule
    file is broken (`calsync status` still works then). Raises ConfigError if calsync.yaml is invalid."""
    path = Path(path)
    loaded = load_yaml(path, _display(path))
    if not isinstance(loaded.data, dict):
        raise ConfigError.single(loaded.path, 1, "the configuration must be a mapping (timezone:, partners:, ...)")
    try:
        cfg = ConfigFile.model_validate(loaded.data)
    except ValidationError as exc:
        raise ConfigError(problems_from_validation(exc, loaded)) from None
    base = path.resolve().parent
    return Config(path=path.resolve(), file=cfg, rules=RuleSet(), rule_files=(), state_path=_state_path(cfg, base, env))

