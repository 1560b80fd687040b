"""Raw lines -> units, the pieces whose role the layouts decide, for a whole batch of documents at once.

A unit is a raw line, or a run of hard-wrapped raw lines rejoined into the paragraph they were cut from, or a
fragment of the first line: the crawler's ' date YYYY-MM-DD ' prefix is split off the page text it is glued to.
Vectorised (polars) so that a batch of thousands of pages costs a few column operations.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipeline.patterns import BLANK_LINE, CRAWLER_DATE_PREFIX, SENTENCE_END

UNIT_SCHEMA = {
    "file": pl.String,
    "start": pl.Int32,
    "end": pl.Int32,
    "text": pl.String,
    "fragment": pl.Boolean,
    "crawler_date": pl.String,  # the prefix unit: the (possibly partial) ISO date it carries
    "idx": pl.Int32,  # place of the unit in its document (0-based)
    "n": pl.Int32,  # units in the document
}
COLUMNS = ["file", "start", "end", "text", "fragment", "crawler_date"]
SEPARATOR = r"^\s*[-–—_=*~•·.]{1,5}\s*$"
# Hard-wrapped text: many adjacent mid-length lines that mostly stop mid-sentence (wire copy cut at ~60 chars).
WRAP_MIN_LINES = 6
WRAP_MID_LENGTH = (25, 100)
WRAP_MIN_MID_SHARE = 0.7
WRAP_MAX_LINE_CHARS = 140
WRAP_MIN_UNENDED_SHARE = 0.5


def units(lines: pl.DataFrame) -> pl.DataFrame:
    """Units (file, start, end, text, fragment, crawler_date) of non-blank lines (file, line, text), in order."""
    ordered = lines.sort("file", "line").with_columns(first=pl.col("line") == pl.col("line").min().over("file"))
    prefix = pl.col("text").str.extract_groups(CRAWLER_DATE_PREFIX)
    ordered = ordered.with_columns(
        crawler=pl.when("first").then(prefix.struct.field("date")),
        rest=pl.when("first").then(prefix.struct.field("rest")),
    )
    prefixes = ordered.filter(pl.col("crawler").is_not_null()).select(
        "file",
        start=pl.col("line"),
        end=pl.col("line"),
        text=(pl.lit("date ") + pl.col("crawler")),
        fragment=pl.lit(True),
        crawler_date=pl.col("crawler"),
    )
    body = ordered.with_columns(
        text=pl.when(pl.col("crawler").is_not_null()).then(pl.col("rest").str.strip_chars_start()).otherwise("text"),
        fragment=pl.col("crawler").is_not_null(),
    ).filter(~pl.col("text").str.contains(BLANK_LINE))
    joined = _join_wrapped(body)
    return (
        pl.concat(
            [
                part.select(COLUMNS).cast({c: UNIT_SCHEMA[c] for c in COLUMNS}).with_columns(order=pl.lit(order))
                for order, part in enumerate((prefixes, joined))
            ]
        )
        .sort("file", "start", "order")
        .drop("order")
        .pipe(with_positions)
    )


def with_positions(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``idx`` (0-based place of each unit in its document) and ``n`` (units in the document).

    From the run lengths of the sorted ``file`` column: cheaper than a window over files, which matters when
    every feature looks at its neighbours.
    """
    lengths = frame.select(pl.col("file").rle()).unnest("file")["len"].to_numpy()
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return frame.with_columns(
        idx=pl.Series(np.arange(frame.height) - starts, dtype=pl.Int32),
        n=pl.Series(np.repeat(lengths, lengths), dtype=pl.Int32),
    )


def _join_wrapped(lines: pl.DataFrame) -> pl.DataFrame:
    """Rejoin the paragraphs of hard-wrapped documents; other documents keep one unit per line."""
    length = pl.col("text").str.strip_chars().str.len_chars()
    ended = pl.col("text").str.strip_chars_end().str.slice(-80).str.contains(SENTENCE_END)
    separator = pl.col("text").str.contains(SEPARATOR)
    low, high = WRAP_MID_LENGTH
    wrapped = (
        (pl.len().over("file") >= WRAP_MIN_LINES)
        & (length.is_between(low, high).mean().over("file") >= WRAP_MIN_MID_SHARE)
        & (length.max().over("file") <= WRAP_MAX_LINE_CHARS)
        & ((~ended).mean().over("file") >= WRAP_MIN_UNENDED_SHARE)
    )
    # A short line that opens with a capital or a digit and does not end a sentence (a date, a byline, a label) is
    # no wrapped paragraph's piece; a short line that goes on in lower case is the end of one.
    label = (length < low) & ~ended & pl.col("text").str.contains(r"^\s*[A-Z0-9]")
    previous_closed = (
        ended.shift(1).over("file").fill_null(True)
        | separator
        | separator.shift(1).over("file").fill_null(True)
        | label
        | label.shift(1).over("file").fill_null(True)
        | (pl.col("line") != pl.col("line").shift(1).over("file") + 1)
    )
    tagged = lines.with_columns(unit=(~wrapped | previous_closed).cum_sum().over("file"))
    return tagged.group_by("file", "unit", maintain_order=True).agg(
        start=pl.col("line").first(),
        end=pl.col("line").last(),
        text=pl.when(pl.len() == 1)
        .then(pl.col("text").first())
        .otherwise(pl.col("text").str.strip_chars().str.join(" ")),
        fragment=pl.col("fragment").any(),
        crawler_date=pl.lit(None, dtype=pl.String),
    )
