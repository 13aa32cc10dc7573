"""calsync: protects a couple's shared time from two busy careers."""

__version__ = "0.1.0"
