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
import hashlib
import logging
import multiprocessing
from pathlib import Path

import polars as pl

from pipeline import io, rawfolder
from pipeline.config import BoilerplateParams, ParseParams
from pipeline.decode import decode_bytes
from pipeline.extraction import LINE_SCHEMA, RECORD_SCHEMA, SEGMENT_SCHEMA, parse_documents
from pipeline.linemodel import LineModel
from pipeline.outputs import Outputs
from pipeline.stage import counts, quarantine_frame, quarantine_row, stage_metrics, write_metrics
from pipeline.text import canonical_expr

log = logging.getLogger(__name__)

EXCERPT_CHARS = 500


@dataclasses.dataclass
class DecodedFile:
    file: str
    lines: list[tuple[int, str]]  # non-blank (line number, text) that can be parsed
    quarantine: list[dict]
    encoding: str | None = None
    fate: str = rawfolder.PARSE  # another fate when reading found the file changed or unsafe since the scan


def _quarantine(file: str, start: int, end: int, rule: str, reason: str, text: str | None) -> dict:
    return quarantine_row(file, start, end, "parse", rule, reason, text)


def decode_file(rel: str, data: bytes, params: ParseParams) -> DecodedFile:
    """A file's bytes -> its non-blank lines, or the reason (quarantine) why it or some of its lines are not text."""
    decoded = decode_bytes(data)
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


def read_and_decode(root: Path, rel: str, sha256: str, params: ParseParams) -> DecodedFile:
    """Read a scanned file safely; refuse it if it is no longer the file the scan hashed."""
    try:
        data = rawfolder.read_file(root, rel, params.max_file_bytes)
    except rawfolder.RefusedPath as err:
        return DecodedFile(rel, [], [_quarantine(rel, 0, 0, err.fate, err.detail, None)], fate=err.fate)
    if hashlib.sha256(data).hexdigest() != sha256:
        fate = "changed_during_run"
        return DecodedFile(rel, [], [_quarantine(rel, 0, 0, fate, rawfolder.REFUSED[fate], None)], fate=fate)
    return decode_file(rel, data, params)


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


def _decode_task(args: tuple[Path, str, str, ParseParams]) -> DecodedFile:
    return read_and_decode(*args)


def run(*, raw_dir: Path, out: Outputs, params: ParseParams, model: LineModel | None = None) -> dict:
    """Parse raw_dir into out; ``model`` replaces the committed line model (evaluation trains its own)."""
    root = rawfolder.root_of(raw_dir)
    manifest = pl.read_parquet(out.manifest)
    wanted = manifest.filter(pl.col("fate") == rawfolder.PARSE).select("path", "sha256").rows()
    decoded = _pool_map(_decode_task, [(root, rel, sha, params) for rel, sha in wanted], params.workers)
    fates = pl.DataFrame(
        [(d.file, d.fate) for d in decoded], schema={"path": pl.String, "read_fate": pl.String}, orient="row"
    )
    files = (
        manifest.join(fates, on="path", how="left", maintain_order="left")
        .with_columns(fate=pl.coalesce("read_fate", "fate"))
        .drop("read_fate")
    )
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
    io.write_parquet(files, out.files)
    io.write_parquet(all_lines, out.lines)
    io.write_parquet(segments, out.segments)
    io.write_parquet(records, out.records)
    io.write_parquet(boilerplate, out.boilerplate)
    io.write_parquet(quarantine, out.parse_quarantine)
    whole_files = quarantine.filter(pl.col("line_start") == 0)  # files refused whole: not decoded
    metrics = stage_metrics(
        "parse",
        rows_in=len(wanted),
        rows_out=sum(1 for d in decoded if not any(q["line_start"] == 0 for q in d.quarantine)),
        dropped=counts(whole_files, "rule"),
        records=records.height,
        lines=all_lines.height,
        lines_quarantined=counts(quarantine.filter(pl.col("line_start") > 0), "rule"),
        learned_boilerplate_lines=boilerplate.height,
        records_by_layout=counts(records, "layout"),
        segments_by_role=counts(segments, "role"),
        encodings=counts(pl.DataFrame({"e": [d.encoding or "none" for d in decoded]}), "e"),
    )
    write_metrics(metrics, out.stage_metrics("parse"))
    log.info("parse: %d files -> %d records", len(wanted), records.height)
    return metrics
