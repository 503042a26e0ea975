"""The HTML report of an eval run: `write_report(run_dir)` writes one self-contained file (`ragtune report`)."""

from ragtune.errors import ReportError
from ragtune.report.html import write_report

__all__ = ["ReportError", "write_report"]
