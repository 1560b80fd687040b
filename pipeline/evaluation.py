"""Score the pipeline against labelled pages, in sample and by leave-one-site-out cross-validation.

The figures are the real-world scorer's (../shared/realworld-dev/score.py): per gold record, is it found (same
title, or for an untitled record the same first body words), are its title, date, body start and end,
category and byline right, is a record the page cut off flagged truncated; per page, how many boilerplate lines
leaked into published text and how many published records match no gold record. Pages are copied under neutral
names and run through every stage (parse to package), so the figures are those of the published dataset.

Leave-one-site-out: each site's pages are parsed with a model fitted on the other sites' pages only, which is
what a site nobody labelled gets: the honest estimate for unseen sites.
"""

from __future__ import annotations

import collections
import csv
import dataclasses
import glob
import hashlib
import shutil
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import polars as pl

from pipeline import io, shards
from pipeline.config import Params
from pipeline.errors import GateFailed
from pipeline.linemodel import LineModel
from pipeline.outputs import Outputs
from pipeline.training import gold_pages, read_gold, train

QUOTES = str.maketrans({c: "'" for c in "‘’‚‛`´′"} | {c: '"' for c in "“”„‟″"})
FIELDS = ("title", "date", "body_first", "body_last", "category", "byline", "flagged_truncated")
COLUMNS = ("family", "recall_complete", "handled_partial", *FIELDS, "leaks", "chrome_lines", "spurious")
START_SLACK = 300  # characters of deck allowed before the body's first words (labelling rules)
END_SLACK = 150  # characters of sign-off allowed after its last words
MIN_CHROME_CHARS = 10  # shorter boilerplate lines are not counted as leaks


def canon(text: str | None) -> str | None:
    """The scorer's comparison form: NFKC, quotes folded, all whitespace removed."""
    if text is None:
        return None
    return "".join(unicodedata.normalize("NFKC", text).translate(QUOTES).split())


def neutral_name(name: str) -> str:
    """The file name a page runs under, so that nothing can depend on the labelled page's name."""
    return "doc_" + hashlib.sha1(name.encode()).hexdigest()[:10] + ".txt"


@dataclasses.dataclass
class Score:
    rows: list[dict]
    problems: list[str]

    def table(self) -> str:
        lines = [" ".join(f"{c[:9]:>9}" for c in COLUMNS)]
        for row in self.rows:
            lines.append(" ".join(f"{(row[c] if c == 'family' else _fmt(row[c])):>9}" for c in COLUMNS))
        return "\n".join(lines)

    def summary(self) -> str:
        total = self.rows[-1]
        return " ".join(f"{c}={_fmt(total[c]).strip()}" for c in COLUMNS if c != "family")


def _fmt(value: float | int | None) -> str:
    return "  -  " if value is None else (f"{value:5.3f}" if isinstance(value, float) else f"{value:5d}")


def _rows(path: str) -> list[dict]:
    files = sorted(glob.glob(path)) if "*" in path else ([path] if Path(path).exists() else [])
    return [row for f in files for row in pl.read_parquet(f).to_dicts()]


def score_output(golds: dict[str, dict], out: Path) -> Score:
    """Score an output folder of the pipeline run on the gold pages under their neutral names."""
    back = {neutral_name(name): name for name in golds}
    published = _rows(str(out / "dataset" / "data" / "*.parquet"))
    duplicates = _rows(str(out / "duplicates.parquet"))
    quarantine = _rows(str(out / "quarantine.parquet"))
    records = [{**r, "_published": True} for r in published] + [{**r, "_published": False} for r in duplicates]
    by_file = collections.defaultdict(list)
    for record in records:
        for place in {p["file"] for p in record.get("provenance") or [] if p and p.get("file")}:
            by_file[back.get(Path(place).name, place)].append(record)
    quarantined = collections.Counter(back.get(Path(q.get("file") or "").name, q.get("file")) for q in quarantine)
    stats: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    problems: list[str] = []
    for name, gold in golds.items():
        _score_page(name, gold, by_file.get(name, []), quarantined[name], stats[gold["family"]], problems)
    return Score(_table_rows(stats), problems)


