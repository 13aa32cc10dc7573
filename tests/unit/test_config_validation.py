"""Every configuration and rule error names its file and line; all errors come at once; exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from calsync.cli import main
from calsync.config import load_config
from calsync.errors import ConfigError
from tests.helpers import CONFIG, RULES, household, write


def problems(tmp_path: Path, *, config: str = CONFIG, rules: str = RULES) -> list[str]:
    path = household(tmp_path, config=config, rules=rules)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return [str(p) for p in info.value.problems]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_valid_household_loads(tmp_path: Path) -> None:
    config = load_config(household(tmp_path))
    assert [z.name for z in config.rules.no_work_zones] == ["family-dinner", "weekend"]
    assert config.rules.load.weekly_work_hours == 45
    assert config.state_path == tmp_path / "state.db"


def test_bad_time_names_file_line_and_value(tmp_path: Path) -> None:
    rules = RULES.replace('"18:30-20:00"', '"18:70-20:00"')
    found = problems(tmp_path, rules=rules)
    assert found == [f'rules/household.yaml:{line_of(rules, "18:70")}: time "18:70-20:00" is not HH:MM-HH:MM'] or found[0].endswith(
        f'household.yaml:{line_of(rules, "18:70")}: time "18:70-20:00" is not HH:MM-HH:MM'
    )


def test_end_before_start(tmp_path: Path) -> None:
    rules = RULES.replace('"07:15-07:45"', '"07:45-07:15"')
    [found] = problems(tmp_path, rules=rules)
    assert f"household.yaml:{line_of(rules, '07:45-07:15')}:" in found
    assert "ends before it starts" in found


def test_unknown_key_is_an_error_not_ignored(tmp_path: Path) -> None:
    rules = RULES.replace("    days: [sat, sun]", "    dayz: [sat, sun]")
    found = problems(tmp_path, rules=rules)
    assert any(f"household.yaml:{line_of(rules, 'dayz')}: unknown key \"dayz\"" in p for p in found)
    assert any('missing required key "days"' in p for p in found)


def test_unknown_partner_duplicate_name_and_empty_who(tmp_path: Path) -> None:
    rules = RULES.replace("    who: [alex, sam]\n    days: [sat, sun]", "    who: [alex, robin]\n    days: [sat, sun]")
    rules = rules.replace("  - name: breakfast", "  - name: weekend")
    rules = rules.replace("  - name: state-of-the-union\n    who: [alex, sam]", "  - name: state-of-the-union\n    who: []")
    found = problems(tmp_path, rules=rules)
    text = "\n".join(found)
    assert f"household.yaml:{line_of(rules, 'robin')}: rule \"weekend\": unknown partner \"robin\" (partners: alex, sam)" in text
    assert 'rule name "weekend" is already used at' in text
    assert 'rule "state-of-the-union": who: names nobody' in text
    assert len(found) == 3  # all problems at once


def test_unknown_time_zone_in_config(tmp_path: Path) -> None:
    config = CONFIG.replace("Europe/Berlin", "Europe/Berlni")
    [found] = problems(tmp_path, config=config)
    assert found == 'calsync.yaml:1: unknown time zone "Europe/Berlni" (use an IANA name such as Europe/Berlin)' or found.endswith(
        'calsync.yaml:1: unknown time zone "Europe/Berlni" (use an IANA name such as Europe/Berlin)'
    )


def test_config_source_and_key_errors(tmp_path: Path) -> None:
    config = CONFIG.replace("        source: ics\n        path: sam-work.ics", "        source: icz\n        path: sam-work.ics")
    config = config.replace("horizon_days: 28", "horizon_days: 28\nhorizon_dayz: 3")
    found = problems(tmp_path, config=config)
    text = "\n".join(found)
    assert f"calsync.yaml:{line_of(config, 'icz')}:" in text and "'icz'" in text
    assert f"calsync.yaml:{line_of(config, 'horizon_dayz')}: unknown key \"horizon_dayz\"" in text


def test_rule_calendar_must_exist_and_be_writable(tmp_path: Path) -> None:
    rules = RULES.replace('    time: "18:30-20:00"', '    time: "18:30-20:00"\n    calendars: [home]')
    found = problems(tmp_path, rules=rules)
    assert any('partner "alex" has no calendar "home"' in p for p in found)


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    rules = RULES.replace("    days: [sat, sun]", "    days: [sat, sun")
    [found] = problems(tmp_path, rules=rules)
    assert "household.yaml:" in found and "invalid YAML" in found


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    rules = RULES.replace('    time: "00:00-24:00"', '    time: "00:00-24:00"\n    time: "00:00-12:00"')
    [found] = problems(tmp_path, rules=rules)
    assert f"household.yaml:{line_of(rules, '00:00-12:00')}: duplicate key \"time\"" in found


def test_flexible_ritual_needs_its_parts(tmp_path: Path) -> None:
    rules = RULES.replace("    per_week: 1\n", "")
    [found] = problems(tmp_path, rules=rules)
    assert "a flexible ritual also needs per_week" in found
    assert f"household.yaml:{line_of(rules, '- name: state-of-the-union')}" in found


def test_missing_rule_file(tmp_path: Path) -> None:
    config = CONFIG.replace("rules: [rules/*.yaml]", "rules: [rules/household.yaml, rules/extra.yaml]")
    [found] = problems(tmp_path, config=config)
    assert found.endswith(f'calsync.yaml:{line_of(config, "rules:")}: rule file "rules/extra.yaml" not found')


def test_validate_command_prints_every_problem_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = RULES.replace('"18:30-20:00"', '"18:70-20:00"').replace("    days: [sat, sun]", "    days: [sat, sunday, funday]")
    path = household(tmp_path, rules=rules)
    assert main(["validate", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert all(":" in line and "household.yaml:" in line for line in err)
    assert any('day "funday"' in line for line in err)


def test_validate_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--config", str(household(tmp_path))]) == 0
    assert "ok" in capsys.readouterr().out


def test_nothing_is_read_or_written_on_invalid_rules(tmp_path: Path) -> None:
    path = household(tmp_path, rules=RULES.replace('"18:30-20:00"', '"25:00-26:00"'))
    before = (tmp_path / "alex-work.ics").read_bytes()
    assert main(["sync", "--config", str(path)]) == 2
    assert (tmp_path / "alex-work.ics").read_bytes() == before
    assert not (tmp_path / "state.db").exists()


def test_config_defaults_to_xdg_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    xdg = tmp_path / "xdg"
    household(xdg / "calsync")
    monkeypatch.chdir(tmp_path)
    assert main(["validate"], env={"XDG_CONFIG_HOME": str(xdg)}) == 0


def test_no_config_anywhere_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["plan"], env={"XDG_CONFIG_HOME": str(tmp_path / "none")}) == 2
    assert "no configuration found" in capsys.readouterr().err


def test_write_true_on_feed_url_is_rejected(tmp_path: Path) -> None:
    config = CONFIG.replace("        path: sam-work.ics", "        url: https://example.org/feed.ics")
    [found] = problems(tmp_path, config=config)
    assert "read-only" in found


def test_rule_file_must_be_a_mapping(tmp_path: Path) -> None:
    [found] = problems(tmp_path, rules="- just\n- a list\n")
    assert "a rule file must be a mapping" in found
    write(tmp_path / "rules" / "household.yaml", RULES)
