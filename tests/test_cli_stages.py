"""A command's stages: run in order, the explorer in a thread beside the stage after it (they read nothing of each
other's), in the command's engine session, and a failure of either fails the command."""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import os
import threading
import time
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from pipeline import cli, engine
from pipeline.config import load_params

BESIDE_SECONDS = 0.5  # long enough that the next stage starts while it runs


def command_args(out: Path) -> argparse.Namespace:
    return argparse.Namespace(params=REPO_ROOT / "params.yaml", out=out, engine=None, ray_address=None)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[float, float, str]]:
    """The stages replaced by ones that record (start, end, thread name); 'explore' sleeps, or raises when the
    output folder's name says so."""
    spans: dict[str, tuple[float, float, str]] = {}

    def stage(name: str):
        def run(args: argparse.Namespace, params, progress) -> dict:
            started = time.perf_counter()
            if name == "explore":
                time.sleep(BESIDE_SECONDS)
                if Path(args.out).name == "explore-fails":
                    raise RuntimeError("the explorer failed")
            spans[name] = (started, time.perf_counter(), threading.current_thread().name)
            return {"rows_in": 1, "rows_out": 1, "dropped": {}}

        return run

    for name in ("scan", "explore", "clean"):
        monkeypatch.setitem(cli.STAGES, name, stage(name))
    return spans


def test_the_explorer_runs_in_a_thread_beside_the_next_stage_and_reports_after_it(
    recorded: dict[str, tuple[float, float, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli._stages(("scan", "explore", "clean"))(command_args(tmp_path / "out"))
    explore_start, explore_end, explore_thread = recorded["explore"]
    clean_start, _, clean_thread = recorded["clean"]
    assert explore_start < clean_start < explore_end  # overlapped
    assert explore_thread == "stage-explore" and clean_thread == threading.current_thread().name
    lines = [line for line in capsys.readouterr().err.splitlines() if line]
    assert lines[0].startswith("scan ") and lines[1].startswith("clean ")
    assert lines[2].startswith("explore ") and lines[2].endswith(" beside clean")


def test_a_failure_beside_fails_the_command_after_the_stage_it_ran_beside(
    recorded: dict[str, tuple[float, float, str]], tmp_path: Path
) -> None:
    with pytest.raises(RuntimeError, match="the explorer failed"):
        cli._stages(("scan", "explore", "clean"))(command_args(tmp_path / "explore-fails"))
    assert "clean" in recorded and "explore" not in recorded


def pid_of(_: int) -> int:
    time.sleep(0.2)
    return os.getpid()


def test_a_stage_beside_maps_on_the_commands_workers() -> None:
    params = dataclasses.replace(load_params(REPO_ROOT / "params.yaml").engine, name=engine.LOCAL, workers=2)
    with engine.session(params, start_workers=True):
        workers = {child.pid for child in multiprocessing.active_children()}
        beside = cli._Beside("explore", lambda: {"pids": engine.engine_for(params).map(pid_of, range(4))})
        pids = beside.result()["pids"]
    assert len(workers) == 2 and set(pids) <= workers  # the command's workers, no pool of its own
