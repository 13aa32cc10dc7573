"""Thin commands: parse, call one function, render, return an exit code.

`main(argv, env)` returns an ExitStatus instead of exiting, so every command is testable.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from calsync import __version__, logs
from calsync.config import Config, find_config, load_config
from calsync.errors import CalsyncError, ConfigError, ExitStatus
from calsync.timeparse import parse_date, parse_now


class Env:
    """What a command may touch besides its arguments."""

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        self.environ = dict(os.environ) if environ is None else environ


def _out(text: str) -> None:
    click.echo(text)


def _err(text: str) -> None:
    click.echo(text, err=True)


def handle_error(exc: CalsyncError) -> ExitStatus:
    """The one place that words errors for users."""
    if isinstance(exc, ConfigError):
        for problem in exc.problems:
            _err(str(problem))
    else:
        _err(f"calsync: {exc.user_message()}")
    return exc.exit_status


def _colour(env: Env) -> bool:
    """ANSI colours only on a terminal, and never with NO_COLOR set."""
    return "NO_COLOR" not in env.environ and sys.stdout.isatty()


def common(func: Callable[..., Any]) -> Callable[..., Any]:
    """--config, --now and logging options on every command; errors become exit codes."""

    @click.option("--config", "config_path", type=click.Path(dir_okay=False), help="calsync.yaml to use")
    @click.option("--now", "now_text", metavar="DATETIME", help="ISO 8601 time to use as now")
    @click.option("--log-level", default="warning", type=click.Choice(["debug", "info", "warning", "error"]), show_default=True)
    @click.option("--log-json", is_flag=True, help="Log as JSON lines")
    @click.pass_obj
    @functools.wraps(func)
    def wrapper(env: Env, config_path: str | None, now_text: str | None, log_level: str, log_json: bool, **kwargs: Any) -> int:
        logs.configure(log_level, json_lines=log_json)
        try:
            return int(func(env, config_path, now_text, **kwargs))
        except CalsyncError as exc:
            return int(handle_error(exc))

    return wrapper


def _load(env: Env, config_path: str | None) -> Config:
    from calsync.config.secrets import config_secrets

    config = load_config(find_config(config_path, env.environ), env.environ)
    logs.register_secrets(config_secrets(config, env.environ))
    return config


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="calsync")
def cli() -> None:
    """calsync protects a couple's shared time: it reads both partners' calendars, applies your
    protection rules, writes blocking events and reports each week's load."""


@cli.command()
@common
def validate(env: Env, config_path: str | None, now_text: str | None) -> int:
    """Check the configuration and every rule file; print each problem as PATH:LINE: message."""
    config = _load(env, config_path)
    rules = config.rules
    calendars = sum(len(p.calendars) for p in config.file.partners.values())
    _out(
        f"{config.path}: ok — {len(config.file.partners)} partners, {calendars} calendars, "
        f"{len(rules.no_work_zones)} no-work zones, {len(rules.rituals)} rituals, {len(rules.recovery)} recovery rules, "
        f"{len(rules.home_duties)} home duties, {len(rules.seasons)} seasons in {len(config.rule_files)} rule files"
    )
    return ExitStatus.OK


