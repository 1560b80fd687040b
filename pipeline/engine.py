"""Engines run a stage's per-shard work: a function applied to independent tasks, results in task order.

A stage hands the engine plain tasks (paths and small frames) and a module-level function, and never relies on
anything but the task: no global state, no reading of the raw folder outside the task's own files, so the same
function can run in any process or on any machine. Two engines (params.yaml `engine.name`):

- local: worker processes on this machine. Within a command (`session`) one pool serves every stage: its workers
  are spawned and import the pipeline once, not once per stage (~1 s each time on two cores), as the command
  starts or at its first map of POOL_PAYS_FROM tasks per worker (before that, fewer run in the command's process;
  while they start, that map's tasks run there too).
- ray: one Ray task per shard task, on a local Ray started for the command or on a running cluster
  (`engine.ray_address`). A task whose worker process dies (a crash, an out-of-memory kill, a lost node) is run
  again, up to `engine.max_retries` times; an exception raised by the function fails the run at once, as on one
  machine. Every worker must import this same code (the same installed environment on every node, and the raw
  folder and output root at the same paths): a worker whose code differs from the driver's refuses the task.

A stage whose earlier parts are still current answers those tasks itself (`map_unkept`): a rebuild hands either
engine only the shards that changed.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import contextvars
import dataclasses
import gc
import importlib
import logging
import multiprocessing
import os
import sys
import threading
import traceback
import typing
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from pipeline import malloc
from pipeline.cache import code_version
from pipeline.config import EngineName, EngineParams

T = TypeVar("T")
log = logging.getLogger(__name__)

LOCAL, RAY = typing.get_args(EngineName)
# Each Ray task reserves one CPU of its node and polars in it uses one thread, so a node runs as many tasks as it has
# cores without oversubscribing them (the local engine gives each worker its share of the cores the same way).
RAY_TASK_CPUS = 1


# Tasks per worker from which a map starts the workers: spawning two and importing the pipeline takes ~1.5 s of
# wall on two cores, about one shard task each (parse 1 s, explore 0.15 s: the explorer's few tasks of a rebuild
# ran 0.45 s here against 1.3 s more with the workers started for them). Workers once started also keep package
# from running beside explore (cli.BESIDE), and their imports take the cores from the stages between: at 2, a
# one-file rebuild's dedup (four parts to write again) started them, and the rebuild took 21.5-21.8 s against
# 25.4-27.0 s at 4 (100 MB, alternating, one slow hour); a 12-file increment took the same either way.
POOL_PAYS_FROM = 4


def _ignore(_: int) -> None:
    return None


@dataclasses.dataclass
class _CommandPool:
    """A command's worker pool, and its workers' first calls, each done once that worker is up (spawned, its
    modules imported): empty until they are started."""

    executor: concurrent.futures.ProcessPoolExecutor
    warming: list[concurrent.futures.Future] = dataclasses.field(default_factory=list)

    @property
    def started(self) -> bool:
        return bool(self.warming)

    def ready(self) -> bool:
        return all(call.done() for call in self.warming)

    def start(self, workers: int) -> None:
        """Start every worker now, without waiting for them (each submit starts one while none is idle)."""
        with _worker_threads(workers):
            self.warming = [self.executor.submit(_ignore, 0) for _ in range(workers)]


# The local worker pool of the current command (set by `session`), None outside one: a stage function called on
# its own starts a pool for its map and ends it after. A context variable, so that commands run in threads of one
# process (tests do) never share a pool.
_COMMAND_POOL: contextvars.ContextVar[_CommandPool | None] = contextvars.ContextVar("command_pool", default=None)
# The current command's side process (set by `session`), None outside one or when the command needs none.
_SIDE_PROCESS: contextvars.ContextVar[SideProcess | None] = contextvars.ContextVar("side_process", default=None)


def _import_all(modules: Sequence[str]) -> None:
    for module in modules:
        importlib.import_module(module)


def _import_and_freeze(modules: Sequence[str]) -> None:
    """A worker's start: its modules imported, then every object so far moved out of the garbage collector's
    reach (gc.freeze): the modules' objects live as long as the process, so collections stop walking them, and the
    interpreter's teardown at the worker's exit, which the command's end waits for, no longer does either
    (~1.3 s for a process holding Great Expectations, pandas and `datasets`; 0.2 s frozen)."""
    _import_all(modules)
    gc.freeze()


def import_in_background(modules: Sequence[str]) -> None:
    """Import these modules, in order, in a thread: pure Python imports hold the GIL, so a caller starts this
    while its own thread waits (on worker processes, or in polars). Not a daemon, so that an early exit never
    interrupts an import; a later import of the same module waits for this one and finds it."""
    if modules:
        threading.Thread(target=_import_all, args=(tuple(modules),), name="preload").start()


def _new_pool(workers: int, imports: tuple[str, ...] = ()) -> concurrent.futures.ProcessPoolExecutor:
    """A pool of `workers` processes, each importing `imports` as it starts. Spawned, not forked: polars' thread
    pool does not survive a fork (the child can deadlock)."""
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_import_and_freeze,
        initargs=(imports,),
    )


@contextlib.contextmanager
def _worker_threads(workers: int) -> Iterator[None]:
    """POLARS_MAX_THREADS for workers started within: each gets its share of the cores for polars' own threads
    (a worker reads it when it starts)."""
    previous = os.environ.get("POLARS_MAX_THREADS")
    os.environ["POLARS_MAX_THREADS"] = str(max(1, (os.cpu_count() or 1) // workers))
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("POLARS_MAX_THREADS", None)
        else:
            os.environ["POLARS_MAX_THREADS"] = previous


class LocalEngine:
    """`workers` processes on this machine (1: in this process)."""

    def __init__(self, params: EngineParams) -> None:
        self.params = params

    def map(self, func: Callable[[Any], T], tasks: Sequence[Any], done: Callable[[int], None] = _ignore) -> list[T]:
        """func over tasks, results in task order; done(i) is called as task i finishes (for progress only).

        Fewer than POOL_PAYS_FROM tasks per worker run here unless the command's workers have started (then they go
        to them, which imported their modules already): starting the workers costs about what each of them would
        save on a shard task (a rebuild's few changed shards run here). A map that starts the command's workers
        runs its tasks here, in order, until they are up, and the rest go to them: it never waits idle for them
        (a rebuild's four small explorer tasks are done here before the workers are). Workers started as the
        command started (a first build's) are waited for: they are up within a second, and a first build's shard
        task run here would be the map's last to end.
        """
        workers = self.params.workers
        command_pool = _COMMAND_POOL.get()
        pool_idle = command_pool is None or not command_pool.started
        if workers <= 1 or (pool_idle and len(tasks) < POOL_PAYS_FROM * workers):
            return _here(func, tasks, done)
        if command_pool is None:  # a stage function called on its own: a pool for this map
            with _worker_threads(workers), _new_pool(min(workers, len(tasks))) as pool:
                return _on_pool(pool, func, tasks, done)
        results: list[T] = []
        starting = not command_pool.started
        if starting:
            command_pool.start(workers)
        while starting and len(results) < len(tasks) and not command_pool.ready():
            results.append(func(tasks[len(results)]))
            done(len(results) - 1)
        start = len(results)
        with _worker_threads(workers):  # a worker that died is replaced by a submit
            return results + _on_pool(command_pool.executor, func, tasks[start:], lambda i: done(start + i))


def _here(func: Callable[[Any], T], tasks: Sequence[Any], done: Callable[[int], None]) -> list[T]:
    results = []
    for i, task in enumerate(tasks):
        results.append(func(task))
        done(i)
    return results


def _on_pool(
    pool: concurrent.futures.ProcessPoolExecutor,
    func: Callable[[Any], T],
    tasks: Sequence[Any],
    done: Callable[[int], None],
) -> list[T]:
    """func over tasks on the pool's workers, results in task order; the first failure raises at once and cancels
    the tasks not started (a pool kept for the command must not run the rest of a failed map)."""
    futures = {pool.submit(func, task): i for i, task in enumerate(tasks)}
    try:
        for future in concurrent.futures.as_completed(futures):
            future.result()
            done(futures[future])
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return [future.result() for future in futures]


class WorkerCodeMismatch(RuntimeError):
    """A Ray worker imports other pipeline code than the driver: its results could differ, so it runs nothing."""


def run_checked(func: Callable[[Any], T], task: Any, driver_code: str) -> T:
    """What a Ray worker runs for one task: the function, after checking that this worker has the driver's code."""
    worker_code = code_version()
    if worker_code != driver_code:
        raise WorkerCodeMismatch(
            f"this worker's pipeline code ({worker_code[:12]}) is not the driver's ({driver_code[:12]}): install the "
            "same checkout on every node"
        )
    return func(task)


class RayEngine:
    """One Ray task per task, at most `max_retries` reruns of a task whose worker died; results in task order."""

    def __init__(self, params: EngineParams) -> None:
        self.params = params

    def map(self, func: Callable[[Any], T], tasks: Sequence[Any], done: Callable[[int], None] = _ignore) -> list[T]:
        """func over tasks, results in task order; done(i) is called as task i finishes (for progress only)."""
        import ray

        if not tasks:
            return []
        connect(self.params)
        remote = ray.remote(run_checked).options(
            num_cpus=RAY_TASK_CPUS, max_retries=self.params.max_retries, retry_exceptions=False
        )
        driver_code = code_version()
        refs = [remote.remote(func, task, driver_code) for task in tasks]
        index = {ref: i for i, ref in enumerate(refs)}
        pending = list(refs)
        try:
            while pending:  # the first failure ends the run, not the last task to finish
                finished, pending = ray.wait(pending, num_returns=1)
                ray.get(finished)
                done(index[finished[0]])
        except BaseException:
            for ref in pending:
                ray.cancel(ref, force=True)
            raise
        return ray.get(refs)


def engine_for(params: EngineParams) -> LocalEngine | RayEngine:
    return RayEngine(params) if params.name == RAY else LocalEngine(params)


def map_unkept(
    params: EngineParams,
    func: Callable[[Any], T],
    tasks: Sequence[Any],
    kept: Callable[[Any], T | None],
    done: Callable[[int], None] = _ignore,
) -> list[T]:
    """func over tasks, results in task order, except for the tasks kept(task) answers (not None): a rebuild's
    unchanged shards, whose parts an earlier run wrote. Those are answered here, in this process, and never reach
    the engine: a kept shard costs a few milliseconds, not a task's round trip through a worker (and outside a
    command, a rebuild that changed one shard starts no pool at all)."""
    results: list[T | None] = [kept(task) for task in tasks]
    todo = [i for i, result in enumerate(results) if result is None]
    for i, result in enumerate(results):
        if result is not None:
            done(i)
    fresh = engine_for(params).map(func, [tasks[i] for i in todo], lambda j: done(todo[j]))
    for i, result in zip(todo, fresh, strict=True):
        results[i] = result
    return typing.cast(list[T], results)


def connect(params: EngineParams) -> None:
    """Join the Ray cluster at `engine.ray_address`, or start a local Ray of `engine.workers` CPUs (null address);
    nothing when this process is already connected. Quiet unless the pipeline logs at INFO (-v)."""
    import ray

    if ray.is_initialized():
        return
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # nothing leaves the machine
    verbose = logging.getLogger("pipeline").isEnabledFor(logging.INFO)
    local = params.ray_address is None
    ray.init(
        # "local": always a new Ray; without an address Ray would join whatever cluster this machine started last.
        address="local" if local else params.ray_address,
        num_cpus=params.workers if local else None,
        include_dashboard=False,
        log_to_driver=verbose,
        logging_level=logging.INFO if verbose else logging.ERROR,
        runtime_env={
            "env_vars": {
                "POLARS_MAX_THREADS": str(RAY_TASK_CPUS),
                "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", str(malloc.ARENAS)),
            }
        },
    )


class SideProcessDied(RuntimeError):
    """The side process ended (killed: out of memory, a signal) while running a function for `aside`."""


class SideProcess:
    """One spawned process that imports its modules as it starts, then runs the functions sent to it, one at a
    time and in order, over a pipe: `call` waits for the function's result, `send` does not (its outcome is read
    by the next `call` or by `close`). A process killed while it runs one raises SideProcessDied here, never a
    hang. It starts on `start`, or on the first function sent."""

    def __init__(self, imports: Sequence[str]) -> None:
        context = multiprocessing.get_context("spawn")  # not forked: polars' threads do not survive a fork
        self._connection, self._child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(self._child, tuple(imports)), name="pipeline-side", daemon=True
        )
        self._finishing = False
        self._unread: list[str] = []  # the names of the functions sent whose outcome has not been read, in order

    def start(self) -> None:
        if self._process.pid is None and not self._finishing:
            self._process.start()
            self._child.close()

    def send(self, func: Callable[[Any], Any], task: Any) -> None:
        """func(task) there, without waiting: its failure is raised by the next `call`, or by `close`."""
        if self._finishing:
            raise RuntimeError("the side process was asked to stop: this command runs nothing more there")
        self.start()
        self._connection.send((func, task))
        self._unread.append(func.__name__)

    def call(self, func: Callable[[Any], T], task: Any) -> T:
        """func(task) there, once what was sent before it has run; its result (or the first failure among them)."""
        self.send(func, task)
        return typing.cast(T, self._read_all())

    def collect(self) -> Any:
        """The result of the last function sent, once everything sent has run (or the first failure among them)."""
        if not self._unread:
            raise RuntimeError("nothing was sent to the side process that has not been read")
        return self._read_all()

    def _read_all(self) -> Any:
        """The outcomes of everything sent and not read, in order: the last value, or the first failure raised."""
        failure: BaseException | None = None
        value = None
        while self._unread:
            try:
                while not self._connection.poll(SIDE_POLL_SECONDS):
                    if not self._process.is_alive():
                        raise EOFError
                succeeded, value = self._connection.recv()
            except EOFError:  # its end of the pipe closed with it
                name, self._unread = self._unread[0], []
                self._process.join()
                raise SideProcessDied(
                    f"the side process ended (exit code {self._process.exitcode}) while running {name}"
                ) from None
            self._unread.pop(0)
            if not succeeded and failure is None:
                failure = value
        if failure is not None:
            raise failure
        return value

    def finish(self) -> None:
        """Ask it to stop once it has run what it was sent, without waiting: it exits the way a multiprocessing
        child does (its finalizers run), its objects frozen first so that the interpreter's teardown is quick."""
        if not self._finishing and self._process.pid is not None and self._process.is_alive():
            with contextlib.suppress(OSError):  # its end of the pipe is closed: it is ending already
                self._connection.send(None)
        self._finishing = True

    def close(self, raise_failure: bool = True) -> None:
        """Stop it once it has run what it was sent, and wait for it; the failure of a function sent and not read
        is raised (unless `raise_failure` is False: the command is failing already, and its own error is the one
        to see). One that has not stopped SIDE_STOP_SECONDS after that is terminated."""
        self.finish()
        try:
            if self._process.pid is not None:
                try:
                    self._read_all()
                except BaseException:
                    if raise_failure:
                        raise
                    log.warning("the side process failed after the command had failed", exc_info=True)
        finally:
            if self._process.pid is not None:
                self._process.join(SIDE_STOP_SECONDS)
                if self._process.is_alive():
                    self._process.terminate()
                    self._process.join()
            self._child.close()
            self._connection.close()


# The side process's imports (started ahead of their use) take the cores only when the command's own work leaves
# them idle. Only the importing thread is niced (Linux sets niceness per thread): the functions the command hands
# the side process then run at its own priority, so that package, run there beside explore, is not starved by it.
SIDE_NICENESS = 10
SIDE_POLL_SECONDS = 0.5  # how often a caller waiting on the side process checks that it is still alive
SIDE_STOP_SECONDS = 10  # how long the end of a command waits for the side process to stop before terminating it


def _serve(connection: multiprocessing.connection.Connection, imports: tuple[str, ...]) -> None:
    importing = threading.Thread(target=_import_niced, args=(imports,), name="side-imports")
    importing.start()
    importing.join()
    while True:
        try:
            message = connection.recv()
        except EOFError:  # the command's process is gone
            return
        if message is None:  # the command is done
            gc.freeze()  # what its functions left too: the exit has nothing to walk (_import_and_freeze)
            return
        func, task = message
        try:
            connection.send((True, func(task)))
        except BaseException as error:  # noqa: BLE001 - every failure goes back to the caller, which raises it
            try:
                connection.send((False, error))
            except Exception:  # noqa: BLE001 - an exception that does not pickle goes back as its text
                connection.send((False, RuntimeError("".join(traceback.format_exception(error)))))


def _import_niced(modules: tuple[str, ...]) -> None:
    """_import_and_freeze at SIDE_NICENESS, this thread only where niceness is per thread (Linux); elsewhere the whole
    process stays niced."""
    if sys.platform == "linux":
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), SIDE_NICENESS)
    else:
        os.nice(SIDE_NICENESS)
    _import_and_freeze(modules)


