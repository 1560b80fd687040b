"""Stage 1, parse: raw files -> segments (every non-blank line, with its role) and records (per layout).

1. Decode every file (in parallel); files that are not text are quarantined whole, over-long lines alone.
2. Learn the corpus boilerplate: short lines printed in several distinct article contexts (CCNet-style, but
   counting contexts, so the same article saved twice does not teach its own lines).
3. Parse every file with the best-scoring layout (in parallel), and check that its segments cover all of
   its non-blank lines.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from pipeline import io
from pipeline.config import BoilerplateParams, ParseParams
from pipeline.decode import decode_bytes
from pipeline.extraction import LINE_SCHEMA, RECORD_SCHEMA, SEGMENT_SCHEMA, parse_documents
from pipeline.linemodel import LineModel
from pipeline.outputs import Outputs
from pipeline.stage import quarantine_frame, quarantine_row
from pipeline.text import canonical_expr

log = logging.getLogger(__name__)

EXCERPT_CHARS = 500


@dataclasses.dataclass
class DecodedFile:
    file: str
    lines: list[tuple[int, str]]  # non-blank (line number, text) that can be parsed
    quarantine: list[dict]
    encoding: str | None = None


def list_raw_files(raw_dir: Path) -> list[Path]:
    """Every regular file under raw_dir (recursively), hidden files and folders excluded, in a stable order."""
    files = [
        p
        for p in raw_dir.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(raw_dir).parts)
    ]
    return sorted(files, key=lambda p: p.relative_to(raw_dir).as_posix())


def _quarantine(file: str, start: int, end: int, rule: str, reason: str, text: str | None) -> dict:
    return quarantine_row(file, start, end, "parse", rule, reason, text)


def decode_file(path: Path, rel: str, params: ParseParams) -> DecodedFile:
    size = path.stat().st_size
    if size > params.max_file_bytes:
        reason = f"{size} bytes exceeds parse.max_file_bytes={params.max_file_bytes}"
        return DecodedFile(rel, [], [_quarantine(rel, 0, 0, "file_too_large", reason, None)])
    decoded = decode_bytes(path.read_bytes())
    if decoded.text is None:
        return DecodedFile(rel, [], [_quarantine(rel, 0, 0, decoded.problem or "undecodable", decoded.detail, None)])
    lines: list[tuple[int, str]] = []
    quarantine: list[dict] = []
    for number, text in enumerate(decoded.text.split("\n"), start=1):
        if not text.strip():
            continue
        if len(text) > params.max_line_chars:
            reason = f"line of {len(text)} characters exceeds parse.max_line_chars={params.max_line_chars}"
            quarantine.append(_quarantine(rel, number, number, "line_too_long", reason, text[:EXCERPT_CHARS]))
            continue
        lines.append((number, text))
    if not lines and not quarantine:
        quarantine.append(_quarantine(rel, 0, 0, "blank_file", "the file holds only whitespace", None))
    return DecodedFile(rel, lines, quarantine, decoded.encoding)


def learn_boilerplate(lines: pl.DataFrame, params: BoilerplateParams) -> pl.DataFrame:
    """Short lines that occur in at least `min_contexts` distinct article contexts across the corpus.

    A line's context is the start of the nearest long line after it (or before it, at the end of a page).
    A headline saved twice with its article has one context; 'Copied URL' under fifty articles has fifty.
    """
    if lines.is_empty():
        return pl.DataFrame(schema={"key": pl.String, "text": pl.String, "files": pl.UInt32, "contexts": pl.UInt32})
    key = canonical_expr("text")
    words = pl.col("text").str.count_matches(r"\S+")
    anchor = pl.when(words >= params.context_min_words).then(key.str.slice(0, 64))
    frame = (
        lines.lazy()
        .with_columns(key=key, words=words, anchor=anchor)
        .with_columns(
            next_anchor=pl.col("anchor").shift(-1).backward_fill().over("file", order_by="line"),
            prev_anchor=pl.col("anchor").shift(1).forward_fill().over("file", order_by="line"),
        )
        .with_columns(context=pl.coalesce("next_anchor", "prev_anchor", pl.lit("file:") + pl.col("file")))
        .filter((pl.col("words") <= params.max_words) & (pl.col("key").str.len_chars() > 0))
        .group_by("key")
        .agg(
            text=pl.col("text").str.strip_chars().sort().first(),
            files=pl.col("file").n_unique(),
            contexts=pl.col("context").n_unique(),
        )
        .filter((pl.col("contexts") >= params.min_contexts) & (pl.col("files") >= params.min_contexts))
        .sort("key")
    )
    return frame.collect()


def _pool_map(func, items: list, workers: int, chunksize: int | None = None) -> list:
    if workers <= 1 or len(items) < 2:
        return [func(item) for item in items]
    chunk = chunksize or max(1, len(items) // (workers * 8))
    # Spawned, not forked: polars' thread pool does not survive a fork (the child can deadlock).
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(func, items, chunksize=chunk))


def _file_chunks(lines: pl.DataFrame, n: int) -> list[pl.DataFrame]:
    """Split the lines into at most n frames, each holding whole files (files keep their order)."""
    files = lines["file"].unique(maintain_order=True)
    if files.is_empty():
        return []
    bucket = pl.DataFrame({"file": files, "chunk": (pl.int_range(files.len(), eager=True) * n // files.len())})
    tagged = lines.join(bucket, on="file", how="left", maintain_order="left")
    return [part.drop("chunk") for _, part in tagged.group_by("chunk", maintain_order=True)]


def _parse_chunk(args: tuple) -> tuple[pl.DataFrame, ...]:
    return parse_documents(*args)


def _decode_task(args: tuple[Path, str, ParseParams]) -> DecodedFile:
    return decode_file(*args)


def run(*, raw_dir: Path, out: Outputs, params: ParseParams, model: LineModel | None = None) -> dict:
    """Parse raw_dir into out; ``model`` replaces the committed line model (evaluation trains its own)."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder not found: {raw_dir}")
    paths = list_raw_files(raw_dir)
    decoded = _pool_map(_decode_task, [(p, p.relative_to(raw_dir).as_posix(), params) for p in paths], params.workers)
    all_lines = pl.DataFrame([(d.file, n, t) for d in decoded for n, t in d.lines], schema=LINE_SCHEMA, orient="row")
    boilerplate = learn_boilerplate(all_lines, params.boilerplate)
    learned = frozenset(boilerplate["key"].to_list())
    chunks = _file_chunks(all_lines, params.workers * 8)
    tasks = [(c, learned, params.min_layout_score, params.extract, model) for c in chunks]
    parsed = _pool_map(_parse_chunk, tasks, params.workers)
    segments = pl.concat([p[0] for p in parsed]) if parsed else pl.DataFrame(schema=SEGMENT_SCHEMA)
    records = pl.concat([p[1] for p in parsed]) if parsed else pl.DataFrame(schema=RECORD_SCHEMA)
    quarantine = pl.concat([quarantine_frame([q for d in decoded for q in d.quarantine]), *(p[2] for p in parsed)])
    quarantine = quarantine.sort("file", "line_start", "rule")
    io.write_parquet(all_lines, out.lines)
    io.write_parquet(segments, out.segments)
    io.write_parquet(records, out.records)
    io.write_parquet(boilerplate, out.boilerplate)
    io.write_parquet(quarantine, out.parse_quarantine)
    metrics = {
        "stage": "parse",
        "files": len(paths),
        "rows_in": len(paths),
        "rows_out": records.height,
        "lines": all_lines.height + quarantine.filter(pl.col("rule") == "line_too_long").height,
        "learned_boilerplate_lines": boilerplate.height,
        "records_by_layout": dict(sorted(records.group_by("layout").len().iter_rows())),
        "segments_by_role": dict(sorted(segments.group_by("role").len().iter_rows())),
        "dropped": dict(sorted(quarantine.group_by("rule").len().iter_rows())),
        "encodings": dict(sorted(_count(d.encoding or "none" for d in decoded).items())),
    }
    io.write_json(metrics, out.stage_metrics("parse"))
    log.info("parse: %d files -> %d records", len(paths), records.height)
    return metrics


def _count(values: Iterator[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts
