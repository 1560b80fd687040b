"""End to end on real components: the pipeline CLI, parquet, `datasets.load_dataset`, and DVC in a clone."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from conftest import REPO_ROOT, SEED_RAW, SHARED, run_pipeline

EXPECTED_FEATURES = {
    "id": "Value('string')",
    "title": "Value('string')",
    "body": "Value('string')",
    "published_date": "Value('date32')",
    "source": "Value('string')",
    "byline": "Value('string')",
    "category": "Value('string')",
    "language": "Value('string')",
    "is_truncated": "Value('bool')",
    "word_count": "Value('int32')",
    "layout": "Value('string')",
    "provenance": "List({'file': Value('string'), 'line_start': Value('int32'), 'line_end': Value('int32')})",
}


def _digests(root: Path) -> dict[str, str]:
    """sha256 of every output file except the Data Docs HTML (GX stamps run times into it)."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "data_docs" not in p.parts and "no-releases" not in p.parts
    }


def _non_blank_lines(raw: Path) -> int:
    return sum(1 for p in raw.iterdir() for line in p.read_text(encoding="utf-8").splitlines() if line.strip())


def test_two_runs_give_byte_identical_outputs(seed_out: Path, tmp_path: Path) -> None:
    second = tmp_path / "again"
    run_pipeline(SEED_RAW, second)
    first, again = _digests(seed_out), _digests(second)
    assert first.keys() == again.keys()
    assert [name for name in first if first[name] != again[name]] == []
    assert any(name.startswith("dataset/data/train-") for name in first)


def test_load_dataset_returns_exact_features(seed_out: Path, hf_home: Path) -> None:
    import datasets

    dataset = datasets.load_dataset(str(seed_out / "dataset"), split="train")
    assert {name: repr(feature) for name, feature in dataset.features.items()} == EXPECTED_FEATURES
    assert dataset.num_rows == 15
    row = dataset[0]
    assert isinstance(row["provenance"], list) and set(row["provenance"][0]) == {"file", "line_start", "line_end"}


def test_output_contract_files(seed_out: Path) -> None:
    duplicates = pl.read_parquet(seed_out / "duplicates.parquet")
    assert {"kept_id", "kind", "similarity"} <= set(duplicates.columns)
    quarantine = pl.read_parquet(seed_out / "quarantine.parquet")
    assert quarantine.columns == ["file", "line_start", "line_end", "stage", "rule", "reason", "text"]
    removed = pl.read_parquet(seed_out / "removed_lines.parquet")
    assert {"file", "line", "text", "rule"} <= set(removed.columns)
    metrics = json.loads((seed_out / "metrics.json").read_text())
    assert {"parse", "clean", "dedup", "validate", "package"} <= set(metrics)
    assert metrics["dedup"]["dropped"] == {"exact": 4, "near": 2}


def test_nothing_lost_on_seeds(seed_out: Path) -> None:
    report = json.loads((seed_out / "reports" / "validation.json").read_text())
    ledger = report["nothing_lost"]
    assert ledger["unaccounted"] == 0
    assert ledger["lines"] == _non_blank_lines(SEED_RAW)
    assert ledger["in_records"] + ledger["removed"] + ledger["quarantined_lines"] == ledger["lines"]


@pytest.mark.skipif(
    not (SHARED / "realworld-dev" / "raw").is_dir(), reason="the shared dev set is not beside the repo"
)
def test_nothing_lost_on_dev_set(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SHARED / "realworld-dev" / "raw", raw)  # read from shared/, never committed
    out = tmp_path / "out"
    result = run_pipeline(raw, out, check=False)
    report = json.loads((out / "reports" / "validation.json").read_text())
    assert report["nothing_lost"]["unaccounted"] == 0, result.stderr[-2000:]
    assert report["nothing_lost"]["lines"] == _non_blank_lines(raw)


@pytest.mark.slow
def test_dvc_repro_in_a_fresh_clone(tmp_path: Path) -> None:
    """`dvc repro` in a clone of the committed repo: builds, then a second run and `dvc status` have nothing to do."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(clone)], check=True)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "DVC_NO_ANALYTICS": "1",
    }

    def dvc(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "dvc", *args], cwd=clone, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result.stdout

    dvc("repro")
    assert (clone / "data" / "dataset" / "README.md").is_file()
    assert "Data and pipelines are up to date" in dvc("repro")
    assert "up to date" in dvc("status")
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True)
    assert status.stdout == "", f"dvc repro left the clone dirty (outputs differ from dvc.lock?):\n{status.stdout}"


def test_runs_from_another_working_directory(tmp_path: Path) -> None:
    """Started elsewhere (no params.yaml in the working directory), the CLI uses the project's params.yaml."""
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", str(SEED_RAW), "--out", str(out)],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert pl.read_parquet(out / "dataset" / "data" / "*.parquet").height == 15