def _score_page(name: str, gold: dict, candidates: list[dict], quarantined: int, st: collections.Counter,
                problems: list[str]) -> None:  # fmt: skip
    used: set[int] = set()
    matched: set[int] = set()
    for gi, record in enumerate(gold["records"]):
        title, first, last = (
            canon(record["title"]),
            canon(record["body_first_words"]),
            canon(record["body_last_words"]),
        )
        hit, best = None, 0
        for candidate in candidates:
            if id(candidate) in used:
                continue
            body = canon(candidate.get("body") or "")
            starts = bool(first) and first in body[: len(first) + START_SLACK]
            rank = (
                (2 + starts)
                if title and canon(candidate.get("title")) == title
                else (1 if not title and starts else 0)
            )
            if rank > best:
                hit, best = candidate, rank
        key = "complete" if record["complete"] else "partial"
        st[f"{key}_gold"] += 1
        if hit is None:
            if not record["complete"] and quarantined:
                st["partial_quarantined"] += 1
                continue
            st[f"{key}_missed"] += 1
            problems.append(f"{name}#{gi}: not found ({record['title'] or record['body_first_words'][:50]!r})")
            continue
        used.add(id(hit))
        matched.add(id(hit))
        st[f"{key}_found"] += 1
        for field, ok in _checks(record, hit, title, first, last).items():
            st[f"{field}_n"] += 1
            st[f"{field}_ok"] += int(ok)
            if not ok:
                problems.append(f"{name}#{gi}: {field} wrong")
    texts = [
        canon(r.get("body") or "") + "\u0000" + canon(r.get("title") or "") for r in candidates if r["_published"]
    ]
    for line in gold["boilerplate_lines"]:
        c = canon(line)
        if len(c) < MIN_CHROME_CHARS:
            continue
        st["chrome_lines"] += 1
        if any(c in text for text in texts):
            st["leaks"] += 1
            problems.append(f"{name}: chrome leaked: {line[:70]!r}")
    for candidate in candidates:
        if candidate["_published"] and id(candidate) not in matched:
            st["spurious"] += 1
            problems.append(
                f"{name}: spurious record: {(candidate.get('title') or candidate.get('body') or '')[:70]!r}"
            )


def _checks(record: dict, hit: dict, title: str | None, first: str | None, last: str | None) -> dict[str, bool]:
    body = canon(hit.get("body") or "")
    published = hit.get("published_date")
    checks = {
        "title": canon(hit.get("title")) == title,
        "date": (None if published is None else str(published)[:10]) == record["published_date"],
        "body_first": bool(first) and first in body[: len(first) + START_SLACK],
    }
    if last and record["complete"]:
        checks["body_last"] = last in body[-(len(last) + END_SLACK) :]
    if record.get("category"):
        checks["category"] = (hit.get("category") or "").strip().lower() == record["category"].strip().lower()
    if record.get("byline"):
        checks["byline"] = canon(record["byline"]).lower() in canon(hit.get("byline") or "").lower()
    if not record["complete"]:
        checks["flagged_truncated"] = bool(hit.get("is_truncated"))
    return checks


def _table_rows(stats: dict[str, collections.Counter]) -> list[dict]:
    total: collections.Counter = collections.Counter()
    for counter in stats.values():
        total.update(counter)
    rows = []
    for family in [*sorted(stats), "all"]:
        c = total if family == "all" else stats[family]
        found = c["complete_found"] / c["complete_gold"] if c["complete_gold"] else None
        handled = (c["partial_found"] + c["partial_quarantined"]) / c["partial_gold"] if c["partial_gold"] else None
        ratios = {f: (c[f"{f}_ok"] / c[f"{f}_n"] if c[f"{f}_n"] else None) for f in FIELDS}
        rows.append({"family": family, "recall_complete": found, "handled_partial": handled, **ratios,
                     "leaks": c["leaks"], "chrome_lines": c["chrome_lines"], "spurious": c["spurious"]})  # fmt: skip
    return rows


def sites(sources: Path) -> dict[str, str]:
    """Page name -> site (the URL's host) from a sources.tsv with `file` and `url` columns."""
    with sources.open(encoding="utf-8") as handle:
        return {
            row["file"]: urlparse(row["url"]).hostname or row["url"] for row in csv.DictReader(handle, delimiter="\t")
        }


