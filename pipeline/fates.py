"""The fate of every raw line: the published field it is in, the duplicate, removal rule or quarantine it went to.

One computation, from the build's own outputs (the parse parts, removed_lines, duplicates, quarantine and the
validated rows), for the audit explorer (pipeline/explorer.py) and `python -m pipeline explain`. The places a
record covers are the same ones the validate stage's ledger counts (``place_lines``), so the explorer shows
exactly what the gate accounted for.

A line's fate, in order of precedence:

- ``removed``: the whole line was removed as page chrome (removed_lines, not a fragment), by its rule;
- ``published`` / ``duplicate`` / ``quarantined``: the line belongs to a record (title, body or a metadata
  field), and that record was published, dropped as a duplicate of a published one, or quarantined by clean or
  validate (with every rule it failed);
- ``quarantined``: parse set the line aside itself (a parser error, a line no role was given, a line too long);
- ``unaccounted``: none of these (the gate fails a build with such a line).

Fragments removed from a line that otherwise belongs to a record (a date glued to a headline, residue cut off a
paragraph) are listed with the line as ``removed_parts``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from pipeline import io, shards
from pipeline.extraction import LINE_SCHEMA, RECORD_SCHEMA, SEGMENT_SCHEMA
from pipeline.outputs import Outputs
from pipeline.stage import QUARANTINE_SCHEMA
from schemas import Article, Duplicate, RemovedLine, polars_schema

PLACE = ["file", "line_start", "line_end"]
REMOVED, PUBLISHED, DUPLICATE, QUARANTINED, UNACCOUNTED = (
    "removed", "published", "duplicate", "quarantined", "unaccounted",
)  # fmt: skip
FATES = (PUBLISHED, DUPLICATE, REMOVED, QUARANTINED, UNACCOUNTED)
RECORD_STAGES = ("clean", "validate")  # quarantine rows that stand for a whole record
DUPLICATE_FACTS = ("id", "provenance", "kept_id", "kind", "similarity")  # what outcomes read of a duplicate: no body
CHROME = "chrome"
OUTCOME_SCHEMA = {
    "file": pl.String,
    "line_start": pl.Int32,
    "line_end": pl.Int32,
    "outcome": pl.String,  # published, duplicate or quarantined
    "id": pl.String,  # the record's id (null for a quarantined record: clean quarantines before ids are final)
    "kept_id": pl.String,  # duplicate (and an exact copy merged into a published record): the record kept
    "kind": pl.String,  # exact, near or truncated
    "similarity": pl.Float64,
    "rule": pl.String,  # quarantined: every rule it failed, '; '-joined
    "reason": pl.String,
}
PART_DTYPE = pl.List(pl.Struct({"rule": pl.String, "text": pl.String}))
LINE_FATE_SCHEMA = {
    "file": pl.String,
    "line": pl.Int32,
    "text": pl.String,  # the raw line (a quarantined over-long line: its excerpt)
    "fate": pl.String,  # one of FATES
    "roles": pl.String,  # roles of the line's segments in a record ('title', 'date+title', 'body'), '+'-joined
    "rule": pl.String,  # removed: the removal rule; quarantined: the rule(s); else how the role was decided
    "reason": pl.String,  # quarantined: why; removed: the stage (and the model's probability when learned)
    "record": pl.String,  # id of the published or duplicate record the line is part of
    "kept_id": pl.String,
    "kind": pl.String,
    "similarity": pl.Float64,
    "layout": pl.String,
    "removed_parts": PART_DTYPE,  # fragments of the line removed with their rule (the rest is in the record)
}


def provenance_places(records: pl.DataFrame) -> pl.DataFrame:
    """Every (file, line_start, line_end) place in the provenance of records, with the records' other columns."""
    exploded = records.explode("provenance", keep_nulls=False, empty_as_null=False)
    return exploded.with_columns(pl.col("provenance").struct.unnest()).drop("provenance")


def place_lines(places: pl.DataFrame) -> pl.DataFrame:
    """One row per raw line a place covers (line_start..line_end), the places' columns kept."""
    lines = pl.int_ranges("line_start", pl.col("line_end") + 1, dtype=pl.Int32)
    return places.with_columns(line=lines).explode("line")


