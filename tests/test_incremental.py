"""Incremental rebuilds: the per-file cache redoes only the files that changed, and never changes a byte.

A folder is built, then changed (a file added, one edited, one removed) and rebuilt into the same output folder;
every output must equal a from-scratch build of the changed folder, and the log must show that only the changed
files were decoded and parsed again. Also across shard plans and worker counts.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO_ROOT, SEED_RAW

from pipeline import shards

NEW_PAGE = (
    "Industry\n\nShipbuilders win record orders for LNG carriers\n\nPublished : March 3, 2025 - 10:00\n\n"
    "South Korean shipbuilders won orders for 18 liquefied natural gas carriers in February, the most for any "
    "month in three years, industry data showed Monday, as European buyers sought to replace pipeline supply.\n\n"
    "The orders were worth about 4.6 billion dollars in all, according to the data, and most of the ships are "
    "due for delivery in 2028.\n"
)
CACHE_LINE = re.compile(r"parse: (\d+) files in (\d+) shards; decoded (\d+) and parsed (\d+)")


def build(raw: Path, out: Path, params: Path | None = None) -> tuple[int, int, int]:
    """`python -m pipeline -v run`; returns (files, decoded, parsed) from the log."""
    command = [sys.executable, "-m", "pipeline", "-v"] + (["--params", str(params)] if params else [])
    command += ["run", str(raw), "--out", str(out), "--releases", str(out.parent / "no-releases")]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    match = CACHE_LINE.search(result.stderr)
    assert match, result.stderr[-3000:]
    files, _, decoded, parsed = (int(g) for g in match.groups())
    return files, decoded, parsed


def digests(root: Path) -> dict[str, str]:
    skip = {"cache", "data_docs"}
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not skip & set(p.relative_to(root).parts) and p.name != ".lock"
    }


def params_with(tmp_path: Path, **engine: int) -> Path:
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["engine"].update(engine)
    path = tmp_path / f"params-{'-'.join(f'{k}{v}' for k, v in sorted(engine.items()))}.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    return path


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    shutil.copytree(SEED_RAW, folder)
    return folder


def test_rebuild_redoes_only_changed_files_and_matches_a_fresh_build(raw: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    files, decoded, parsed = build(raw, out)
    assert files == decoded == parsed == len(list(SEED_RAW.iterdir()))

    assert build(raw, out)[1:] == (0, 0)  # nothing changed: everything from the cache

    (raw / "new_page.txt").write_text(NEW_PAGE, encoding="utf-8")
    files, decoded, parsed = build(raw, out)
    assert (decoded, parsed) == (1, 1) and files == len(list(raw.iterdir()))
    fresh = tmp_path / "fresh"
    build(raw, fresh)
    assert digests(out) == digests(fresh)

    edited = sorted(raw.glob("00*"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more paragraph was added to the page.\n")
    (raw / "new_page.txt").unlink()
    assert build(raw, out)[1:] == (1, 1)
    fresh = tmp_path / "fresh2"
    build(raw, fresh)
    assert digests(out) == digests(fresh)


def outputs(root: Path) -> dict[str, str]:
    """What users read: the dataset, the audit tables, the verdict and the metrics (not the per-shard parts)."""
    return {name: digest for name, digest in digests(root).items() if not name.startswith("interim/")}


def test_shard_plan_and_workers_do_not_change_a_byte(raw: Path, tmp_path: Path) -> None:
    one = tmp_path / "one"
    build(raw, one, params_with(tmp_path, workers=1, shard_bytes=10**9))
    many = tmp_path / "many"
    # 2 KB shards: the seed files spread over many shards (the plan rounds up to a power of two), two workers.
    build(raw, many, params_with(tmp_path, workers=2, shard_bytes=2000))
    assert len(list((many / "interim" / "parse" / "lines").iterdir())) > 1
    assert outputs(one) == outputs(many)
    assert len(outputs(one)) >= 10


def test_a_killed_writers_temporary_file_is_swept(tmp_path: Path) -> None:
    """A task killed while writing leaves io's temporary file; a rerun writes the part, and the stage sweeps the
    leftover so DVC hashes the same folder as after an undisturbed run."""
    (tmp_path / "part-0001.parquet").write_bytes(b"kept")
    (tmp_path / ".part-0001.parquet.k3x9q").write_bytes(b"half")
    shards.sweep([tmp_path, tmp_path / "absent"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["part-0001.parquet"]
