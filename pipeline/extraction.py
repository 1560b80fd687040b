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
from pipeline.layouts.evidence import EVIDENCE_COLUMNS, classify, compared, evidence_frame
from pipeline.linemodel import LineModel, default_model
from pipeline.stage import quarantine_frame
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
# learned_key: a hash of the learned boilerplate lines the file's units match ('' when none); parse_key: a hash of
# the parse cache namespace, the file's sha256 and its learned_key, so two files with the same parse_key have the
# same lines, segments and records (up to their path).
PARSE_KEY_SCHEMA = {"file": pl.String, "sha256": pl.String, "learned_key": pl.String, "parse_key": pl.String}


def parse_documents(
    lines: pl.DataFrame,
    learned: frozenset[str],
    min_layout_score: float,
    extract: ExtractParams,
    model: LineModel | None = None,
    unit_frame: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(segments, records, quarantine) for every document in ``lines`` (file, line, text: non-blank lines).

    ``model`` is the line model to weigh the units with (default: the committed one); ``unit_frame`` the
    ``compared(units(lines))`` a caller already holds. Every line ends in a segment; a line no segment covers, or a
    whole document whose parser raised, is quarantined with the reason, so nothing is lost between parse and
    publish.
    """
    segments: list[tuple] = []
    records: list[tuple] = []
    chosen: list[tuple[str, str]] = []  # (file, layout) of each document parsed
    failed: list[tuple[str, str]] = []  # (file, reason) of each document whose parser raised
    for doc in documents(lines, learned, extract, model, unit_frame):
        try:
            name, parsed = layouts.parse_document(doc, min_layout_score)
        except Exception as err:  # noqa: BLE001 - a parser bug must cost one file, never the run
            failed.append((doc.file, f"layout parser raised {type(err).__name__}: {err}"))
            continue
        chosen.append((doc.file, name))
        seg_rows, record_rows = _rows(doc.file, name, parsed)
        segments += seg_rows
        records += record_rows
    segment_frame = _frame(segments, SEGMENT_SCHEMA)
    return segment_frame, _frame(records, RECORD_SCHEMA), _quarantined(lines, segment_frame, chosen, failed)


def _frame(rows: list[tuple], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The frame of ``rows`` (tuples in schema order), built from columns: cheaper than polars' row orientation."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
    return pl.DataFrame(dict(zip(schema, map(list, columns), strict=True)), schema=schema)


def _quarantined(
    lines: pl.DataFrame, segments: pl.DataFrame, chosen: list[tuple[str, str]], failed: list[tuple[str, str]]
) -> pl.DataFrame:
    """Each document whose parser raised (whole), and each line of the other documents that no segment covers."""
    parsed = pl.DataFrame(chosen, schema={"file": pl.String, "layout": pl.String}, orient="row")
    covered = segments.select("file", line=pl.int_ranges("line_start", pl.col("line_end") + 1, dtype=pl.Int32))
    dropped = (
        lines.join(parsed, on="file", maintain_order="left")
        .join(covered.explode("line"), on=["file", "line"], how="anti", maintain_order="left")
        .select(
            "file",
            line_start="line",
            line_end="line",
            stage=pl.lit("parse"),
            rule=pl.lit("parser_dropped_line"),
            reason=pl.format("layout {} assigned no role", "layout"),
            text="text",
        )
    )
    raised = pl.DataFrame(failed, schema={"file": pl.String, "reason": pl.String}, orient="row")
    span = lines.group_by("file").agg(line_start=pl.col("line").min(), line_end=pl.col("line").max())
    errors = raised.join(span, on="file", maintain_order="left").select(
        "file",
        "line_start",
        "line_end",
        stage=pl.lit("parse"),
        rule=pl.lit("parser_error"),
        reason="reason",
        text=pl.lit(None, dtype=pl.String),
    )
    return pl.concat([quarantine_frame(), errors, dropped], how="vertical_relaxed").sort("file", "line_start")


def documents(
    lines: pl.DataFrame,
    learned: frozenset[str],
    extract: ExtractParams | None,
    model: LineModel | None = None,
    unit_frame: pl.DataFrame | None = None,
) -> Iterator[Document]:
    """The Documents of a batch of pages: units, their evidence and (with ``extract``) the model's scores
    (``unit_frame``: ``compared(units(lines))``, if the caller holds it)."""
    frame = evidence_frame(compared(units(lines)) if unit_frame is None else unit_frame, learned)
    chrome: list[float] = []
    title: list[float] = []
    if extract is not None:
        model = model or default_model()
        probs = model.predict(frame)
        chrome = probs[:, model.classes.index("chrome")].tolist()
        title = probs[:, model.classes.index("title")].tolist()
    # Column lists zipped into rows, and each document a slice of them: much cheaper than polars' row iteration.
    placed = list(zip(*(frame[column].to_list() for column in ("start", "end", "text", "fragment")), strict=True))
    evidence = list(zip(*(frame[column].to_list() for column in EVIDENCE_COLUMNS), strict=True))
    runs = frame.select(pl.col("file").rle()).unnest("file")
    begin = 0
    for length, file in runs.iter_rows():
        end = begin + length
        verdicts = [classify(row) for row in evidence[begin:end]]
        scores = None
        if extract is not None and model is not None:
            scores = LineScores(
                model=model.name,
                chrome=tuple(chrome[begin:end]),
                title=tuple(title[begin:end]),
                veto_chrome=extract.veto_chrome_min_prob,
                veto_max_paragraph_words=extract.veto_max_paragraph_words,
                title_weight=extract.title_weight,
                title_candidate=extract.title_candidate_min_prob,
            )
        yield Document(
            file=file,
            lines=tuple(Line(*row) for row in placed[begin:end]),
            evidence=tuple(verdict for verdict, _ in verdicts),
            shapes=tuple(shape for _, shape in verdicts),
            scores=scores,
        )
        begin = end


def learned_matches(unit_frame: pl.DataFrame, learned: frozenset[str]) -> pl.DataFrame:
    """(file, key): each learned boilerplate line the units of a document match, once (unit_frame:
    ``compared(units(lines))``). All a document's parse reads of the learned set: evidence compares each unit's
    canonical form, which is not a raw line's when a shortcode, mojibake or the crawler's date prefix is cut from the
    line, or hard-wrapped lines are joined."""
    return (
        unit_frame.filter(pl.col("canon").is_in(pl.Series(sorted(learned), dtype=pl.String).implode()))
        .select("file", key="canon")
        .unique()
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
