"""Dedup's memory between builds: what the previous build decided for each representative, so that a rebuild
decides again only for the representatives a change can reach (pipeline/dedup.py, `plan_rebuild`).

A representative is known by its content (IDENTITY: its id, the normalised body's two hashes and the hash of its
shingle set): its near or truncated decision depends on its content and on the other representatives, never on its
place in the corpus or its number n, which change when a file is added. The state is one folder in the dedup cache's
namespace (so a change of code or params starts without one), replaced whole at the end of each build:
- representatives.arrow, in the build's n order (a row's index is its place): identity, prefix keys, where its
  features are cached (the part's entry and its row there), and its decision (`best`: the index of the
  representative it duplicates, before chains are followed; kind; similarity), null when it is kept, and its
  anchor plan (the counts its anchors follow from);
- anchors.arrow: (index, h), the shingles each representative's candidates were looked up by, in (index, h) order;
- frequencies/: (h, df), every hash's document frequency among the representatives, one file per hash range
  (`hash_range`) in h order: a rebuild looks a hash's count up and brings it up to date by the holders added and
  removed (`Frequencies`), where counting it would read every cached shingle of the corpus (140 M rows at 1 GB).
This module imports no stage.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from pathlib import Path

import polars as pl

from pipeline import io

IDENTITY = ["id", "body_k1", "body_k2", "shingles_k"]
FOLDER = "state"
REPRESENTATIVES, ANCHORS, FREQUENCIES = "representatives.arrow", "anchors.arrow", "frequencies"
FREQUENCY_SCHEMA = {"h": pl.UInt64, "df": pl.UInt32}  # a hash's document frequency among the representatives
CHANGE_SCHEMA = {"h": pl.UInt64, "change": pl.Int64}  # holders added minus holders removed, per hash
STATE_SCHEMA = {
    "id": pl.String,
    "body_k1": pl.UInt64,
    "body_k2": pl.UInt64,
    "shingles_k": pl.UInt64,
    "prefix_keys": pl.List(pl.UInt64),
    "part": pl.String,  # the name of the part's entry in the dedup cache (the digest of its bytes)
    "local": pl.UInt32,  # the row in that part
    "best": pl.UInt32,
    "kind": pl.String,
    "similarity": pl.Float64,
}
# Its anchor plan (pipeline/dedup.py, `AnchorPlan`): the counts its anchors follow from, which tell what a change of
# rarity classes must touch to change them.
PLAN = {
    # the rarity class holding its last anchor (EVERY_CLASS: all); null when its prefix filter is exact (no anchors,
    # or all those the filter needs): then any of its shared shingles, as many, find every candidate
    "last_class": pl.UInt32,
    "exact_budget": pl.UInt32,  # the anchors the prefix filter needs: p + k - 1 (0: it cannot be contained)
    "capped": pl.UInt32,  # its shared shingles under the cap
    "through_last": pl.UInt32,  # its shared shingles in the classes up to last_class
    "required": pl.UInt32,  # the anchors a candidate must hold
}
STATE_SCHEMA |= PLAN


@dataclasses.dataclass(frozen=True)
class PreviousBuild:
    """The state the previous build left in a cache namespace (`load` gives None when there is none)."""

    space: Path
    representatives: pl.DataFrame  # STATE_SCHEMA plus index

    @classmethod
    def load(cls, space: Path) -> PreviousBuild | None:
        folder = space / FOLDER
        complete = (folder / REPRESENTATIVES).is_file() and (folder / ANCHORS).is_file()
        if not (complete and (folder / FREQUENCIES).is_dir()):
            return None
        frame = pl.read_ipc(folder / REPRESENTATIVES)
        return cls(space, frame.with_row_index("index"))

    def anchors(self) -> pl.LazyFrame:
        """(index, h) of every previous representative's anchors."""
        return pl.scan_ipc(self.space / FOLDER / ANCHORS)

    def frequencies(self, change: pl.DataFrame) -> Frequencies:
        """Its document frequencies, brought up to date by `change` (CHANGE_SCHEMA)."""
        return Frequencies(frequency_files(self.space / FOLDER / FREQUENCIES), change)


