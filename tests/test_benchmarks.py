"""The benchmark scripts of tests/benchmarks/ run, on small inputs, and print the figures their README quotes.

They are scripts, not tests (no timed asserts: speed is read off their output), so nothing else runs them between
the sessions that measure with them; three of the four had stopped running as the stages' signatures changed.
What is asserted here is what each computes besides its timings: a rebuild's bytes against a fresh build's,
dedup's decisions against the old self-join's, every stage and shard task reached with its row counts.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, SEED_RAW, SHARED, run_pipeline

BENCHMARKS = REPO_ROOT / "tests" / "benchmarks"
SEED_FILES = len(list(SEED_RAW.glob("*.txt")))
SECONDS = r"\d+\.\d"


def bench(script: str, *args: str) -> str:
    """A benchmark script's standard output (it must succeed)."""
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


@pytest.mark.slow
def test_bench_rebuild_compares_a_rebuild_with_a_fresh_build(tmp_path: Path) -> None:
    printed = bench("bench_rebuild.py", "--raw", str(SEED_RAW), "--work", str(tmp_path))
    builds = re.findall(rf"^(first|rebuild|fresh|next rebuild) +({SECONDS}) +({SECONDS}) +\d+  scan ", printed, re.M)
    assert [name for name, *_ in builds] == ["first", "rebuild", "fresh", "next rebuild"], printed
    assert re.search(r"^share of the first build's wall: rebuild \d+%, next rebuild \d+%$", printed, re.M), printed
    assert "rebuild vs fresh build: byte-identical" in printed, printed
    # The files were added to the work copy, never to RAW itself.
    assert len(list((tmp_path / "raw").glob("added-*"))) == 2
    assert len(list(SEED_RAW.iterdir())) == SEED_FILES


@pytest.mark.slow
def test_bench_shard_runs_each_task_of_one_shard(seed_out: Path) -> None:
    printed = bench("bench_shard.py", "--raw", str(SEED_RAW), "--built", str(seed_out))
    tasks = re.findall(rf"^(decode|parse|clean) +(\d+) +{SECONDS} +{SECONDS} +{SECONDS} ", printed, re.M)
    assert tasks == [(task, str(SEED_FILES)) for task in ("decode", "parse", "clean")], printed
    assert re.search(r"^dedup: [\d.]+ s wall, [\d.]+ s CPU .* peak [\d.]+ MB", printed, re.M), printed


@pytest.mark.slow
def test_bench_dedup_agrees_with_the_old_self_join(seed_out: Path) -> None:
    parts = sorted(str(p) for p in (seed_out / "interim" / "clean" / "articles").glob("part-*.parquet"))
    printed = bench("bench_dedup.py", "--clean", *parts, "--reference", "--runs", "1")
    assert re.search(r"^dedup: 21 -> 15, dropped \{'exact': 4, 'near': 2\}$", printed, re.M), printed
    assert "same records dropped: True" in printed and "only in new: 0, only in old: 0" in printed, printed
    assert "published articles identical to the old implementation's (in id order): True" in printed, printed


@pytest.mark.slow
def test_bench_pipeline_times_every_stage() -> None:
    printed = bench("bench_pipeline.py", "--mb", "1")
    stages = re.findall(rf"^(\w+) +({SECONDS}\d) +[\d.]+ +\d+ +(\d+) +(\d+)$", printed, re.M)
    assert [name for name, *_ in stages] == ["scan", "parse", "clean", "dedup", "validate", "explore", "package"]
    rows = {name: (int(rows_in), int(rows_out)) for name, _, rows_in, rows_out in stages}
    assert rows["parse"][0] == rows["scan"][1] > 0 and rows["package"][1] > 0, printed
    assert re.search(r"^largest child process \(the workers\): \d+ MB peak RSS$", printed, re.M), printed


@pytest.mark.slow
def test_soak_rebuild_kills_builds_and_compares_each_round_with_a_fresh_build(tmp_path: Path) -> None:
    printed = bench("soak_rebuild.py", "--raw", str(SEED_RAW), "--work", str(tmp_path), "--rounds", "1",
                    "--small-parts")  # fmt: skip
    rounds = re.findall(r"^round (\d): (.*); killed at \[[\d., ]+\] s; rebuild [\d.]+ s; (.*)$", printed, re.M)
    assert [(number, verdict) for number, _, verdict in rounds] == [("0", "byte-identical"), ("1", "byte-identical")]
    assert rounds[0][1] == "the first build" and "(longer)" in rounds[1][1] and " -" in rounds[1][1], printed
    assert printed.rstrip().endswith("2 of 2 rounds byte-identical to a fresh build"), printed
    assert len(list((tmp_path / "raw").glob("soak-1-*"))) == 2  # the copies went to the work copy, never to RAW
    assert len(list(SEED_RAW.iterdir())) == SEED_FILES


# An invented page of the other-sites sets' input shape: its headline and paragraphs.
HEADLINE = "Harbor authority approves second container terminal in Mokpo"
PARAGRAPHS = [
    "The Mokpo harbor authority on Tuesday approved a second container terminal, to open in 2033 with room for four "
    "ships at a time.",
    "The terminal will cost 410 billion won and be built by a consortium of three local construction firms, the "
    "authority said in a statement.",
    "Shipping lines have asked for more berths since volumes at the port doubled over the past five years.",
]


