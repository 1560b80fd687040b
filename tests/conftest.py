"""Shared test setup: offline Hugging Face libraries, and helpers that run the real pipeline."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

# Read at import time by huggingface_hub/datasets: set before any test module imports them.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("DVC_NO_ANALYTICS", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

# One "today" for every build of the session: builds compared byte for byte on either side of midnight UTC would
# otherwise accept different latest publication dates (validate.build_date).
os.environ.setdefault("SOURCE_DATE_EPOCH", str(int(time.time())))

import pytest  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
SEED_RAW = REPO_ROOT / "raw"
SHARED = REPO_ROOT.parent / "shared"


def run_pipeline(
    raw_dir: Path,
    out_dir: Path,
    *extra: str,
    params: Path | None = None,
    check: bool = True,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """`python -m pipeline run RAW --out OUT` in a subprocess, exactly as a user runs it (no DVC)."""
    command = [sys.executable, "-m", "pipeline"]
    if params is not None:
        command += ["--params", str(params)]
    command += ["run", str(raw_dir), "--out", str(out_dir), "--releases", str(out_dir / "no-releases"), *extra]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if check and result.returncode != 0:
        raise AssertionError(
            f"pipeline failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


def output_digests(root: Path) -> dict[str, str]:
    """sha256 of every file of an output folder, the cache kept between builds included, except the Data Docs HTML
    (a rendered view stamped with the real run time), the releases folder run_pipeline points elsewhere, the lock
    file, and the stages' hashes of files by their stat (inodes and times of this file system, not of the build:
    Outputs.known_hashes_of): what two builds of the same input must write alike."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and not {"data_docs", "no-releases"} & set(p.parts)
        and p.name not in (".lock", "known_hashes.parquet")
    }


@pytest.fixture(scope="session")
def hf_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("hf_home")
    os.environ["HF_HOME"] = str(home)
    return home


@pytest.fixture(scope="session")
def seed_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pipeline's output on the committed seed files (run once per test session); what it printed on stderr
    is kept beside it in stderr.txt."""
    out = tmp_path_factory.mktemp("seed_out") / "out"
    result = run_pipeline(SEED_RAW, out)
    (out.parent / "stderr.txt").write_text(result.stderr, encoding="utf-8")
    return out


def pytest_addoption(parser: pytest.Parser) -> None:
    # Golden files of tests/test_layouts.py are rewritten from the parser's output instead of compared.
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/fixtures/layouts/**/*.expected.json from the current parser output",
    )
