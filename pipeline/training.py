"""Fit the line model on labelled pages: DIR/raw/NAME.txt with DIR/gold/NAME.json (the gold format).

Unit labels are derived from each gold file: the headline unit is ``title``; units from the one holding the
body's first words to the one holding its last words are ``body`` (to the next headline or the end of the page
when the saved page cut the article off); units printed in ``boilerplate_lines`` are ``chrome``; the rest
(dates, bylines, decks, unlabelled widgets) is ``other``. The model records each page's name and sha256.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl

from pipeline.boilerplate import boilerplate_evidence, learn_boilerplate
from pipeline.config import ParseParams
from pipeline.decode import decode_bytes
from pipeline.extraction import LINE_SCHEMA
from pipeline.layouts.evidence import compared, evidence_frame
from pipeline.linemodel import LineModel, fit
from pipeline.patterns import BLANK_LINE_RE
from pipeline.text import canonical, canonical_expr
from pipeline.units import units

MIN_CHROME_CHARS = 10  # shorter boilerplate lines are too generic to label a unit by (the scorer skips them too)


def gold_pages(pages_dir: Path, names: list[str] | None = None) -> list[str]:
    """Names (NAME.txt) of the pages that have both a raw file and a gold file, sorted; or the given names."""
    if names is not None:
        return sorted(names)
    return sorted(
        p.stem + ".txt"
        for p in (pages_dir / "gold").glob("*.json")
        if (pages_dir / "raw" / (p.stem + ".txt")).exists()
    )


def pages_of(model_file: Path, pages_dir: Path) -> list[str]:
    """The page names a model file says it was fitted on, after checking each page is still the same bytes."""
    listed = json.loads(model_file.read_text(encoding="utf-8"))["pages"]
    names = []
    for page in listed:
        path = pages_dir / page["file"]
        if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != page["sha256"]:
            raise FileNotFoundError(f"{path} is missing or changed since {model_file} was fitted")
        names.append(Path(page["file"]).name)
    return names


def page_lines(pages_dir: Path, name: str) -> tuple[pl.DataFrame, str]:
    """(non-blank lines of the raw page, sha256 of its bytes)."""
    data = (pages_dir / "raw" / name).read_bytes()
    decoded = decode_bytes(data)
    text = decoded.text or ""
    rows = [(name, n, t) for n, t in enumerate(text.split("\n"), start=1) if not BLANK_LINE_RE.match(t)]
    return pl.DataFrame(rows, schema=LINE_SCHEMA, orient="row"), hashlib.sha256(data).hexdigest()


def read_gold(pages_dir: Path, name: str) -> dict:
    return json.loads((pages_dir / "gold" / (name[: -len(".txt")] + ".json")).read_text(encoding="utf-8"))


def unit_labels(canons: list[str], gold: dict) -> list[str]:
    """One class per unit (given the units' canonical texts, in page order) from the page's gold record(s)."""
    labels = ["other"] * len(canons)
    chrome = {canonical(line) for line in gold["boilerplate_lines"]}
    chrome = {c for c in chrome if len(c) >= MIN_CHROME_CHARS}
    for i, canon in enumerate(canons):
        if canon and any(c == canon or (c in canon and 2 * len(c) >= len(canon)) for c in chrome):
            labels[i] = "chrome"
    offsets, position = [], 0
    for canon in canons:
        offsets.append(position)
        position += len(canon)
    text = "".join(canons)

    def unit_at(char: int) -> int:
        return max(i for i, start in enumerate(offsets) if start <= char)

    cursor = 0
    titles = []
    for record in gold["records"]:
        title = canonical(record["title"])
        if title:
            for i, canon in enumerate(canons):
                if canon and (canon == title or (canon.startswith(title) and len(canon) - len(title) <= 20)):
                    labels[i] = "title"
                    titles.append(i)
    for record in gold["records"]:
        first = canonical(record["body_first_words"])
        start = text.find(first, cursor) if first else -1
        if start < 0:
            continue
        first_unit = unit_at(start)
        last = canonical(record["body_last_words"])
        end = text.find(last, start) if last else -1
        if end >= 0:
            last_unit = unit_at(end + len(last) - 1)
        else:  # the page cut the article: it runs to the next headline or chrome unit, or the end of the page
            stops = [i for i in range(first_unit + 1, len(canons)) if labels[i] in ("title", "chrome")]
            last_unit = (stops[0] - 1) if stops else len(canons) - 1
        for i in range(first_unit, last_unit + 1):
            if labels[i] == "other":
                labels[i] = "body"
        cursor = offsets[last_unit] + len(canons[last_unit]) if last_unit + 1 < len(offsets) else len(text)
    return labels


def labelled_units(
    pages_dir: Path, names: list[str], params: ParseParams
) -> tuple[pl.DataFrame, list[str], list[dict]]:
    """(evidence frame of every unit of the pages, their labels, [{file, sha256}] of the pages).

    Corpus boilerplate is learned over the pages together, as the parse stage learns it over a raw folder.
    """
    read = [page_lines(pages_dir, name) for name in names]
    lines = pl.concat([frame for frame, _ in read])
    learned = frozenset(
        learn_boilerplate(boilerplate_evidence(lines, params.boilerplate), params.boilerplate)["key"].to_list()
    )
    frame = evidence_frame(compared(units(lines)), learned)
    # Labels match gold text anywhere in a unit: the whole unit's canonical form, not the evidence's prefix.
    full = frame.select("file", canonical_expr("s"))
    labels: list[str] = []
    for name in names:
        canons = full.filter(pl.col("file") == name)["s"].to_list()
        labels += unit_labels(canons, read_gold(pages_dir, name))
    pages = [{"file": f"raw/{name}", "sha256": digest} for name, (_, digest) in zip(names, read, strict=True)]
    return frame, labels, pages


def train(pages_dir: Path, params: ParseParams, names: list[str] | None = None) -> LineModel:
    """The line model fitted on the gold pages under ``pages_dir`` (all of them, or the given names)."""
    frame, labels, pages = labelled_units(pages_dir, gold_pages(pages_dir, names), params)
    assert params.extract is not None
    return fit(frame, labels, pages, params.extract.train_l2, params.extract.train_iterations)
