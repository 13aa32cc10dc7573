"""Configuration: calsync.yaml and rule files, validated with file and line in every error."""

from calsync.config.loader import find_config, load_config
from calsync.config.models import Config

__all__ = ["Config", "find_config", "load_config"]
