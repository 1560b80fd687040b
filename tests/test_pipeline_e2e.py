"""End to end on real components: the pipeline CLI, parquet, `datasets.load_dataset`, and DVC in a clone."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import yaml
from benchmarks.bench_rebuild import add_one_file
from conftest import REPO_ROOT, SEED_RAW, SHARED, output_digests, run_pipeline

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


def _non_blank_lines(raw: Path) -> int:
    return sum(1 for p in raw.iterdir() for line in p.read_text(encoding="utf-8").splitlines() if line.strip())


@pytest.mark.parametrize(("hash_seed", "workers"), [("0", 2), ("4242", 1)])
def test_runs_give_byte_identical_outputs_across_hash_seeds_and_workers(
    seed_out: Path, tmp_path: Path, hash_seed: str, workers: int
) -> None:
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["engine"]["workers"] = workers
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    second = tmp_path / "again"
    run_pipeline(SEED_RAW, second, params=tmp_path / "params.yaml", env={"PYTHONHASHSEED": hash_seed})
    first, again = output_digests(seed_out), output_digests(second)
    assert first.keys() == again.keys()
    assert [name for name in first if first[name] != again[name]] == []
    assert any(name.startswith("dataset/data/train-") for name in first)
    assert {"duplicates.parquet", "quarantine.parquet", "removed_lines.parquet", "reports/validation.json"} <= set(
        first
    )


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
    headline = json.loads((seed_out / "metrics.json").read_text())
    assert headline["duplicates"] == 6 and headline["published"] == 15
    assert all(isinstance(value, int) for value in headline.values())  # flat numbers: `dvc metrics show` columns
    dedup = json.loads((seed_out / "metrics" / "dedup.json").read_text())
    assert dedup["dropped"] == {"exact": 4, "near": 2}


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


# DVC runs the stages' `python -m pipeline` from PATH: this interpreter's, as tasks.sh puts the venv's first.
DVC_ENV = {
    **os.environ,
    "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    "DVC_NO_ANALYTICS": "1",
}


def clone_of_the_repo(where: Path) -> Path:
    """A git clone of the committed repository (its raw/ is the seed pages)."""
    subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(where)], check=True)
    return where


def dvc_in(clone: Path, *args: str) -> str:
    """`dvc ARGS` in the clone (it must succeed): its standard output."""
    result = subprocess.run(
        [sys.executable, "-m", "dvc", *args], cwd=clone, env=DVC_ENV, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


@pytest.mark.slow
def test_dvc_repro_in_a_fresh_clone(tmp_path: Path) -> None:
    """`dvc repro` in a clone of the committed repo: builds, then a second run and `dvc status` have nothing to do."""
    clone = clone_of_the_repo(tmp_path / "clone")
    env = DVC_ENV

    def dvc(*args: str) -> str:
        return dvc_in(clone, *args)

    dvc("repro")
    assert (clone / "data" / "dataset" / "README.md").is_file()
    # DVC's own views: the headline metrics fit a terminal; every declared plot has data.
    shown = dvc("metrics", "show").splitlines()
    assert shown[0].split()[:3] == ["Path", "duplicates", "files"] and max(map(len, shown)) <= 120, shown
    # The page template .dvc/config names (tasks.sh writes it on setup): Vega inlined, so it renders offline.
    subprocess.run([sys.executable, "-m", "pipeline.plots", str(clone / ".dvc" / "plots" / "offline.html")],
                   cwd=REPO_ROOT, check=True)  # fmt: skip
    dvc("plots", "show", "-o", str(tmp_path / "plots"))
    page = tmp_path / "plots" / "index.html"
    assert page.read_text(encoding="utf-8").count("vegaEmbed(") == 7 and "cdn.jsdelivr" not in page.read_text()
    if shutil.which("chromium"):  # rendered for real where a headless browser is installed
        drawn = subprocess.run(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000",
             "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True,
        ).stdout  # fmt: skip
        charts = re.findall(r'<svg[^>]*class="marks"[^>]*width="(\d+)"', drawn)
        assert sum(int(width) > 0 for width in charts) >= 5, drawn[-2000:]
    again = dvc("repro")  # only the scan runs (every time); its manifest is unchanged, so nothing else does
    assert "Stage 'parse' didn't change, skipping" in again and "Running stage 'parse'" not in again
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True)
    assert status.stdout == "", f"dvc repro left the clone dirty (outputs differ from dvc.lock?):\n{status.stdout}"
    # A FIFO dropped into raw/: neither `dvc status` nor `./tasks.sh dataset` may block on it.
    os.mkfifo(clone / "raw" / "pipe.txt")
    subprocess.run([sys.executable, "-m", "dvc", "status"], cwd=clone, env=env, capture_output=True, timeout=120)
    tasks = subprocess.run(["./tasks.sh", "dataset"], cwd=clone, env=env, capture_output=True, text=True, timeout=900)
    assert tasks.returncode == 0, tasks.stdout[-3000:] + tasks.stderr[-3000:]
    quarantine = pl.read_parquet(clone / "data" / "quarantine.parquet")
    assert quarantine.filter(pl.col("file") == "pipe.txt").select("stage", "rule").rows() == [
        ("scan", "not_regular_file")
    ]


@pytest.mark.slow
def test_dvc_repro_after_a_new_raw_file_writes_what_a_fresh_clone_writes(tmp_path: Path) -> None:
    """The caches kept between builds serve `dvc repro` as they serve `pipeline run`: a page added to raw/ and
    `dvc repro` again give every file of data/ the bytes a fresh clone's `dvc repro` of the same raw/ gives (the
    caches aside: dedup's state may keep other anchors as good as a fresh build's, `dedup.plan_rebuild`)."""
    clone = clone_of_the_repo(tmp_path / "clone")
    dvc_in(clone, "repro")
    added = add_one_file(clone / "raw")  # the file bench_rebuild.py adds
    again = dvc_in(clone, "repro")
    assert "Running stage 'parse'" in again and "Running stage 'package'" in again, again
    fresh = clone_of_the_repo(tmp_path / "fresh")
    shutil.copy2(added, fresh / "raw" / added.name)
    dvc_in(fresh, "repro")
    rebuilt, built = ({name: digest for name, digest in output_digests(folder / "data").items()
                       if not name.startswith("cache/")} for folder in (clone, fresh))  # fmt: skip
    assert sorted(rebuilt) == sorted(built)
    assert [name for name in built if rebuilt[name] != built[name]] == []


def test_runs_from_another_working_directory(tmp_path: Path) -> None:
    """Started elsewhere (no params.yaml in the working directory), the CLI uses the project's params.yaml."""
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", str(SEED_RAW), "--out", str(out)],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert pl.read_parquet(out / "dataset" / "data" / "*.parquet").height == 15
    # releases/ is the project's own too: the seeds rebuild the recorded v1.0.0, not a "first release".
    manifest = json.loads((out / "dataset" / "release.json").read_text(encoding="utf-8"))
    assert manifest["release_status"] == "recorded"


