"""The report's configuration: per-partner working_hours and the extra load: thresholds."""

from __future__ import annotations

from pathlib import Path

import pytest

from calsync.cli import main
from calsync.config import load_config
from calsync.errors import ConfigError
from tests.report.household import calendar, write_household


def _config(tmp_path: Path, working_hours: str, rules: str = "load:\n  weekly_work_hours: 40\n") -> Path:
    return write_household(
        tmp_path,
        {"alex": {"work": ("work", calendar())}},
        rules=rules,
        partner_extra={"alex": working_hours},
    )


def test_working_hours_are_read(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, 'working_hours: {days: [weekdays], time: "08:00-16:30"}'), {})
    wh = config.file.partners["alex"].working_hours
    assert wh is not None
    assert wh.weekdays == (0, 1, 2, 3, 4)
    assert (wh.range.start, wh.range.end) == (8 * 60, 16 * 60 + 30)


def test_working_hours_default_to_weekdays_nine_to_six(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, "working_hours: {}"), {})
    wh = config.file.partners["alex"].working_hours
    assert wh is not None and wh.days == ["mon", "tue", "wed", "thu", "fri"] and wh.time == "09:00-18:00"


@pytest.mark.parametrize(
    ("snippet", "line", "message"),
    [
        ("working_hours:\n  days: [mon, funday]\n  time: \"09:00-18:00\"", 8, 'day "funday" is not one of'),
        ("working_hours:\n  days: [mon]\n  time: \"18:00-09:00\"", 9, "ends before it starts"),
        ("working_hours:\n  days: [mon]\n  hours: \"09:00-18:00\"", 9, 'unknown key "hours"'),
    ],
)
def test_bad_working_hours_name_file_and_line(tmp_path: Path, snippet: str, line: int, message: str) -> None:
    path = _config(tmp_path, snippet)
    with pytest.raises(ConfigError) as err:
        load_config(path, {})
    text = str(err.value)
    assert f"calsync.yaml:{line}:" in text, text
    assert message in text


def test_validate_prints_the_working_hours_error_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _config(tmp_path, "working_hours:\n  days: [mon, funday]")
    assert main(["validate", "--config", str(path)], {}) == 2
    assert f"{path}:8: day \"funday\"" in capsys.readouterr().err


def test_bad_evening_starts_names_the_rule_file_line(tmp_path: Path) -> None:
    path = _config(tmp_path, "", rules="load:\n  weekly_work_hours: 40\n  evening_starts: '7pm'\n")
    with pytest.raises(ConfigError) as err:
        load_config(path, {})
    assert "household.yaml:3:" in str(err.value)
    assert 'time "7pm" is not HH:MM' in str(err.value)


def test_new_thresholds_merge_across_rule_files_like_the_others(tmp_path: Path) -> None:
    path = _config(tmp_path, "", rules="load:\n  evening_work_hours: 3\n  off_hours_work_hours: 6\n")
    load = load_config(path, {}).rules.load
    assert (load.evening_work_hours, load.off_hours_work_hours, load.evening_starts) == (3, 6, None)
