"""Bundled sample household for `calsync demo` (no accounts, no network)."""
