"""Benchmark: a one-file rebuild against the first build, and its bytes against a fresh build (a script, not a test).

    python tests/benchmarks/bench_rebuild.py --raw RAW --work DIR [--params params.yaml] [--dvc]

RAW is copied to DIR/raw (RAW itself is never changed), then left alone for the raw folder's racy window (2 s), as
a crawl's files are older than that. Three builds with `python -m pipeline run`, each in a child process, timed
(wall, CPU of the process tree from wait4, peak RSS of the largest process):
1. first: DIR/raw into DIR/out, cache empty;
2. rebuild: one file added to DIR/raw (a copy of the first file with a new closing paragraph, under a new name),
   then into the same DIR/out, so the per-file caches of the first build serve every other file;
3. fresh: the changed DIR/raw into DIR/fresh, cache empty;
4. next rebuild: another file added (the second file, changed alike), into DIR/out again. The first rebuild hashes
   again every part the first build wrote (they were written within the racy window of its stat memos); this one
   finds the unchanged parts in the memos, as a crawl's daily increments do.
It prints each build's figures and stage seconds (the build summary's time line), the rebuilds' share of the first
build's wall, and whether every output the user gets (the dataset folder, the audit files, the interim parts, the
explorer) is byte-identical between the rebuild and the fresh build.

With --dvc the builds are the README's `./tasks.sh dataset` (`dvc repro`, one process per stage) in git clones of
this repository's last commit (DIR/repo, and DIR/fresh for the fresh build) whose raw/ is a copy of RAW; they share
this checkout's .venv. The stages are the seconds each stage's process reports; "other" is the rest of the wall:
DVC's own work (hashing and caching outputs, the lock) and each stage process's start and imports.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
from pipeline.rawfolder import RACY_WINDOW_NS  # noqa: E402

# Never compared: the caches, the lock, and the Data Docs (Great Expectations stamps each run in page names).
NOT_COMPARED = ("cache", ".lock", "reports/data_docs")
STAGE_LINE = re.compile(r"^(scan|parse|clean|dedup|validate|explore|package) .*\(([\d.]+) s\)$", re.MULTILINE)


def build(raw: Path, out: Path, params: Path) -> dict:
    """One `pipeline run` in a child process: wall, CPU (the whole tree), peak RSS and the stage seconds."""
    command = [sys.executable, "-m", "pipeline", "--params", str(params), "run", str(raw), "--out", str(out)]
    figures, output = timed(command, REPO_ROOT)
    stages = re.search(r"time\s+[\d.]+ s \((.*)\)", output)
    return figures | {"stages": stages.group(1) if stages else "?"}


def dvc_build(repo: Path) -> dict:
    """`./tasks.sh dataset` (dvc repro) in a clone: its figures, and each stage process's seconds."""
    figures, output = timed([str(repo / "tasks.sh"), "dataset"], repo)
    stages = [(name, float(seconds)) for name, seconds in STAGE_LINE.findall(output)]
    other = figures["wall"] - sum(seconds for _, seconds in stages)
    return figures | {"stages": ", ".join(f"{n} {s:.1f} s" for n, s in stages) + f"; other {other:.1f} s"}


def timed(command: list[str], cwd: Path) -> tuple[dict, str]:
    """Run a build: (wall, CPU of the whole tree, peak RSS of its largest process; its output)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = child.stdout.read() if child.stdout else ""  # before wait4: a full pipe would block the child
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build failed:\n{output}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}, output


def clone(raw: Path, repo: Path) -> Path:
    """A clone of this repository's last commit whose raw/ is a copy of `raw`, using this checkout's .venv."""
    shutil.rmtree(repo, ignore_errors=True)
    subprocess.run(["git", "clone", "--quiet", str(REPO_ROOT), str(repo)], check=True)
    (repo / ".venv").symlink_to(REPO_ROOT / ".venv")
    shutil.rmtree(repo / "raw")
    shutil.copytree(raw, repo / "raw")
    return repo / "raw"


def add_one_file(raw: Path, which: int = 0) -> Path:
    """A new file: the text of the folder's file number `which` (in path order) with one new closing paragraph (new
    content, so new records). The paragraph names the file it closes: one sentence closing three added files would
    be learned as boilerplate (three contexts), and the next rebuild would parse again every file holding it."""
    first = sorted(p for p in raw.rglob("*") if p.is_file() and not p.name.startswith("added-"))[which]
    added = first.with_name(f"added-{first.name}")
    text = first.read_text(encoding="utf-8", errors="replace")
    closing = f"The ministry said the figures of release {first.stem} would be revised next month."
    added.write_text(text.rstrip("\n") + f"\n\n{closing}\n", "utf-8")
    return added


def differing(left: Path, right: Path) -> list[str]:
    """Relative paths whose bytes differ (or that exist on one side only), the NOT_COMPARED ones left out."""

    def files(root: Path) -> set[str]:
        return {
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.is_file() and not any(p.relative_to(root).as_posix().startswith(n) for n in NOT_COMPARED)
        }

    names = files(left) | files(right)
    return sorted(
        n for n in names
        if not ((left / n).is_file() and (right / n).is_file() and filecmp.cmp(left / n, right / n, shallow=False))
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--params", type=Path, default=REPO_ROOT / "params.yaml", help="pipeline run only")
    parser.add_argument("--dvc", action="store_true", help="build with `dvc repro` in clones of the last commit")
    args = parser.parse_args()
    if args.dvc:
        raw = clone(args.raw, args.work / "repo")
        out, fresh = args.work / "repo" / "data", args.work / "fresh" / "data"
        into_out, into_fresh = partial(dvc_build, out.parent), partial(dvc_build, fresh.parent)
    else:
        raw, out, fresh = args.work / "raw", args.work / "out", args.work / "fresh"
        for path in (raw, out, fresh):
            shutil.rmtree(path, ignore_errors=True)
        shutil.copytree(args.raw, raw)
        into_out, into_fresh = partial(build, raw, out, args.params), partial(build, raw, fresh, args.params)
    # A crawl's files are older than the scan's racy window (a file changed within it is re-hashed on every scan,
    # as git does): without this wait the first build trusts no file's stat and the rebuild re-reads them all.
    time.sleep(RACY_WINDOW_NS / 1e9)
    first = into_out()
    added = add_one_file(raw)
    rebuild = into_out()
    if args.dvc:
        clone(raw, fresh.parent)
    again = into_fresh()
    diff = differing(out, fresh)
    time.sleep(RACY_WINDOW_NS / 1e9)  # a day's increment comes well after the last build
    second = add_one_file(raw, 1)
    later = into_out()
    print(f"files added: {added.relative_to(raw)}, then {second.relative_to(raw)}")
    print(f"{'build':13s} {'wall s':>8s} {'cpu s':>8s} {'peak MB':>8s}  stages")
    for name, f in (("first", first), ("rebuild", rebuild), ("fresh", again), ("next rebuild", later)):
        print(f"{name:13s} {f['wall']:8.1f} {f['cpu']:8.1f} {f['peak_mb']:8.0f}  {f['stages']}")
    share = {name: f["wall"] / first["wall"] for name, f in (("rebuild", rebuild), ("next rebuild", later))}
    print("share of the first build's wall: " + ", ".join(f"{name} {value:.0%}" for name, value in share.items()))
    print("rebuild vs fresh build: " + ("byte-identical" if not diff else f"{len(diff)} files differ: {diff[:10]}"))


if __name__ == "__main__":
    main()
