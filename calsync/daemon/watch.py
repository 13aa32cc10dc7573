"""Notice when calsync.yaml or a rule file changes (added, removed, edited)."""

from __future__ import annotations

import glob
from pathlib import Path

from calsync.config.models import Config

Fingerprint = tuple[tuple[str, int, int], ...]


def _stat(path: Path) -> tuple[str, int, int]:
    try:
        st = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path), st.st_mtime_ns, st.st_size)


def fingerprint(config: Config) -> Fingerprint:
    """Modification time and size of the config file and of every rule file its patterns match now."""
    paths = [config.path]
    for pattern in config.file.rules:
        full = Path(pattern).expanduser()
        full = full if full.is_absolute() else config.base_dir / full
        if glob.has_magic(str(full)):
            paths.extend(sorted(Path(p) for p in glob.glob(str(full))))
        else:
            paths.append(full)
    return tuple(_stat(p) for p in paths)
