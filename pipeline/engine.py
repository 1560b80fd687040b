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


class LocalEngine:
    """`workers` processes on this machine (1: in this process)."""

    def __init__(self, params: EngineParams) -> None:
        self.params = params

    def map(self, func: Callable[[Any], T], tasks: Sequence[Any]) -> list[T]:
        workers = self.params.workers
        if workers <= 1 or len(tasks) < 2:
            return [func(task) for task in tasks]
        # Spawned, not forked: polars' thread pool does not survive a fork (the child can deadlock). Each worker
        # gets its share of the cores for polars' own threads.
        context = multiprocessing.get_context("spawn")
        previous = os.environ.get("POLARS_MAX_THREADS")
        os.environ["POLARS_MAX_THREADS"] = str(max(1, (os.cpu_count() or 1) // workers))
        try:
            with concurrent.futures.ProcessPoolExecutor(
                max_workers=min(workers, len(tasks)), mp_context=context
            ) as pool:
                return list(pool.map(func, tasks))
        finally:
            if previous is None:
                os.environ.pop("POLARS_MAX_THREADS", None)
            else:
                os.environ["POLARS_MAX_THREADS"] = previous


def engine_for(params: EngineParams) -> LocalEngine:
    return LocalEngine(params)