def test_cli_options_after_the_subcommand_help_and_version(tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=tmp_path, capture_output=True, text=True)

    help_text = cli("run", "--help").stdout
    assert "--params" in help_text and "-v, --verbose" in help_text and "--releases" in help_text
    assert cli("--version").stdout.startswith("python -m pipeline ")
    params = tmp_path / "custom.yaml"
    params.write_text((REPO_ROOT / "params.yaml").read_text(encoding="utf-8").replace("workers: 2", "workers: x"))
    # --params after the subcommand is honoured (the broken file is read and refused).
    bad = cli("scan", str(SEED_RAW), "--out", str(tmp_path / "out"), "-v", "--params", str(params))
    assert bad.returncode == 2 and "engine.workers must be int" in bad.stderr


GENERATOR = SHARED / "bench" / "gen_corpus.py"


@pytest.mark.skipif(not GENERATOR.is_file(), reason="the shared corpus generator is not beside the repo")
def test_generated_corpus_and_its_listings_alone_pass_the_gate(tmp_path: Path) -> None:
    """Composition is not corruption: a generated crawl, and its ministry listings alone (which never carry a
    byline), pass the gate with the project's params.yaml; rows failing a row check are quarantined, not fatal."""
    raw = tmp_path / "corpus" / "raw"
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(raw), "--mb", "1", "--seed", "5"], check=True,
                   capture_output=True)  # fmt: skip
    listings = tmp_path / "listings"
    listings.mkdir()
    for path in sorted(raw.rglob("*.txt")):
        if "\n-\n" in "\n" + path.read_text(encoding="utf-8"):
            shutil.copy(path, listings / path.name)
    assert len(list(listings.iterdir())) >= 20
    for folder in (raw, listings):
        out = tmp_path / f"out_{folder.name}"
        result = run_pipeline(folder, out, check=False)
        assert result.returncode == 0, result.stderr[-3000:]
        report = json.loads((out / "reports" / "validation.json").read_text(encoding="utf-8"))
        assert report["passed"] and report["nothing_lost"]["unaccounted"] == 0
    listing_rows = pl.read_parquet(tmp_path / "out_listings" / "dataset" / "data" / "*.parquet")
    assert listing_rows["byline"].null_count() == listing_rows.height  # and yet it passed
