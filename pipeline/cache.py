"""The per-file cache of incremental builds: results of per-file work, keyed by the file's content.

A cache table holds rows of many files, each tagged with a key column (the file's sha256, plus whatever
corpus-level input the result depends on). It is stored per bucket (pipeline/shards.py), under a namespace that
hashes the code and the settings the results depend on, so a change of either starts a fresh namespace instead of
serving stale results. A shard rewrites its buckets with exactly the entries of its current files, which also
drops entries of files that left the folder. The cache never decides an output: a hit returns the bytes a fresh
computation would, which the tests check by comparing incremental and from-scratch builds byte for byte.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io as io_bytes
import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from pipeline import io, shards
from pipeline.rawfolder import KnownHashes

CODE_ROOTS = ("pipeline", "schemas")  # the code whose every byte can change a cached result
CODE_SUFFIXES = (".py", ".json", ".yaml")  # sources and model files; not data docs assets or bytecode


@functools.cache
def code_version() -> str:
    """sha256 over the package sources (path and bytes), so that any code change invalidates every entry."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for top in CODE_ROOTS:
        for path in sorted((root / top).rglob("*")):
            if path.is_file() and path.suffix in CODE_SUFFIXES and "assets" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def namespace(*settings: Any) -> str:
    """A namespace for results that depend on the code and on these settings (dataclasses or plain values)."""
    text = json.dumps([code_version(), *[_plain(s) for s in settings]], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _plain(value: Any) -> Any:
    import dataclasses

    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value


class Cache:
    """One table of cached rows, per bucket, under root/<namespace>/<table>/bucket-XXX.parquet."""

    def __init__(self, root: Path, space: str, table: str, schema: dict[str, pl.DataType]) -> None:
        self.directory = Path(root) / space / table
        self.schema = schema

    def path(self, bucket: int) -> Path:
        return self.directory / f"bucket-{bucket:03d}.parquet"

    def load(self, buckets: Iterable[int]) -> pl.DataFrame:
        paths = [p for p in (self.path(b) for b in buckets) if p.exists()]
        if not paths:
            return pl.DataFrame(schema=self.schema)
        return pl.read_parquet(paths).select(list(self.schema)).cast(self.schema)

    def store(self, bucket: int, rows: pl.DataFrame) -> None:
        """Replace a bucket's rows (an empty frame removes the bucket's file)."""
        path = self.path(bucket)
        if rows.is_empty():
            path.unlink(missing_ok=True)
            return
        io.write_parquet(rows.select(list(self.schema)), path)

    def store_buckets(self, rows: pl.DataFrame, buckets: Iterable[int], order: Sequence[str | pl.Expr] = ()) -> None:
        """Replace each of these buckets with its rows in `rows`, sorted by `order` when given. The rows are split
        by bucket in one pass: a first build stores every bucket, and a filter per bucket would read all the rows
        once per bucket."""
        wanted = sorted(set(buckets))
        if not wanted:
            return
        split = (
            rows.with_columns(_bucket=shards.bucket_expr())
            .filter(pl.col("_bucket").is_in(wanted))
            .partition_by("_bucket", as_dict=True, include_key=False, maintain_order=True)
        )
        for bucket in wanted:
            found = split.get((bucket,), rows.clear())
            self.store(bucket, found.sort(order) if order else found)

    def retain(self, buckets: Iterable[int]) -> None:
        """Delete the files of buckets not listed: every file that had rows there has left the folder."""
        kept = {self.path(b).name for b in buckets}
        if self.directory.is_dir():
            for path in self.directory.glob("bucket-*.parquet"):
                if path.name not in kept:
                    path.unlink()


def complete_rows(
    loaded: Mapping[str, pl.DataFrame], wanted: pl.DataFrame, key: Sequence[str]
) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """(the keys of `wanted` whose results the cache holds complete, each table's rows of those keys).

    A stage's results for one file go to several tables (`loaded`, by name, in the order `store_tables` writes
    them), one file per table and bucket: a writer killed between two of them leaves a file's rows in some tables
    and not in others, and a file with no rows in a table is a valid result too. So the last table has a row for
    every key it holds results of, and is written last: a key it holds is complete in every table. The rows of
    other keys, left by a killed writer, are not served; their files are computed and stored again."""
    key = list(key)
    marks = list(loaded.values())[-1]
    done = marks.select(key).join(wanted.select(key).unique(), on=key, how="semi").unique(maintain_order=True)
    return done, {name: frame.join(done, on=key, how="semi") for name, frame in loaded.items()}


def store_tables(
    caches: Mapping[str, Cache],
    rows: Mapping[str, pl.DataFrame],
    buckets: Iterable[int],
    order: Sequence[str | pl.Expr] = (),
) -> None:
    """Store these buckets of every table, table after table in the order of `caches`: the last one marks which
    keys are complete (`complete_rows`)."""
    buckets = list(buckets)
    for name, cache in caches.items():
        cache.store_buckets(rows[name], buckets, order)


def changed_buckets(
    loaded: Mapping[str, pl.DataFrame], kept: Mapping[str, pl.DataFrame], fresh: Mapping[str, pl.DataFrame]
) -> list[int]:
    """Buckets to store again, over tables by name: those that gain rows (fresh: computed now) or lose rows
    (loaded from the cache but not kept: entries of files that left, or whose keys changed). The others are left
    as they are, so a one-file rebuild rewrites few buckets."""
    changed: set[int] = set()
    for name in loaded:
        changed |= _bucket_sizes(fresh[name]).keys()
        before, after = _bucket_sizes(loaded[name]), _bucket_sizes(kept[name])  # kept: a subset of loaded
        changed |= {b for b in before if before[b] != after.get(b)}
    return sorted(changed)


def _bucket_sizes(frame: pl.DataFrame) -> dict[int, int]:
    return dict(frame.group_by(shards.bucket_expr().alias("bucket")).len().iter_rows())


def content_digest(*items: Path | pl.DataFrame, known: KnownHashes | None = None) -> str:
    """sha256 over files' bytes (a missing file counts as empty) and frames' rows and types: a cache entry's name.
    Given known hashes, a file whose stat they know is not read again (`KnownHashes.sha256`)."""
    digest = hashlib.sha256()
    for item in items:
        if isinstance(item, pl.DataFrame):
            buffer = io_bytes.BytesIO()
            io.write_ipc(item, buffer)
            digest.update(b"frame\0" + hashlib.sha256(buffer.getvalue()).digest())
        else:
            digest.update(b"file\0")
            if item.exists():
                if known is not None:
                    digest.update(bytes.fromhex(known.sha256(item, item.as_posix())))
                    continue
                with open(item, "rb") as handle:
                    digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()


@contextlib.contextmanager
def new_entry(entry: Path) -> Iterator[Path]:
    """A folder to write a cache entry's files into, renamed to `entry` once they are all written: a writer killed
    halfway leaves a pending folder (keep_entries removes it), never an entry. When another writer put the entry
    in place meanwhile (the same inputs, so the same bytes), this one is dropped."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    pending = Path(tempfile.mkdtemp(prefix=".pending-", dir=entry.parent))
    try:
        yield pending
    except BaseException:
        shutil.rmtree(pending, ignore_errors=True)
        raise
    try:
        pending.rename(entry)
    except OSError:  # the entry is there: written meanwhile from the same inputs
        shutil.rmtree(pending, ignore_errors=True)


def keep_entries(folder: Path, entries: Iterable[Path]) -> None:
    """Delete everything in folder but these entries (files or folders): a cache keeps this build's results only,
    and a writer killed halfway leaves no pending entry behind."""
    kept = {Path(entry).name for entry in entries}
    if folder.is_dir():
        for path in folder.iterdir():
            if path.name not in kept:
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)


def prune(root: Path, keep: Iterable[str]) -> None:
    """Delete namespaces other than the ones in use, so that the cache holds one version of each result."""
    root = Path(root)
    if not root.is_dir():
        return
    kept = set(keep)
    for space in root.iterdir():
        if space.is_dir() and space.name not in kept:
            shutil.rmtree(space, ignore_errors=True)


def by_file_bytes(
    paths: Sequence[Path], cache: Path, compute: Callable[[Path], pl.DataFrame], known: KnownHashes
) -> list[Path]:
    """The cache entries of compute(path) for each file: cache/<namespace of the code>/<digest of the file's
    bytes>.parquet (this build's files only), computed where missing. A file another stage did not rewrite since is
    not read again, not even hashed (`known`). Read the entries in one polars call (`scan_parquet`): a call per
    small file waits for the GIL each time another thread of the stage holds it, seconds over a hundred files."""
    space = Path(cache) / namespace(pl.__version__)
    prune(cache, [space.name])
    entries = [space / f"{content_digest(path, known=known)}.parquet" for path in paths]
    for path, entry in zip(paths, entries, strict=True):
        if not entry.is_file():
            io.write_parquet(compute(path), entry)
    keep_entries(space, entries)
    return entries
