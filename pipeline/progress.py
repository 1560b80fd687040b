"""What a person sees while the pipeline runs: a bar per long stage and a line per finished stage.

In a terminal (stderr is a TTY) each stage shows a progress bar with counts, rate and time left while its shards
are worked through; elsewhere (CI, DVC's logs, a pipe) the bars are left out and only the plain line each stage
prints when it ends remains. Nothing here reaches an output file: what a run writes never depends on it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress


class _OwnInfo(logging.Filter):
    """INFO from the pipeline's own loggers; only warnings and errors from libraries. A filter on the handler,
    not logger levels: some libraries set their loggers' levels themselves when imported (Great Expectations
    sets INFO on one of its modules)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name.partition(".")[0] == "pipeline"


def configure_logging(verbose: bool) -> None:
    """Log lines on stderr: the pipeline's INFO with -v, third parties' too with -v; warnings always."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if not verbose:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_OwnInfo())
        # Read by `datasets` when it is imported (the stages import it lazily, after this): no Arrow-to-parquet bar.
        os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")


LOG_WIDTH = 120


class Progress:
    """Progress of the work inside one stage. This base shows nothing (not a terminal, or no reporter)."""

    def bar(self, description: str, total: int, unit: str) -> Callable[[int], None]:
        """A bar of `total` `unit`s; the returned function advances it by that many."""
        return _ignore


def _ignore(_: int) -> None:
    return None


NO_PROGRESS = Progress()


class _TerminalProgress(Progress):
    def __init__(self, bars: RichProgress, stage: str) -> None:
        self.bars = bars
        self.stage = stage

    def bar(self, description: str, total: int, unit: str) -> Callable[[int], None]:
        task = self.bars.add_task(f"{self.stage}: {description}", total=total, unit=unit)

        def advance(n: int) -> None:
            self.bars.advance(task, n)

        return advance


STAGE_UNITS = {  # what a stage's rows are, in and out, for its closing line
    "scan": ("paths", "files to parse"),
    "parse": ("files", "parsed"),
    "clean": ("records", "articles"),
    "dedup": ("articles", "distinct"),
    "validate": ("articles", "publishable"),
    "explore": ("files", "shown"),
    "package": ("rows", "published"),
}


def stage_line(stage: str, metrics: Mapping[str, Any], seconds: float | None) -> str:
    """One line for a finished stage: rows in -> out, what was dropped and why, how long it took."""
    unit_in, unit_out = STAGE_UNITS.get(stage, ("rows", "rows"))
    line = f"{stage:<9}{metrics['rows_in']:>10,} {unit_in} -> {metrics['rows_out']:,} {unit_out}"
    if "records" in metrics:
        line += f" ({metrics['records']:,} records)"
    dropped = metrics.get("dropped") or {}
    if dropped:
        line += "; dropped " + ", ".join(f"{rule} {n:,}" for rule, n in dropped.items())
    if seconds is not None:
        line += f"  ({seconds:.1f} s)"
    return line


class Reporter:
    """Runs stages under a bar (in a terminal) and prints one line per finished stage to stderr."""

    def __init__(self, console: Console, live: bool) -> None:
        self.console = console
        self.live = live
        self.seconds: dict[str, float] = {}

    @classmethod
    def for_this_process(cls) -> Reporter:
        live = sys.stderr.isatty()
        # Not a terminal (CI, DVC's log): no bars, and lines as wide as a log viewer shows, not 80 columns.
        console = Console(stderr=True, highlight=False, width=None if live else LOG_WIDTH)
        return cls(console, live=live)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[Progress]:
        started = time.perf_counter()
        if not self.live:
            yield Progress()
        else:
            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[unit]}"),
                TaskProgressColumn(),
                TimeRemainingColumn(),
            )
            with RichProgress(*columns, console=self.console, transient=True) as bars:
                yield _TerminalProgress(bars, name)
        self.seconds[name] = time.perf_counter() - started

    def finished(self, name: str, metrics: Mapping[str, Any]) -> None:
        self.console.print(stage_line(name, metrics, self.seconds.get(name)))
