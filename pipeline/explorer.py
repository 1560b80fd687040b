"""The audit explorer: a static, offline report of what became of every raw line (reports/explorer/index.html).

For every raw file, its lines with their fate (pipeline.fates: the field of the published record a line is in,
the duplicate it went to, the rule that removed it, the quarantine rule and reason); duplicate clusters side by
side; the quarantine with reasons. The page (pipeline/assets/explorer/index.html, the same bytes every build)
loads small data scripts on demand, so it opens from the file system without a server and stays fast for tens
of thousands of files: one script per raw file, the record-id index in 256 scripts by the id's first two hex
digits, duplicates and quarantine in pages. Everything is sorted and serialised canonically: the same build
gives the same bytes (a DVC output whose hash must not change between identical builds).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import polars as pl

from pipeline import fates, shards
from pipeline.io import read_parquet
from pipeline.outputs import Outputs
from schemas import Article, Duplicate, polars_schema

PAGE = Path(__file__).parent / "assets" / "explorer" / "index.html"
DATA = "data"
EXCERPT = 600  # characters of a record's text shown in the duplicate and quarantine views
PAGE_ROWS = 200  # duplicate clusters or quarantine rows per data page
LINE_COLUMNS = ("line", "text", "fate", "roles", "rule", "reason", "record", "kept_id", "kind", "similarity")
FILE_COLUMNS = ("path", "fate", "detail", *fates.FATES)


def write(out: Outputs) -> dict[str, Any]:
    """Write the explorer under out.explorer (replacing any earlier one); return its counts (files in and out,
    lines by fate) for the build's stage line."""
    target = out.explorer
    shutil.rmtree(target, ignore_errors=True)
    build = fates.Build.load(out)
    files = read_parquet(out.files).sort("path")
    numbers = {path: number for number, path in enumerate(files["path"])}
    records = _rows_by_file(build.outcomes.with_columns(pl.col("similarity").round(4)))
    quarantine_of = _rows_by_file(build.quarantine.select("file", "line_start", "line_end", "stage", "rule", "reason"))
    lines_per_file: dict[str, dict[str, int]] = {}
    for parts in fates.shard_parts(out):
        for path, lines in _by_file(fates.line_fates(parts, build)).items():
            lines_per_file[path] = fates.counts_by_fate(lines)
            _write_file(target, numbers[path], path, lines, records.get(path, []), quarantine_of.get(path, []))
    summary = []
    for path, fate, detail in files.select("path", "fate", "detail").iter_rows():
        counts = lines_per_file.get(path) or dict.fromkeys(fates.FATES, 0)
        if path not in lines_per_file:
            empty = pl.DataFrame(schema=fates.LINE_FATE_SCHEMA)
            _write_file(target, numbers[path], path, empty, records.get(path, []), quarantine_of.get(path, []))
        summary.append([path, fate, detail, *(counts[f] for f in fates.FATES)])
    lines_by_fate = {fate: sum(row[3 + i] for row in summary) for i, fate in enumerate(fates.FATES)}
    _write_ids(target, build.outcomes, numbers)
    clusters = _duplicate_clusters(out)
    quarantine = _quarantine_rows(build.quarantine)
    _script(
        target / DATA / "summary.js",
        "summary",
        {
            "file_columns": list(FILE_COLUMNS),
            "files": summary,
            "lines_by_fate": lines_by_fate,
            "duplicate_pages": _write_pages(target, "duplicates", clusters),
            "duplicate_clusters": len(clusters),
            "quarantine_pages": _write_pages(target, "quarantine", quarantine),
            "quarantine_rows": len(quarantine),
            "quarantine_by_rule": _counts(build.quarantine, ["stage", "rule"]),
        },
    )
    page = target / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PAGE, page)
    return {"stage": "explore", "rows_in": len(summary), "rows_out": len(summary), "dropped": {},
            "lines_by_fate": lines_by_fate}  # fmt: skip