def side_process_start() -> None:
    """Start the command's side process now, if it has one and it has not started: it imports its modules
    meanwhile. A first build starts it a stage ahead of the first that uses it, not as it starts: its imports
    (seconds of CPU) would compete for the cores with the first stages, and it would hold their memory all along.
    A rebuild starts it at once (cli: its first stages leave a core idle)."""
    side = _SIDE_PROCESS.get()
    if side is not None:
        side.start()


def side_process_done() -> None:
    """The command hands the side process nothing more: it is asked to stop now, so that its exit overlaps the
    command's next steps instead of delaying the command's end."""
    side = _SIDE_PROCESS.get()
    if side is not None:
        side.finish()


def workers_started() -> bool:
    """Whether the command's local workers have started (a rebuild's few shards run in this process instead)."""
    pool = _COMMAND_POOL.get()
    return pool is not None and pool.started


def has_side_process() -> bool:
    """Whether `aside` runs its functions in the command's side process (else in this one)."""
    return _SIDE_PROCESS.get() is not None


def aside(func: Callable[[Any], T], task: Any) -> T:
    """func(task) in the command's side process, which imported its modules as the command started; here when
    there is none (outside a command, or with one worker: everything in this process)."""
    side = _SIDE_PROCESS.get()
    return func(task) if side is None else side.call(func, task)


