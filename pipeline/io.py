"""All file I/O of the stages: deterministic parquet and JSON, written atomically."""

from __future__ import annotations

import contextlib
import fcntl
import fnmatch
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

import polars as pl

FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)

LOCK_NAME = ".lock"
SCRATCH_NAME = ".scratch"  # an output root's folder of the running command's temporary files (`scratch_folder`)
WRITING_SUFFIX = ".writing"  # a hidden file being written, renamed into place once complete (`_atomic_target`)
HALF_WRITTEN = f".*{WRITING_SUFFIX}"  # the names of such files (a glob), left behind when their writer was killed


class OutputBusy(RuntimeError):
    """Another run holds the lock on the output folder."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _atomic_target(path: Path) -> tuple[int, str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=WRITING_SUFFIX, dir=path.parent)
    # mkstemp creates the file 0600; outputs get the permissions any other new file would get.
    os.fchmod(fd, 0o666 & ~_umask())
    return fd, tmp


@contextlib.contextmanager
def output_lock(root: Path) -> Iterator[None]:
    """Hold an exclusive lock on an output folder for the duration of a run; refuse at once if it is taken.

    Two runs writing one folder would interleave their stage files and could both exit 0; the second is refused
    instead. The lock is released by the kernel when the process ends, however it ends. Once it is held, what a
    run killed halfway (out of memory, a machine shut down) left is removed (`_remove_leftovers`).
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    path = root / LOCK_NAME
    handle = open(path, "a", encoding="utf-8")  # noqa: SIM115 - held for the whole block
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputBusy(
                f"another run is writing {root} (it holds {path}); wait for it to finish, or use another --out"
            ) from None
        _remove_leftovers(root)
        yield
    finally:
        handle.close()


def _remove_leftovers(root: Path) -> None:
    """Remove what a killed run left under an output root: its scratch folder, and the files it was writing
    (hidden, WRITING_SUFFIX), never renamed into place. Called with the root's lock held, so no other run is
    writing them; without this, a kill while a stage wrote a large table (duplicates.parquet is a fifth of the
    corpus) would leave a hidden copy beside the outputs for good."""
    shutil.rmtree(root / SCRATCH_NAME, ignore_errors=True)
    for folder, _, names in os.walk(root):
        for name in names:
            if fnmatch.fnmatch(name, HALF_WRITTEN):
                os.unlink(os.path.join(folder, name))


@contextlib.contextmanager
def scratch_folder(root: Path | None, prefix: str) -> Iterator[Path]:
    """A temporary folder under the output root's scratch folder, removed when the block ends; one that a killed run
    left behind is removed by the next run to lock the root (`output_lock`), never left beside the outputs. With no
    root (a stage's transform called outside a run), under the system's temporary folder."""
    scratch = None if root is None else Path(root) / SCRATCH_NAME
    if scratch is not None:
        scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=prefix, dir=scratch) as folder:
        yield Path(folder)


# Rows per row group of the streamed tables of article text (duplicates, removed lines, dedup's kept parts): what
# a reader of them holds at once (a streaming scan, or a slice of one row group), ~20 MB of text.
TEXT_ROW_GROUP = 10_000


def compact_lists(frame: FrameT) -> FrameT:
    """Every list column rebuilt with only the child rows its offsets reach. A list column sliced or filtered out of
    a longer one keeps the longer one's whole child array, and polars' writers follow it (the parquet writer splits
    pages by it): the same rows gave other bytes, e.g. a rebuild's validated parts against a fresh build's."""
    return frame.with_columns(pl.col(pl.List).list.eval(pl.element()))


def write_parquet(df: pl.DataFrame, path: str | Path) -> Path:
    """Write a frame so that the same content always gives the same bytes (DVC hashes depend on it)."""
    path = Path(path)
    fd, tmp = _atomic_target(path)
    os.close(fd)
    try:
        compact_lists(df).write_parquet(
            tmp, compression="zstd", compression_level=3, statistics=True, row_group_size=100_000
        )
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_ipc(frame: pl.DataFrame, target: str | Path | IO[bytes]) -> None:
    """Arrow IPC whose bytes depend only on the rows and types: one record batch, list columns compact
    (`compact_lists`), every boolean's bitmap built anew (polars can carry arbitrary bits past the last row of a
    bitmap, and which ones follows the thread count),
    and strings as offsets and values (the oldest format): polars' string views would be written with the buffers
    they point into, so rows filtered out of a larger frame keep its other strings in the bytes."""
    canonical = compact_lists(frame.with_columns(pl.col(pl.Boolean).cast(pl.UInt8).cast(pl.Boolean))).rechunk()
    canonical.write_ipc(target, compression="uncompressed", compat_level=pl.CompatLevel.oldest())


def sink_parquet(frame: pl.LazyFrame, path: str | Path, row_group_size: int = TEXT_ROW_GROUP) -> Path:
    """write_parquet for a lazy plan, streamed: rows in plan order, so the same bytes every run. Row groups are
    smaller than write_parquet's: the sink holds one in memory (100,000 articles are ~200 MB of text)."""
    path = Path(path)
    fd, tmp = _atomic_target(path)
    os.close(fd)
    try:
        compact_lists(frame).sink_parquet(
            tmp,
            compression="zstd",
            compression_level=3,
            statistics=True,
            row_group_size=row_group_size,
            maintain_order=True,
        )
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_csv(df: pl.DataFrame, path: str | Path) -> Path:
    path = Path(path)
    fd, tmp = _atomic_target(path)
    with os.fdopen(fd, "wb") as handle:
        df.write_csv(handle)
    os.replace(tmp, path)
    return path


def write_json(data: Any, path: str | Path) -> Path:
    path = Path(path)
    fd, tmp = _atomic_target(path)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True, ensure_ascii=False, default=str)
        handle.write("\n")
    os.replace(tmp, path)
    return path


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_parquet(
    path: str | Path, schema: dict[str, pl.DataType] | None = None, columns: list[str] | None = None
) -> pl.DataFrame:
    """Read a stage output (only ``columns``, if given); an absent optional file reads as an empty frame of the
    given schema."""
    path = Path(path)
    if not path.exists() and schema is not None:
        return pl.DataFrame(schema={name: schema[name] for name in columns or schema})
    return pl.read_parquet(path, columns=columns)
