"""Documents' lines -> segments (every non-blank line with its role) and records, by the layout registry.

The seam between the parse stage (files, decoding, corpus learning, parallelism) and extraction (which line is
what). ``parse_documents`` takes a batch of documents as one lines frame and returns frames, so the stage can
run it per shard, in any process, and the result depends only on its inputs.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from pipeline import layouts
from pipeline.config import ExtractParams
from pipeline.layouts.base import Document, Line, LineScores, Parsed
from pipeline.layouts.evidence import EVIDENCE_COLUMNS, classify, evidence_frame
from pipeline.linemodel import LineModel, default_model
from pipeline.stage import quarantine_frame, quarantine_row
from pipeline.units import units

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
    "score": pl.Float64,  # a learned decision's probability (rule 'line_model_v1:chrome'); null for rules
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
# parse_key: a hash of the parse cache namespace, the file's sha256 and its learned_key, so two files with the
# same parse_key have the same lines, segments and records (up to their path).
PARSE_KEY_SCHEMA = {"file": pl.String, "sha256": pl.String, "parse_key": pl.String}


def parse_documents(
    lines: pl.DataFrame,
    learned: frozenset[str],
    min_layout_score: float,
    extract: ExtractParams,
    model: LineModel | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(segments, records, quarantine) for every document in ``lines`` (file, line, text: non-blank lines).

    ``model`` is the line model to weigh the units with (default: the committed one). Every line ends in a
    segment; a line no segment covers, or a whole document whose parser raised, is quarantined with the reason,
    so nothing is lost between parse and publish.
    """
    segments: list[tuple] = []
    records: list[tuple] = []
    quarantine: list[dict] = []
    numbers: dict[str, list[tuple[int, str]]] = {}
    for file, number, text in lines.sort("file", "line").iter_rows():
        numbers.setdefault(file, []).append((number, text))
    for doc in documents(lines, learned, extract, model):
        numbered = numbers[doc.file]
        try:
            name, parsed = layouts.parse_document(doc, min_layout_score)
        except Exception as err:  # noqa: BLE001 - a parser bug must cost one file, never the run
            reason = f"layout parser raised {type(err).__name__}: {err}"
            first, last = numbered[0][0], numbered[-1][0]
            quarantine.append(quarantine_row(doc.file, first, last, "parse", "parser_error", reason, None))
            continue
        covered = {n for seg in _all_segments(parsed) for n in range(seg.start, seg.end + 1)}
        quarantine += [
            quarantine_row(doc.file, n, n, "parse", "parser_dropped_line", f"layout {name} assigned no role", t)
            for n, t in numbered
            if n not in covered
        ]
        seg_rows, record_rows = _rows(doc.file, name, parsed)
        segments += seg_rows
        records += record_rows
    return (
        pl.DataFrame(segments, schema=SEGMENT_SCHEMA, orient="row"),
        pl.DataFrame(records, schema=RECORD_SCHEMA, orient="row"),
        quarantine_frame(quarantine),
    )


def documents(
    lines: pl.DataFrame, learned: frozenset[str], extract: ExtractParams | None, model: LineModel | None = None
) -> Iterator[Document]:
    """The Documents of a batch of pages: units, their evidence and (with ``extract``) the model's scores."""
    frame = evidence_frame(units(lines), learned)
    if extract is not None:
        model = model or default_model()
        probs = model.predict(frame)
        frame = frame.with_columns(
            p_chrome=pl.Series(probs[:, model.classes.index("chrome")]),
            p_title=pl.Series(probs[:, model.classes.index("title")]),
        )
    columns = ["file", "start", "end", "text", "fragment", *EVIDENCE_COLUMNS]
    columns += ["p_chrome", "p_title"] if extract is not None else []
    # Column lists zipped into rows: much cheaper than polars' row iteration.
    values = [frame[column].to_list() for column in columns]
    rows: list[dict] = []
    for row in map(dict, (zip(columns, record, strict=True) for record in zip(*values, strict=True))):
        if rows and row["file"] != rows[0]["file"]:
            yield _document(rows, model, extract)
            rows = []
        rows.append(row)
    if rows:
        yield _document(rows, model, extract)


def _document(rows: list[dict], model: LineModel | None, extract: ExtractParams | None) -> Document:
    verdicts = [classify(row) for row in rows]
    scores = None
    if extract is not None and model is not None:
        scores = LineScores(
            model=model.name,
            chrome=tuple(row["p_chrome"] for row in rows),
            title=tuple(row["p_title"] for row in rows),
            veto_chrome=extract.veto_chrome_min_prob,
            title_weight=extract.title_weight,
            title_candidate=extract.title_candidate_min_prob,
        )
    return Document(
        file=rows[0]["file"],
        lines=tuple(Line(row["start"], row["end"], row["text"], row["fragment"]) for row in rows),
        evidence=tuple(v[0] for v in verdicts),
        shapes=tuple(v[1] for v in verdicts),
        scores=scores,
    )


def make_document(
    file: str,
    numbered: list[tuple[int, str]],
    learned: frozenset[str] = frozenset(),
    extract: ExtractParams | None = None,
) -> Document:
    """The Document of one file's non-blank (line number, text) pairs, as parse_documents builds it."""
    frame = pl.DataFrame([(file, n, t) for n, t in numbered], schema=LINE_SCHEMA, orient="row")
    return next(documents(frame, learned, extract))


def _all_segments(parsed: Parsed) -> Iterator:
    yield from parsed.loose
    for draft in parsed.records:
        yield from draft.segments


def _rows(file: str, layout: str, parsed: Parsed) -> tuple[list[tuple], list[tuple]]:
    """Rows of the segments and records of one document, in the column order of SEGMENT_SCHEMA and RECORD_SCHEMA."""
    placed = [(None, seg) for seg in parsed.loose] + [(i, s) for i, d in enumerate(parsed.records) for s in d.segments]
    placed.sort(key=lambda item: (item[1].start, item[1].end))
    segments = [
        (file, seg_no, seg.start, seg.end, seg.text, seg.role, seg.rule, seg.fragment, record, seg.score)
        for seg_no, (record, seg) in enumerate(placed)
    ]
    records = [
        (file, i, layout, draft.title, draft.published_date, draft.category, draft.byline, draft.source,
         draft.truncated_hint, draft.dateline, draft.closed, min(s.start for s in draft.segments),
         max(s.end for s in draft.segments))
        for i, draft in enumerate(parsed.records)
    ]  # fmt: skip
    return segments, records
