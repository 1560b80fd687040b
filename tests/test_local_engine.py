"""The local engine: worker processes on this machine, one pool per command.

Within a command (`engine.session`) every stage's map runs on the same spawned workers, so the pipeline is imported
once per worker, not once per stage; outside a command a map starts its own pool and ends it. A failing task fails
the map at once and the command's pool runs none of that map's queued tasks.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import platform
import signal
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from pipeline import engine, malloc
from pipeline.config import EngineParams, load_params

TASK_SECONDS = 0.2  # long enough that both workers of a pool take tasks


def local_params(workers: int = 2) -> EngineParams:
    return dataclasses.replace(load_params(REPO_ROOT / "params.yaml").engine, name=engine.LOCAL, workers=workers)


def worker_pid(_: int) -> int:
    time.sleep(TASK_SECONDS)
    return os.getpid()


def once_workers_are_up(_: int) -> int:
    """Run in a command's process, return only once the command's workers are up (spawned, their modules imported);
    in a worker, at once."""
    pool = engine._COMMAND_POOL.get()
    deadline = time.monotonic() + 120
    while pool is not None and not pool.ready() and time.monotonic() < deadline:
        time.sleep(0.02)
    return os.getpid()


def start_workers(params: EngineParams) -> list[int]:
    """Start the command's workers and wait for them: a map large enough to start them, whose first task, run here
    while they start, waits for them (the others go to them)."""
    return engine.engine_for(params).map(once_workers_are_up, range(engine.POOL_PAYS_FROM * params.workers))


def fail_first(task: tuple[str, int]) -> int:
    """Task 0 fails at once; every other task leaves a marker file after a while (to count those that ran)."""
    folder, value = task
    if value == 0:
        raise ValueError("task 0 fails")
    time.sleep(TASK_SECONDS)
    Path(folder, str(value)).touch()
    return value


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_command_runs_every_map_on_the_same_workers_and_ends_them() -> None:
    params = local_params()
    with engine.session(params):
        start_workers(params)
        first = engine.engine_for(params).map(worker_pid, range(6))
        second = engine.engine_for(params).map(worker_pid, range(6))
    assert first != [os.getpid()] * 6 and len(set(first)) == 2
    assert set(second) == set(first)
    assert not any(map(is_running, set(first)))
    # Outside a command, a map has a pool of its own.
    alone = engine.engine_for(params).map(worker_pid, range(engine.POOL_PAYS_FROM * params.workers))
    assert not set(alone) & set(first) and os.getpid() not in alone


def test_results_come_back_in_task_order() -> None:
    params = local_params()
    with engine.session(params):
        assert engine.engine_for(params).map(abs, [-3, 2, -1, 0, -7]) == [3, 2, 1, 0, 7]


def test_a_failing_task_fails_the_map_and_the_commands_pool_drops_the_rest(tmp_path: Path) -> None:
    params = local_params()
    tasks = [(str(tmp_path), value) for value in range(40)]
    with engine.session(params):
        start_workers(params)
        with pytest.raises(ValueError, match="task 0 fails"):
            engine.engine_for(params).map(fail_first, tasks)
        # The pool still serves the command's next map.
        assert engine.engine_for(params).map(abs, [-1, -2]) == [1, 2]
        ran = len(list(tmp_path.iterdir()))
    assert ran < len(tasks) // 2, (
        f"{ran} of the failed map's {len(tasks)} tasks ran: its queued tasks were not dropped"
    )


def test_one_worker_runs_in_this_process() -> None:
    params = local_params(workers=1)
    with engine.session(params):
        assert engine.engine_for(params).map(worker_pid, range(2)) == [os.getpid()] * 2


def modules_loaded(names: tuple[str, ...]) -> list[bool]:
    return [name in sys.modules for name in names]


def pool_workers() -> list[multiprocessing.Process]:
    return [child for child in multiprocessing.active_children() if child.name != "pipeline-side"]


def test_started_workers_import_the_commands_modules_at_once_and_take_even_a_single_task() -> None:
    params = local_params()
    wanted = ("pipeline.explorer", "pipeline.clean")
    with engine.session(params, imports=wanted[:1], start_workers=True):
        assert len(pool_workers()) == params.workers  # before any map
        once_workers_are_up(0)
        (loaded,) = engine.engine_for(params).map(modules_loaded, [wanted])
        (pid,) = engine.engine_for(params).map(worker_pid, [0])
    assert loaded == [True, False]
    assert pid != os.getpid()


def test_unstarted_workers_leave_small_maps_here_and_start_when_each_worker_gets_enough_tasks() -> None:
    params = local_params()
    enough = engine.POOL_PAYS_FROM * params.workers
    with engine.session(params, imports=("pipeline.explorer",)):
        (alone,) = engine.engine_for(params).map(worker_pid, [0])
        few = engine.engine_for(params).map(worker_pid, range(enough - 1))
        assert {alone, *few} == {os.getpid()} and pool_workers() == []  # a rebuild's few changed shards spawn nothing
        many = start_workers(params)
        (after,) = engine.engine_for(params).map(worker_pid, [0])
        workers = {worker.pid for worker in pool_workers()}
    assert len(many) == enough and len(workers) == params.workers
    assert after in workers  # started workers take every later task, even a single one
    assert pool_workers() == []  # ended with the command


def pid_and_modules_loaded(names: tuple[str, ...]) -> tuple[int, list[bool]]:
    return os.getpid(), modules_loaded(names)


def test_aside_runs_in_the_commands_side_process_which_imported_its_modules_and_here_without_one() -> None:
    wanted = ("pipeline.expectations", "pipeline.explorer")
    with engine.session(local_params(), side_imports=wanted[:1]):
        assert engine.has_side_process()
        side_pid, loaded = engine.aside(pid_and_modules_loaded, wanted)
        again, _ = engine.aside(pid_and_modules_loaded, wanted)
        engine.side_process_done()  # it stops while the command goes on; nothing more can be handed to it
        with pytest.raises(RuntimeError, match="asked to stop"):
            engine.aside(pid_and_modules_loaded, wanted)
    assert side_pid != os.getpid() and again == side_pid  # one process for the command
    assert loaded == [True, False]
    assert not is_running(side_pid)  # ended with the command
    with engine.session(local_params(workers=1), side_imports=wanted[:1]):  # one worker: all in this process
        assert not engine.has_side_process()
        assert engine.aside(pid_and_modules_loaded, wanted)[0] == os.getpid()
    assert engine.aside(pid_and_modules_loaded, wanted)[0] == os.getpid()  # outside a command


def side_processes() -> list[str]:
    return [child.name for child in multiprocessing.active_children() if child.name == "pipeline-side"]


def test_the_side_process_starts_when_asked_or_at_the_first_aside_and_never_when_unused() -> None:
    with engine.session(local_params(), side_imports=("pipeline.expectations",)):
        assert engine.has_side_process() and side_processes() == []  # its imports wait until a stage asks
        engine.side_process_start()
        assert side_processes() == ["pipeline-side"]
    with engine.session(local_params(), side_imports=("pipeline.expectations",)):
        assert engine.aside(len, "started by the call") == len("started by the call")
    with engine.session(local_params(), side_imports=("pipeline.expectations",)):
        engine.side_process_done()  # a command that never used it: nothing to start, nothing left running
        engine.side_process_start()
        assert side_processes() == []
    assert side_processes() == []


def fail_or_die(how: str) -> None:
    if how == "raise":
        raise ValueError("the function failed")
    os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would


def test_a_failure_in_the_side_process_is_raised_and_its_death_never_hangs_the_command() -> None:
    with engine.session(local_params(), side_imports=("pipeline.expectations",)):
        with pytest.raises(ValueError, match="the function failed"):
            engine.aside(fail_or_die, "raise")
        assert engine.aside(len, "still serving") == len("still serving")
        with pytest.raises(engine.SideProcessDied, match=r"exit code -9"):
            engine.aside(fail_or_die, "die")


def test_while_the_workers_start_a_maps_tasks_run_here_and_the_rest_go_to_them_once_they_are_up() -> None:
    """A map never waits idle for the command's workers: its first task runs here (and waits for them); the others
    go to the workers."""
    params = local_params()
    with engine.session(params, imports=("pipeline.explorer",)):
        pids = start_workers(params)
        workers = {worker.pid for worker in pool_workers()}
    assert pids[0] == os.getpid() and set(pids[1:]) <= workers and len(workers) == params.workers


def test_tasks_an_earlier_run_answers_never_reach_the_engine() -> None:
    params = local_params()
    asked: list[int] = []

    def kept(task: int) -> str | None:
        asked.append(task)
        return "kept" if task % 2 else None

    tasks = range(2 * engine.POOL_PAYS_FROM * params.workers)  # the unkept half is enough to start the workers
    with engine.session(params):
        start_workers(params)
        results = engine.map_unkept(params, worker_pid, tasks, kept)
    assert asked == list(tasks)
    assert results[1::2] == ["kept"] * (len(tasks) // 2)
    assert all(isinstance(pid, int) and pid != os.getpid() for pid in results[::2])


def write_after(task: tuple[str, float]) -> None:
    """Leave a marker file after a while (a side function the command does not wait for)."""
    path, seconds = task
    time.sleep(seconds)
    Path(path).write_text(str(os.getpid()), encoding="utf-8")


def test_an_unwaited_side_call_runs_while_the_command_goes_on_and_is_done_when_it_ends(tmp_path: Path) -> None:
    marker = tmp_path / "written"
    with engine.session(local_params(), side_imports=("pipeline.expectations",)):
        engine.aside(len, "imports done")
        started = time.perf_counter()
        engine.aside_unwaited(write_after, (str(marker), 0.5))
        assert time.perf_counter() - started < 0.25 and not marker.exists()  # the command did not wait
        engine.side_process_done()
    assert marker.exists() and int(marker.read_text()) != os.getpid()  # there, and finished before the end
    with engine.session(local_params(workers=1), side_imports=("pipeline.expectations",)):
        engine.aside_unwaited(write_after, (str(tmp_path / "here"), 0))  # no side process: here, at once
        assert int((tmp_path / "here").read_text()) == os.getpid()


def test_an_unwaited_side_calls_failure_fails_the_next_aside_or_the_commands_end() -> None:
    with engine.session(local_params(), side_imports=("pipeline.expectations",)):
        engine.aside_unwaited(fail_or_die, "raise")
        with pytest.raises(ValueError, match="the function failed"):
            engine.aside(len, "after it")
        assert engine.aside(len, "read") == len("read")  # a failure is raised once
    side = ("pipeline.expectations",)
    with pytest.raises(ValueError, match="the function failed"), engine.session(local_params(), side_imports=side):
        engine.aside_unwaited(fail_or_die, "raise")
    # A command failing already raises its own error, not the side process's.
    with pytest.raises(KeyError, match="the command's own"), engine.session(local_params(), side_imports=side):
        engine.aside_unwaited(fail_or_die, "raise")
        raise KeyError("the command's own")


def priority(_: object) -> int:
    return os.getpriority(os.PRIO_PROCESS, 0)  # on Linux, of the calling thread


def test_aside_wait_returns_the_last_unwaited_result_and_the_side_process_runs_at_the_commands_priority() -> None:
    with engine.session(local_params(), side_imports=("pipeline.expectations",)):
        engine.aside_unwaited(len, "first")
        engine.aside_unwaited(len, "the last one")
        assert engine.aside_wait() == len("the last one")
        engine.aside_unwaited(fail_or_die, "raise")
        engine.aside_unwaited(len, "after the failure")
        with pytest.raises(ValueError, match="the function failed"):
            engine.aside_wait()
        if sys.platform == "linux":  # niceness is per thread there: only the importing thread was niced
            assert engine.aside(priority, None) == priority(None)
    with pytest.raises(RuntimeError, match="outside a command with a side process"):
        engine.aside_wait()


# A fresh process: limit_malloc_arenas (or not), then eight threads each allocating, then the heaps (arenas) glibc
# reports in malloc_info.
ARENAS_AFTER_THREADS = """
import ctypes, os, sys, threading
from pipeline import malloc
if sys.argv[1] == "limited":
    malloc.limit_arenas()
