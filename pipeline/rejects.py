"""Reject reasons: stable codes a user can filter on, each raised with a sentence."""

from __future__ import annotations

from typing import Literal

RejectReason = Literal[
    "empty",
    "binary",
    "decode-error",
    "too-large",
    "decompressed-too-large",
    "text-too-long",
    "too-deep",
    "timeout",
    "not-english",
    "not-a-glossary-entry",
    "parse-error",
    "unreadable",
    "internal-error",
    "worker-crashed",
    "duplicate-url",
]


class Rejected(Exception):
    """A stage's verdict that an input gives no record; carries the reason code."""

    def __init__(self, reason: RejectReason, detail: str, page_kind: str | None = None) -> None:
        super().__init__(detail)
        self.reason: RejectReason = reason
        self.detail = detail
        self.page_kind = page_kind  # for not-a-glossary-entry: what the page is instead