def _script(path: Path, kind: str, payload: Any, key: str | int | None = None) -> None:
    """A data script the page loads with a <script> tag (works from file://, unlike fetch)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    path.write_text(f"EXPLORER.loaded({json.dumps(kind)},{json.dumps(key)},{body});\n", encoding="utf-8")


def _file_script(target: Path, number: int) -> Path:
    return target / DATA / "files" / f"{number:05d}.js"


def _by_file(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {path: group for (path,), group in frame.partition_by("file", as_dict=True).items()}


def _rows_by_file(frame: pl.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """file -> its rows as dicts, without the file."""
    return {path: group.drop("file").to_dicts() for path, group in _by_file(frame).items()}


def _write_file(
    target: Path, number: int, path: str, lines: pl.DataFrame, records: list[dict], quarantine: list[dict]
) -> None:
    payload = {
        "path": path,
        "line_columns": list(LINE_COLUMNS),
        "lines": [
            [*row[:-1], [[p["rule"], p["text"]] for p in row[-1] or []]]
            for row in lines.select(*LINE_COLUMNS, "removed_parts")
            .with_columns(pl.col("similarity").round(4))
            .iter_rows()
        ],
        "records": records,
        "quarantine": quarantine,
    }
    _script(_file_script(target, number), "file", payload, number)


def _write_ids(target: Path, outcomes: pl.DataFrame, numbers: Mapping[str, int]) -> None:
    """data/ids/<first two hex digits>.js: record id -> the numbers of the files it was found in."""
    ids = (
        outcomes.filter(pl.col("id").is_not_null())
        .select("id", number=pl.col("file").replace_strict(numbers, return_dtype=pl.Int64))
        .unique()
        .sort("id", "number")
    )
    for (prefix,), group in ids.group_by(pl.col("id").str.slice(0, 2), maintain_order=True):
        index = {i: sorted(n) for i, n in group.group_by("id").agg("number").iter_rows()}
        _script(target / DATA / "ids" / f"{prefix}.js", "ids", index, prefix)


def _places(provenance: Iterable[Mapping[str, Any]]) -> list[str]:
    return [f"{p['file']}:{p['line_start']}-{p['line_end']}" for p in provenance]


def _excerpt(title: str | None, body: str) -> str:
    text = "\n\n".join(t for t in (title, body) if t)
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _duplicate_clusters(out: Outputs) -> list[dict[str, Any]]:
    """Each kept record with the records dropped as its duplicates, by kept id."""
    duplicates = read_parquet(out.duplicates, polars_schema(Duplicate)).sort("kept_id", "kind", "id")
    kept_ids = duplicates["kept_id"].unique().to_list()
    kept = {
        row["id"]: row
        for row in shards.scan(out.validated_dir, polars_schema(Article))
        .filter(pl.col("id").is_in(kept_ids))
        .select("id", "title", "body", "provenance")
        .collect()
        .iter_rows(named=True)
    }
    clusters = []
    for (kept_id,), group in duplicates.group_by("kept_id", maintain_order=True):
        record = kept.get(kept_id)
        clusters.append(
            {
                "kept": {
                    "id": kept_id,
                    "published": record is not None,
                    "places": _places(record["provenance"]) if record else [],
                    "text": _excerpt(record["title"], record["body"]) if record else None,
                },
                "dropped": [
                    {
                        "id": row["id"],
                        "kind": row["kind"],
                        "similarity": round(row["similarity"], 4),
                        "places": _places(row["provenance"]),
                        "text": _excerpt(row["title"], row["body"]),
                    }
                    for row in group.iter_rows(named=True)
                ],
            }
        )
    return clusters


def _quarantine_rows(quarantine: pl.DataFrame) -> list[list[Any]]:
    ordered = quarantine.sort("stage", "rule", "file", "line_start")
    return [
        [file, start, end, stage, rule, reason, None if text is None else text[:EXCERPT]]
        for file, start, end, stage, rule, reason, text in ordered.select(
            "file", "line_start", "line_end", "stage", "rule", "reason", "text"
        ).iter_rows()
    ]


def _write_pages(target: Path, kind: str, rows: list[Any]) -> int:
    """rows in data/<kind>/<page>.js, PAGE_ROWS each; return the number of pages."""
    pages = [rows[i : i + PAGE_ROWS] for i in range(0, len(rows), PAGE_ROWS)]
    for number, page in enumerate(pages):
        _script(target / DATA / kind / f"{number:05d}.js", kind, page, number)
    return len(pages)


def _counts(frame: pl.DataFrame, keys: list[str]) -> list[list[Any]]:
    grouped = frame.group_by(keys).len().sort(["len", *keys], descending=[True] + [False] * len(keys))
    return [list(row) for row in grouped.iter_rows()]
