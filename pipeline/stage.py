"""The stage contract: a pure ``transform(...) -> StageResult`` plus a thin ``run`` that does the I/O.

Every stage accounts for its rows the same way: ``rows_in == rows_out + sum(dropped.values())``, where each
dropped row has a reason (a quarantine rule, a duplicate kind). ``write_metrics`` refuses metrics that do not
add up, so a stage cannot lose rows without the build failing loudly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from pipeline import io

QUARANTINE_SCHEMA = {
    "file": pl.String,
    "line_start": pl.Int32,
    "line_end": pl.Int32,
    "stage": pl.String,
    "rule": pl.String,
    "reason": pl.String,
    "text": pl.String,
}


class MetricsDoNotAddUp(AssertionError):
    """A stage reported rows_in != rows_out + sum(dropped): some rows went nowhere."""


@dataclasses.dataclass(frozen=True)
class StageResult:
    """What a stage's transform returns: rows forwarded, rows quarantined, rows removed, and its counts."""

    kept: pl.DataFrame
    quarantined: pl.DataFrame
    removed: pl.DataFrame
    metrics: dict[str, Any]


def quarantine_frame(rows: list[dict] | None = None) -> pl.DataFrame:
    """Quarantine rows (file, line_start, line_end, stage, rule, reason, text) in the one schema all stages use."""
    return pl.DataFrame(rows or [], schema=QUARANTINE_SCHEMA)


def quarantine_row(file: str, start: int, end: int, stage: str, rule: str, reason: str, text: str | None) -> dict:
    return {"file": file, "line_start": start, "line_end": end, "stage": stage, "rule": rule, "reason": reason,
            "text": text}  # fmt: skip


def counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    """{value: rows} sorted by value: the 'dropped' or 'by rule' maps of the metrics."""
    if frame.is_empty():
        return {}
    return {str(k): int(v) for k, v in sorted(frame.group_by(column).len().iter_rows())}


def stage_metrics(stage: str, rows_in: int, rows_out: int, dropped: Mapping[str, int], **extra: Any) -> dict[str, Any]:
    """The metrics of one stage, checked: every row that went in came out or was dropped with a reason."""
    metrics = {"stage": stage, "rows_in": int(rows_in), "rows_out": int(rows_out), "dropped": dict(dropped), **extra}
    check_metrics(metrics)
    return metrics


def check_metrics(metrics: Mapping[str, Any]) -> None:
    dropped = sum(int(v) for v in metrics["dropped"].values())
    if metrics["rows_in"] != metrics["rows_out"] + dropped:
        raise MetricsDoNotAddUp(
            f"stage {metrics['stage']}: rows_in={metrics['rows_in']} != rows_out={metrics['rows_out']} + "
            f"dropped={dropped} {dict(metrics['dropped'])}"
        )


def write_metrics(metrics: Mapping[str, Any], path: Path) -> Path:
    """Write a stage's metrics JSON, after checking that its rows add up."""
    check_metrics(metrics)
    return io.write_json(dict(metrics), path)