import polars  # starts threads, as every command's imports do
print(os.environ.get("MALLOC_ARENA_MAX"))
def allocate():
    kept = [bytearray(10_000) for _ in range(200)]  # malloc, not pymalloc, and under the mmap threshold
start = threading.Barrier(8)
threads = [threading.Thread(target=lambda: (start.wait(), allocate())) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
libc = ctypes.CDLL(None)
libc.tmpfile.restype = ctypes.c_void_p
stream = ctypes.c_void_p(libc.tmpfile())
libc.malloc_info(0, stream)
libc.fflush(stream)
fd = libc.fileno(stream)
os.lseek(fd, 0, os.SEEK_SET)
print(os.read(fd, 10_000_000).decode().count("<heap nr="))
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")
def test_a_command_limits_glibc_malloc_arenas_and_keeps_a_limit_already_set() -> None:
    import subprocess

    def arenas(mode: str, environment: dict[str, str]) -> tuple[str, int]:
        out = subprocess.run([sys.executable, "-c", ARENAS_AFTER_THREADS, mode], env=environment, cwd=REPO_ROOT,
                             capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
        return out[0], int(out[1])

    bare = {key: value for key, value in os.environ.items() if key != "MALLOC_ARENA_MAX"}
    limit, count = arenas("limited", bare)
    assert (limit, count) == (str(malloc.ARENAS), malloc.ARENAS)
    assert arenas("default", bare)[1] > malloc.ARENAS + 2  # the check can fail: without the limit, more arenas
    limit, count = arenas("limited", {**bare, "MALLOC_ARENA_MAX": "4"})
    assert (limit, count) == ("4", 4)
