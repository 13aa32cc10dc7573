"""Find, load and validate calsync.yaml and its rule files; report every problem at once."""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from calsync.config.models import Config, ConfigFile
from calsync.config.problems import problems_from_validation
from calsync.config.yamlfile import LoadedYaml, Loc, load_yaml
from calsync.errors import ConfigError, Problem
from calsync.rules.schema import AnyRule, HomeDuty, LoadThresholds, RuleFile, RuleSet, Season, TravelDetection

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


def _check_partner(loaded: LoadedYaml, loc: Loc, what: str, who: str, partners: dict[str, Any]) -> list[Problem]:
    if who in partners:
        return []
    known = ", ".join(sorted(partners))
    return [Problem(loaded.path, loaded.line_of(loc), f'{what}: unknown partner "{who}" (partners: {known})')]


def _check_who(loaded: LoadedYaml, loc: Loc, what: str, who: list[str], partners: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    if not who:
        problems.append(Problem(loaded.path, loaded.line_of((*loc, "who")), f"{what}: who: names nobody"))
    for index, name in enumerate(who):
        problems.extend(_check_partner(loaded, (*loc, "who", index), what, name, partners))
    if len(set(who)) != len(who):
        problems.append(Problem(loaded.path, loaded.line_of((*loc, "who")), f"{what}: a partner is named twice in who"))
    return problems


def _check_calendars(loaded: LoadedYaml, loc: Loc, rule: AnyRule, who: list[str], cfg: ConfigFile) -> list[Problem]:
    problems: list[Problem] = []
    for c_index, cal in enumerate(rule.calendars or []):
        for name in who:
            partner = cfg.partners.get(name)
            if partner is None:
                continue
            line = loaded.line_of((*loc, "calendars", c_index))
            if cal not in partner.calendars:
                problems.append(Problem(loaded.path, line, f'rule "{rule.name}": partner "{name}" has no calendar "{cal}"'))
            elif not partner.calendars[cal].write:
                problems.append(Problem(loaded.path, line, f'rule "{rule.name}": calendar "{name}/{cal}" is not writable (write: true)'))
    return problems


RULE_SECTIONS = ("no_work_zones", "rituals", "recovery", "home_duties")


def _check_references(cfg: ConfigFile, files: list[tuple[LoadedYaml, RuleFile]]) -> list[Problem]:
    """Cross-file checks: partner names, unique rule names, target calendars, seasons' references."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    rules_by_name: dict[str, AnyRule] = {}
    partners = cfg.partners
    for loaded, rule_file in files:
        for section in RULE_SECTIONS:
            for index, rule in enumerate(getattr(rule_file, section)):
                loc: Loc = (section, index)
                where = f"{loaded.path}:{loaded.line_of((*loc, 'name'))}"
                if rule.name in seen:
                    problems.append(
                        Problem(loaded.path, loaded.line_of((*loc, "name")), f'rule name "{rule.name}" is already used at {seen[rule.name]}')
                    )
                else:
                    seen[rule.name] = where
                    rules_by_name[rule.name] = rule
                what = f'rule "{rule.name}"'
                if isinstance(rule, HomeDuty):
                    who = [rule.who]
                    problems.extend(_check_partner(loaded, (*loc, "who"), what, rule.who, partners))
                    if rule.cover is not None:
                        problems.extend(_check_partner(loaded, (*loc, "cover"), what, rule.cover, partners))
                        who.append(rule.cover)
                    elif len(partners) != 2:
                        problems.append(
                            Problem(loaded.path, loaded.line_of((*loc, "who")), f"{what}: say who covers (cover:) when there are not exactly two partners")
                        )
                else:
                    who = list(rule.who)
                    problems.extend(_check_who(loaded, loc, what, who, partners))
                problems.extend(_check_calendars(loaded, loc, rule, who, cfg))
        if rule_file.travel is not None and rule_file.travel.who is not None:
            for index, name in enumerate(rule_file.travel.who):
                problems.extend(_check_partner(loaded, ("travel", "who", index), "travel", name, partners))
    problems.extend(_check_seasons(files, rules_by_name, partners))
    return problems


def _check_seasons(files: list[tuple[LoadedYaml, RuleFile]], rules: dict[str, AnyRule], partners: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    names: dict[str, str] = {}
    placed: list[tuple[Season, LoadedYaml, Loc]] = []
    for loaded, rule_file in files:
        for index, season in enumerate(rule_file.seasons):
            loc: Loc = ("seasons", index)
            what = f'season "{season.name}"'
            line = loaded.line_of((*loc, "name"))
            if season.name in names:
                problems.append(Problem(loaded.path, line, f'season name "{season.name}" is already used at {names[season.name]}'))
            names.setdefault(season.name, f"{loaded.path}:{line}")
            problems.extend(_check_who(loaded, loc, what, list(season.who), partners))
            for p_index, pause in enumerate(season.pause):
                p_loc = (*loc, "pause", p_index)
                rule = rules.get(pause.rule)
                if rule is None:
                    known = ", ".join(sorted(rules)) or "none"
                    problems.append(Problem(loaded.path, loaded.line_of(p_loc), f'{what}: pauses unknown rule "{pause.rule}" (rules: {known})'))
                    continue
                applies = [rule.who] if isinstance(rule, HomeDuty) else list(rule.who)
                if not set(applies) & set(season.who):
                    problems.append(
                        Problem(loaded.path, loaded.line_of(p_loc), f'{what}: rule "{pause.rule}" does not apply to {", ".join(season.who)}, so pausing it changes nothing')
                    )
            for other, o_loaded, o_loc in placed:
                shared = set(other.who) & set(season.who)
                overlap = other.from_ <= season.to and season.from_ <= other.to
                if not (shared and overlap and other.load is not None and season.load is not None):
                    continue
                keys = set(other.load.model_dump(exclude_none=True)) & set(season.load.model_dump(exclude_none=True))
                if keys:
                    problems.append(
                        Problem(loaded.path, loaded.line_of((*loc, "load")),
                                f'{what} overlaps season "{other.name}" ({o_loaded.path}:{o_loaded.line_of((*o_loc, "name"))}) for '
                                f'{", ".join(sorted(shared))} and both set load.{", load.".join(sorted(keys))}; which one applies is unclear')
                    )
            placed.append((season, loaded, loc))
    return problems


def _merge_travel(files: list[tuple[LoadedYaml, RuleFile]]) -> tuple[TravelDetection, list[Problem]]:
    found = [(loaded, f.travel) for loaded, f in files if f.travel is not None]
    if not found:
        return TravelDetection(), []
    problems = [
        Problem(loaded.path, loaded.line_of(("travel",)), f"travel: is already set in {found[0][0].path}; keep one travel: section")
        for loaded, _ in found[1:]
    ]
    return found[0][1], problems  # type: ignore[return-value]


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


def _load_config_file(path: Path) -> tuple[LoadedYaml, ConfigFile]:
    """calsync.yaml itself, validated (not its rule files)."""
    loaded = load_yaml(path, _display(path))
    if not isinstance(loaded.data, dict):
        raise ConfigError.single(loaded.path, 1, "the configuration must be a mapping (timezone:, partners:, ...)")
    try:
        return loaded, ConfigFile.model_validate(loaded.data)
    except ValidationError as exc:
        raise ConfigError(problems_from_validation(exc, loaded)) from None


def load_config(path: Path, env: dict[str, str] | None = None) -> Config:
    """Load and validate everything; raises ConfigError listing every problem found."""
    path = Path(path)
    loaded, cfg = _load_config_file(path)
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
            problems.append(Problem(rule_loaded.path, 1, "a rule file must be a mapping (no_work_zones:, rituals:, recovery:, home_duties:, travel:, seasons:, load:)"))
            continue
        try:
            files.append((rule_loaded, RuleFile.model_validate(data)))
        except ValidationError as exc:
            problems.extend(problems_from_validation(exc, rule_loaded))
    problems.extend(_check_references(cfg, files))
    load, load_problems = _merge_load(files)
    problems.extend(load_problems)
    travel, travel_problems = _merge_travel(files)
    problems.extend(travel_problems)
    if problems:
        raise ConfigError(problems)
    rules = RuleSet(
        no_work_zones=tuple(z for _, f in files for z in f.no_work_zones),
        rituals=tuple(r for _, f in files for r in f.rituals),
        recovery=tuple(r for _, f in files for r in f.recovery),
        home_duties=tuple(r for _, f in files for r in f.home_duties),
        travel=travel,
        seasons=tuple(s for _, f in files for s in f.seasons),
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
    loaded, cfg = _load_config_file(path)
    base = path.resolve().parent
    return Config(path=path.resolve(), file=cfg, rules=RuleSet(), rule_files=(), state_path=_state_path(cfg, base, env))

