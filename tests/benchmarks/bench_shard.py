"""Benchmark: time and peak memory of one shard's engine tasks, and dedup's scratch volume (a script, not a test).

    python tests/benchmarks/bench_shard.py --raw RAW --built OUT [--shard 0] [--params params.yaml]

OUT is a finished `python -m pipeline run RAW --out OUT` (its manifest, boilerplate and records give the corpus-level
inputs a shard task receives). The three tasks an engine runs for one shard (parse's decode and parse passes,
clean) are run in turn, each in a fresh process as a Ray or local worker runs them, on an empty cache, writing into
a scratch copy of OUT; each prints its wall and CPU seconds, the peak RSS of its process (and that process's RSS
before the task: the interpreter and imports, paid once per worker) and the size of the frames it returns to the
driver (decode's boilerplate evidence and file fates; parse and clean return counts). Then dedup runs on OUT's
clean articles with its scratch folder sampled: the shingle hashes it writes per hash range are what a distributed
dedup would shuffle between nodes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2**20


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _task(phase: str, raw: str, built: str, scratch: str, shard_index: int, params_path: str, queue) -> None:
    import polars as pl

    from pipeline import clean, parse, rawfolder, shards
    from pipeline.cache import namespace
    from pipeline.config import load_params
    from pipeline.extraction import RECORD_SCHEMA
    from pipeline.outputs import Outputs

    params = load_params(params_path)
    built_out, out = Outputs(Path(built)), Outputs(Path(scratch))
    plan, files = parse.plan_files(pl.read_parquet(built_out.manifest), params.engine.shard_bytes)
    shard = plan[shard_index]
    task = parse.ShardTask(shard, files.filter(pl.col("shard") == shard.index), rawfolder.root_of(Path(raw)), out,
                           params.parse, namespace(params.parse, None))  # fmt: skip
    learned = frozenset(pl.read_parquet(built_out.boilerplate)["key"].to_list())
    templates = clean.closing_templates(shards.scan(built_out.records_dir, RECORD_SCHEMA), params.clean)
    before = _rss_mb()
    start, cpu_start = time.perf_counter(), _cpu_s()
    if phase == "decode":
        result = parse.decode_shard(task)
    elif phase == "parse":
        result = parse.parse_shard((task, learned))
    else:
        space = namespace(params.clean)
        keys = clean.shard_keys(out, shard, templates)
        entry = clean.shard_entry(out, space, keys)
        result = clean.clean_shard(clean.ShardTask(shard, out, params.clean, templates, keys, space, entry))
    wall, cpu = time.perf_counter() - start, _cpu_s() - cpu_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    raw_bytes = int(pl.read_parquet(built_out.manifest).join(task.files, on="path")["size"].sum())
    returned = (
        sum(part.estimated_size() for part in result if isinstance(part, pl.DataFrame)) if phase == "decode" else 0
    )
    queue.put((phase, task.files.height, raw_bytes, wall, cpu, before, peak, returned))


def _dedup_scratch(built: Path, params_path: Path) -> tuple[float, float, int, int]:
    """Run dedup on a copy of the built clean articles: (wall s, CPU s, peak scratch bytes, clean body bytes)."""
    import polars as pl

    from pipeline import dedup
    from pipeline.config import load_params
    from pipeline.outputs import Outputs

    params = load_params(params_path)
    with tempfile.TemporaryDirectory(prefix="bench-dedup-") as tmp:
        out = Outputs(Path(tmp) / "out")
        shutil.copytree(Outputs(built).clean_dir, out.clean_dir)
        scratch = Path(tmp) / "scratch"
        scratch.mkdir()
        peak, done = [0], threading.Event()

        def sample() -> None:
            while not done.is_set():
                size = sum(p.stat().st_size for p in scratch.rglob("*") if p.is_file())
                peak[0] = max(peak[0], size)
                done.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        tempfile.tempdir = str(scratch)  # dedup's scratch folder is a TemporaryDirectory
        start, cpu_start = time.perf_counter(), _cpu_s()
        dedup.run(out=out, params=params.dedup, engine=params.engine)
        wall, cpu = time.perf_counter() - start, _cpu_s() - cpu_start
        done.set()
        sampler.join()
        bodies = pl.scan_parquet(sorted(out.clean_articles_dir.glob("*.parquet")))
        body_bytes = bodies.select(pl.col("body").str.len_bytes().sum()).collect().item()
    return wall, cpu, peak[0], int(body_bytes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--built", type=Path, required=True, help="output root of a finished run on RAW")
    parser.add_argument("--shard", type=int, default=0)
    parser.add_argument("--params", type=Path, default=REPO_ROOT / "params.yaml")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    with tempfile.TemporaryDirectory(prefix="bench-shard-") as scratch:
        shutil.copytree(args.built / "interim" / "scan", Path(scratch) / "interim" / "scan")
        header = f"{'task':<8} {'files':>6} {'raw MB':>7} {'wall s':>7} {'CPU s':>6} {'RSS before MB':>14}"
        print(header, "peak RSS MB", "returned MB")
        for phase in ("decode", "parse", "clean"):
            worker = context.Process(target=_task, args=(phase, str(args.raw), str(args.built), scratch,
                                                         args.shard, str(args.params), queue))  # fmt: skip
            worker.start()
            name, files, raw_bytes, wall, cpu, before, peak, returned = queue.get()
            worker.join()
            memory = f"{before:>14.0f} {peak:>11.0f} {returned / 1e6:>11.2f}"
            print(f"{name:<8} {files:>6} {raw_bytes / 1e6:>7.1f} {wall:>7.1f} {cpu:>6.1f} {memory}")
    wall, cpu, scratch_bytes, body_bytes = _dedup_scratch(args.built, args.params)
    raw_bytes = sum(p.stat().st_size for p in args.raw.rglob("*") if p.is_file())
    print(f"dedup: {wall:.1f} s wall, {cpu:.1f} s CPU (this process); scratch (shingle hashes by hash range) "
          f"peak {scratch_bytes / 1e6:.1f} MB for {body_bytes / 1e6:.1f} MB of clean bodies from "
          f"{raw_bytes / 1e6:.1f} MB raw "
          f"({scratch_bytes / raw_bytes:.2f} bytes per raw byte)")  # fmt: skip


if __name__ == "__main__":
    main()