def record_outcomes(published: pl.DataFrame, duplicates: pl.DataFrame, quarantine: pl.DataFrame) -> pl.DataFrame:
    """What became of the record found at each place (OUTCOME_SCHEMA), one row per place.

    published: id and provenance of the validated rows; duplicates: Duplicate rows (body not needed). An exact copy
    is merged into the published record (its place is in its provenance) and is also listed as a duplicate: the
    place is published, with the duplicate's kind and kept id.
    """
    dup = provenance_places(duplicates.select(DUPLICATE_FACTS))
    pub = provenance_places(published.select("id", "provenance")).join(
        dup.drop("id"), on=PLACE, how="left", maintain_order="left"
    )
    refused = (
        quarantine.filter(pl.col("stage").is_in(RECORD_STAGES) & (pl.col("line_start") > 0))
        .sort(PLACE + ["stage", "rule"])
        .group_by(PLACE, maintain_order=True)
        .agg(rule=pl.col("rule").str.join("; "), reason=pl.col("reason").str.join("; "))
    )
    frames = [
        pub.with_columns(outcome=pl.lit(PUBLISHED)),
        dup.join(pub, on=PLACE, how="anti").with_columns(outcome=pl.lit(DUPLICATE)),
        refused.with_columns(outcome=pl.lit(QUARANTINED)),
    ]
    outcomes = pl.concat([pl.DataFrame(schema=OUTCOME_SCHEMA), *frames], how="diagonal_relaxed")
    return outcomes.select(list(OUTCOME_SCHEMA)).cast(OUTCOME_SCHEMA).unique(PLACE, keep="first").sort(PLACE)


@dataclasses.dataclass(frozen=True)
class Build:
    """The corpus-wide facts line fates need, compact (no bodies): record outcomes and the quarantine."""

    outcomes: pl.DataFrame  # OUTCOME_SCHEMA
    quarantine: pl.DataFrame  # QuarantineRow rows

    @classmethod
    def load(cls, out: Outputs) -> Build:
        quarantine = pl.read_parquet(out.quarantine, schema=QUARANTINE_SCHEMA)
        published = shards.scan(out.validated_dir, polars_schema(Article)).select("id", "provenance").collect()
        duplicates = io.read_parquet(out.duplicates, polars_schema(Duplicate), list(DUPLICATE_FACTS))
        return cls(record_outcomes(published, duplicates, quarantine), quarantine)


@dataclasses.dataclass(frozen=True)
class ParseParts:
    """One shard's (or a filtered) parse output: lines, segments, records and the lines removed from them."""

    lines: pl.DataFrame  # LINE_SCHEMA
    segments: pl.DataFrame  # SEGMENT_SCHEMA
    records: pl.DataFrame  # RECORD_SCHEMA
    removed: pl.DataFrame  # RemovedLine rows

    @staticmethod
    def folders(out: Outputs) -> tuple[Path, Path, Path, Path]:
        """Where the parts are, in field order."""
        return out.lines_dir, out.segments_dir, out.records_dir, out.removed_lines_dir

    @classmethod
    def of_shard(cls, out: Outputs, shard: shards.Shard) -> ParseParts:
        schemas = (LINE_SCHEMA, SEGMENT_SCHEMA, RECORD_SCHEMA, polars_schema(RemovedLine))
        return cls(
            *(shards.read(folder, schema, shard) for folder, schema in zip(cls.folders(out), schemas, strict=True))
        )

    @classmethod
    def of_file(cls, out: Outputs, file: str) -> ParseParts:
        """Only one raw file's rows (read with a filter, whatever the size of the corpus)."""

        def rows(directory: Path, schema: dict[str, pl.DataType]) -> pl.DataFrame:
            return shards.scan(directory, schema).filter(pl.col("file") == file).collect()

        return cls(
            rows(out.lines_dir, LINE_SCHEMA),
            rows(out.segments_dir, SEGMENT_SCHEMA),
            rows(out.records_dir, RECORD_SCHEMA),
            rows(out.removed_lines_dir, polars_schema(RemovedLine)),
        )


