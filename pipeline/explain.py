"""`python -m pipeline explain FILE:LINE | RECORD_ID`: where a raw line went and why, or where a record came from.

Answers from a build's outputs only (never the raw folder), through pipeline.fates: the same fates the audit
explorer shows.
"""

from __future__ import annotations

import re

import polars as pl

from pipeline import fates, shards
from pipeline.io import read_parquet
from pipeline.outputs import Outputs
from schemas import Article, Duplicate, polars_schema

RECORD_ID = re.compile(r"^[0-9a-f]{16}$")
QUOTE = 80  # characters of a line or title quoted


class NotInBuild(LookupError):
    """The file, line or record asked about is not in this build."""


def explain(target: str, out: Outputs) -> str:
    """The answer for 'FILE:LINE' (FILE relative to the raw folder) or a record id, as lines of text."""
    if RECORD_ID.match(target):
        return explain_record(target, out)
    file, _, line = target.rpartition(":")
    if not file or not line.isdigit():
        raise NotInBuild(f"{target!r} is neither FILE:LINE (FILE relative to the raw folder) nor a record id")
    return explain_line(file, int(line), out)


def _quote(text: str | None) -> str:
    text = " ".join((text or "").split())
    return '"' + (text if len(text) <= QUOTE else text[: QUOTE - 1] + "…") + '"'


def _field(roles: str) -> str:
    """'title', 'body', 'date+body' -> 'the title', 'the body', 'the date and the body'."""
    return " and ".join(f"the {role}" for role in roles.split("+"))


def describe_fate(row: dict) -> str:
    """One line of fates.LINE_FATE_SCHEMA in words."""
    fate = row["fate"]
    if fate == fates.REMOVED:
        return f"removed as page chrome by rule {row['rule']} ({row['reason']})"
    if fate == fates.UNACCOUNTED:
        return "unaccounted for: in no record, removal or quarantine (the validation gate fails on this)"
    if fate == fates.QUARANTINED and row["record"] is None and row["roles"] is None:
        return f"quarantined by parse, rule {row['rule']}: {row['reason']}"
    if fate == fates.QUARANTINED:
        return f"part of {_field(row['roles'])} of a record quarantined by rule {row['rule']}: {row['reason']}"
    field = f"{_field(row['roles'])} (rule {row['rule']}, layout {row['layout']})"
    if fate == fates.DUPLICATE:
        return (
            f"part of {field} of record {row['record']}, dropped as a {row['kind']} duplicate "
            f"(similarity {row['similarity']:.2f}) of published record {row['kept_id']}"
        )
    merged = f"; an exact copy merged into it (kept {row['kept_id']})" if row["kind"] == "exact" else ""
    return f"published: {field} of record {row['record']}{merged}"


def _whole_file(file: str, out: Outputs) -> str | None:
    """Why a file was quarantined whole (never parsed), or None when it was parsed."""
    quarantine = read_parquet(out.quarantine).filter((pl.col("file") == file) & (pl.col("line_start") == 0))
    if quarantine.is_empty():
        return None
    reasons = "; ".join(f"{s}: {r} ({why})" for s, r, why in quarantine.select("stage", "rule", "reason").iter_rows())
    return f"{file}: the whole file was quarantined, none of its lines is in the dataset: {reasons}"


def explain_line(file: str, line: int, out: Outputs) -> str:
    files = read_parquet(out.files).filter(pl.col("path") == file)
    if files.is_empty():
        raise NotInBuild(f"{file} is not in this build's raw folder manifest ({out.files})")
    whole = _whole_file(file, out)
    if whole is not None:
        return whole
    lines = fates.line_fates(fates.ParseParts.of_file(out, file), fates.Build.load(out))
    found = lines.filter(pl.col("line") == line)
    if found.is_empty():
        last = lines["line"].max()
        raise NotInBuild(f"{file} has no non-blank line {line} (blank, or past its last non-blank line {last})")
    row = found.row(0, named=True)
    answer = [f"{file}:{line} {_quote(row['text'])}", f"  {describe_fate(row)}"]
    answer += [f"  fragment removed by rule {part['rule']}: {_quote(part['text'])}" for part in row["removed_parts"]
               or []]  # fmt: skip
    if row["record"] is not None:
        answer.append(f"  (python -m pipeline explain {row['record']} --out {out.root} for the whole record)")
    return "\n".join(answer)


def explain_record(record_id: str, out: Outputs) -> str:
    published = shards.scan(out.validated_dir, polars_schema(Article)).filter(pl.col("id") == record_id).collect()
    duplicates = read_parquet(out.duplicates, polars_schema(Duplicate))
    dropped = duplicates.filter((pl.col("id") == record_id) & (pl.col("kind") != "exact"))
    if not published.is_empty():
        row = published.row(0, named=True)
        head = [
            f"record {record_id}: published (in {out.dataset})",
            f"  title {_quote(row['title'])}, {row['word_count']} words, layout {row['layout']}",
        ]
        copies = duplicates.filter((pl.col("kept_id") == record_id) & (pl.col("id") != record_id))
        head += [
            f"  kept over {d['kind']} duplicate {d['id']} (similarity {d['similarity']:.2f})"
            for d in copies.sort("id").iter_rows(named=True)
        ]
        return "\n".join(head + _places(published, out))
    if not dropped.is_empty():
        row = dropped.row(0, named=True)
        head = [
            f"record {record_id}: dropped as a {row['kind']} duplicate (similarity {row['similarity']:.2f}) of "
            f"record {row['kept_id']}",
            f"  title {_quote(row['title'])}, {row['word_count']} words, layout {row['layout']}",
        ]
        return "\n".join(head + _places(dropped, out))
    quarantine = read_parquet(out.quarantine).filter(pl.col("reason").str.contains(f"(id {record_id})", literal=True))
    if not quarantine.is_empty():
        rows = quarantine.iter_rows(named=True)
        return "\n".join(
            [f"record {record_id}: quarantined by validate"]
            + [f"  {r['file']}:{r['line_start']}-{r['line_end']}: rule {r['rule']}: {r['reason']}" for r in rows]
        )
    raise NotInBuild(
        f"no record {record_id} in this build: not published, not a duplicate, not quarantined by validate "
        "(records quarantined by clean have no id: explain one of their lines as FILE:LINE)"
    )


def _places(records: pl.DataFrame, out: Outputs) -> list[str]:
    """Every place the record was found at, with each raw line's fate."""
    build = fates.Build.load(out)
    answer = []
    for file, start, end in fates.provenance_places(records.select("provenance")).iter_rows():
        answer.append(f"  from {file} lines {start}-{end}:")
        lines = fates.line_fates(fates.ParseParts.of_file(out, file), build)
        for row in lines.filter(pl.col("line").is_between(start, end)).iter_rows(named=True):
            fate = row["roles"] if row["fate"] in (fates.PUBLISHED, fates.DUPLICATE) else describe_fate(row)
            answer.append(f"    {row['line']:>6}  {fate:<12} {_quote(row['text'])}")
    return answer