@pytest.mark.slow
def test_eval_other_sites_scores_bodies_and_titles(tmp_path: Path) -> None:
    """The other-sites measure on two pages of its input shape (rendered text and the gold it reads): one read
    right, one whose reference body has a paragraph the page does not print (recall below 1, precision 1)."""
    headline, paragraphs = HEADLINE, PARAGRAPHS
    missing = "Dockworkers' unions said they would ask for talks on staffing before construction begins next spring."
    pages = tmp_path / "pages"
    (pages / "raw").mkdir(parents=True)
    page = "\n".join(["Home", "News", "Business", headline, "By Dana Whitfield", *paragraphs, "© 2031 Harbor Daily"])
    (pages / "raw" / "000.txt").write_text(page + "\n", encoding="utf-8")
    (pages / "raw" / "001.txt").write_text(page.replace("Mokpo", "Yeosu") + "\n", encoding="utf-8")
    gold = {
        "000.txt": {"url": "-", "body": "\n\n".join(paragraphs), "titles": [headline]},
        "001.txt": {"url": "-", "body": "\n\n".join([*paragraphs, missing]).replace("Mokpo", "Yeosu"),
                    "titles": [headline.replace("Mokpo", "Yeosu") + " - Harbor Daily"]},
    }  # fmt: skip
    (pages / "gold.json").write_text(json.dumps(gold), encoding="utf-8")
    printed = bench("eval_other_sites.py", "score", "--pages", str(pages), "--out", str(tmp_path / "out"), "-v")
    assert re.search(r"^pages 2 +body precision 1\.000 +recall 0\.9\d\d +F1 0\.9\d\d ", printed, re.M), printed
    assert "body starts right 2/2   ends right 1/2" in printed, printed  # 001's reference ends past the page
    assert "titles right 2/2 (1.000)" in printed, printed
    assert re.search(r"^  001\.txt  precision 1\.00  recall 0\.[6-8]\d ", printed, re.M), printed


@pytest.mark.slow
def test_eval_other_sites_scores_snippet_sets(tmp_path: Path) -> None:
    """The snippet measure (trafilatura's set): per page, the "with" snippets its body holds and the "without"
    snippets it leaks, matched with whitespace normalized; a page without a record finds none of its snippets."""
    pages = tmp_path / "pages"
    (pages / "raw").mkdir(parents=True)
    page = ["Home", "News", HEADLINE, "By Dana Whitfield", *PARAGRAPHS, "© 2031 Harbor Daily"]
    (pages / "raw" / "000.txt").write_text("\n".join(page) + "\n", encoding="utf-8")
    (pages / "raw" / "001.txt").write_text("Home\nNews\n", encoding="utf-8")  # nothing to publish
    gold = {
        "000.txt": {"url": "-", "with": ["second  container\nterminal", "410 billion won", "talks on staffing"],
                    "without": ["© 2031 Harbor Daily", "410 billion won and be built"]},
        "001.txt": {"url": "-", "with": ["Home"], "without": ["News"]},
    }  # fmt: skip
    (pages / "gold.json").write_text(json.dumps(gold), encoding="utf-8")
    printed = bench("eval_other_sites.py", "score", "--pages", str(pages), "--out", str(tmp_path / "out"), "-v")
    assert "pages 2   pages without a record 1" in printed, printed
    # found: 2 of 000's 3 "with", none of 001's; leaked: 000's second "without" (a piece of its body)
    assert "'with' snippets found 2/4 (recall 0.500)   'without' snippets leaked 1/3   precision 0.667" in printed
    assert re.search(r"^  000\.txt  with 2/3  leaked 1  records 1 ", printed, re.M), printed
    assert re.search(r"^  001\.txt  with 0/1  leaked 0  records 0 ", printed, re.M), printed


GENERATOR = SHARED / "bench" / "gen_corpus.py"


@pytest.mark.skipif(not GENERATOR.is_file(), reason="the shared corpus generator is not beside the repo")
def test_eval_generated_fields_scores_each_record_against_the_truth(tmp_path: Path) -> None:
    """Fields of a build of a small generated corpus against the generator's truth: titles, dates, categories and
    body starts counted (nearly all right: the generated shapes are the pipeline's own), and a build compared with
    itself record by record differs nowhere; with one record's date made wrong, that record is listed."""
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(corpus / "raw"), "--mb", "0.3", "--seed", "7"],
                   check=True, capture_output=True)  # fmt: skip
    out = tmp_path / "out"
    run_pipeline(corpus / "raw", out)
    printed = bench("eval_generated_fields.py", "--corpus", str(corpus), "--out", str(out), "--against", str(out))
    lines = re.findall(r"^(\w+) +right +(\d+) of +(\d+) ", printed, re.M)
    counts = {field: (int(right), int(n)) for field, right, n in lines}
    assert set(counts) == {"title", "date", "category", "body_start"}, printed
    assert all(n > 0 and right >= 0.95 * n for right, n in counts.values()), printed
    assert "records whose verdict differs: 0" in printed, printed
    # The same build with one record's date shifted: that record's date verdict differs from the original's.
    import polars as pl

    other = tmp_path / "other"
    shutil.copytree(out, other)
    part = sorted((other / "dataset" / "data").glob("*.parquet"))[0]
    rows = pl.read_parquet(part)
    dated = rows["published_date"].is_not_null().arg_true()[0]
    shifted = rows.with_columns(
        pl.when(pl.int_range(pl.len()) == dated).then(pl.col("published_date") + pl.duration(days=1))
        .otherwise(pl.col("published_date")).alias("published_date")
    )  # fmt: skip
    shifted.write_parquet(part)
    printed = bench("eval_generated_fields.py", "--corpus", str(corpus), "--out", str(other), "--against", str(out))
    assert re.search(r"^  date +\S+: True in --against, False here$", printed, re.M), printed
    assert "records whose verdict differs: 1, date 1" in printed, printed
