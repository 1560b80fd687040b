"""Shards: how the files of a corpus are split into units of work, and where each unit's parts are written.

A file belongs to one of BUCKETS buckets by its content hash, so it stays in the same bucket whatever else is
added to or removed from the folder (the per-file cache is kept per bucket). A shard is a contiguous range of
buckets; the number of shards is a power of two chosen from the corpus size (about `engine.shard_bytes` of raw text
each), so a shard holds whole buckets and a bucket is never split. Stages write one part per shard
(`<dir>/part-00003.parquet`); outputs that users read are merged from the parts in a total order, so neither the
number of shards nor the number of workers changes a single output byte.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import polars as pl

from pipeline import io

BUCKETS = 256  # part of the cache layout, not a tunable: buckets are the cache's unit


@dataclasses.dataclass(frozen=True)
class Shard:
    index: int
    buckets: range

    @property
    def name(self) -> str:
        return f"part-{self.index:05d}"


def bucket_expr(sha256: str | pl.Expr = "sha256") -> pl.Expr:
    """A file's bucket: the first byte of its content hash."""
    column = pl.col(sha256) if isinstance(sha256, str) else sha256
    return column.str.slice(0, 2).str.to_integer(base=16).cast(pl.Int32)


def bucket_of(sha256: str) -> int:
    return int(sha256[:2], 16)


def plan(total_bytes: int, shard_bytes: int) -> list[Shard]:
    """Power-of-two many shards of about shard_bytes each (1 to BUCKETS), each a contiguous range of buckets."""
    count = min(BUCKETS, power_of_two_count(total_bytes, shard_bytes))
    size = BUCKETS // count
    return [Shard(i, range(i * size, (i + 1) * size)) for i in range(count)]


