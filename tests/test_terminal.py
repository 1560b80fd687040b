"""What a person sees: one line per stage and a closing summary in logs, progress bars only in a terminal, and no
third-party noise unless -v."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT, SEED_RAW

from pipeline.progress import stage_line

ANSI_ESCAPE = "\x1b["


def test_a_run_logs_each_stage_and_a_summary_without_library_noise(seed_out: Path) -> None:
    stderr = (seed_out.parent / "stderr.txt").read_text(encoding="utf-8")
    lines = stderr.splitlines()
    for stage in ("scan", "parse", "clean", "dedup", "validate", "package"):
        assert any(line.startswith(f"{stage} ") and line.endswith(" s)") for line in lines), (stage, stderr)
    assert "dedup            21 articles -> 15 distinct; dropped exact 4, near 2" in stderr
    assert "build summary: " in stderr
    assert any(line.split() == ["published", "rows", "15"] for line in lines), stderr
    assert any(line.split()[:3] == ["duplicates", "6", "(exact"] for line in lines), stderr
    assert f'datasets.load_dataset("{seed_out / "dataset"}", split="train")' in stderr
    # Not a terminal: no bars, no colours, no Great Expectations INFO, no `datasets` Arrow-to-parquet bar.
    assert ANSI_ESCAPE not in stderr and "━" not in stderr
    assert "great_expectations" not in stderr and "Creating parquet" not in stderr


def test_stage_line_counts_and_drops() -> None:
    metrics = {"rows_in": 1200, "rows_out": 1000, "dropped": {"exact": 150, "near": 50}}
    assert stage_line("dedup", metrics, 2.25) == (
        "dedup         1,200 articles -> 1,000 distinct; dropped exact 150, near 50  (2.2 s)"
    )
    parse = stage_line("parse", {"rows_in": 3, "rows_out": 3, "dropped": {}, "records": 40}, None)
    assert parse.split() == ["parse", "3", "files", "->", "3", "parsed", "(40", "records)"]


def _stderr_on_a_terminal(command: list[str]) -> str:
    """Run with stderr on a pseudo-terminal (as in an interactive shell) and return what it drew there."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=terminal,
                               env={**os.environ, "COLUMNS": "120"})  # fmt: skip
    os.close(terminal)
    drawn = bytearray()
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the process is gone
            break
        if not chunk:
            break
        drawn += chunk
    os.close(controller)
    assert process.wait(timeout=300) == 0, drawn.decode(errors="replace")[-3000:]
    return drawn.decode(errors="replace")


def test_a_terminal_gets_progress_bars(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for page in sorted(SEED_RAW.glob("*.txt"))[:3]:
        (raw / page.name).write_bytes(page.read_bytes())
    out = tmp_path / "out"
    cli = [sys.executable, "-m", "pipeline"]
    subprocess.run([*cli, "scan", str(raw), "--out", str(out)], cwd=REPO_ROOT, check=True, capture_output=True)
    drawn = _stderr_on_a_terminal([*cli, "parse", str(raw), "--out", str(out)])
    assert "parse: decode" in drawn and "parse: extract" in drawn  # the bars, with their counts
    assert "3/3" in drawn and "files" in drawn
    assert " 3 files -> 3 parsed (3 records)" in drawn  # and the stage's closing line