def _window_text(run: Any, config: Config) -> str:
    start = run.window.start.astimezone(config.tz)
    end = run.window.end.astimezone(config.tz)
    return f"{start:%a %d %b %Y} → {end:%a %d %b %Y} ({config.file.timezone})"


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON (the contract's shape)")
@click.option("--force", is_flag=True, help="Plan as `sync --force` would (ignore the deletion safety limits)")
@common
def plan(env: Env, config_path: str | None, now_text: str | None, as_json: bool, force: bool) -> int:
    """Read every calendar and show the changes `sync` would make. Writes nothing."""
    from calsync.plan.render import plan_json, plan_text
    from calsync.service import Household

    config = _load(env, config_path)
    now = parse_now(now_text, config.tz)
    with Household.open(config, env.environ) as household:
        run = household.plan(now, force=force)
    if as_json:
        _out(json.dumps(plan_json(run.plan, config.tz), indent=2, ensure_ascii=False))
    else:
        _out(plan_text(run.plan, config.tz, _window_text(run, config)))
    return ExitStatus.RUNTIME_FAILURE if run.plan.failed or run.plan.held else ExitStatus.OK


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (the contract's shape)")
@click.option("--force", is_flag=True, help="Allow more deletions than safety.max_deletes, and calendars whose blocks all vanished")
@common
def sync(env: Env, config_path: str | None, now_text: str | None, as_json: bool, force: bool) -> int:
    """Make the calendars match the plan and record what was written."""
    from calsync.daemon.lock import state_lock
    from calsync.service import Household

    config = _load(env, config_path)
    now = parse_now(now_text, config.tz)
    with state_lock(config.state_path, "sync"), Household.open(config, env.environ) as household:
        run, result = household.sync(now, force=force)
    if as_json:
        _out(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
    else:
        _out(
            f"Synced: {result.created} created, {result.updated} updated, {result.deleted} deleted, "
            f"{result.unchanged} unchanged; {len(run.plan.conflicts)} conflicts, {len(run.plan.released)} released"
        )
        for failure in result.failed:
            _err(f"calsync: {failure['partner']}/{failure['calendar']}: {failure['error']}")
    return ExitStatus.OK if result.ok else ExitStatus.RUNTIME_FAILURE


@cli.command()
@click.option("--from", "from_text", metavar="DATE", help="Start at the week containing DATE (default: now)")
@click.option("--weeks", default=4, show_default=True, type=click.IntRange(1, 104))
@click.option("--format", "fmt", default="table", show_default=True, type=click.Choice(["table", "markdown", "json", "html"]))
@click.option("--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout")
@common
def report(env: Env, config_path: str | None, now_text: str | None, from_text: str | None, weeks: int, fmt: str, output: str | None) -> int:
    """The weekly load-balance report for each partner."""
    from calsync.report import build_report
    from calsync.report.render import render
    from calsync.service import Household

    config = _load(env, config_path)
    now = parse_now(now_text, config.tz)
    start = parse_date(from_text)
    with Household.open(config, env.environ) as household:
        data, reads = build_report(household, now, start, weeks)
    text = render(data, fmt, color=not output and _colour(env))
    if output:
        from calsync.report.output import save

        save(text, Path(output))
    else:
        _out(text)
    return ExitStatus.RUNTIME_FAILURE if reads.failed else ExitStatus.OK


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON")
@click.option("--check", is_flag=True, help="Exit 1 unless the daemon runs and is healthy (for health checks)")
@common
def status(env: Env, config_path: str | None, now_text: str | None, as_json: bool, check: bool) -> int:
    """Last successful sync per calendar, the next run, errors, blocks owned, token expiry."""
    import datetime as dt

    from calsync.config.loader import load_connections
    from calsync.daemon import status as daemon_status

    problems: list[str] = []
    try:
        config = _load(env, config_path)
    except ConfigError as exc:  # a broken rule file: still show the state (the daemon keeps the last good rules)
        config = load_connections(find_config(config_path, env.environ), env.environ)
        problems = [str(p) for p in exc.problems]
    data = daemon_status.collect(config, dt.datetime.now(dt.UTC))
    data["config_problems"] = problems
    data = logs.redact_all(data, keep=frozenset({"summary"}))  # summary: the token line, no secret in it
    _out(json.dumps(data, indent=2, ensure_ascii=False, default=str) if as_json else daemon_status.render(data))
    if check and not daemon_status.healthy(data):
        return ExitStatus.RUNTIME_FAILURE
    return ExitStatus.OK


@cli.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="Where to put the demo household (default: a new temp folder)")
@common
def demo(env: Env, config_path: str | None, now_text: str | None, directory: str | None) -> int:
    """Run the main job on bundled sample calendars: plan, sync into a local folder, report."""
    from calsync.samples.demo import run_demo

    return int(run_demo(Path(directory) if directory else None, now_text, _out, _err, env.environ, color=_colour(env)))


@cli.command()
@click.option("--interval", type=click.FloatRange(min=1), metavar="SECONDS", help="Seconds between syncs (default: daemon.interval, 300)")
@click.option("--once", is_flag=True, help="Run one cycle (sync, and the weekly report when due), then exit")
@common
def daemon(env: Env, config_path: str | None, now_text: str | None, interval: float | None, once: bool) -> int:
    """Sync repeatedly until stopped. SIGTERM/SIGINT finish the current calendar write and exit 0; SIGHUP reloads.

    Logging follows daemon.log in calsync.yaml (default: text, info) unless --log-level/--log-json are given.
    """
    from calsync.daemon.run import run_daemon

    ctx = click.get_current_context()
    explicit = {name: ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE for name in ("log_level", "log_json")}
    config = _load(env, config_path)
    return run_daemon(
        config, env.environ, interval=interval, once=once, now_text=now_text,
        log_level=ctx.params["log_level"] if explicit["log_level"] else None,
        log_json=ctx.params["log_json"] if explicit["log_json"] else None,
    )


@cli.command()
@click.option("--dir", "directory", default=".", show_default=True, type=click.Path(file_okay=False), help="Where to write calsync.yaml and rules/")
@click.option("--timezone", help="Household time zone (default: the system's)")
@click.option("--partner", "partners", multiple=True, help="A partner's name (give it twice)")
@click.option("--calendar", "calendars", multiple=True, metavar="PARTNER/NAME=SOURCE:LOCATION", help="e.g. alex/work=google:primary")
@click.option("--force", is_flag=True, help="Overwrite existing files")
@click.option("--interactive/--no-interactive", default=None, help="Ask questions (default: when stdin is a terminal)")
@common
def init(env: Env, config_path: str | None, now_text: str | None, directory: str, timezone: str | None,
         partners: tuple[str, ...], calendars: tuple[str, ...], force: bool, interactive: bool | None) -> int:
    """Write a starter calsync.yaml and rules/household.yaml."""
    from calsync.init_command import run_init

    return int(run_init(Path(directory), timezone, list(partners), list(calendars), force, interactive, env.environ, _out))


@cli.group()
def auth() -> None:
    """Authorize calsync to read and write a calendar account."""


@auth.command("google")
@click.option("--partner", required=True, help="Partner name in calsync.yaml")
@click.option("--calendar", required=True, help="Calendar name (a source: google calendar of that partner)")
@click.option("--no-browser", is_flag=True, help="Print the address, then paste back the address the browser was sent to")
@click.option("--port", default=0, type=click.IntRange(0, 65535), help="Port of the local redirect server (0: any free port)")
@common
def auth_google(env: Env, config_path: str | None, now_text: str | None, partner: str, calendar: str, no_browser: bool, port: int) -> int:
    """Run Google's OAuth flow for one calendar and store its token file (mode 0600)."""
    from calsync.connectors.google.auth import auth_command_main

    config = _load(env, config_path)
    return auth_command_main(config, partner, calendar, manual=no_browser, port=port, say=_out, ask=lambda text: str(click.prompt(text)))

@cli.command()
@click.option("--output", type=click.Path(dir_okay=False), help="Write the schema to this file instead of stdout")
@common
def schema(env: Env, config_path: str | None, now_text: str | None, output: str | None) -> int:
    """Print the JSON Schema of rule files (for editors: the YAML language server)."""
    from calsync.rules.jsonschema import schema_text

    text = schema_text()
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    return ExitStatus.OK


@cli.command()
@click.option("--date", "date_text", metavar="DATE", help="The day to explain (default: today)")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON")
@common
def explain(env: Env, config_path: str | None, now_text: str | None, date_text: str | None, as_json: bool) -> int:
    """For one day: each partner's busy time, the rules that apply, and why each block was or was not placed."""
    from calsync.rules.explain import explain_json, explain_text, run_explain

    config = _load(env, config_path)
    now = parse_now(now_text, config.tz)
    day = parse_date(date_text, "--date") or now.astimezone(config.tz).date()
    partners, failed = run_explain(config, day, now, env.environ)
    if as_json:
        data = explain_json(day, config.tz, partners)
        data["failed"] = [{"calendar": ref, "error": error} for ref, error in failed.items()]
        _out(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        _out(explain_text(day, config.tz, partners))
        for ref, error in failed.items():
            _err(f"calsync: {ref}: {error} (not read; the explanation is incomplete)")
    return ExitStatus.RUNTIME_FAILURE if failed else ExitStatus.OK


def main(argv: Sequence[str] | None = None, env: dict[str, str] | None = None) -> int:
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="calsync", standalone_mode=False, obj=Env(env))
    except click.exceptions.UsageError as exc:
        exc.show()
        return int(ExitStatus.BAD_INPUT)
    except click.exceptions.Abort:
        _err("aborted")
        return int(ExitStatus.RUNTIME_FAILURE)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    return int(result or 0) if isinstance(result, int) else 0


def entry() -> None:  # pragma: no cover - console script
    sys.exit(main())