def shard_of(shards: Sequence[Shard], bucket: int) -> Shard:
    return shards[bucket // (BUCKETS // len(shards))]


def part(directory: Path, shard: Shard) -> Path:
    return directory / f"{shard.name}.parquet"


def parts(directory: Path) -> list[Path]:
    return sorted(directory.glob("part-*.parquet")) if directory.is_dir() else []


def present(directory: Path) -> list[Shard]:
    """The shards a stage wrote parts for (their bucket ranges are not needed downstream of parse)."""
    return [Shard(int(path.stem.removeprefix("part-")), range(0)) for path in parts(directory)]


def scan(directory: Path, schema: dict[str, pl.DataType]) -> pl.LazyFrame:
    """All parts of a stage output as one lazy frame (an empty frame of the schema when there are none)."""
    return scan_parts(parts(directory), schema)


def scan_parts(paths: Sequence[Path], schema: dict[str, pl.DataType]) -> pl.LazyFrame:
    """These parts as one lazy frame, in order (an empty frame of the schema when there are none)."""
    return pl.scan_parquet(list(paths), schema=schema) if paths else pl.LazyFrame(schema=schema)


def collect_each(
    paths: Sequence[Path], schema: dict[str, pl.DataType], query: Callable[[pl.LazyFrame], pl.LazyFrame]
) -> pl.DataFrame:
    """query run on each of these parquet parts alone, the results concatenated in their order: for a row-wise
    query (filters, joins against a small frame, projections) the same rows as on a scan of them all, in memory
    bounded by one part rather than by the streaming engine's buffers over all of them (~3x less for a semi-join
    over a 1 GB build's bodies)."""
    empty = query(pl.LazyFrame(schema=schema)).collect()
    found = [query(pl.scan_parquet(path, schema=schema)).collect() for path in paths]
    return pl.concat([empty, *found])


def key_batches(
    pieces: Iterable[pl.DataFrame],
    schema: dict[str, pl.DataType],
    keys: pl.Series,
    batch_keys: int,
    scratch: Path,
    flush_rows: int | None = None,
) -> Iterator[pl.DataFrame]:
    """The rows of `pieces` (frames of `schema`, each small, read once) in batches by the key column `keys` names:
    batch_keys distinct keys a batch (the last one fewer), batches in key order, the rows of a batch in input order.

    keys: every distinct key, sorted. With more than one batch, one pass over the pieces spreads their rows over the
    batches' scratch files, so that a batch reads its own rows only, never the whole input again. Rows wait in
    memory until batch_keys of them do (about one batch's worth, what a reader of the batches holds anyway), then go
    to one file per batch: a few files a batch, where a file per piece and batch made thousands of small writes at
    1 GB. Memory follows batch_keys (or flush_rows, when a key has many rows) and the size of a piece, not the size
    of the input."""
    column = keys.name
    firsts = keys.gather_every(batch_keys)
    if firsts.len() <= 1:
        yield pl.concat([pl.DataFrame(schema=schema), *pieces])
        return
    waiting: list[pl.DataFrame] = []
    flushes = 0

    def flush() -> None:
        nonlocal flushes
        rows = pl.concat(waiting)
        batch = (firsts.search_sorted(rows[column], side="right") - 1).alias("_batch")
        for (number,), found in rows.with_columns(batch).partition_by("_batch", as_dict=True).items():
            io.write_ipc(found.drop("_batch"), scratch / f"{number:05d}-{flushes:05d}.arrow")
        waiting.clear()
        flushes += 1

    waiting_rows = 0
    for piece in pieces:
        waiting.append(piece)
        waiting_rows += piece.height
        if waiting_rows >= (flush_rows or batch_keys):
            flush()
            waiting_rows = 0
    if waiting:
        flush()
    for number in range(firsts.len()):
        paths = sorted(scratch.glob(f"{number:05d}-*.arrow"))  # in input order
        rows = pl.concat([pl.DataFrame(schema=schema), *(pl.read_ipc(path) for path in paths)])
        for path in paths:
            path.unlink()
        yield rows


def read(directory: Path, schema: dict[str, pl.DataType], shard: Shard | None = None) -> pl.DataFrame:
    """One shard's part (or all parts), empty with the schema when absent."""
    if shard is None:
        return scan(directory, schema).collect()
    path = part(directory, shard)
    return pl.read_parquet(path, schema=schema) if path.exists() else pl.DataFrame(schema=schema)


def clear(directories: Iterable[Path]) -> None:
    """Remove earlier parts, so that a run with fewer shards leaves no stale part behind."""
    retain(directories, [])


ID_SPACE = 1 << 64  # ids are 16 hex digits of a sha256 (schemas.Article)


def id_ranges(n: int) -> list[tuple[str, str]]:
    """n contiguous ranges (first, last) of the id space, equal in width. Ids are sha256 digits, so the rows fall
    into them near-evenly; and a row added or removed changes one range only, where cutting the sorted ids into
    equal counts would move every boundary after it."""
    bounds = [i * ID_SPACE // n for i in range(n + 1)]
    return [(f"{bounds[i]:016x}", f"{bounds[i + 1] - 1:016x}") for i in range(n)]


def id_range_of(ids: pl.Series, n: int) -> pl.Series:
    """The index of each id's range among id_ranges(n); an id outside every range (not 16 hex digits: the id
    pattern check quarantines it) goes to the range it sorts into, the first one below "0000000000000000"."""
    firsts = pl.Series([first for first, _ in id_ranges(n)], dtype=pl.String)
    return (firsts.search_sorted(ids, side="right").cast(pl.Int64) - 1).clip(0, n - 1).cast(pl.UInt32)


def parts_between(paths: Sequence[Path], first: str, last: str) -> list[Path]:
    """Of parts written by id range (part i holds the ids of id_ranges(len(paths))[i], as validate writes them),
    those that can hold ids between first and last."""
    ranges = id_ranges(len(paths)) if paths else []
    return [path for path, (low, high) in zip(paths, ranges, strict=True) if low <= last and first <= high]


def power_of_two_count(total: int, per_unit: int) -> int:
    """How many units of about per_unit (between half and all of it) hold total: a power of two, so the count, and
    every unit's bounds with it, changes only when the total doubles or halves."""
    wanted = max(1, math.ceil(total / max(1, per_unit)))
    return 1 << (wanted - 1).bit_length()


def retain(directories: Iterable[Path], kept: Iterable[Shard]) -> None:
    """Remove the parts (and input digests) of every shard not in kept, so that a run with another shard plan or
    fewer shards leaves no stale part behind, while the kept shards' parts stay for reuse."""
    names = {shard.name for shard in kept}
    for directory in directories:
        if directory.is_dir():
            for path in directory.glob("part-*"):
                if path.name.split(".", 1)[0] not in names:
                    path.unlink()
    sweep(directories)


def digest(*inputs: object) -> str:
    """The identity of a unit of work's inputs (plain values: strings, numbers, lists of rows)."""
    return hashlib.sha256(json.dumps(inputs, separators=(",", ":"), default=str).encode()).hexdigest()


def _digest_path(directory: Path, shard: Shard, kind: str) -> Path:
    return directory / f"{shard.name}.{kind}.json"


def is_current(directory: Path, shard: Shard, kind: str, inputs: str, part_dirs: Iterable[Path]) -> bool:
    """Whether the shard's parts of this kind (in part_dirs) are all there and were written from these inputs
    (their digest, recorded after they were all written), so they can be kept as they are."""
    path = _digest_path(directory, shard, kind)
    return (
        path.is_file() and io.read_json(path) == inputs and all(part(folder, shard).is_file() for folder in part_dirs)
    )


def forget(directory: Path, shard: Shard, kind: str) -> None:
    """Drop the record of the shard's parts of this kind before any of them is rewritten: a run killed halfway
    must not leave a digest that vouches for parts it has not finished."""
    _digest_path(directory, shard, kind).unlink(missing_ok=True)


def remember(directory: Path, shard: Shard, kind: str, inputs: str) -> None:
    """Record the digest of the inputs the shard's parts of this kind were just written from."""
    # Written to a new file renamed into place: under DVC the old one may be a link into DVC's cache.
    io.write_json(inputs, _digest_path(directory, shard, kind))


def sweep(directories: Iterable[Path]) -> None:
    """Remove the temporary files of parts whose writer was killed while this run goes on (an engine reruns a task
    whose worker died; io writes a hidden file and renames it into place): no stage reads them, but DVC would hash
    them with the folder. A killed run's are removed by the next run (io.output_lock)."""
    for directory in directories:
        if directory.is_dir():
            for path in directory.glob(io.HALF_WRITTEN):
                path.unlink()
