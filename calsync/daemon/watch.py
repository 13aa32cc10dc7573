"""Notice when calsync.yaml or a rule file changes (added, removed, edited)."""

from __future__ import annotations

import glob
import hashlib
from pathlib import Path

from calsync.config.models import Config

Fingerprint = tuple[tuple[str, str], ...]


def _stat(path: Path) -> tuple[str, str]:
    """The file's content digest: an edit is seen even when size and modification time stay the
    same (coarse file-system clocks, editors that restore times). Config files are small."""
    try:
        return (str(path), hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest())
    except OSError:
        return (str(path), "missing")


def fingerprint(config: Config) -> Fingerprint:
    """Digests of the config file and of every rule file its patterns match now."""
    paths = [config.path]
    for pattern in config.file.rules:
        full = Path(pattern).expanduser()
        full = full if full.is_absolute() else config.base_dir / full
        if glob.has_magic(str(full)):
            paths.extend(sorted(Path(p) for p in glob.glob(str(full))))
        else:
            paths.append(full)
    return tuple(_stat(p) for p in paths)