def line_fates(parts: ParseParts, build: Build) -> pl.DataFrame:
    """The fate of every non-blank raw line of parts (LINE_FATE_SCHEMA), sorted by file and line."""
    files = parts.lines.select("file").unique()
    whole = parts.removed.filter(~pl.col("fragment")).unique(["file", "line"], keep="first", maintain_order=True)
    removed = whole.select(
        "file", "line", removed_rule="rule",
        removed_reason=pl.when(pl.col("score").is_not_null())
        .then(pl.format("removed by {} (learned: probability {})", "stage", pl.col("score").round(3)))
        .otherwise(pl.format("removed by {}", "stage")),
    )  # fmt: skip
    parts_removed = (
        parts.removed.filter(pl.col("fragment"))
        .group_by("file", "line", maintain_order=True)
        .agg(removed_parts=pl.struct("rule", "text"))
    )
    kept = parts.segments.filter((pl.col("role") != CHROME) & pl.col("record").is_not_null())
    per_line = (
        place_lines(kept.sort("file", "seg"))
        .group_by("file", "line", maintain_order=True)
        .agg(
            roles=pl.col("role").unique(maintain_order=True).str.join("+"),
            role_rule=pl.col("rule").drop_nulls().unique(maintain_order=True).str.join("+"),
            record_no=pl.col("record").first(),
        )
    )
    records = parts.records.select("file", record_no="record", layout="layout", line_start="line_start",
                                   line_end="line_end")  # fmt: skip
    outcomes = build.outcomes.join(files, on="file").rename({"rule": "q_rule", "reason": "q_reason"})
    in_records = per_line.join(records, on=["file", "record_no"], how="left").join(outcomes, on=PLACE, how="left")
    set_aside = place_lines(
        build.quarantine.join(files, on="file").filter(
            (pl.col("stage") == "parse") & (pl.col("line_start") > 0)
        )
    )  # fmt: skip
    aside = set_aside.group_by("file", "line", maintain_order=True).agg(
        p_rule=pl.col("rule").str.join("; "), p_reason=pl.col("reason").str.join("; ")
    )
    # A line too long to parse is not among the lines: it comes back from the quarantine, with its excerpt.
    too_long = set_aside.filter(pl.col("rule") == "line_too_long").select("file", "line", text=pl.col("text"))
    lines = pl.concat([parts.lines, too_long.cast(LINE_SCHEMA)]).unique(["file", "line"], keep="first")
    frame = (
        lines.join(removed, on=["file", "line"], how="left")
        .join(in_records, on=["file", "line"], how="left")
        .join(aside, on=["file", "line"], how="left")
        .join(parts_removed, on=["file", "line"], how="left")
    )
    fate = (
        pl.when(pl.col("removed_rule").is_not_null()).then(pl.lit(REMOVED))
        .when(pl.col("outcome").is_not_null()).then(pl.col("outcome"))
        .when(pl.col("p_rule").is_not_null()).then(pl.lit(QUARANTINED))
        .otherwise(pl.lit(UNACCOUNTED))
    )  # fmt: skip
    frame = frame.with_columns(fate=fate)
    is_fate = pl.col("fate").eq
    in_record = is_fate(PUBLISHED) | is_fate(DUPLICATE) | (is_fate(QUARANTINED) & pl.col("outcome").is_not_null())
    return (
        frame.select(
            "file",
            "line",
            "text",
            "fate",
            roles=pl.when(in_record).then("roles"),
            rule=pl.when(is_fate(REMOVED))
            .then("removed_rule")
            .when(in_record & is_fate(QUARANTINED))
            .then("q_rule")
            .when(is_fate(QUARANTINED))
            .then("p_rule")
            .when(in_record)
            .then("role_rule"),
            reason=pl.when(is_fate(REMOVED))
            .then("removed_reason")
            .when(in_record & is_fate(QUARANTINED))
            .then("q_reason")
            .when(is_fate(QUARANTINED))
            .then("p_reason"),
            record=pl.when(in_record).then("id"),
            kept_id=pl.when(in_record).then("kept_id"),
            kind=pl.when(in_record).then("kind"),
            similarity=pl.when(in_record).then("similarity"),
            layout=pl.when(in_record).then("layout"),
            removed_parts=pl.col("removed_parts"),
        )  # fmt: skip
        .cast(LINE_FATE_SCHEMA)
        .sort("file", "line")
    )


def counts_by_fate(fates: pl.DataFrame) -> dict[str, int]:
    """Lines per fate, every fate named (0 when none)."""
    found = dict(fates.group_by("fate").len().iter_rows())
    return {fate: int(found.get(fate, 0)) for fate in FATES}


def counts_by_file(fates: pl.DataFrame) -> pl.DataFrame:
    """Lines per fate of each file (file, then one Int64 column per fate in FATES order, 0 when none), by file."""
    per_fate = [pl.col("fate").eq(fate).sum().cast(pl.Int64).alias(fate) for fate in FATES]
    return fates.group_by("file").agg(per_fate).sort("file")


def shard_parts(out: Outputs) -> Iterable[ParseParts]:
    """ParseParts of every shard the parse stage wrote, in shard order."""
    for shard in shards.present(out.lines_dir):
        yield ParseParts.of_shard(out, shard)
