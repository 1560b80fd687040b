"""Extraction on pages of other sites: body and title against a labelled set the extraction was not built on.

The dev pages (../shared/realworld-dev) are few sites; this measures the extractor on many others. The reference
set is scrapinghub's article-extraction-benchmark (181 pages of 181 sites in several languages, each page's HTML
with its hand-checked ``articleBody``): https://github.com/scrapinghub/article-extraction-benchmark. Its pages
are third-party text: they are read from a checkout of that repository, rendered into a folder outside the
project, never copied into it.

    render  --repo CHECKOUT --out DIR   each page's HTML as the text a crawler saves (one line per block; needs
                                        ``pip install inscriptis``), DIR/raw/NNN.txt, and DIR/gold.json
            [--snippets]                CHECKOUT is instead trafilatura's repository, whose evaluation set
                                        (tests/evaldata.json: 990 pages, most of them German, news and blogs and
                                        others) labels each page with a few snippets its main text holds
                                        ("with") and a few of its chrome ("without")
            [--readability]             CHECKOUT is instead mozilla/readability's repository: its test pages
                                        (test/test-pages/*: news sites mostly, and small made-up pages) with
                                        the article Readability.js extracts (expected.html, checked by its
                                        maintainers) as the reference body, its title and the page's
                                        headlines as the references of the title; made-up pages
                                        (a reference under READABILITY_MIN_WORDS words) are left out
            [--fundus]                  CHECKOUT is instead flairNLP/fundus's repository: its parser test pages
                                        (tests/resources/parser/test_data/<country>/: 258 news pages of 181
                                        publishers in 40 countries) with the article its hand-written
                                        per-publisher parser extracts (the sections' subheadings and
                                        paragraphs; its summary, a standfirst, is neither body nor chrome in
                                        our labelling) as the reference body, its title and the page's
                                        headlines as the references of the title
    score   --pages DIR --out OUT       ``python -m pipeline run DIR/raw --out OUT``, then per page: the body's
                                        precision and recall on word 4-gram shingles (the benchmark's own
                                        measure), whether the body starts and ends where the reference does
                                        (as the dev set's scorer reads its first and last words: up to 300
                                        characters of other text before them, 150 after), and whether the title
                                        is the page's <h1> or og:title; for a snippet set, how many "with"
                                        snippets the body holds (recall) and how many "without" (leaks), matched
                                        as that set's evaluation does (whitespace-normalized substrings)

A page's body is the best of the records published from its file (or dropped as duplicates). Nothing here is a
test: it prints figures (tests/benchmarks/README.md quotes them).
"""

from __future__ import annotations

import argparse
import collections
import gzip
import html
import json
import re
import statistics
import subprocess
import sys
from pathlib import Path

_TOKEN = re.compile(r"\w+")
_WORDS = re.compile(r"\W+")
EDGE_CHARS = 60  # the reference body's first and last characters (without spaces and punctuation) that are looked for
BEFORE_FIRST, AFTER_LAST = 300, 150  # the dev set's scorer allows this much other text before and after the body


def page_text(page: str) -> str:
    """A page's HTML as the text a crawler saves: one line per block, blank lines between paragraphs."""
    from inscriptis import get_text
    from inscriptis.model.config import ParserConfig

    text = get_text(page, ParserConfig(display_links=False, display_images=False))
    lines = []
    for raw_line in text.splitlines():
        line = re.sub(r"\s+", " ", raw_line).strip()
        if re.match(r"^\s*(?:[*+o]|\d+\.)(?: |$)", raw_line):  # inscriptis' list bullets: a browser prints none
            line = re.sub(r"^(?:[*+o]|\d+\.)(?: |$)", "", line)
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip() + "\n"


def _git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=True).stdout


