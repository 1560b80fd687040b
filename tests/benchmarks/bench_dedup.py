"""Benchmark of the dedup stage alone: time, peak memory, parity with the old implementation, quality (a script).

    python tests/benchmarks/bench_dedup.py --clean OUT/interim/clean/articles/part-*.parquet
        [--corpus CORPUS] [--reference] [--runs 2] [--work DIR] [--row-group-rows N]

--clean takes clean-stage article files (clean's parts, or the per-part outputs of a corpus parsed part by part:
ids are content hashes, so together they are a valid dedup input). They become the parts
WORK/interim/clean/articles/part-NNNNN.parquet, linked as they are or, with --row-group-rows, rewritten in row
groups of that size; then `python -m pipeline dedup --out WORK` runs in a child process, timed,
with its peak RSS from wait4 (the child's own maximum resident set, polars threads included), --runs times.
--reference also runs the old self-join implementation (tests/dedup_reference.py) in a child process, measures
it the same way, and compares decisions (id, kept_id, kind, similarity). --corpus (a gen_corpus.py folder with
truth.jsonl) scores the input and the output with ../shared/bench/eval_pipeline.py: distinct articles covered,
duplicates and truncated copies left in; a distinct article lost by dedup shows as covered before, not after.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
from pipeline.outputs import Outputs  # noqa: E402

EVAL = REPO_ROOT.parent / "shared" / "bench" / "eval_pipeline.py"

REFERENCE_CHILD = """
import sys
sys.path[:0] = [sys.argv[3], sys.argv[3] + "/tests"]
import polars as pl
import dedup_reference
from pipeline.config import load_params
params = load_params(sys.argv[3] + "/params.yaml").dedup
published, duplicates = dedup_reference.dedup(pl.read_parquet(sys.argv[1] + "/part-*.parquet"), params)
duplicates.write_parquet(sys.argv[2] + "/duplicates.parquet")
published.write_parquet(sys.argv[2] + "/published.parquet")
"""


def measured(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS GB) of a child process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=REPO_ROOT, env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed ({os.waitstatus_to_exitcode(status)}): {' '.join(command)}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024 / 1e9


def evaluate(corpus: Path, articles: list[Path]) -> dict:
    """eval_pipeline.py expects OUT/dataset/data/*.parquet: give it the articles there.

    Parts parsed one by one (CORPUS/raw/part-NNN) name their files relative to the part; the generator's file
    names are unique across parts, so they are put back under their part folder."""
    raw = corpus / "raw"
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "dataset" / "data"
        data.mkdir(parents=True)
        first = pl.read_parquet(articles[0], n_rows=1)["provenance"].list.first().struct.field("file")
        if first.is_empty() or (raw / first[0]).exists():
            for index, path in enumerate(articles):
                os.symlink(path.resolve(), data / f"articles-{index:05d}.parquet")
        else:
            where = {path.name: str(path.relative_to(raw)) for path in raw.glob("part-*/*.txt")}
            place = pl.element().struct
            pl.scan_parquet(articles).with_columns(
                provenance=pl.col("provenance").list.eval(
                    pl.struct(
                        file=place.field("file").replace_strict(where, default=place.field("file")),
                        line_start=place.field("line_start"),
                        line_end=place.field("line_end"),
                    )
                )
            ).sink_parquet(data / "articles.parquet")
        result = subprocess.run([sys.executable, str(EVAL), "--corpus", str(corpus), "--out", tmp],
                                capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clean", nargs="+", required=True, type=Path)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--reference", action="store_true")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--row-group-rows", type=int, help="rewrite the parts in row groups of this size")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-dedup-"))
    parts = work / "interim" / "clean" / "articles"
    parts.mkdir(parents=True, exist_ok=True)
    for index, source in enumerate(args.clean):
        part = parts / f"part-{index:05d}.parquet"
        part.unlink(missing_ok=True)
        if args.row_group_rows:
            pl.scan_parquet(source).sink_parquet(part, row_group_size=args.row_group_rows)
        else:
            part.symlink_to(source.resolve())
    clean = sorted(parts.glob("part-*.parquet"))
    raw_mb = sum(f.stat().st_size for f in (args.corpus / "raw").rglob("*.txt")) / 1e6 if args.corpus else None
    rows = pl.scan_parquet(clean).select(pl.len(), pl.col("body").str.len_bytes().sum()).collect().row(0)
    print(f"input: {rows[0]:,} clean articles, {rows[1] / 1e6:,.0f} MB of body text"
          + (f", from {raw_mb:,.0f} MB of raw pages" if raw_mb else ""))  # fmt: skip
    print(f"{'implementation':<22} {'wall s':>8} {'CPU s':>8} {'peak RSS GB':>12}")
    for run in range(args.runs):
        wall, cpu, peak = measured([sys.executable, "-m", "pipeline", "dedup", "--out", str(work)])
        print(f"{'dedup (run ' + str(run + 1) + ')':<22} {wall:8.1f} {cpu:8.1f} {peak:12.2f}", flush=True)
    metrics = json.loads((work / "metrics" / "dedup.json").read_text())
    print(f"dedup: {metrics['rows_in']:,} -> {metrics['rows_out']:,}, dropped {metrics['dropped']}")
    duplicates = pl.read_parquet(work / "duplicates.parquet")
    published = sorted(Outputs(work).dedup_articles_dir.glob("part-*.parquet"))  # dedup's parts, by id range
    if args.reference:
        reference_dir = work / "reference"
        reference_dir.mkdir(exist_ok=True)
        wall, cpu, peak = measured([sys.executable, "-c", REFERENCE_CHILD, str(parts), str(reference_dir),
                                    str(REPO_ROOT)])  # fmt: skip
        print(f"{'old self-join':<22} {wall:8.1f} {cpu:8.1f} {peak:12.2f}")
        compare(duplicates, pl.read_parquet(reference_dir / "duplicates.parquet"))
        reference = pl.read_parquet(reference_dir / "published.parquet").sort("id")
        same = pl.read_parquet(published).select(reference.columns).sort("id").equals(reference)
        print(f"published articles identical to the old implementation's (in id order): {same}")
    if args.corpus:
        before = evaluate(args.corpus, clean)
        after = evaluate(args.corpus, published)
        print("quality against the generator's truth (eval_pipeline.py):")
        for name, figures in (("clean (dedup input)", before), ("dedup output", after)):
            print(f"  {name:<20} {json.dumps(figures)}")
        lost = before["clusters_covered"] - after["clusters_covered"]
        distinct = after["ideal_clusters"]
        left, truncated = after["redundant_docs"], after["kept_truncated"]
        print(f"  distinct articles lost by dedup: {lost}; duplicates left in: {left} ({left / distinct:.3%} of "
              f"distinct articles); truncated copies left in: {truncated} ({truncated / distinct:.3%})")  # fmt: skip
    if not args.work:
        shutil.rmtree(work)
    print(f"benchmark process peak RSS (input concatenation, comparisons) "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")  # fmt: skip


def compare(new: pl.DataFrame, old: pl.DataFrame) -> None:
    """Decisions (id, kept_id, kind) in one and not the other; exact copies whose kept_id differs only because
    the old implementation points at a representative that it dropped itself are counted apart."""
    key = ["id", "kept_id", "kind"]
    only_new = new.select(key).join(old.select(key), on=key, how="anti")
    only_old = old.select(key).join(new.select(key), on=key, how="anti")
    dropped_by_old = set(old["id"])
    chain = only_old.filter((pl.col("kind") == "exact") & pl.col("kept_id").is_in(list(dropped_by_old)))
    same_ids = sorted(new["id"]) == sorted(old["id"])
    print(f"decisions: new {new.height:,}, old {old.height:,}; same records dropped: {same_ids}; "
          f"(id, kept_id, kind) only in new: {only_new.height}, only in old: {only_old.height}, of which exact "
          f"copies the old implementation points at a record it drops itself: {chain.height}")  # fmt: skip
    both = new.select(*key, "similarity").unique().join(old.select(*key, "similarity").unique(), on=key)
    differ = both.filter((pl.col("similarity") - pl.col("similarity_right")).abs() > 1e-12).height
    print(f"similarity differs on {differ} of {both.height:,} shared decisions")


if __name__ == "__main__":
    main()
