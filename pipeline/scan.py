"""Stage 0, scan: the raw folder -> its manifest (every path, its fate, size and sha256).

DVC tracks the manifest rather than the folder, and runs this stage on every `dvc repro`: hashing the folder
as a DVC dependency would block forever on a FIFO and would follow links out of it. Paths refused here (links,
hidden and special files, unreadable or oversized files) are quarantined with their reason and never read.
"""

from __future__ import annotations

import logging
from pathlib import Path

import polars as pl

from pipeline import io, rawfolder
from pipeline.config import ParseParams
from pipeline.outputs import Outputs
from pipeline.stage import StageResult, counts, quarantine_frame, stage_metrics, write_metrics

log = logging.getLogger(__name__)


def transform(manifest: pl.DataFrame) -> StageResult:
    """Paths to parse, and a quarantine row (whole path, no text) for every refused one."""
    refused = manifest.filter(pl.col("fate") != rawfolder.PARSE)
    quarantined = refused.select(
        file="path", line_start=pl.lit(0, pl.Int32), line_end=pl.lit(0, pl.Int32), stage=pl.lit("scan"),
        rule="fate", reason="detail", text=pl.lit(None, pl.String),
    )  # fmt: skip
    kept = manifest.filter(pl.col("fate") == rawfolder.PARSE)
    metrics = stage_metrics(
        "scan", manifest.height, kept.height, counts(refused, "fate"), bytes_to_parse=int(kept["size"].sum())
    )
    return StageResult(
        kept=kept, quarantined=pl.concat([quarantine_frame(), quarantined]), removed=refused, metrics=metrics
    )


def run(*, raw_dir: Path, out: Outputs, params: ParseParams) -> dict:
    known = rawfolder.KnownHashes.load(out.known_hashes)
    manifest = rawfolder.scan(raw_dir, params.max_file_bytes, known)
    known.save(out.known_hashes)
    result = transform(manifest)
    io.write_parquet(manifest, out.manifest)
    io.write_parquet(result.quarantined, out.scan_quarantine)
    write_metrics(result.metrics, out.stage_metrics("scan"))
    log.info("scan: %d paths, %d to parse", manifest.height, result.kept.height)
    return result.metrics