def render_snippets(repo: Path, out: Path) -> None:
    """trafilatura's evaluation set: each page's text, and its "with" and "without" snippets."""
    truth = json.loads(_git(repo, "show", "HEAD:tests/evaldata.json"))
    stored = set(_git(repo, "ls-tree", "-r", "--name-only", "HEAD", "tests/").decode().split("\n"))
    (out / "raw").mkdir(parents=True, exist_ok=True)
    gold = {}
    for number, url in enumerate(sorted(truth)):
        # the set's own lookup order (tests/eval_common.resolve); 41 of its 990 entries name no stored file
        path = next((f"tests/{d}/{truth[url]['file']}" for d in ("cache", "eval")
                     if f"tests/{d}/{truth[url]['file']}" in stored), None)  # fmt: skip
        if path is None:
            continue
        page = _git(repo, "show", f"HEAD:{path}").decode("utf-8", "replace")
        name = f"{number:03d}.txt"
        (out / "raw" / name).write_text(page_text(page), encoding="utf-8")
        gold[name] = {"url": url, "with": truth[url]["with"], "without": truth[url]["without"]}
    (out / "gold.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"rendered {len(gold)} pages into {out / 'raw'}")


READABILITY_MIN_WORDS = 150  # the made-up test pages' articles are a few sentences; the real pages' are longer


def render_readability(repo: Path, out: Path) -> None:
    """mozilla/readability's test pages: each page's text, Readability.js's article as the body, its title."""
    listed = _git(repo, "ls-tree", "-r", "--name-only", "HEAD", "test/test-pages/").decode().split("\n")
    folders = sorted({Path(path).parent for path in listed if path.endswith("/expected.html")})
    (out / "raw").mkdir(parents=True, exist_ok=True)
    gold = {}
    for number, folder in enumerate(folders):
        page = _git(repo, "show", f"HEAD:{folder}/source.html").decode("utf-8", "replace")
        body = page_text(_git(repo, "show", f"HEAD:{folder}/expected.html").decode("utf-8", "replace"))
        if len(_TOKEN.findall(body)) < READABILITY_MIN_WORDS:
            continue
        metadata = json.loads(_git(repo, "show", f"HEAD:{folder}/expected-metadata.json"))
        name = f"{number:03d}.txt"
        (out / "raw" / name).write_text(page_text(page), encoding="utf-8")
        titles = [t for t in [metadata.get("title")] if t] + page_titles(page)
        gold[name] = {"url": folder.name, "body": body, "titles": titles}
    (out / "gold.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"rendered {len(gold)} pages into {out / 'raw'}")


FUNDUS_PAGES = "tests/resources/parser/test_data"


def render_fundus(repo: Path, out: Path) -> None:
    """fundus's parser test pages: each page's text, its parser's sections as the body, its title and authors."""
    listed = _git(repo, "ls-tree", "-r", "--name-only", "HEAD", FUNDUS_PAGES).decode().split("\n")
    (out / "raw").mkdir(parents=True, exist_ok=True)
    gold, number = {}, 0
    for expected in sorted(path for path in listed if path.endswith(".json")):
        versions = json.loads(_git(repo, "show", f"HEAD:{expected}"))
        # a publisher's parser versions and its pages (one each, named by crawl date) in the same, dated order
        pages = sorted(path for path in listed if path.startswith(expected[: -len(".json")] + "_"))
        if len(pages) != len(versions):
            continue
        for version, path in zip(sorted(versions, key=_natural), pages, strict=True):
            truth = versions[version]
            sections = truth.get("body", {}).get("sections", [])
            body = "\n".join(line for section in sections for line in section["headline"] + section["paragraphs"])
            if not body or not truth.get("title"):
                continue
            page = gzip.decompress(_git(repo, "cat-file", "-p", f"HEAD:{path}")).decode("utf-8", "replace")
            name = f"{number:03d}.txt"
            number += 1
            (out / "raw" / name).write_text(page_text(page), encoding="utf-8")
            gold[name] = {"url": Path(path).name, "body": body, "titles": [truth["title"]] + page_titles(page),
                          "authors": truth.get("authors") or []}  # fmt: skip
    (out / "gold.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"rendered {len(gold)} pages into {out / 'raw'}")


def _natural(version: str) -> list[int]:
    return [int(part) for part in re.findall(r"\d+", version)]


def page_titles(page: str) -> list[str]:
    """The page's headlines: its <h1> elements' text and its og:title."""
    og = re.search(r"<meta[^>]+property=[\"']og:title[\"'][^>]*content=[\"']([^\"']*)", page, re.I) or re.search(
        r"<meta[^>]+content=[\"']([^\"']*)[\"'][^>]*property=[\"']og:title", page, re.I
    )
    headlines = [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", h))).strip()
                 for h in re.findall(r"<h1[^>]*>(.*?)</h1>", page, re.I | re.S)]  # fmt: skip
    return [h for h in headlines if h] + ([html.unescape(og.group(1)).strip()] if og else [])


def render(repo: Path, out: Path) -> None:
    truth = json.loads(_git(repo, "show", "HEAD:ground-truth.json"))
    (out / "raw").mkdir(parents=True, exist_ok=True)
    gold = {}
    for number, key in enumerate(sorted(truth)):
        page = gzip.decompress(_git(repo, "cat-file", "-p", f"HEAD:html/{key}.html.gz")).decode("utf-8", "replace")
        name = f"{number:03d}.txt"
        (out / "raw" / name).write_text(page_text(page), encoding="utf-8")
        gold[name] = {"url": truth[key]["url"], "body": truth[key]["articleBody"], "titles": page_titles(page)}
    (out / "gold.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"rendered {len(gold)} pages into {out / 'raw'}")


def shingle_scores(true: str, predicted: str, n: int = 4) -> tuple[float, float]:
    """(precision, recall) on word n-gram shingles, as the benchmark's evaluate.py computes them."""

    def shingles(text: str) -> collections.Counter:
        tokens = _TOKEN.findall(text or "")
        return collections.Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))

    a, b = shingles(true), shingles(predicted)
    tp, fp, fn = sum((a & b).values()), sum((b - a).values()), sum((a - b).values())
    if fp == fn == 0:
        return 1.0, 1.0
    return (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)


def edges(true: str, predicted: str) -> tuple[bool, bool]:
    """Whether the predicted body starts and ends where the reference does, within the dev scorer's allowances."""
    reference, body = _WORDS.sub("", true).casefold(), _WORDS.sub("", predicted or "").casefold()
    head, tail = reference[:EDGE_CHARS], reference[-EDGE_CHARS:]
    start, end = body.find(head), body.rfind(tail)
    return 0 <= start <= BEFORE_FIRST, end >= 0 and len(body) - end - len(tail) <= AFTER_LAST


def _byline_verdict(byline: str | None, authors: list[str]) -> str:
    """'right' when the byline names one of the page's authors (the one name holds the other, compared by their
    letters and digits, case-blind: 'Associated Press' and 'The Associated Press'); 'wrong' when it names none;
    'missing' when there is none."""
    if not byline:
        return "missing"
    ours = _letters(byline)
    named = [_letters(author) for author in authors if _letters(author)]
    return "right" if any(author in ours or ours in author for author in named) else "wrong"


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _same_title(title: str | None, references: list[str]) -> bool:
    """The title is a reference title, or most of one (a site suffix, a kicker printed apart)."""
    mine = _WORDS.sub(" ", title or "").strip().lower()
    for reference in references:
        theirs = _WORDS.sub(" ", reference).strip().lower()
        if len(theirs) < 10 or not mine:
            continue
        if (
            mine == theirs
            or (mine in theirs and len(mine) >= 0.6 * len(theirs))
            or (theirs in mine and len(theirs) >= 0.6 * len(mine))
        ):
            return True
    return False


def score(pages: Path, out: Path, verbose: bool) -> None:
    import polars as pl

    run = subprocess.run([sys.executable, "-m", "pipeline", "run", str(pages / "raw"), "--out", str(out)],
                         capture_output=True, text=True)  # fmt: skip
    if run.returncode != 0:
        sys.exit(run.stdout[-2000:] + run.stderr[-2000:])
    gold = json.loads((pages / "gold.json").read_text(encoding="utf-8"))
    files = sorted((out / "dataset" / "data").glob("*.parquet")) + [out / "duplicates.parquet"]
    records = [row for f in files if f.exists() for row in pl.read_parquet(f).to_dicts()]
    by_page = collections.defaultdict(list)
    for record in records:
        for name in {Path(p["file"]).name for p in record["provenance"] or [] if p}:
            by_page[name].append(record)
    if any("with" in page for page in gold.values()):
        score_snippets(gold, by_page, verbose)
        return
    precisions, recalls, titled, rows, starts, ends = [], [], [], [], [], []
    bylines: collections.Counter = collections.Counter()
    for name, page in sorted(gold.items()):
        found = by_page.get(name, [])
        best = max((shingle_scores(page["body"], r["body"]) for r in found), key=lambda pr: sum(pr), default=(0, 0))
        precisions.append(best[0])
        recalls.append(best[1])
        edged = [edges(page["body"], r["body"]) for r in found]
        starts.append(any(start for start, _ in edged))
        ends.append(any(end for _, end in edged))
        if any(len(t) >= 10 for t in page["titles"]):
            titled.append(any(_same_title(r["title"], page["titles"]) for r in found))
        if page.get("authors"):
            bylines[_byline_verdict(found[0]["byline"] if found else None, page["authors"])] += 1
        rows.append((name, best, len(found), found[0]["title"] if found else None))
    p, r = statistics.mean(precisions), statistics.mean(recalls)
    print(f"pages {len(gold)}   body precision {p:.3f}   recall {r:.3f}   F1 {2 * p * r / (p + r):.3f}   "
          f"pages without a record {sum(1 for *_, n, _ in rows if n == 0)}")  # fmt: skip
    print(f"body starts right {sum(starts)}/{len(starts)}   ends right {sum(ends)}/{len(ends)}")
    print(f"titles right {sum(titled)}/{len(titled)} ({sum(titled) / max(1, len(titled)):.3f})")
    if bylines:
        print(f"bylines right {bylines['right']}/{bylines.total()}   wrong {bylines['wrong']}   "
              f"missing {bylines['missing']}")  # fmt: skip
    if verbose:
        for name, (pp, rr), n, title in sorted(rows, key=lambda row: min(row[1])):
            if min(pp, rr) < 0.9:
                print(f"  {name}  precision {pp:.2f}  recall {rr:.2f}  records {n}  title {title!r:.80}")


def _normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def score_snippets(gold: dict, by_page: dict, verbose: bool) -> None:
    """The "with" snippets each page's body holds and the "without" snippets it leaks, its best record's."""
    found_with = found_without = all_with = all_without = 0
    rows = []
    for name, page in sorted(gold.items()):
        bodies = [_normalized(r["body"] or "") for r in by_page.get(name, [])]
        wanted, unwanted = [_normalized(w) for w in page["with"]], [_normalized(w) for w in page["without"]]
        counts = [(sum(w in body for w in wanted), -sum(w in body for w in unwanted)) for body in bodies]
        hits, leaks = max(counts, default=(0, 0))
        found_with, found_without = found_with + hits, found_without - leaks
        all_with, all_without = all_with + len(page["with"]), all_without + len(page["without"])
        rows.append((name, hits, len(page["with"]), -leaks, len(counts)))
    recall = found_with / all_with
    precision = found_with / max(1, found_with + found_without)
    print(f"pages {len(gold)}   pages without a record {sum(1 for *_, n in rows if n == 0)}")
    f1 = 2 * precision * recall / (precision + recall)
    print(f"'with' snippets found {found_with}/{all_with} (recall {recall:.3f})   'without' snippets leaked "
          f"{found_without}/{all_without}   precision {precision:.3f}   F1 {f1:.3f}")  # fmt: skip
    if verbose:
        for name, hits, wanted, leaked, records in rows:
            if hits < wanted or leaked:
                print(f"  {name}  with {hits}/{wanted}  leaked {leaked}  records {records}  {gold[name]['url']:.90}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    rendering = commands.add_parser("render")
    rendering.add_argument("--repo", type=Path, required=True)
    rendering.add_argument("--out", type=Path, required=True)
    chosen = rendering.add_mutually_exclusive_group()
    chosen.add_argument("--snippets", action="store_true", help="CHECKOUT is trafilatura's: its evaluation set")
    chosen.add_argument("--readability", action="store_true", help="CHECKOUT is mozilla/readability's: its test pages")
    chosen.add_argument("--fundus", action="store_true", help="CHECKOUT is flairNLP/fundus's: its parser test pages")
    scoring = commands.add_parser("score")
    scoring.add_argument("--pages", type=Path, required=True)
    scoring.add_argument("--out", type=Path, required=True)
    scoring.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if args.command == "render":
        renderers = {"snippets": render_snippets, "readability": render_readability, "fundus": render_fundus}
        renderer = next((r for option, r in renderers.items() if getattr(args, option)), render)
        renderer(args.repo, args.out)
    else:
        score(args.pages, args.out, args.verbose)


if __name__ == "__main__":
    main()
