"""The weekly load-balance report."""

from calsync.report.weekly import build_report

__all__ = ["build_report"]
