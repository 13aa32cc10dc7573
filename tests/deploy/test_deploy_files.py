"""The deployment files stay valid: systemd units verify, compose and Kubernetes YAML parse and say
what the docs promise (non-root, read-only, state on a volume, no overlapping runs)."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from calsync.config import load_config

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = ("calsync.service", "calsync-sync.service", "calsync-sync.timer")


def _unit(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_verify(tmp_path: Path) -> None:
    """No warnings at all: systemd ignores unknown or misspelt hardening options, so they must not exist."""
    executable = Path(sys.executable).with_name("calsync")
    if not executable.exists():
        pytest.skip("the calsync console script is not installed next to this Python")
    for name in UNITS:  # verify checks ExecStart= exists, so point it at this installation
        text = (DEPLOY / "systemd" / name).read_text().replace("/usr/local/bin/calsync", str(executable))
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *[str(tmp_path / n) for n in UNITS]],
        capture_output=True, text=True, timeout=120,
    )
    if result.returncode != 0 and ("Failed to" in result.stderr and "bus" in result.stderr.lower()):
        pytest.skip(f"systemd-analyze cannot run here: {result.stderr.strip()[:200]}")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_service_is_hardened_and_stops_cleanly() -> None:
    service = _unit("calsync.service")["Service"]
    assert service["User"] == "calsync"
    assert "daemon --config /etc/calsync/calsync.yaml" in service["ExecStart"]
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert service["KillSignal"] == "SIGTERM" and service["RestartPreventExitStatus"] == "2"
    for key, value in {
        "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
        "CapabilityBoundingSet": "", "StateDirectory": "calsync", "UMask": "0077", "MemoryDenyWriteExecute": "yes",
    }.items():
        assert service[key] == value, key
    timer = _unit("calsync-sync.timer")["Timer"]
    assert timer["Persistent"] == "true" and timer["OnCalendar"]
    assert _unit("calsync-sync.service")["Service"]["Type"] == "oneshot"


def test_compose_runs_calsync_beside_radicale() -> None:
    compose = yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"calsync", "radicale"}
    calsync = services["calsync"]
    assert calsync["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (DEPLOY / "compose" / calsync["build"]["context"] / calsync["build"]["dockerfile"]).resolve() == (DEPLOY / "Dockerfile").resolve()
    assert calsync["user"] == "10001:10001" and calsync["read_only"] is True and calsync["cap_drop"] == ["ALL"]
    assert "calsync-state:/var/lib/calsync" in calsync["volumes"]
    assert "./config:/etc/calsync:ro" in calsync["volumes"]
    assert calsync["stop_signal"] == "SIGTERM"
    assert services["radicale"]["ports"] == ["127.0.0.1:5232:5232"]
    assert set(compose["volumes"]) == {"calsync-state", "radicale-data"}
    assert (DEPLOY / "compose" / "radicale" / "Dockerfile").exists()


def test_compose_calsync_config_is_valid_and_points_at_radicale() -> None:
    config = load_config(DEPLOY / "compose" / "config" / "calsync.yaml", {})
    assert str(config.state_path) == "/var/lib/calsync/state.db"
    for partner in config.file.partners.values():
        for calendar in partner.calendars.values():
            assert calendar.source == "caldav" and calendar.url.startswith("http://radicale:5232/")
            assert calendar.password_env
    assert config.rules.no_work_zones


def test_kubernetes_cronjob() -> None:
    docs = list(yaml.safe_load_all((DEPLOY / "kubernetes" / "cronjob.yaml").read_text()))
    kinds = {d["kind"]: d for d in docs}
    assert set(kinds) == {"PersistentVolumeClaim", "CronJob"}
    cron = kinds["CronJob"]
    assert cron["apiVersion"] == "batch/v1"
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert len(cron["spec"]["schedule"].split()) == 5
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never" and pod["securityContext"]["runAsNonRoot"] is True
    container = pod["containers"][0]
    assert container["args"][0] == "sync"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    assert mounts["state"]["mountPath"] == "/var/lib/calsync"
    assert mounts["config"]["readOnly"] is True
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["state"]["persistentVolumeClaim"]["claimName"] == kinds["PersistentVolumeClaim"]["metadata"]["name"]


def test_dockerfile_runs_as_non_root_with_state_on_a_volume() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    final_stage = lines[max(i for i, line in enumerate(lines) if line.startswith("FROM ")):]
    assert any(line.startswith("USER 10001") for line in final_stage)
    assert 'VOLUME ["/var/lib/calsync"]' in final_stage
    assert any(line.startswith("HEALTHCHECK") for line in final_stage)
    assert final_stage[-1] == 'CMD ["daemon", "--config", "/etc/calsync/calsync.yaml"]'
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert ".venv" in ignore and "secrets" in ignore
