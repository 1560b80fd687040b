"""Soak: a folder changed and rebuilt round after round, builds killed halfway; every rebuild must give a fresh
build's bytes (a script, not a test).

    python tests/benchmarks/soak_rebuild.py --raw RAW --work DIR [--rounds 4] [--seed 0] [--params P] [--small-parts]

RAW is copied to DIR/raw (RAW itself is never changed). Round 0 is the first build; each later round changes the
copy at random: a file copied with a new closing paragraph (a longer copy), one copied as it is (an exact copy), one
cut at 80 % (mid-word, as a crawler cuts a page), one given a sentence more, one removed. Then `python -m pipeline
run` into DIR/out is started and killed (SIGKILL to its process group, as an out-of-memory kill or a machine shut
down would) after a random part of the last build's wall time, once or twice, before a build is let finish. DIR/fresh
is then built from scratch, and every file of the two is compared (bench_rebuild.py's comparison: the caches, the
lock and the Data Docs aside).

--small-parts gives every size setting a tiny value (parse shards, dedup batches, validate's parts, package shards,
corpus-level batches), so that a small folder spreads over many units that do not line up, as 1 GB does with the
project's settings. Prints one line per round; exits 1 when a round differs or a build fails.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml
from bench_rebuild import REPO_ROOT, differing

from pipeline.rawfolder import RACY_WINDOW_NS

SMALL_PARTS = {  # section -> setting -> value; outputs do not depend on any of them
    "engine": {"shard_bytes": 90_000, "batch_rows": 70},
    "dedup": {"batch_records": 40, "bucket_shingles": 3_000},
    "validate": {"part_rows": 30},
    "package": {"max_rows_per_shard": 45},
}


def command(raw: Path, out: Path, params: Path) -> list[str]:
    releases = out.parent / "no-releases"  # no recorded release: the card says the same in both builds
    return [sys.executable, "-m", "pipeline", "--params", str(params), "run", str(raw), "--out", str(out),
            "--releases", str(releases)]  # fmt: skip


def build(raw: Path, out: Path, params: Path) -> tuple[float, str]:
    """A build let finish: (wall seconds, '' or the end of its error output)."""
    started = time.perf_counter()
    done = subprocess.run(command(raw, out, params), cwd=REPO_ROOT, capture_output=True, text=True)
    failure = "" if done.returncode == 0 else f"exit {done.returncode}: {done.stderr[-1500:]}"
    return time.perf_counter() - started, failure


def killed(raw: Path, out: Path, params: Path, after: float) -> None:
    """A build killed `after` seconds in, with every process it started (workers, the side process)."""
    child = subprocess.Popen(command(raw, out, params), cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    time.sleep(after)
    with contextlib.suppress(ProcessLookupError):  # it had finished
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()


def change(raw: Path, rng: random.Random, round_number: int) -> str:
    """Change the folder as a crawl's day does; returns what was done."""
    files = sorted(p for p in raw.rglob("*") if p.is_file())
    longer, exact, cut, grown, removed = rng.sample(files, 5)
    paragraph = f"The agency said it would publish revised figures for round {round_number} next month."
    longer.with_name(f"soak-{round_number}-longer-{longer.name}").write_text(
        longer.read_text(encoding="utf-8", errors="replace").rstrip("\n") + f"\n\n{paragraph}\n", encoding="utf-8"
    )
    shutil.copyfile(exact, exact.with_name(f"soak-{round_number}-copy-{exact.name}"))
    data = cut.read_bytes()
    cut.write_bytes(data[: len(data) * 4 // 5])
    with grown.open("a", encoding="utf-8") as handle:
        handle.write(f"\nOfficials added in round {round_number} that talks would resume after the holidays.\n")
    removed.unlink()
    return f"+{longer.name} (longer), +{exact.name} (copy), cut {cut.name}, grown {grown.name}, -{removed.name}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0, help="the changes and the kill moments")
    parser.add_argument("--params", type=Path, default=REPO_ROOT / "params.yaml")
    parser.add_argument("--small-parts", action="store_true", help="tiny size settings (SMALL_PARTS)")
    args = parser.parse_args()
    raw, out, fresh = args.work / "raw", args.work / "out", args.work / "fresh"
    for path in (raw, out, fresh):
        shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(args.raw, raw)
    params = args.params
    if args.small_parts:
        settings = yaml.safe_load(args.params.read_text(encoding="utf-8"))
        for section, values in SMALL_PARTS.items():
            settings[section].update(values)
        params = args.work / "params-small-parts.yaml"
        params.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    rng = random.Random(args.seed)
    time.sleep(RACY_WINDOW_NS / 1e9)  # a crawl's files are older than the scan's racy window
    wall, failure = build(raw, fresh, params)  # the first kills are drawn over a whole build's wall
    if failure:
        print(f"build failed: {failure}")
        return 1
    print(f"a build from scratch: {wall:.1f} s")
    bad = 0
    for round_number in range(args.rounds + 1):
        changes = "the first build"
        if round_number:
            changes = change(raw, rng, round_number)
            time.sleep(RACY_WINDOW_NS / 1e9)
        kills = [round(rng.uniform(0.3, wall), 1) for _ in range(rng.choice((1, 2)))]
        for after in kills:
            killed(raw, out, params, after)
        wall, failure = build(raw, out, params)
        shutil.rmtree(fresh, ignore_errors=True)
        _, fresh_failure = build(raw, fresh, params)
        diff = [] if failure or fresh_failure else differing(out, fresh)
        verdict = (
            f"rebuild FAILED {failure}" if failure
            else f"fresh build FAILED {fresh_failure}" if fresh_failure
            else "byte-identical" if not diff
            else f"{len(diff)} files differ: {diff[:10]}"
        )  # fmt: skip
        bad += verdict != "byte-identical"
        print(f"round {round_number}: {changes}; killed at {kills} s; rebuild {wall:.1f} s; {verdict}", flush=True)
    print(f"{args.rounds + 1 - bad} of {args.rounds + 1} rounds byte-identical to a fresh build")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
