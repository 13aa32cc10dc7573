"""The weekly load-balance report."""

from calsync.report.render import render
from calsync.report.seams import ReportSeams, default_seams
from calsync.report.weekly import ReportInputs, build_report, compute_report

__all__ = ["ReportInputs", "ReportSeams", "build_report", "compute_report", "default_seams", "render"]
