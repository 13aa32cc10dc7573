"""`calsync init` writes a configuration that validates, from flags or from answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from calsync.cli import Env, cli, main
from calsync.config import load_config
from calsync.scaffold import parse_calendar_spec


def test_flags_scaffold_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main([
        "init", "--dir", str(tmp_path), "--timezone", "Europe/Berlin", "--partner", "alex", "--partner", "sam",
        "--calendar", "alex/work=google:primary", "--calendar", "sam/home=caldav:https://dav.example.org/sam/home/",
        "--calendar", "sam/team=ics:https://example.org/team.ics",
    ], {})
    assert code == 0
    assert "calsync validate" in capsys.readouterr().out
    config = load_config(tmp_path / "calsync.yaml", {})
    calendars = config.file.partners
    assert calendars["alex"].calendars["work"].source == "google"
    assert calendars["sam"].calendars["home"].password_env == "SAM_HOME_DAV_PASSWORD"
    assert calendars["sam"].calendars["team"].write is False  # a feed URL is read-only
    assert [z.name for z in config.rules.no_work_zones] == ["family-dinner", "weekend"]
    assert (tmp_path / "secrets").stat().st_mode & 0o077 == 0
    assert main(["validate", "--config", str(tmp_path / "calsync.yaml")], {}) == 0


def test_partners_without_calendars_get_a_local_file(tmp_path: Path) -> None:
    assert main(["init", "--dir", str(tmp_path), "--timezone", "UTC", "--partner", "kim", "--partner", "lee"], {}) == 0
    config = load_config(tmp_path / "calsync.yaml", {})
    assert config.file.partners["kim"].calendars["work"].path == "calendars/kim-work.ics"


def test_existing_files_are_kept_unless_forced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["init", "--dir", str(tmp_path), "--timezone", "UTC", "--partner", "a", "--partner", "b"]
    assert main(args, {}) == 0
    (tmp_path / "calsync.yaml").write_text("# mine\n")
    assert main(args, {}) == 2
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "calsync.yaml").read_text() == "# mine\n"
    assert main([*args, "--force"], {}) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--partner", "a"], "not one of the partners"),
        (["--partner", "x", "--partner", "y", "--timezone", "Mars/Olympus"], "unknown time zone"),
        ([], "name the partners"),
        (["--partner", "x", "--calendar", "x/work"], "PARTNER/NAME=SOURCE:LOCATION"),
    ],
)
def test_bad_answers_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    extra = ["--calendar", "b/work=ics:b.ics"] if args == ["--partner", "a"] else []
    assert main(["init", "--dir", str(tmp_path), "--no-interactive", *args, *extra], {}) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "calsync.yaml").exists()


def test_interactive_answers(tmp_path: Path) -> None:
    answers = "\n".join(["Europe/Vienna", "jo", "max", "caldav", "https://dav.example.org/jo/", "ics", ""]) + "\n"
    result = CliRunner().invoke(cli, ["init", "--dir", str(tmp_path), "--interactive"], input=answers, obj=Env({}))
    assert result.exit_code == 0, result.output
    config = load_config(tmp_path / "calsync.yaml", {})
    assert config.file.timezone == "Europe/Vienna"
    assert config.file.partners["jo"].calendars["work"].source == "caldav"
    assert config.file.partners["max"].calendars["work"].path == "calendars/max-work.ics"


def test_calendar_spec_roles() -> None:
    assert parse_calendar_spec("a/work=ics:w.ics").role == "work"
    assert parse_calendar_spec("a/family=ics:f.ics").role == "personal"
