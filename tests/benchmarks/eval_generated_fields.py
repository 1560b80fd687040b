"""Extraction on a generated corpus: each published record's fields against the generator's truth.

    python tests/benchmarks/eval_generated_fields.py --corpus DIR --out OUT [--against OTHER]

DIR is a corpus of ``../shared/bench/gen_corpus.py`` (DIR/raw and DIR/truth.jsonl), OUT a build of DIR/raw
(``python -m pipeline run DIR/raw --out OUT``). Each published record is matched to the article the generator
wrote at its first place (file, and the entry of a listing it starts in), and its fields are checked where the
page prints them: the title, the date (somewhere in the record's lines: a listing's summary cut before its date
marker has none), the category (on the line right above the headline: a menu's item of the same name is not the
article's category) and the body's first 60 characters (without spaces and punctuation). ``eval_pipeline.py``
scores dedup; this scores what extraction gives each record. With --against, OTHER is a build of the same folder
by other code: the records whose verdict differs are listed, so a layout change is checked record by record on
the shapes the pipeline was built for, not only in totals. Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
import unicodedata
from pathlib import Path

import polars as pl

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
from pipeline.dates import find_dates  # noqa: E402

FIELDS = ("title", "date", "category", "body_start")
_NON_WORD = re.compile(r"[\W_]+")
BODY_START_CHARS = 60


def _canon(text: str | None) -> str:
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", text or "").casefold())


def verdicts(corpus: Path, out: Path) -> dict[str, dict[str, bool]]:
    """field -> {article: right?} for every published record the generator's truth places, keyed by the truth's
    article (its duplicate cluster: dedup keeps one record of each, whichever copy it keeps)."""
    raw = corpus / "raw"
    truth_at = {}
    for line in (corpus / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        article = json.loads(line)
        for place in article["appearances"]:
            truth_at[(place["file"], place["pos"])] = article
    pages: dict[str, list[str]] = {}

    def page(file: str) -> list[str]:
        if file not in pages:
            pages[file] = (raw / file).read_text(encoding="utf-8").split("\n")
        return pages[file]

    def entry(file: str, line: int) -> int:
        """The listing entry (counted from 0) that starts above ``line``; 0 on a page that is no listing."""
        separators = [n for n, text in enumerate(page(file), 1) if text.strip() == "-"]
        return max(sum(1 for n in separators if n < line) - 1, 0)

    def label_above(lines: list[str], title: str) -> str | None:
        """The non-blank line right above the headline's first print."""
        at = next((n for n, text in enumerate(lines) if text.strip() == title), None)
        above = [text.strip() for text in lines[:at] if text.strip()] if at is not None else []
        return above[-1] if above else None

    result: dict[str, dict[str, bool]] = {field: {} for field in FIELDS}
    published = pl.read_parquet(sorted((out / "dataset" / "data").glob("*.parquet")))
    for record in published.iter_rows(named=True):
        first = min(record["provenance"], key=lambda p: (p["file"], p["line_start"]))
        article = truth_at.get((first["file"], entry(first["file"], first["line_start"])))
        if article is None:
            continue
        key = str(article["cluster"])
        lines = page(first["file"])
        span = "\n".join(lines[first["line_start"] - 1 : first["line_end"]])
        if article["title"] and article["title"] in "\n".join(lines):
            result["title"][key] = _canon(record["title"]) == _canon(article["title"])
        date = article.get("date")
        if date and (date in span or any(str(found.value) == date for found in find_dates(span))):
            result["date"][key] = str(record["published_date"]) == date
        labelled = article["title"] and label_above(lines, article["title"]) == article.get("category")
        if article.get("category") and labelled:
            result["category"][key] = (record["category"] or "") == article["category"]
        body, own = _canon(article["body"]), _canon(record["body"])
        result["body_start"][key] = own[:BODY_START_CHARS] == body[:BODY_START_CHARS]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--against", type=Path, help="another build of the same corpus, compared record by record")
    args = parser.parse_args()
    mine = verdicts(args.corpus, args.out)
    for field in FIELDS:
        right = sum(mine[field].values())
        print(f"{field:<11} right {right:>6} of {len(mine[field]):>6}   wrong {len(mine[field]) - right:>6}")
    if args.against is None:
        return
    other = verdicts(args.corpus, args.against)
    changes = collections.Counter()
    for field in FIELDS:
        for key in sorted(mine[field].keys() | other[field].keys()):
            now, before = mine[field].get(key), other[field].get(key)
            if now != before:
                changes[field] += 1
                print(f"  {field:<11} {key}: {before} in --against, {now} here")
    by_field = "".join(f", {field} {n}" for field, n in changes.items())
    print(f"records whose verdict differs: {sum(changes.values())}{by_field}")


if __name__ == "__main__":
    main()
