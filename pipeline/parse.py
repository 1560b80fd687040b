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
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from pipeline import io, layouts
from pipeline.config import BoilerplateParams, ParseParams
from pipeline.decode import decode_bytes
from pipeline.layouts.base import Document, Line, Parsed
from pipeline.outputs import Outputs
from pipeline.text import canonical_expr, dominant_script

log = logging.getLogger(__name__)

SEGMENT_SCHEMA = {
    "file": pl.String,
    "seg": pl.Int32,
    "line_start": pl.Int32,
    "line_end": pl.Int32,
    "text": pl.String,
    "role": pl.String,
    "rule": pl.String,
    "fragment": pl.Boolean,
    "record": pl.Int32,
}
RECORD_SCHEMA = {
    "file": pl.String,
    "record": pl.Int32,
    "layout": pl.String,
    "title": pl.String,
    "published_date": pl.Date,
    "category": pl.String,
    "byline": pl.String,
    "source": pl.String,
    "truncated_hint": pl.Boolean,
    "dateline": pl.String,
    "closed": pl.Boolean,
    "line_start": pl.Int32,
    "line_end": pl.Int32,
}
QUARANTINE_SCHEMA = {
    "file": pl.String,
    "line_start": pl.Int32,
    "line_end": pl.Int32,
    "stage": pl.String,
    "rule": pl.String,
    "reason": pl.String,
    "text": pl.String,
}
LINE_SCHEMA = {"file": pl.String, "line": pl.Int32, "text": pl.String}
EXCERPT_CHARS = 500


@dataclasses.dataclass
class DecodedFile:
    file: str
    lines: list[tuple[int, str]]  # non-blank (line number, text) that can be parsed
    script: str | None
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
    return {"file": file, "line_start": start, "line_end": end, "stage": "parse", "rule": rule, "reason": reason,
            "text": text}  # fmt: skip


def decode_file(path: Path, rel: str, params: ParseParams) -> DecodedFile:
    size = path.stat().st_size
    if size > params.max_file_bytes:
        reason = f"{size} bytes exceeds parse.max_file_bytes={params.max_file_bytes}"
        return DecodedFile(rel, [], None, [_quarantine(rel, 0, 0, "file_too_large", reason, None)])
    decoded = decode_bytes(path.read_bytes())
    if decoded.text is None:
        return DecodedFile(
            rel, [], None, [_quarantine(rel, 0, 0, decoded.problem or "undecodable", decoded.detail, None)]
        )
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
    script = dominant_script(" ".join(t for _, t in lines[:200]))
    return DecodedFile(rel, lines, script, quarantine, decoded.encoding)


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


def _parse_one(args: tuple[DecodedFile, frozenset[str], float]) -> tuple[str, Parsed | None, list[dict]]:
    decoded, learned, min_score = args
    if not decoded.lines:
        return "", None, []
    doc = Document(
        file=decoded.file,
        lines=tuple(Line(n, n, text) for n, text in decoded.lines),
        learned=learned,
        script=decoded.script,
    )
    try:
        name, parsed = layouts.parse_document(doc, min_score)
    except Exception as err:  # noqa: BLE001 - a parser bug must cost one file, never the run
        reason = f"layout parser raised {type(err).__name__}: {err}"
        start, end = decoded.lines[0][0], decoded.lines[-1][0]
        return "", None, [_quarantine(decoded.file, start, end, "parser_error", reason, None)]
    covered = {n for seg in _all_segments(parsed) for n in range(seg.start, seg.end + 1)}
    missing = [(n, t) for n, t in decoded.lines if n not in covered]
    lost = [
        _quarantine(decoded.file, n, n, "parser_dropped_line", f"layout {name} assigned no role", t)
        for n, t in missing
    ]
    return name, parsed, lost


def _all_segments(parsed: Parsed) -> Iterator:
    yield from parsed.loose
    for draft in parsed.records:
        yield from draft.segments


def _rows(file: str, layout: str, parsed: Parsed) -> tuple[list[dict], list[dict]]:
    segments: list[dict] = []
    records: list[dict] = []
    placed = [(None, seg) for seg in parsed.loose] + [(i, s) for i, d in enumerate(parsed.records) for s in d.segments]
    placed.sort(key=lambda item: (item[1].start, item[1].end))
    for seg_no, (record, seg) in enumerate(placed):
        segments.append(
            {
                "file": file,
                "seg": seg_no,
                "line_start": seg.start,
                "line_end": seg.end,
                "text": seg.text,
                "role": seg.role,
                "rule": seg.rule,
                "fragment": seg.fragment,
                "record": record,
            }  # fmt: skip
        )
    for i, draft in enumerate(parsed.records):
        records.append(
            {
                "file": file,
                "record": i,
                "layout": layout,
                "title": draft.title,
                "published_date": draft.published_date,
                "category": draft.category,
                "byline": draft.byline,
                "source": draft.source,
                "truncated_hint": draft.truncated_hint,
                "dateline": draft.dateline,
                "closed": draft.closed,
                "line_start": min(s.start for s in draft.segments),
                "line_end": max(s.end for s in draft.segments),
            }  # fmt: skip
        )
    return segments, records


def _pool_map(func, items: list, workers: int) -> list:
    if workers <= 1 or len(items) < 2:
        return [func(item) for item in items]
    chunk = max(1, len(items) // (workers * 8))
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, items, chunksize=chunk))


def _decode_task(args: tuple[Path, str, ParseParams]) -> DecodedFile:
    return decode_file(*args)


def run(*, raw_dir: Path, out: Outputs, params: ParseParams) -> dict:
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder not found: {raw_dir}")
    paths = list_raw_files(raw_dir)
    decoded = _pool_map(_decode_task, [(p, p.relative_to(raw_dir).as_posix(), params) for p in paths], params.workers)
    all_lines = pl.DataFrame([(d.file, n, t) for d in decoded for n, t in d.lines], schema=LINE_SCHEMA, orient="row")
    boilerplate = learn_boilerplate(all_lines, params.boilerplate)
    learned = frozenset(boilerplate["key"].to_list())
    parsed = _pool_map(_parse_one, [(d, learned, params.min_layout_score) for d in decoded], params.workers)

    segment_rows: list[dict] = []
    record_rows: list[dict] = []
    quarantine_rows = [q for d in decoded for q in d.quarantine]
    for d, (layout, result, lost) in zip(decoded, parsed, strict=True):
        quarantine_rows += lost
        if result is not None:
            seg, rec = _rows(d.file, layout, result)
            segment_rows += seg
            record_rows += rec

    segments = pl.DataFrame(segment_rows, schema=SEGMENT_SCHEMA)
    records = pl.DataFrame(record_rows, schema=RECORD_SCHEMA)
    quarantine = pl.DataFrame(quarantine_rows, schema=QUARANTINE_SCHEMA)
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
        "lines": all_lines.height + sum(1 for q in quarantine_rows if q["rule"] == "line_too_long"),
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