def run_pages(pages_dir: Path, names: list[str], params: Params, model_for: Callable[[list[str]], LineModel | None],
              groups: dict[str, list[str]], work: Path) -> Path:  # fmt: skip
    """Run every stage on the pages (neutral names): each group's pages parsed with ``model_for(group pages)``.

    Each group is scanned and parsed on its own (with its model); their parse outputs are then put side by side
    as the shards of one build, which the later stages run on as usual.
    """
    from pipeline import clean, dedup, package, parse, scan, validate

    raw = work / "raw"
    raw.mkdir(parents=True)
    out = Outputs(work / "out")
    engine = dataclasses.replace(params.engine, workers=1)
    parts: list[Outputs] = []
    for index, (_, members) in enumerate(sorted(groups.items())):
        group_raw = work / f"group{index:03d}"
        group_raw.mkdir()
        for name in members:
            shutil.copy(pages_dir / "raw" / name, group_raw / neutral_name(name))
            shutil.copy(pages_dir / "raw" / name, raw / neutral_name(name))
        group_out = Outputs(work / f"out{index:03d}")
        scan.run(raw_dir=group_raw, out=group_out, params=params.parse)
        parse.run(raw_dir=group_raw, out=group_out, params=params.parse, engine=engine, model=model_for(members))
        parts.append(group_out)
    _side_by_side(parts, out)
    clean.run(out=out, params=params.clean, engine=engine)
    dedup.run(out=out, params=params.dedup, engine=engine)
    max_file_bytes = params.parse.max_file_bytes
    try:
        validate.run(
            raw_dir=raw,
            out=out,
            params=params.validate,
            max_file_bytes=max_file_bytes,
            batch_rows=params.engine.batch_rows,
        )
    except GateFailed as err:
        raise GateFailed(f"evaluation run refused by the validation gate: {err}") from err
    package.run(
        raw_dir=raw,
        out=out,
        releases_dir=work / "no-releases",
        params=params.package,
        max_file_bytes=max_file_bytes,
    )
    return out.root


def _side_by_side(parts: list[Outputs], out: Outputs) -> None:
    """The scan and parse outputs of separate builds as one build's: tables concatenated, shards renumbered."""
    for attribute in ("manifest", "scan_quarantine", "files", "boilerplate"):
        frame = pl.concat([pl.read_parquet(getattr(part, attribute)) for part in parts], how="vertical_relaxed")
        io.write_parquet(frame.unique(maintain_order=True), getattr(out, attribute))
    for attribute in (
        "lines_dir", "decode_quarantine_dir", "segments_dir", "records_dir", "parse_quarantine_dir", "parse_keys_dir"
    ):  # fmt: skip
        target = getattr(out, attribute)
        target.mkdir(parents=True, exist_ok=True)
        for index, part in enumerate(parts):
            for number, path in enumerate(shards.parts(getattr(part, attribute))):
                shutil.copy(path, target / f"part-{index * shards.BUCKETS + number:05d}.parquet")


def evaluate(
    pages_dir: Path, params: Params, by_site: Path | None, model: LineModel | None = None
) -> dict[str, Score]:
    """{'in sample': score with ``model`` (default: the committed one), 'leave one site out': ... (with by_site)}."""
    names = gold_pages(pages_dir)
    golds = {name: read_gold(pages_dir, name) for name in names}
    results = {}
    with tempfile.TemporaryDirectory(prefix="evaluate_") as tmp:
        out = run_pages(pages_dir, names, params, lambda _: model, {"all": names}, Path(tmp) / "in_sample")
        results["in sample"] = score_output(golds, out)
        if by_site is not None:
            site_of = sites(by_site)
            groups: dict[str, list[str]] = collections.defaultdict(list)
            for name in names:
                groups[site_of.get(name, name)].append(name)

            def without(members: list[str]) -> LineModel:
                return train(pages_dir, params.parse, [n for n in names if n not in members])

            out = run_pages(pages_dir, names, params, without, groups, Path(tmp) / "by_site")
            results["leave one site out"] = score_output(golds, out)
    return results
