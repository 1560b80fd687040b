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
- anchors.arrow: (index, h), the shingles each representative's candidates were looked up by, in (index, h) order.
This module imports no stage.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

import polars as pl

from pipeline import io

IDENTITY = ["id", "body_k1", "body_k2", "shingles_k"]
FOLDER = "state"
REPRESENTATIVES, ANCHORS = "representatives.arrow", "anchors.arrow"
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
        if not ((folder / REPRESENTATIVES).is_file() and (folder / ANCHORS).is_file()):
            return None
        frame = pl.read_ipc(folder / REPRESENTATIVES)
        return cls(space, frame.with_row_index("index"))

    def anchors(self) -> pl.LazyFrame:
        """(index, h) of every previous representative's anchors."""
        return pl.scan_ipc(self.space / FOLDER / ANCHORS)


def save(space: Path, representatives: pl.DataFrame, anchors: pl.LazyFrame) -> None:
    """Replace the state: representatives (STATE_SCHEMA, in n order) and anchors (index, h), written to a pending
    folder renamed into place, so a killed build leaves the old state or none, never half of one."""
    pending = Path(tempfile.mkdtemp(prefix=".pending-state-", dir=space))
    io.write_ipc(representatives.select(list(STATE_SCHEMA)).cast(STATE_SCHEMA), pending / REPRESENTATIVES)
    # The anchors come from joins, whose row order varies from run to run, and a streaming sink's record batches
    # follow the thread count: sorted and written whole (12 bytes a row), the same state is the same bytes.
    ordered = anchors.select(pl.col("index").cast(pl.UInt32), pl.col("h").cast(pl.UInt64)).sort("index", "h")
    io.write_ipc(ordered.collect(), pending / ANCHORS)
    shutil.rmtree(space / FOLDER, ignore_errors=True)
    pending.rename(space / FOLDER)
