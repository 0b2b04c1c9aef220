"""Executors decide where the work runs; the work itself is `process_file`, the same everywhere."""

from __future__ import annotations

from pipeline.api import GlossaryPipeline, Outcome, PipelineConfig, clean_page
from pipeline.model import Reject, RejectSource
from pipeline.read import read_bytes
from pipeline.rejects import Rejected


def process_file(pipeline: GlossaryPipeline, path: str) -> Outcome:
    """Read one file and run it through the pipeline; a read failure is a reject too."""
    try:
        data = read_bytes(path, pipeline.config.limits)
    except Rejected as rejected:
        return Outcome([], pipeline.reject(path, None, None, rejected.reason, rejected.detail))
    return pipeline.process(data, path=path)


def clean_file(config: PipelineConfig, path: str) -> str | Reject:
    """Read, decode and clean one file: its kept text (headings on their own lines) or a reject."""
    try:
        data = read_bytes(path, config.limits)
        _, page = clean_page(data, path, config)
    except Rejected as rejected:
        return Reject(source=RejectSource(path=path), reason=rejected.reason, detail=rejected.detail)
    except Exception as error:  # one broken page must not stop the batch
        detail = f"the clean stage failed on this input: {type(error).__name__}: {error}"[:500]
        return Reject(source=RejectSource(path=path), reason="internal-error", detail=detail)
    return page.to_text() + "\n"
