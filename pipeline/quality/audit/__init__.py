"""The audit command: RUN_DIR/audit.html (a self-contained report) and RUN_DIR/audit.json (its numbers).

The run is read back only through `pipeline.run_files` (records, rejects, run.json), so the
audit follows whatever output format the run used.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.quality.audit.aggregate import DEFAULT_MAX_REJECTS, Audit, collect
from pipeline.quality.audit.report import render
from pipeline.run_files import AUDIT_HTML, AUDIT_JSON, RunFolderError
from pipeline.write import write_text_atomic

# Per-record views (and rows of the records table) in the HTML: the records with the most warnings.
DEFAULT_MAX_RECORDS = 500


def write_audit(
    run_dir: Path, *, max_records: int = DEFAULT_MAX_RECORDS, max_rejects: int = DEFAULT_MAX_REJECTS
) -> tuple[Path, Path]:
    """Read the run in `run_dir` and write audit.html and audit.json next to its files; return both paths.

    Raises RunFolderError when the folder is not a readable run.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunFolderError(f"{run_dir} is not a folder: give the output folder of a run")
    audit = collect(run_dir, max_records, max_rejects)
    html_path, json_path = run_dir / AUDIT_HTML, run_dir / AUDIT_JSON
    write_text_atomic(json_path, _utf8_safe(json.dumps(audit.to_json(), indent=2, ensure_ascii=False) + "\n"))
    write_text_atomic(html_path, _utf8_safe(render(audit)))
    return html_path, json_path


def _utf8_safe(text: str) -> str:
    """Lone surrogates (possible in JSON input) replaced, so the file can be written as UTF-8."""
    return text.encode("utf-8", "replace").decode("utf-8")


__all__ = ["AUDIT_HTML", "AUDIT_JSON", "DEFAULT_MAX_RECORDS", "DEFAULT_MAX_REJECTS", "Audit", "collect", "render",
           "write_audit"]
