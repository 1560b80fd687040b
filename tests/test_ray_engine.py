"""The ray engine (engine.name: ray) on a real local Ray of 2 CPUs, started once for this module.

Its results must be the local engine's, byte for byte: the whole pipeline runs in this process on the ray engine
(in shards of a few KB, so that every stage has many Ray tasks) and in a subprocess on the local engine, on the
seed pages, on the shared dev pages and on a generated corpus with bad files in it. A task whose worker process
dies is run again; an error raised by a task fails the run at once and is not retried.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import ray
import yaml
from conftest import REPO_ROOT, SEED_RAW, SHARED, run_pipeline
from test_incremental import outputs

from pipeline import cli, engine
from pipeline.cache import code_version
from pipeline.config import EngineParams, load_params

DEV_RAW = SHARED / "realworld-dev" / "raw"
GEN_CORPUS = SHARED / "bench" / "gen_corpus.py"
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"
SMALL_SHARDS = 4000  # bytes: the seed pages alone make several shards

# Workers unpickle the task functions below by value: they cannot import this test module.
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])


def ray_params(**changes) -> EngineParams:
    return dataclasses.replace(load_params(REPO_ROOT / "params.yaml").engine, name=engine.RAY, workers=2, **changes)


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray for the module, started the way the pipeline starts it; the pipeline's sessions reuse it."""
    engine.connect(ray_params())
    yield
    ray.shutdown()


# ---------------------------------------------------------------------------------------------------------------
# The engine's contract: task order, retries of crashed workers, no retry of errors, the driver's code only.


def crash_once(task: tuple[str, int]) -> int:
    """Kills its worker process the first time task 3 runs (the marker file says whether it ran)."""
    marker, value = task
    if value == 3:
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return value * 10
        os._exit(1)
    return value * 10


def fail_with_error(task: tuple[str, int]) -> int:
    """Raises in task 2 and counts its attempts in the marker file."""
    attempts, value = task
    if value == 2:
        with open(attempts, "a") as handle:
            handle.write("x")
        raise ValueError("bad shard")
    return value


def test_results_come_back_in_task_order_after_a_crashed_worker_is_retried(local_ray, tmp_path: Path) -> None:
    marker = str(tmp_path / "crashed")
    results = engine.RayEngine(ray_params(max_retries=1)).map(crash_once, [(marker, i) for i in range(6)])
    assert results == [0, 10, 20, 30, 40, 50]
    assert Path(marker).exists()  # task 3 did crash its first worker


def test_a_worker_that_keeps_crashing_fails_the_run_after_max_retries(local_ray, tmp_path: Path) -> None:
    with pytest.raises(ray.exceptions.WorkerCrashedError):
        engine.RayEngine(ray_params(max_retries=0)).map(crash_once, [(str(tmp_path / "crashed"), 3)])


def test_an_error_in_a_task_fails_the_run_at_once_without_retry(local_ray, tmp_path: Path) -> None:
    attempts = tmp_path / "attempts"
    with pytest.raises(ValueError, match="bad shard"):
        engine.RayEngine(ray_params(max_retries=3)).map(fail_with_error, [(str(attempts), i) for i in range(4)])
    assert attempts.read_text() == "x"


def test_a_worker_with_other_code_than_the_driver_refuses_the_task() -> None:
    with pytest.raises(engine.WorkerCodeMismatch, match="same checkout on every node"):
        engine.run_checked(abs, -1, driver_code="0" * 64)
    assert engine.run_checked(abs, -1, driver_code=code_version()) == 1


def test_ray_address_without_the_ray_engine_is_a_usage_error(tmp_path: Path) -> None:
    args = ["run", str(SEED_RAW), "--out", str(tmp_path / "out"), "--ray-address", "127.0.0.1:6379"]
    assert cli.main(["--params", str(REPO_ROOT / "params.yaml"), *args]) == cli.EXIT_USAGE


# ---------------------------------------------------------------------------------------------------------------
# The whole pipeline: the ray engine writes the local engine's bytes.


@pytest.fixture(scope="module")
def small_shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """params.yaml with shards of a few KB: every stage has many tasks on either engine. Both engines run the same
    shard plan: only the engine differs between the two builds compared."""
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["engine"]["shard_bytes"] = SMALL_SHARDS
    path = tmp_path_factory.mktemp("params") / "params.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    return path


def build_both(raw: Path, tmp_path: Path, params: Path) -> tuple[Path, Path]:
    """The local engine's build (`python -m pipeline run` in a subprocess) and the ray engine's (the same command
    with --engine ray, in this process on the module's Ray); both must exit alike."""
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    returncode = run_pipeline(raw, local, params=params, check=False).returncode
    command = ["--params", str(params), "run", str(raw), "--out", str(on_ray), "--releases", str(on_ray / "norel")]
    assert cli.main([*command, "--engine", "ray"]) == returncode
    return local, on_ray


def assert_same_outputs(local: Path, on_ray: Path) -> None:
    assert len(list((on_ray / "interim" / "parse" / "lines").iterdir())) > 1  # several shards, several Ray tasks
    for name in ("duplicates.parquet", "quarantine.parquet", "removed_lines.parquet", "dataset/release.json"):
        assert (on_ray / name).read_bytes() == (local / name).read_bytes(), name
    assert outputs(on_ray) == outputs(local)  # every output users read, the dataset shards among them
    local_release, ray_release = (json.loads((root / "dataset/release.json").read_text()) for root in (local, on_ray))
    assert ray_release["fingerprint"] == local_release["fingerprint"] and local_release["fingerprint"]


@pytest.mark.slow
def test_seed_pages(local_ray, small_shards: Path, tmp_path: Path) -> None:
    local, on_ray = build_both(SEED_RAW, tmp_path, small_shards)
    assert (local / "dataset" / "release.json").is_file()
    assert_same_outputs(local, on_ray)


@pytest.mark.slow
@pytest.mark.skipif(not DEV_RAW.is_dir(), reason="the shared dev set is not beside the repo")
def test_dev_pages(local_ray, small_shards: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(DEV_RAW, raw)  # read from shared/, never committed
    assert_same_outputs(*build_both(raw, tmp_path, small_shards))


@pytest.mark.slow
@pytest.mark.skipif(not GEN_CORPUS.is_file(), reason="the shared benchmark generator is not beside the repo")
def test_generated_corpus_with_bad_files(local_ray, small_shards: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    subprocess.run([sys.executable, str(GEN_CORPUS), "--out", str(raw), "--mb", "1", "--seed", "3"],
                   check=True, capture_output=True)  # fmt: skip
    (raw / "image.txt").write_bytes(PNG_HEADER + bytes(range(256)) * 8)
    (raw / "one_long_line.txt").write_text("Seoul " * 10_000 + "\n", encoding="utf-8")
    local, on_ray = build_both(raw, tmp_path, small_shards)
    assert (local / "dataset" / "release.json").is_file()
    assert_same_outputs(local, on_ray)
    quarantined = pl.read_parquet(on_ray / "quarantine.parquet")
    assert set(quarantined.filter(pl.col("stage") == "parse")["file"]) >= {"image.txt", "one_long_line.txt"}
