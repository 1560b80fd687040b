"""Engines run a stage's per-shard work: a function applied to independent tasks, results in task order.

The local engine uses worker processes on this machine. A stage hands the engine plain tasks (paths and small
frames) and a module-level function, and never relies on anything but the task: no global state, no reading of
the raw folder outside the task's own files, so the same function can run in any process or on any machine.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pipeline.config import EngineParams

T = TypeVar("T")


def _ignore(_: int) -> None:
    return None


class LocalEngine:
    """`workers` processes on this machine (1: in this process)."""

    def __init__(self, params: EngineParams) -> None:
        self.params = params

    def map(self, func: Callable[[Any], T], tasks: Sequence[Any], done: Callable[[int], None] = _ignore) -> list[T]:
        """func over tasks, results in task order; done(i) is called as task i finishes (for progress only)."""
        workers = self.params.workers
        if workers <= 1 or len(tasks) < 2:
            results = []
            for i, task in enumerate(tasks):
                results.append(func(task))
                done(i)
            return results
        # Spawned, not forked: polars' thread pool does not survive a fork (the child can deadlock). Each worker
        # gets its share of the cores for polars' own threads.
        context = multiprocessing.get_context("spawn")
        previous = os.environ.get("POLARS_MAX_THREADS")
        os.environ["POLARS_MAX_THREADS"] = str(max(1, (os.cpu_count() or 1) // workers))
        try:
            with concurrent.futures.ProcessPoolExecutor(
                max_workers=min(workers, len(tasks)), mp_context=context
            ) as pool:
                futures = {pool.submit(func, task): i for i, task in enumerate(tasks)}
                for future in concurrent.futures.as_completed(futures):
                    future.result()  # a failed task raises here, as soon as it fails
                    done(futures[future])
                return [future.result() for future in futures]
        finally:
            if previous is None:
                os.environ.pop("POLARS_MAX_THREADS", None)
            else:
                os.environ["POLARS_MAX_THREADS"] = previous


def engine_for(params: EngineParams) -> LocalEngine:
    return LocalEngine(params)