def hash_range(hashes: pl.Expr, ranges: int) -> pl.Expr:
    """Which of `ranges` contiguous hash ranges each hash is in: its top 32 bits scaled to [0, ranges), monotone in
    the hash (dedup's scratch buckets, and the files of the state's frequencies)."""
    return ((hashes // 2**32) * ranges // 2**32).cast(pl.UInt32)


def frequency_path(folder: Path, index: int) -> Path:
    return folder / f"{index:05d}.arrow"


def frequency_files(folder: Path) -> tuple[Path, ...]:
    """The files of a frequency table, range by range (file i holds hash range i of as many as there are files)."""
    return tuple(sorted(folder.glob("*.arrow")))


@dataclasses.dataclass(frozen=True)
class Frequencies:
    """Document frequencies as a table kept on disk (FREQUENCY_SCHEMA, one file per hash range, h ascending) and a
    change not yet applied to it (CHANGE_SCHEMA): every count a full count of the holders would give, without
    reading them. Memory: the hashes asked for, and one range's file when written."""

    files: tuple[Path, ...]
    change: pl.DataFrame

    def of(self, hashes: pl.Series) -> pl.DataFrame:
        """(h, df, change) of these hashes (unique): df the count with the change applied (0: no holder left)."""
        wanted = pl.DataFrame({"h": hashes}, schema={"h": pl.UInt64}).unique()
        kept = pl.scan_ipc(list(self.files)) if self.files else pl.LazyFrame(schema=FREQUENCY_SCHEMA)
        found = kept.filter(pl.col("h").is_in(wanted["h"].implode())).collect()
        return (
            wanted.join(found, on="h", how="left")
            .join(self.change, on="h", how="left")
            .with_columns(pl.col("change").fill_null(0))
            .with_columns(df=_changed_count().cast(pl.UInt32))
            .select("h", "df", "change")
        )

    def write(self, folder: Path) -> None:
        """The table with the change applied, into folder (as many ranges as the table has): a range the change does
        not touch is linked (or copied) as it is."""
        folder.mkdir(parents=True, exist_ok=True)
        ranges = len(self.files)
        change = self.change.with_columns(range=hash_range(pl.col("h"), ranges))
        touched = change.partition_by("range", as_dict=True, include_key=False)
        for index, source in enumerate(self.files):
            target = frequency_path(folder, index)
            own = touched.get((index,))
            if own is None:
                _link_or_copy(source, target)
                continue
            counts = (
                pl.read_ipc(source)
                .join(own, on="h", how="full", coalesce=True)
                .select("h", df=_changed_count())
                .filter(pl.col("df") > 0)
                .cast(FREQUENCY_SCHEMA)
                .sort("h")
            )
            io.write_ipc(counts, target)


def _changed_count() -> pl.Expr:
    """A hash's count with its change applied: a hash missing from the table counts 0, one without a change keeps
    its count."""
    return pl.col("df").fill_null(0).cast(pl.Int64) + pl.col("change").fill_null(0)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system (a scratch folder's table into the cache)
        shutil.copyfile(source, target)


def save(
    space: Path,
    representatives: pl.DataFrame,
    anchors: pl.LazyFrame,
    frequencies: Frequencies,
    carried: pl.LazyFrame | None = None,
) -> None:
    """Replace the state: representatives (STATE_SCHEMA, in n order), anchors (index, h) and the frequencies,
    written to a pending folder renamed into place, so a killed build leaves the old state or none, never half of
    one. `carried`: more anchors (index, h), of other representatives than `anchors`', already in (index, h) order."""
    pending = Path(tempfile.mkdtemp(prefix=".pending-state-", dir=space))
    frequencies.write(pending / FREQUENCIES)
    io.write_ipc(representatives.select(list(STATE_SCHEMA)).cast(STATE_SCHEMA), pending / REPRESENTATIVES)
    # The anchors come from joins, whose row order varies from run to run, and a streaming sink's record batches
    # follow the thread count: sorted and written whole (12 bytes a row), the same state is the same bytes.
    typed = [pl.col("index").cast(pl.UInt32), pl.col("h").cast(pl.UInt64)]
    ordered = anchors.select(typed).sort("index", "h").collect()
    if carried is not None:  # two sorted runs of distinct representatives: merged, each keeping its order
        earlier = carried.select(typed).collect().set_sorted("index")
        ordered = earlier.merge_sorted(ordered.set_sorted("index"), "index")
    io.write_ipc(ordered, pending / ANCHORS)
    shutil.rmtree(space / FOLDER, ignore_errors=True)
    pending.rename(space / FOLDER)
