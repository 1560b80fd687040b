"""Documents' lines -> segments (every non-blank line with its role) and records, by the layout registry.

The seam between the parse stage (files, decoding, corpus learning, parallelism) and extraction (which line is
what). ``parse_documents`` takes a batch of documents as one lines frame and returns frames, so the stage can
run it per shard, in any process, and the result depends only on its inputs.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from pipeline import layouts
from pipeline.layouts.base import Document, Line, Parsed
from pipeline.stage import quarantine_frame, quarantine_row
from pipeline.text import dominant_script

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
LINE_SCHEMA = {"file": pl.String, "line": pl.Int32, "text": pl.String}
SCRIPT_SAMPLE_LINES = 200  # the dominant script of a page is read from its first lines


def parse_documents(
    lines: pl.DataFrame, learned: frozenset[str], min_layout_score: float
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(segments, records, quarantine) for every document in ``lines`` (file, line, text: non-blank lines).

    Every line ends in a segment; a line no segment covers, or a whole document whose parser raised, is
    quarantined with the reason, so nothing is lost between parse and publish.
    """
    segments: list[dict] = []
    records: list[dict] = []
    quarantine: list[dict] = []
    for (file,), group in lines.sort("file", "line").group_by("file", maintain_order=True):
        numbered = list(zip(group["line"].to_list(), group["text"].to_list(), strict=True))
        doc = make_document(file, numbered, learned)
        try:
            name, parsed = layouts.parse_document(doc, min_layout_score)
        except Exception as err:  # noqa: BLE001 - a parser bug must cost one file, never the run
            reason = f"layout parser raised {type(err).__name__}: {err}"
            first, last = numbered[0][0], numbered[-1][0]
            quarantine.append(quarantine_row(file, first, last, "parse", "parser_error", reason, None))
            continue
        covered = {n for seg in _all_segments(parsed) for n in range(seg.start, seg.end + 1)}
        quarantine += [
            quarantine_row(file, n, n, "parse", "parser_dropped_line", f"layout {name} assigned no role", t)
            for n, t in numbered
            if n not in covered
        ]
        seg_rows, record_rows = _rows(file, name, parsed)
        segments += seg_rows
        records += record_rows
    return (
        pl.DataFrame(segments, schema=SEGMENT_SCHEMA),
        pl.DataFrame(records, schema=RECORD_SCHEMA),
        quarantine_frame(quarantine),
    )


def make_document(file: str, numbered: list[tuple[int, str]], learned: frozenset[str] = frozenset()) -> Document:
    """The Document of one file's non-blank (line number, text) pairs."""
    return Document(
        file=file,
        lines=tuple(Line(n, n, text) for n, text in numbered),
        learned=learned,
        script=dominant_script(" ".join(t for _, t in numbered[:SCRIPT_SAMPLE_LINES])),
    )


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
