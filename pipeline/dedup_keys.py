"""Dedup's per-record work: each record's compact keys and shingle hashes, computed part by part (engine tasks).

Everything here depends on a record's own text only (its title and body): the normalised body's hashes, the
hashes of its prefixes, its word shingles. Each part of the input (one of clean's parquet parts) is a task that
reads its records batch by batch and writes their shingle hashes to scratch files by hash range (`Scratch`); the
corpus-level steps in pipeline/dedup.py read them from there. This module imports no stage, so a worker that runs
a task loads only what the task needs.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from pipeline import io
from pipeline.cache import content_digest, keep_entries, new_entry
from pipeline.config import DedupParams
from pipeline.dedup_state import FOLDER as STATE_FOLDER
from pipeline.dedup_state import PreviousBuild, frequency_path, hash_range
from pipeline.text import NFKC_MAY_CHANGE, canonical_expr, folded_expr

SCAN_COLUMNS = ("id", "title", "body", "is_truncated")
SHINGLE_SCHEMA = {"n": pl.UInt32, "h": pl.UInt64}
RECORD_KEY = ["k1", "k2"]  # two hashes of a record's SCAN_COLUMNS (`record_keys`)
KEY_SCHEMA = {"n": pl.UInt32, "k1": pl.UInt64, "k2": pl.UInt64}
WORD = r"\w+"
# Fixed seeds: every run hashes alike. Decisions depend on hash equality only, never on hash order.
WORD_SEED, SHINGLE_SEED, BODY_SEEDS, TITLE_SEED, PREFIX_SEED, SHINGLE_SET_SEED = 11, 13, (17, 19), 23, 29, 31
RECORD_SEEDS = (37, 41)


class Scratch:
    """Shingle hashes on disk, one folder per hash range (bucket): ascending buckets are ascending hashes.

    `counted`: the rows carry each hash's document frequency among the representatives (column df), because they
    are a subset of its holders (a rebuild's, `CachedShingles.subset`); otherwise it is counted from the rows."""

    def __init__(self, root: Path, buckets: int, counted: bool = False) -> None:
        self.root = root
        self.buckets = buckets
        self.counted = counted

    def write_batch(self, name: str, shingles: pl.DataFrame) -> None:
        """A batch's shingles, one file per hash range; the names of a pass's files sort in input order."""
        tagged = shingles.with_columns(bucket=hash_range(pl.col("h"), self.buckets))
        for (bucket,), part in tagged.partition_by("bucket", as_dict=True, include_key=False).items():
            folder = self.root / "all" / f"{bucket:05d}"
            folder.mkdir(parents=True, exist_ok=True)
            part.write_ipc(folder / f"{name}.arrow", compression="uncompressed")

    def write_part_batch(self, part: int, index: int, shingles: pl.DataFrame, numbers: pl.Series) -> None:
        """A part's batch of shingles, numbered by row in the part, renumbered into the corpus (numbers)."""
        self.write_batch(f"{part:05d}-{index:06d}", shingles.with_columns(n=pl.lit(numbers).gather("n")))

    def all_shingles(self, bucket: int) -> pl.LazyFrame | None:
        files = sorted((self.root / "all" / f"{bucket:05d}").glob("*.arrow"))
        return pl.scan_ipc(files) if files else None

    def anchors_path(self, bucket: int) -> Path:
        return self.root / "anchors" / f"{bucket:05d}.arrow"

    def anchors(self) -> pl.LazyFrame:
        """(n, h): the anchors each representative's candidates were looked up by (`anchor_pairs` writes them)."""
        files = sorted((self.root / "anchors").glob("*.arrow"))
        return pl.scan_ipc(files) if files else pl.LazyFrame(schema=SHINGLE_SCHEMA)

    def frequencies_folder(self) -> Path:
        """(h, df) of every hash among the representatives, bucket by bucket (`shingle_statistics` writes them when
        it counts them): the table dedup's state keeps (pipeline/dedup_state.py)."""
        return self.root / "frequencies"

    def frequencies_path(self, bucket: int) -> Path:
        return frequency_path(self.frequencies_folder(), bucket)

    def shared_path(self, bucket: int) -> Path:
        return self.root / "shared" / f"{bucket:05d}.arrow"

    def shared_shingles(self, bucket: int) -> pl.LazyFrame | None:
        """(n, h, df, rarity) of the shingles in at least 2 representatives, in one hash range."""
        path = self.shared_path(bucket)
        return pl.scan_ipc(path) if path.exists() else None


def membership(records: pl.Series, size: int) -> np.ndarray:
    """A boolean per record number below size: whether it is in `records` (one pass, where `np.isin` against each
    part's numbers would sort them part after part)."""
    mask = np.zeros(size, dtype=bool)
    mask[records.to_numpy()] = True
    return mask


def prefix_levels(truncated_min_chars: int, longest: int) -> list[int]:
    """Prefix lengths L, 2L, 4L, ... up to the longest body: a record's key level is the largest it reaches."""
    lengths, length = [], truncated_min_chars
    while length <= longest:
        lengths.append(length)
        length *= 2
    return lengths


def batch_features(batch: pl.DataFrame, params: DedupParams) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(compact keys, shingle hashes (n, h)) of a batch of records (n, *SCAN_COLUMNS)."""
    body = pl.col("body").fill_null("")
    marked = batch.lazy().with_columns(nfkc=body.str.contains(NFKC_MAY_CHANGE))
    # NFKC is the costly step of folding, and most bodies are their own NFKC form: fold those by lower-casing.
    folded = pl.concat(
        [
            marked.filter(~pl.col("nfkc")).with_columns(folded=body.str.to_lowercase()),
            marked.filter(pl.col("nfkc")).with_columns(folded=folded_expr(body)),
        ]
    )
    texts = (
        folded.select(
            "n", "id", "is_truncated",
            title_missing=pl.col("title").is_null(),
            title_key=pl.when(pl.col("title").is_not_null()).then(canonical_expr("title").hash(seed=TITLE_SEED)),
            words=pl.col("folded").str.extract_all(WORD),
        )
        # canonical_expr removes runs of [\W_]: the \w+ words joined, less their underscores. One regex, not two.
        .with_columns(canonical=pl.col("words").list.join("").str.replace_all("_", "", literal=True))
        .collect(engine="streaming")
    )  # fmt: skip
    length = pl.col("canonical").str.len_chars()
    longest = int(texts.select(length.max()).item() or 0)
    levels = prefix_levels(params.truncated_min_chars, longest)
    prefix_keys = [
        pl.when(length >= size).then(pl.col("canonical").str.slice(0, size).hash(seed=PREFIX_SEED)) for size in levels
    ]
    compact = texts.select(
        "n", "id", "is_truncated", "title_missing", "title_key",
        length=length.cast(pl.UInt32),
        body_k1=pl.col("canonical").hash(seed=BODY_SEEDS[0]),
        body_k2=pl.col("canonical").hash(seed=BODY_SEEDS[1]),
        prefix_keys=pl.concat_list(prefix_keys).list.drop_nulls() if levels else pl.lit([], dtype=pl.List(pl.UInt64)),
    )  # fmt: skip
    shingles = shingle_hashes(texts.select("n", "words"), params.shingle_words)
    # The shingle set's own hash: equal canonical bodies can split into different words (the canonical form drops
    # the spaces), so the body's hashes alone do not identify a record's shingles across builds.
    shingle_sets = (
        shingles.group_by("n", maintain_order=True).agg("h").select("n", shingles_k=pl.col("h").hash(SHINGLE_SET_SEED))
    )
    compact = compact.join(shingle_sets, on="n", how="left", maintain_order="left").with_columns(
        pl.col("shingles_k").fill_null(0)
    )
    return compact, shingles


def record_keys(batch: pl.DataFrame) -> pl.DataFrame:
    """(n, k1, k2) of a batch of records (n, *SCAN_COLUMNS): two hashes of everything `batch_features` reads of a
    record, so a record of the same keys has the same features, in whatever part it is."""
    fields = pl.struct(SCAN_COLUMNS)
    return batch.select("n", k1=fields.hash(RECORD_SEEDS[0]), k2=fields.hash(RECORD_SEEDS[1]))


def reused_features(
    batch: pl.DataFrame, keys: pl.DataFrame, earlier: Sequence[PartCache], params: DedupParams
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`batch_features` of a batch, those of the records an earlier entry holds (by their keys) copied from it:
    a changed part (a file added to its shard) cuts its new records only. The rows are those and in the order
    `batch_features` gives: compact keys by n, shingles by (n, h)."""
    if not earlier:
        return batch_features(batch, params)
    # Each record from the first entry and row holding its keys (a part may hold copies of one record).
    found = (
        pl.concat(
            [entry.scan_keys().join(keys.lazy(), on=RECORD_KEY).select(n="n_right", entry=pl.lit(index, pl.UInt32),
                                                                        old="n")
             for index, entry in enumerate(earlier)]
        )
        .sort("n", "entry", "old")
        .unique("n", keep="first", maintain_order=True)
        .collect()
    )  # fmt: skip
    compacts, shingles = [], []
    for (index,), rows in found.partition_by("entry", as_dict=True, include_key=False).items():
        place = rows.lazy()
        entry = earlier[index]
        compacts.append(entry.scan_compacts().join(place, left_on="n", right_on="old").with_columns(n="n_right"))
        shingles.append(entry.scan_shingles().join(place, left_on="n", right_on="old").select(n="n_right", h="h"))
    fresh_compact, fresh_shingles = batch_features(batch.filter(~pl.col("n").is_in(found["n"].implode())), params)
    columns = fresh_compact.columns
    compact = pl.concat([fresh_compact, *[frame.select(columns).collect() for frame in compacts]]).sort("n")
    return compact, pl.concat([fresh_shingles, *[frame.collect() for frame in shingles]]).sort("n", "h")


def shingle_hashes(texts: pl.DataFrame, size: int) -> pl.DataFrame:
    """(n, h) for every word n-gram of every record; a record shorter than n words is one shingle.

    Words are exploded to one row each and n-grams built from shifts of the whole column, masked where a shift
    crosses into the next record: memory and time grow with the number of words (no per-record windows).
    """
    tokens = (
        texts.lazy()
        .with_columns(count=pl.col("words").list.len())
        .explode("words")
        .drop_nulls("words")
        .select("n", "count", word=pl.col("words").hash(seed=WORD_SEED))
        .collect(engine="streaming")
    )
    same_record = [pl.col("n").shift(-k) == pl.col("n") for k in range(size)]
    words = [pl.when(same_record[k]).then(pl.col("word").shift(-k)).alias(f"w{k}") for k in range(size)]
    first_word = (pl.col("n").shift(1) != pl.col("n")).fill_null(True)
    whole_gram = same_record[size - 1].fill_null(False)
    # Hash first, filter after: the shifts must see every word of the record, not the rows the filter keeps.
    return (
        tokens.lazy()
        .select(
            "n", h=pl.struct(words).hash(seed=SHINGLE_SEED), keep=whole_gram | (first_word & (pl.col("count") < size))
        )
        .filter("keep")
        # A set per record; deduplicated within each record (small groups) rather than over (n, h) pairs at once.
        .group_by("n")
        .agg(pl.col("h").unique())
        .explode("h")
        # In a total order: the cache keeps these rows, and the same part must give the same bytes every build.
        .sort("n", "h")
        .collect()
    )


class Records:
    """The input read batch by batch, each row with its number n: parquet files (clean's parts) read with pyarrow,
    which holds one batch (polars' streaming scan holds several row groups), or a frame in memory.

    n numbers the records by id and place, not by input order: every tie in the decisions is broken by n, so the
    outputs do not depend on how the input was split into shards or parts."""

    def __init__(
        self,
        source: pl.DataFrame | Sequence[Path],
        batch_rows: int,
        schema: dict[str, pl.DataType],
        numbers: np.ndarray | None = None,
    ) -> None:
        """schema: the input's column types (clean's); numbers: given for a part of an input numbered as a whole."""
        self.source = source
        self.batch_rows = batch_rows
        self.schema = schema
        self._parts: list[Records] | None = None
        if numbers is not None:
            self.numbers = numbers
            return
        place = pl.col("provenance").list.first().struct
        order = pl.concat(
            [
                batch.select("id", file=place.field("file"), line=place.field("line_start"))
                for batch in self._read(["id", "provenance"])
            ]
            or [pl.DataFrame(schema={"id": pl.String, "file": pl.String, "line": pl.Int32})]
        )
        ranked = order.with_row_index("row").sort("id", "file", "line", "row")["row"].to_numpy()
        self.numbers = np.empty(len(ranked), dtype=np.uint32)
        self.numbers[ranked] = np.arange(len(ranked), dtype=np.uint32)

    @property
    def height(self) -> int:
        return len(self.numbers)

    def parts(self) -> list[Records]:
        """The input part by part (each parquet file; a frame in memory is one part), numbered as a whole: the
        same objects on every call, so each part's digest is computed once."""
        if isinstance(self.source, pl.DataFrame):
            return [self]
        if self._parts is None:
            pieces, start = [], 0
            for path in self.source:
                rows = pq.ParquetFile(path).metadata.num_rows
                pieces.append(Records([path], self.batch_rows, self.schema, self.numbers[start : start + rows]))
                start += rows
            self._parts = pieces
        return self._parts

    @functools.cached_property
    def digest(self) -> str:
        """The sha256 of the input's bytes (files only): what its cached features are kept under."""
        assert not isinstance(self.source, pl.DataFrame), "a frame in memory has no digest"
        return content_digest(*self.source)

    def _read(self, columns: list[str]) -> Iterator[pl.DataFrame]:
        if isinstance(self.source, pl.DataFrame):
            frame = self.source.select(columns)
            yield from (frame.slice(start, self.batch_rows) for start in range(0, frame.height, self.batch_rows))
            return
        for path in self.source:
            for batch in pq.ParquetFile(path).iter_batches(batch_size=self.batch_rows, columns=columns):
                yield pl.from_arrow(batch)

    def batches(self, columns: Sequence[str], only: pl.Series | None = None) -> Iterator[pl.DataFrame]:
        """Batches of (n, *columns) in input order, in clean's types; `only`: the rows whose n is in it, read from
        the parts holding one of them only (a rebuild's few records are in a few parts)."""
        if only is not None and len(self.parts()) > 1:
            wanted = membership(only, self.height)
            for part in self.parts():
                if wanted[part.numbers].any():
                    yield from part.batches(columns, only)
            return
        start = 0
        for batch in self._read(list(columns)):
            numbers = pl.Series("n", self.numbers[start : start + batch.height])
            numbered = batch.select(numbers, *[pl.col(c).cast(self.schema[c]) for c in columns])
            start += batch.height
            yield numbered if only is None else numbered.filter(pl.col("n").is_in(only.implode()))

    def collect(self, columns: Sequence[str], only: pl.Series) -> pl.DataFrame:
        """(n, *columns) of the rows whose n is in `only` (a few of the corpus)."""
        empty = pl.DataFrame(schema={"n": pl.UInt32, **{c: self.schema[c] for c in columns}})
        return pl.concat([empty, *self.batches(columns, only)])


@dataclasses.dataclass(frozen=True)
class ScanTask:
    records: Records  # one part of the input
    part: int  # its place in the input: scratch files sort in input order
    params: DedupParams
    scratch: Scratch
    cache: Path | None = None  # where parts' features are kept between builds (a folder for this code and params)
    to_scratch: bool = True  # with a cache: whether the shingles are written to scratch too, or left in the cache
    earlier: tuple[Path, ...] = ()  # cache entries of parts no longer in the input, whose records' features it reuses


def scan_part(task: ScanTask) -> pl.DataFrame:
    """Compact keys of a part's records, in input order (their shingles go to the scratch folders).

    The features are computed with the part's own row numbers, then renumbered with the corpus's: a part of the
    same bytes has the same features whatever else the corpus holds, so with a cache folder they are kept per part
    (by the sha256 of its file) and a rebuild reads them instead of cutting the texts again; a rebuild that decides
    from the cache (`CachedShingles`) leaves them there."""
    records = task.records
    local = Records(records.source, records.batch_rows, records.schema, np.arange(records.height, dtype=np.uint32))
    source = records.source
    numbers = pl.Series("global", records.numbers)
    if task.cache is None or isinstance(source, pl.DataFrame):
        batches: Iterable[tuple[pl.DataFrame, pl.DataFrame]] = (
            batch_features(batch, task.params) for batch in local.batches(SCAN_COLUMNS)
        )
    else:
        cache = PartCache.of(task.cache, records)
        cache.fill(lambda: local.batches(SCAN_COLUMNS), task.params, [PartCache(entry) for entry in task.earlier])
        if not task.to_scratch:
            parts = [compact.with_columns(n=pl.lit(numbers).gather("n")) for compact in cache.compacts()]
            return pl.concat(parts) if parts else _no_keys(records, task.params)
        batches = zip(cache.compacts(), cache.shingles(), strict=True)
    parts = []
    for index, (compact, shingles) in enumerate(batches):
        task.scratch.write_part_batch(task.part, index, shingles, numbers)
        parts.append(compact.with_columns(n=pl.lit(numbers).gather("n")))
    return pl.concat(parts) if parts else _no_keys(records, task.params)


def _no_keys(records: Records, params: DedupParams) -> pl.DataFrame:
    """The compact keys of an empty part: their schema, and no scratch file."""
    return batch_features(records.collect(SCAN_COLUMNS, pl.Series([], dtype=pl.UInt32)), params)[0]


class PartCache:
    """A part's features on disk: folder <cache>/<sha256 of the part's file>/ with compact-NNNNNN.arrow and
    shingles-NNNNNN.arrow per batch (the shingles numbered by row in the part), complete once renamed into place
    (a killed writer leaves no entry)."""

    def __init__(self, entry: Path) -> None:
        self.entry = entry

    @classmethod
    def of(cls, cache: Path, part: Records) -> PartCache:
        """The entry of this part (read from a file)."""
        return cls(cache / part.digest)

    def fill(
        self, batches: Callable[[], Iterable[pl.DataFrame]], params: DedupParams, earlier: Sequence[PartCache] = ()
    ) -> None:
        """Compute and write the entry, unless it is there; the features of records an `earlier` entry holds are
        copied from it (`reused_features`)."""
        if self.entry.is_dir():
            return
        with new_entry(self.entry) as pending:  # the same bytes may be another part's, written meanwhile
            for index, batch in enumerate(batches()):
                keys = record_keys(batch)
                compact, shingles = reused_features(batch, keys, earlier, params)
                io.write_ipc(compact, pending / f"compact-{index:06d}.arrow")
                io.write_ipc(shingles, pending / f"shingles-{index:06d}.arrow")
                io.write_ipc(keys, pending / f"keys-{index:06d}.arrow")

    def compacts(self) -> Iterator[pl.DataFrame]:
        return (pl.read_ipc(path) for path in sorted(self.entry.glob("compact-*.arrow")))

    def shingles(self) -> Iterator[pl.DataFrame]:
        return (pl.read_ipc(path) for path in sorted(self.entry.glob("shingles-*.arrow")))

    def _scan(self, kind: str, schema: dict[str, pl.DataType]) -> pl.LazyFrame:
        files = sorted(self.entry.glob(f"{kind}-*.arrow"))
        return pl.scan_ipc(files) if files else pl.LazyFrame(schema=schema)

    def scan_shingles(self) -> pl.LazyFrame:
        return self._scan("shingles", SHINGLE_SCHEMA)

    def scan_compacts(self) -> pl.LazyFrame:
        """Every batch's compact keys (only an entry without records has none)."""
        return self._scan("compact", {"n": pl.UInt32})

    def scan_keys(self) -> pl.LazyFrame:
        return self._scan("keys", KEY_SCHEMA)


class CachedShingles:
    """Every record's shingles (n, h) read from the parts' cache entries, renumbered into the corpus: what a
    rebuild selects from, instead of copying them all to scratch first."""

    def __init__(self, cache: Path, parts: Sequence[Records], buckets: int) -> None:
        self.parts = [(PartCache.of(cache, part), pl.Series("global", part.numbers)) for part in parts]
        self.buckets = buckets  # the hash ranges of the scratch folders written from here

    def _mask(self, records: pl.Series) -> np.ndarray:
        """`membership` over the corpus these parts number (0 .. records - 1): each part takes its numbers' slots."""
        return membership(records, sum(numbers.len() for _, numbers in self.parts))

    @staticmethod
    def _local(held: np.ndarray) -> pl.Expr | None:
        """The predicate keeping a part's rows (numbered in the part) whose record is held (a boolean per row of the
        part): None when all are. On the part's own numbers, so that rows are renumbered after the filters only."""
        if held.all():
            return None
        # The shorter of the two lists: a rebuild's holders are most of the corpus (every representative but a few).
        if held.sum() * 2 < len(held):
            return pl.col("n").is_in(pl.Series(np.flatnonzero(held).astype(np.uint32)).implode())
        return ~pl.col("n").is_in(pl.Series(np.flatnonzero(~held).astype(np.uint32)).implode())

    def _selected(self, holders: pl.Series, hashes: pl.Series) -> Iterator[tuple[pl.LazyFrame, pl.Series]]:
        """Per part: its rows (numbered in the part) of `hashes` held by one of `holders`, and the part's numbers
        (no part when there are no hashes)."""
        if hashes.is_empty():
            return
        mask = self._mask(holders)
        for entry, numbers in self.parts:
            rows = entry.scan_shingles().filter(pl.col("h").is_in(hashes.implode()))
            held = self._local(mask[numbers.to_numpy()])
            yield (rows if held is None else rows.filter(held)), numbers

    def select(self, holders: pl.Series, hashes: pl.Series) -> pl.DataFrame:
        """The rows of `hashes` held by one of `holders` (n), part by part."""
        found = (rows.with_columns(n=pl.lit(numbers).gather("n")).collect() for rows, numbers in
                 self._selected(holders, hashes))  # fmt: skip
        return pl.concat([pl.DataFrame(schema=SHINGLE_SCHEMA), *found])

    def of_records(self, records: pl.Series, hashes: pl.Series | None = None) -> pl.DataFrame:
        """The rows of these records (n), and only of these hashes if given, read from the parts holding one of
        the records only (a rebuild's few records are in a few parts)."""
        mask = self._mask(records)
        found = [pl.DataFrame(schema=SHINGLE_SCHEMA)]
        for entry, numbers in self.parts:
            local = np.flatnonzero(mask[numbers.to_numpy()]).astype(np.uint32)
            if len(local):
                found.append(_renumbered(entry, numbers, hashes, pl.Series(local)).collect())
        return pl.concat(found)

    def subset(
        self,
        rows: pl.DataFrame,
        holders: pl.Series,
        hashes: pl.Series,
        root: Path,
        frequencies: pl.DataFrame,
        buckets: int,
    ) -> Scratch:
        """A scratch folder at root, in `buckets` hash ranges, holding `rows` and the rows of `hashes` held by
        `holders` (which must leave rows' records out), each with its hash's document frequency (`frequencies`:
        (h, df) of every hash; the selected rows written part by part: memory bounded by one part's rows)."""
        subset = Scratch(root, buckets, counted=True)
        parts = ((f"{index:05d}", found.with_columns(n=pl.lit(numbers).gather("n")).collect())
                 for index, (found, numbers) in enumerate(self._selected(holders, hashes)))  # fmt: skip
        for name, batch in itertools.chain([("given", rows)], parts):  # the parts read one at a time
            subset.write_batch(name, batch.join(frequencies, on="h", how="left", maintain_order="left"))
        return subset

    def write_to(self, scratch: Scratch) -> None:
        """Every row to scratch, as the scan would have written them."""
        for part, (entry, numbers) in enumerate(self.parts):
            for index, shingles in enumerate(entry.shingles()):
                scratch.write_part_batch(part, index, shingles, numbers)


def _renumbered(
    entry: PartCache, numbers: pl.Series, hashes: pl.Series | None, local: pl.Series | None = None
) -> pl.LazyFrame:
    """A part's cached rows, only of `hashes` and of its rows `local` (numbered in the part) if given, selected
    before they are renumbered into the corpus (numbers)."""
    rows = entry.scan_shingles()
    rows = rows if local is None else rows.filter(pl.col("n").is_in(local.implode()))
    rows = rows if hashes is None else rows.filter(pl.col("h").is_in(hashes.implode()))
    return rows.with_columns(n=pl.lit(numbers).gather("n"))


def previous_shingles(previous: PreviousBuild, representatives: pl.DataFrame) -> pl.DataFrame | None:
    """(index, h) of these previous representatives (rows of `previous.representatives`), read from the cached
    features of the parts they were in; None when one of those entries is gone (then nothing can be carried over)."""
    found = [pl.DataFrame(schema={"index": pl.UInt32, "h": pl.UInt64})]
    for (part,), rows in representatives.partition_by("part", as_dict=True).items():
        cached = PartCache(previous.space / str(part))
        if not cached.entry.is_dir():
            return None
        local = rows.select(n="local", index="index").lazy()
        found.append(cached.scan_shingles().join(local, on="n").select("index", "h").collect())
    return pl.concat(found)


def earlier_entries(cache: Path, parts: Sequence[Records]) -> tuple[Path, ...]:
    """The entries of parts that are not in the input (the previous build's versions of the parts that changed),
    which `keep_only` removes after this build: their records' features serve the changed parts meanwhile."""
    current = {part.digest for part in parts}
    if not cache.is_dir():
        return ()
    return tuple(sorted(entry for entry in cache.iterdir() if entry.is_dir() and entry.name not in current
                        and entry.name != STATE_FOLDER and not entry.name.startswith(".")))  # fmt: skip


def keep_only(cache: Path, parts: Sequence[Records]) -> None:
    """Remove the cached features of parts that are no longer in the input (and pending ones of killed runs); the
    decisions' state stays."""
    keep_entries(cache, [cache / STATE_FOLDER, *[PartCache.of(cache, part).entry for part in parts]])