def aside_unwaited(func: Callable[[Any], Any], task: Any) -> None:
    """func(task) in the command's side process, after what it was handed before, while the command goes on; a
    failure there fails the command at its next `aside` or as it ends. Here, at once, when there is none."""
    side = _SIDE_PROCESS.get()
    if side is None:
        func(task)
    else:
        side.send(func, task)


def aside_wait() -> Any:
    """The result of the last function handed to the command's side process with `aside_unwaited`, once it has
    run; the first failure among those handed and not yet read is raised."""
    side = _SIDE_PROCESS.get()
    if side is None:
        raise RuntimeError("aside_wait outside a command with a side process: nothing was handed to one")
    return side.collect()


@contextlib.contextmanager
def session(
    params: EngineParams,
    imports: Sequence[str] = (),
    side_imports: Sequence[str] = (),
    *,
    start_workers: bool = False,
) -> Iterator[None]:
    """The engine's runtime for one command: with ray, connect here and disconnect (stopping a local Ray started
    here) when the command ends, however it ends; a connection that was already open is left open.

    Locally, one worker pool for the command, ended with it, whose workers import `imports` (the modules of the
    command's task functions) as they start. With `start_workers` they start at once, importing while this process
    does the command's first steps (a first build's scan); without, at the first map of POOL_PAYS_FROM tasks per
    worker, and smaller maps before that run in this process: a rebuild that redoes a few shards spawns no worker,
    where two spawned workers importing the pipeline took the two cores for ~1.5 s (a command of stages that map
    nothing starts none either).

    Given `side_imports` (and more than one worker), the command has a side process, started by
    `side_process_start` (or the first `aside`) and importing them, for the driver-side work `aside` hands it: a
    library that takes seconds of pure Python to import (Great Expectations) is imported there, on its own GIL,
    instead of in a thread of this process, where it held up this process's own work for as long (3 s of a 14 s
    one-file rebuild at 100 MB)."""
    with _side_process(params, side_imports), _engine_runtime(params, imports, start_workers):
        yield


@contextlib.contextmanager
def _side_process(params: EngineParams, imports: Sequence[str]) -> Iterator[None]:
    if not imports or params.workers <= 1 or _SIDE_PROCESS.get() is not None:
        yield
        return
    side = SideProcess(imports)
    token = _SIDE_PROCESS.set(side)
    try:
        yield
    except BaseException:
        _SIDE_PROCESS.reset(token)
        side.close(raise_failure=False)
        raise
    _SIDE_PROCESS.reset(token)
    side.close()


@contextlib.contextmanager
def _engine_runtime(params: EngineParams, imports: Sequence[str], start_workers: bool) -> Iterator[None]:
    if params.name != RAY:
        if params.workers <= 1 or _COMMAND_POOL.get() is not None:
            yield
            return
        pool = _CommandPool(_new_pool(params.workers, tuple(imports)))
        if start_workers:
            pool.start(params.workers)
        token = _COMMAND_POOL.set(pool)
        try:
            yield
        finally:
            _COMMAND_POOL.reset(token)
            pool.executor.shutdown(wait=True, cancel_futures=True)
        return
    import ray

    if ray.is_initialized():
        yield
        return
    connect(params)
    try:
        yield
    finally:
        ray.shutdown()
