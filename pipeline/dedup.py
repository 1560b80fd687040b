"""Stage 3, dedup: exact, truncated-prefix and near duplicates, decided on compact columns in bounded memory.

The decisions:
- exact: the same normalised body. Copies merge into one record: provenance lists every place, missing
  metadata (category, date, byline, source) is taken from the copies that have it. Copies whose titles
  disagree are NOT merged: the validate stage reports them (same text under two headlines is a data error).
- truncated: a record whose normalised body (at least `truncated_min_chars` long) is a prefix of a longer
  record's (an excerpt, a cut page).
- near: at least `near_containment` of a shorter record's word shingles occur in a longer one (a brief inside a
  fuller release), counted on all of its shingles, stock phrases included.
- A record dropped in favour of a record that is itself dropped points to the record kept at the end of the chain.

How memory stays bounded (the corpus is never held as text or as shingles):
1. One pass over the articles, `batch_records` at a time, each input part an engine task (pipeline/dedup_keys.py):
   per record, compact keys (two 64-bit hashes of the normalised body, a hash of the title, the body's length,
   hashes of its first L*2^j characters, L = truncated_min_chars) and its shingle hashes, written to scratch
   files, one folder per hash range. They depend on the record's text only: `run` keeps them per input part in
   the cache (data/cache/dedup), so a rebuild cuts only the texts of parts whose bytes changed.
2. Exact merge on the compact keys; metadata and provenance are read back for the copies only.
3. Near candidates by a prefix filter: a shingle in one representative only cannot be shared, so with S the
   shared shingles of a (in >= 2 representatives), T = floor(t*|A|) and p = |S| - T + 1, a is contained at >= t
   in b only if b holds one of the first p shingles of S in a fixed order (else at most |S| - p < T of a's
   shingles are in b); with p + k - 1 of them, b must hold k (`anchor_hits`). The order is rarest first, so these
   anchors are story-specific text that few records hold; a record with p <= 0 has no anchor at all. Anchors are
   limited to shingles in at most `max_shingle_df` records: the filter stays exact for a record with enough of
   those, and one with fewer (mostly recurring phrasing) takes all it has, or its k rarest shingles, and b must
   still hold k of them. Text specific to one story is in its copies only, whatever the corpus size, so the cost
   of the lookups (anchors x document frequency) stays linear in the corpus. Only pairs whose b is at least as
   long as a are counted: a's anchors decide whether a (the shorter) is contained in b. MinHash-LSH estimates
   Jaccard, which is low for a brief inside a long release; this finds the containment pairs themselves.
4. Truncated candidates: records sharing the hash of their first L*2^j characters, j the largest level the
   shorter record reaches; each pair is then checked on the normalised texts of those records only.
5. Containment is counted exactly on the candidate pairs, hash range by hash range.
6. Every pass over the texts reads the input batch by batch (`Records`); the kept and the dropped articles are lazy
   frames per input part that read it once more, each part an engine task streaming them to two output parts
   (its `Fates`, the decisions' small columns for its records, travel with it). A part whose bytes,
   dropped rows with their fates and merged metadata are those an earlier run wrote it from is kept as it is.
   duplicates.parquet is merged from the dropped parts in a total order, id batch by id batch.
7. A rebuild (with the cache) decides again only the representatives a change can reach (`plan_rebuild`): the
   previous build's decisions and anchors are kept per representative, known by its content
   (pipeline/dedup_state.py), and the others' decisions are carried over: a change reaches a record through its
   anchors (a shingle moving to another rarity class changes them only where they end; an added record is a new
   candidate only if it holds as many of them as a candidate must), its choice and its prefix keys, and a record
   whose prefix filter is exact finds every candidate whichever anchors it has. Those decided again are decided on
   what their decisions read, selected from the cached features part by part: their own rows, every holder of a
   hash they may take as an anchor, and then the rows of their candidate pairs' longer records. A hash's document
   frequency is looked up in the previous build's table (the state's `Frequencies`), brought up to date by the
   holders added and removed, never counted again over the corpus's shingles. The outputs are a fresh build's.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import polars as pl
from polars.io.plugins import register_io_source

from pipeline import dedup_state, io, shards, stage
from pipeline.cache import content_digest, namespace, prune
from pipeline.config import DedupParams, EngineParams
from pipeline.dedup_keys import (
    SHINGLE_SCHEMA,
    CachedShingles,
    PartCache,
    Records,
    ScanTask,
    Scratch,
    earlier_entries,
    keep_only,
    previous_shingles,
    scan_part,
)
from pipeline.dedup_state import (
    CHANGE_SCHEMA,
    FREQUENCY_SCHEMA,
    IDENTITY,
    Frequencies,
    PreviousBuild,
    frequency_files,
)
from pipeline.engine import engine_for, map_unkept
from pipeline.outputs import Outputs
from pipeline.text import canonical_batched
from schemas import CleanArticle, Duplicate, polars_schema

log = logging.getLogger(__name__)
ARTICLE_SCHEMA = polars_schema(CleanArticle)
ARTICLE_COLUMNS = list(ARTICLE_SCHEMA)
METADATA = ("published_date", "category", "byline", "source")
MAX_CHAIN = 64
DECISION_SCHEMA = {"n": pl.UInt32, "kept_n": pl.UInt32, "kind": pl.String, "similarity": pl.Float64}
PAIR_SCHEMA = {"a": pl.UInt32, "b": pl.UInt32}
PART = "part"  # the kind of dedup's part digests


def scan_records(
    records: Records,
    params: DedupParams,
    scratch: Scratch,
    engine: EngineParams | None,
    space: Path | None,
    to_scratch: bool = True,
) -> pl.DataFrame:
    """Pass 1 over the texts: compact keys for every record (shingles to scratch), sorted by n; the parts are
    the engine's tasks (no engine: in this process). With a cache namespace folder, each part's features are kept
    there for the next build and read from there when the part's bytes are unchanged (and, unless to_scratch, the
    shingles left there)."""
    parts = records.parts()
    earlier = earlier_entries(space, parts) if space is not None else ()
    tasks = [ScanTask(part, index, params, scratch, space, to_scratch, earlier) for index, part in enumerate(parts)]

    def from_cache(task: ScanTask) -> pl.DataFrame | None:
        cached = space is not None and PartCache.of(space, task.records).entry.is_dir()
        return scan_part(task) if cached else None

    parts = map_unkept(engine, scan_part, tasks, from_cache) if engine else [scan_part(task) for task in tasks]
    return pl.concat(parts).sort("n")


def exact_groups(compact: pl.DataFrame) -> pl.DataFrame:
    """(n, group, rank, kept_n) for every record: records with the same body and no conflicting titles group."""
    body = ["body_k1", "body_k2"]
    frame = compact.with_columns(conflict=pl.col("title_key").drop_nulls().n_unique().over(body) > 1)
    # Copies whose titles disagree stay apart: each is its own group (same-id rows still group, as before).
    frame = frame.with_columns(solo=pl.when(pl.col("conflict")).then(pl.col("id")))
    group = [*body, "solo"]
    # The representative: a complete copy with a headline first, then the smallest id, then input order.
    frame = frame.with_columns(
        rank=pl.struct("is_truncated", "title_missing", "id", "n").rank("ordinal").over(group),
        members=pl.len().over(group),
    )
    return frame.with_columns(kept_n=pl.col("n").filter(pl.col("rank") == 1).first().over(group)).select(
        "n", *group, "rank", "members", "kept_n"
    )


def merged_metadata(records: Records, groups: pl.DataFrame) -> pl.DataFrame:
    """For each representative of a group of copies: metadata filled from its copies, provenance of all."""
    copies = groups.filter(pl.col("members") > 1)
    rows = records.collect([*METADATA, "provenance"], copies["n"])
    rows = rows.join(copies.select("n", "kept_n", "rank"), on="n")
    return (
        rows.group_by("kept_n")
        .agg(
            *[pl.col(c).sort_by("rank").drop_nulls().first() for c in METADATA],
            pl.col("provenance").list.explode(keep_nulls=False, empty_as_null=False).unique().sort(),
        )
        .rename({"kept_n": "n"})
    )


@dataclasses.dataclass(frozen=True)
class ShingleStatistics:
    """Per representative (index n): its shingles, those shared with another representative (df >= 2), and the
    shared ones per rarity class (class c holds document frequencies 2^(c+1) .. 2^(c+2) - 1)."""

    size: np.ndarray
    shared: np.ndarray
    by_rarity: np.ndarray


def rarity_classes(records: int, cap: int) -> int:
    """Classes enough for any document frequency up to the number of records (see `rarity`)."""
    return max(records, cap + 1, 2).bit_length()


def rarity(df: pl.Expr, cap: int) -> pl.Expr:
    """floor(log2(df)) - 1, one more above the cap: the first key of the anchor order (rarest first). Monotone
    in df, and the cap is a class boundary: the classes up to `capped_classes(cap)` are the anchors' own."""
    return (df.log(2).floor().cast(pl.Int64) - 1 + (df > cap).cast(pl.Int64)).cast(pl.UInt32)


def capped_classes(cap: int) -> int:
    """How many rarity classes hold the shingles in at most `cap` records."""
    return max(cap, 1).bit_length() - 1


def largest_df(rarity_class: int, cap: int) -> int:
    """The largest document frequency in a rarity class (see `rarity`)."""
    if rarity_class < capped_classes(cap):
        return min(2 ** (rarity_class + 2) - 1, cap)
    return 2 ** (rarity_class + 1) - 1


def prefix_key_rows(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """(key, level, prefix): one row per prefix key of each row of frame (its hash of the first L*2^level
    characters)."""
    keyed = frame.filter(pl.col("prefix_keys").list.len() > 0)
    levels = pl.int_ranges(0, pl.col("prefix_keys").list.len())
    return keyed.select(key, prefix="prefix_keys", level=levels).explode("prefix", "level")


def shingle_statistics(scratch: Scratch, compact: pl.DataFrame, params: DedupParams) -> ShingleStatistics:
    """Counts per representative, hash range by hash range, into arrays indexed by n (memory: a few bytes per
    record and rarity class). Keeps the shared shingles of each range on disk: anchors and containment need only
    them (a shingle in one representative cannot be in another). A scratch holding every row (not `counted`) also
    gets each range's document frequencies (`Scratch.frequencies_path`), the table dedup's state keeps."""
    representatives = compact["n"].implode()
    records = int(compact["n"].max()) + 1 if compact.height else 0
    classes = rarity_classes(records, params.max_shingle_df)
    size, shared = Counts(records, np.int64), Counts(records, np.int64)
    by_rarity = Counts(records * classes, np.int32)
    (scratch.root / "shared").mkdir(parents=True, exist_ok=True)
    if not scratch.counted:
        scratch.frequencies_folder().mkdir(parents=True, exist_ok=True)
    for bucket in range(scratch.buckets):
        shingles = scratch.all_shingles(bucket)
        held = shingles.filter(pl.col("n").is_in(representatives)).collect() if shingles is not None else None
        counted = held
        if not scratch.counted:  # every range gets its table, an empty range an empty one
            rows = pl.DataFrame(schema=SHINGLE_SCHEMA) if held is None else held
            table = rows.group_by("h").agg(df=pl.len().cast(FREQUENCY_SCHEMA["df"])).sort("h")
            io.write_ipc(table, scratch.frequencies_path(bucket))
            counted = None if held is None else held.join(table, on="h", how="left", maintain_order="left")
        if counted is None:
            continue
        size.add(counted["n"].to_numpy())
        in_common = counted.filter(pl.col("df") >= 2).with_columns(rarity=rarity(pl.col("df"), params.max_shingle_df))
        in_common.write_ipc(scratch.shared_path(bucket), compression="uncompressed")
        shared.add(in_common["n"].to_numpy())
        by_rarity.add(in_common.select(pl.col("n").cast(pl.Int64) * classes + pl.col("rarity")).to_series().to_numpy())
    return ShingleStatistics(size.total(), shared.total(), by_rarity.total().reshape(records, classes))


class Counts:
    """Occurrences of each index below `size`, added batch by batch (a hash range's rows at a time). The indices
    are held until they reach a quarter of the counters, then counted in one dense pass (np.bincount): a pass over
    every counter per hash range would grow with records x ranges, as the corpus squared."""

    def __init__(self, size: int, dtype: type) -> None:
        self.counts = np.zeros(size, dtype=dtype)
        self.pending: list[np.ndarray] = []
        self.held = 0

    def add(self, indices: np.ndarray) -> None:
        self.pending.append(indices)
        self.held += len(indices)
        if self.held * 4 >= len(self.counts):
            self._count()

    def _count(self) -> None:
        if self.pending:
            indices = np.concatenate(self.pending)
            self.counts += np.bincount(indices, minlength=len(self.counts)).astype(self.counts.dtype)
            self.pending, self.held = [], 0

    def total(self) -> np.ndarray:
        self._count()
        return self.counts


# `last_class` of a record whose budget exceeds its shared shingles: every one is an anchor, whatever the number of
# classes (which follows the corpus size).
EVERY_CLASS = 64
# Per representative, what its anchors follow from (`AnchorPlan`): the state keeps it for the next build's reach.
PLAN_SCHEMA = {"n": pl.UInt32, **dedup_state.PLAN}


@dataclasses.dataclass(frozen=True)
class AnchorPlan:
    """Per record (arrays indexed by n), from its shingle counts: how many anchors it takes (budget), where they end
    (all of the rarer classes, then the `quota` smallest hashes of `last_class`) and how many of them a candidate
    must hold (module docstring, step 3)."""

    exact_budget: np.ndarray
    capped: np.ndarray
    budget: np.ndarray
    required: np.ndarray
    last_class: np.ndarray
    quota: np.ndarray
    through_last: np.ndarray
    wanted: np.ndarray
    cumulative: np.ndarray  # (records, classes): shared shingles in each class and the rarer ones

    @classmethod
    def of(cls, statistics: ShingleStatistics, params: DedupParams) -> AnchorPlan:
        # a needs T = floor(t*|A|) shared shingles in b (the floor keeps it a lower bound). Generalised prefix
        # filter: among a's first p + k - 1 shared shingles (p = |S| - T + 1) at least k are in b, else |A & B| < T.
        # k hits rather than one drop the pairs that share a stray stock phrase; k <= T keeps the bound true.
        needed = np.floor(statistics.size * params.near_containment).astype(np.int64)
        hits_needed = np.clip(np.minimum(params.anchor_hits, needed), 1, None)
        exact_budget = np.where(statistics.shared >= needed, statistics.shared - needed + hits_needed, 0)
        cumulative = np.cumsum(statistics.by_rarity, axis=1, dtype=np.int64)
        # Anchors are shingles in at most max_shingle_df records; a record with fewer of those than the filter needs
        # takes all of them (its k rarest shingles if it has fewer than k), and b must hold k of them all the same.
        capped = statistics.by_rarity[:, : capped_classes(params.max_shingle_df)].sum(axis=1, dtype=np.int64)
        budget = budget_of(exact_budget, capped, params)
        last_class = (cumulative < budget[:, None]).sum(axis=1)  # the class holding the last anchor
        at = np.minimum(last_class, cumulative.shape[1] - 1)[:, None]
        below = np.take_along_axis(cumulative, np.maximum(last_class - 1, 0)[:, None], 1)[:, 0]
        before = np.where(last_class > 0, below, 0)
        return cls(
            exact_budget=exact_budget,
            capped=capped,
            budget=budget,
            required=np.minimum(hits_needed, budget),
            last_class=np.where(last_class < cumulative.shape[1], last_class, EVERY_CLASS),
            quota=budget - before,
            through_last=np.take_along_axis(cumulative, at, 1)[:, 0],
            wanted=(budget > 0) & (statistics.size > 0),
            cumulative=cumulative,
        )

    def frame(self, numbers: np.ndarray) -> pl.DataFrame:
        """PLAN_SCHEMA rows of these records."""
        # A record with no anchors, or all those the prefix filter needs, finds every candidate whichever shingles
        # its anchors are: where they end decides nothing.
        exact = pl.Series(~self.wanted[numbers] | (self.budget[numbers] == self.exact_budget[numbers]))
        return pl.DataFrame(
            {
                "n": numbers,
                "last_class": pl.Series(self.last_class[numbers]).set(exact, None),
                "exact_budget": self.exact_budget[numbers],
                "capped": self.capped[numbers],
                "through_last": pl.Series(self.through_last[numbers]).set(exact, None),
                "required": self.required[numbers],
            }
        ).cast(PLAN_SCHEMA)


def budget_of(
    exact_budget: np.ndarray | pl.Expr, capped: np.ndarray | pl.Expr, params: DedupParams
) -> np.ndarray | pl.Expr:
    """How many anchors a record takes: those the filter needs, at most those under the cap (at least k)."""
    if isinstance(exact_budget, pl.Expr):
        return pl.min_horizontal(exact_budget, pl.max_horizontal(capped, pl.lit(params.anchor_hits)))
    return np.minimum(exact_budget, np.maximum(capped, params.anchor_hits))


def near_candidates(
    scratch: Scratch,
    statistics: ShingleStatistics,
    plan: AnchorPlan,
    lengths: pl.Series,
    params: DedupParams,
    only: np.ndarray | None = None,
) -> pl.DataFrame:
    """(a, b): b holds k of a's anchors, its p + k - 1 rarest shared shingles, those under the cap (module
    docstring), for every representative a or those in `only` (a boolean mask by n); a's anchors go to scratch.

    Any fixed order of shingles makes the prefix filter exact; rarest first ((rarity class, hash)) makes each
    anchor lead to few records. The per-class counts tell, for each record, the class where its p anchors end
    (all of the rarer classes, then the smallest hashes of that class); reading the hash ranges in ascending order
    then picks those smallest hashes and looks the anchors up in the same pass.
    """
    with_anchors = np.flatnonzero(plan.wanted if only is None else plan.wanted & only)
    plans = pl.DataFrame(
        {
            "n": with_anchors.astype(np.uint32),
            "last_class": np.minimum(plan.last_class, statistics.by_rarity.shape[1])[with_anchors].astype(np.uint32),
            "quota": plan.quota[with_anchors],
            "required": plan.required[with_anchors],
        }
    )
    # Lookups yield (anchors x document frequency) rows: records are taken in groups of at most about
    # bucket_shingles such rows (each class's largest frequency times its anchors), each group in its own pass
    # over the hash ranges.
    cumulative, budget = plan.cumulative, plan.budget
    lookups = np.zeros(len(budget), dtype=np.int64)
    for rarity_class in range(cumulative.shape[1]):
        anchors = np.minimum(cumulative[:, rarity_class], budget) - (
            np.minimum(cumulative[:, rarity_class - 1], budget) if rarity_class else 0
        )
        lookups += anchors * largest_df(rarity_class, params.max_shingle_df)
    groups = max(1, -(-int(lookups[with_anchors].sum()) // params.bucket_shingles))
    return anchor_pairs(scratch, plans, lengths, groups)


def anchor_pairs(scratch: Scratch, plan: pl.DataFrame, lengths: pl.Series, groups: int) -> pl.DataFrame:
    """(a, b) for the records of the plan (n, last_class, quota, required): b holds `required` of a's anchors and
    is at least as long as a (`lengths`, indexed by n: `orient` keeps the pairs of a shorter and a longer record).

    One pass over the hash ranges looks every anchor up (and keeps the anchors in scratch for the next build's
    state); the matches go to scratch files by group of records (a % groups), and each group's matches are then
    counted per pair on their own."""
    required = plan.select(a="n", required="required")
    length = pl.lit(lengths)
    matches = scratch.root / "matches"
    # The plan as arrays indexed by n (last class -1: no anchors left to find): each hash range gathers its rows'
    # plan instead of joining the plan's rows (a join of every range's rows with the plan was the costliest step of
    # a first build's dedup, and grew with records x ranges).
    last_class = np.full(len(lengths), -1, dtype=np.int64)
    quota = np.zeros(len(lengths), dtype=np.int64)
    numbers = plan["n"].to_numpy()
    last_class[numbers], quota[numbers] = plan["last_class"].to_numpy(), plan["quota"].to_numpy()
    planned = len(numbers)
    for bucket in range(scratch.buckets):
        shingles = scratch.shared_shingles(bucket)
        if shingles is None or not planned:
            continue
        shingles = shingles.collect()
        row_plan = {"last_class": pl.Series(last_class), "quota": pl.Series(quota)}
        candidates = shingles.with_columns(pl.lit(column).gather("n").alias(name) for name, column in row_plan.items())
        candidates = candidates.filter(pl.col("rarity").cast(pl.Int64) <= pl.col("last_class"))
        # Rarer classes are anchors whole; in the last class, the smallest hashes up to the record's quota.
        ties = candidates.filter(pl.col("rarity") == pl.col("last_class"))
        ties = ties.filter(pl.col("h").rank("ordinal").over("n") <= pl.col("quota"))
        anchors = pl.concat([candidates.filter(pl.col("rarity").cast(pl.Int64) < pl.col("last_class")), ties])
        scratch.anchors_path(bucket).parent.mkdir(parents=True, exist_ok=True)
        anchors.select("n", "h").write_ipc(scratch.anchors_path(bucket), compression="uncompressed")
        taken = ties.group_by("n").len("taken")
        takers = taken["n"].to_numpy()
        quota[takers] -= taken["taken"].to_numpy()
        # Anchors end in the last class: a record whose last class is the rarest has none left once its quota is
        # taken (a record with a rarer class takes all of those, in every range).
        done = takers[(last_class[takers] == 0) & (quota[takers] <= 0)]
        last_class[done] = -1
        planned -= len(done)
        # A pair as one integer (a * 2^32 + b): counting hits groups one column, not two.
        found = (
            anchors.select("n", "h")
            .join(shingles.select(b="n", h="h"), on="h")
            .filter((pl.col("n") != pl.col("b")) & (length.gather("b") >= length.gather("n")))
            .select(group=pl.col("n") % groups, pair=pl.col("n").cast(pl.UInt64) * 2**32 + pl.col("b").cast(pl.UInt64))
        )
        for (group,), part in found.partition_by("group", as_dict=True, include_key=False).items():
            folder = matches / f"{group:05d}"
            folder.mkdir(parents=True, exist_ok=True)
            part.write_ipc(folder / f"{bucket:05d}.arrow", compression="uncompressed")
    pairs = [
        pl.scan_ipc(sorted(folder.glob("*.arrow")))
        .group_by("pair")
        .len("hits")
        .select("hits", a=(pl.col("pair") // 2**32).cast(pl.UInt32), b=(pl.col("pair") % 2**32).cast(pl.UInt32))
        .join(required.lazy(), on="a")
        .filter(pl.col("hits") >= pl.col("required"))
        .select("a", "b")
        .collect()
        for folder in sorted(matches.glob("*"))
    ]
    return pl.concat([pl.DataFrame(schema=PAIR_SCHEMA), *pairs])


def prefix_candidates(representatives: pl.DataFrame) -> pl.DataFrame:
    """(a, b): b's first L*2^j characters hash like a's, j the largest level a reaches (L = truncated_min_chars)."""
    every_level = prefix_key_rows(representatives, "n")
    own_level = every_level.filter(pl.col("level") == pl.col("level").max().over("n"))
    return (
        own_level.join(every_level, on=["level", "prefix"], suffix="_b")
        .filter(pl.col("n") != pl.col("n_b"))
        .select(a="n", b="n_b")
    )


def orient(pairs: pl.DataFrame, compact: pl.DataFrame) -> pl.DataFrame:
    """Keep (a shorter, b longer) pairs, ties by the larger id first; drop identical bodies (exact, kept apart)."""
    info = compact.select("n", "id", "length", "body_k1", "body_k2")
    return (
        pairs.join(info.rename(lambda c: f"a_{c}"), left_on="a", right_on="a_n")
        .join(info.rename(lambda c: f"b_{c}"), left_on="b", right_on="b_n")
        .filter(
            (pl.col("a_length") < pl.col("b_length"))
            | ((pl.col("a_length") == pl.col("b_length")) & (pl.col("a_id") > pl.col("b_id")))
        )
        .filter((pl.col("a_body_k1") != pl.col("b_body_k1")) | (pl.col("a_body_k2") != pl.col("b_body_k2")))
        .select("a", "b", "a_length", "b_length", "b_id")
    )


def verified_prefixes(records: Records, pairs: pl.DataFrame) -> pl.DataFrame:
    """(a, b) of the given pairs whose normalised bodies really are prefix and longer text."""
    if pairs.is_empty():
        return pairs.select("a", "b")
    involved = pl.concat([pairs["a"], pairs["b"]]).unique()
    batches = records.batches(["body"], involved)
    texts = pl.concat([batch.select("n", key=canonical_batched("body")) for batch in batches])
    return (
        pairs.join(texts.rename({"n": "a", "key": "a_key"}), on="a")
        .join(texts.rename({"n": "b", "key": "b_key"}), on="b")
        .filter(pl.col("b_key").str.starts_with(pl.col("a_key")))
        .select("a", "b")
    )


def shared_counts(scratch: Scratch, pairs: pl.DataFrame) -> np.ndarray:
    """For each pair (a, b) in order: how many of a's counted shingles are in b, summed over the hash ranges.

    Per range, each record's shingles are one list and a pair's count the size of the lists' intersection: a
    join on the record index, not on (record, hash) rows.
    """
    counts = np.zeros(pairs.height, dtype=np.int64)
    involved = pl.concat([pairs["a"], pairs["b"]]).unique().implode()
    indexed = pairs.with_row_index("pair")
    for bucket in range(scratch.buckets):
        shingles = scratch.shared_shingles(bucket)
        if shingles is None or pairs.is_empty():
            continue
        sets = shingles.filter(pl.col("n").is_in(involved)).group_by("n").agg("h").collect()
        found = (
            indexed.join(sets.select(a="n", a_h="h"), on="a")
            .join(sets.select(b="n", b_h="h"), on="b")
            .select("pair", shared=pl.col("a_h").list.set_intersection("b_h").list.len())
        )
        counts += np.bincount(
            found["pair"].to_numpy(), weights=found["shared"].to_numpy(), minlength=pairs.height
        ).astype(np.int64)
    return counts


def pair_counts(rows_a: pl.DataFrame, rows_b: pl.DataFrame, pairs: pl.DataFrame) -> np.ndarray:
    """For each pair (a, b) in order: how many shingles a and b both hold, from rows (n, h) holding every shingle
    of each a and, for the b, at least every one they share with their a."""
    found = (
        pairs.with_row_index("pair")
        .join(rows_a.select(a="n", h="h"), on="a")
        .join(rows_b.select(b="n", h="h"), on=["b", "h"])
    )
    return np.bincount(found["pair"].to_numpy(), minlength=pairs.height).astype(np.int64)


def near_and_truncated(
    records: Records,
    compact: pl.DataFrame,
    scratch: Scratch,
    params: DedupParams,
    only: pl.Series | None = None,
    count_shared: Callable[[pl.DataFrame], np.ndarray] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Decisions (n, kept_n, kind, similarity) for representatives that duplicate a longer representative, before
    chains are followed, and the anchor plans (PLAN_SCHEMA) of those decided: for every representative, or for
    those in `only` (n), with the scratch holding every row of those and every row of a hash they may take as an
    anchor (`anchor_hashes`). `count_shared`: the shingles each candidate pair has in common (default:
    `shared_counts` over the scratch, which then holds every row)."""
    statistics = shingle_statistics(scratch, compact, params)
    plan = AnchorPlan.of(statistics, params)
    lengths = np.zeros(len(statistics.size), dtype=np.uint32)
    lengths[compact["n"].to_numpy()] = compact["length"].to_numpy()
    mask = None
    prefix = orient(prefix_candidates(compact), compact)
    if only is not None:
        mask = np.zeros(len(statistics.size), dtype=bool)
        mask[only.to_numpy()] = True
        prefix = prefix.filter(pl.col("a").is_in(only.implode()))
    prefix = verified_prefixes(records, prefix).with_columns(prefix=pl.lit(True))
    near = near_candidates(scratch, statistics, plan, pl.Series(lengths), params, mask)
    pairs = orient(pl.concat([near, prefix.select("a", "b")]).unique(), compact)
    log.info("dedup: %d candidate pairs", pairs.height)
    count = count_shared or functools.partial(shared_counts, scratch)
    sizes = pl.DataFrame({"a": np.arange(len(statistics.size), dtype=np.uint32), "a_size": statistics.size})
    pairs = (
        pairs.with_columns(shared=pl.Series(count(pairs.select("a", "b")), dtype=pl.Int64))
        .join(prefix, on=["a", "b"], how="left")
        .join(sizes, on="a")
        .with_columns(
            prefix=pl.col("prefix").fill_null(False),
            containment=(pl.col("shared") / pl.col("a_size")).fill_nan(0.0).clip(0.0, 1.0),
        )
        .filter(pl.col("prefix") | (pl.col("containment") >= params.near_containment))
    )
    decisions = (
        pairs.sort(["a", "prefix", "containment", "b_length", "b_id"], descending=[False, True, True, True, False])
        .group_by("a", maintain_order=True)
        .first()
        .select(
            n="a",
            kept_n="b",
            kind=pl.when(pl.col("prefix")).then(pl.lit("truncated")).otherwise(pl.lit("near")),
            similarity=pl.col("containment").cast(pl.Float64),
        )
        .cast(DECISION_SCHEMA)
    )
    decided = compact["n"] if only is None else only
    return decisions, plan.frame(decided.to_numpy())


def shingle_class(df: pl.Expr, cap: int) -> pl.Expr:
    """What a shingle's document frequency means to the anchors of the records holding it: unshared (null), or its
    rarity class."""
    return pl.when(df >= 2).then(rarity(df, cap))


@dataclasses.dataclass(frozen=True)
class Anchors:
    """(n, h): the anchors of a build's representatives. `decided` in any order; `carried`, the anchors of those
    a rebuild carries over, already in (n, h) order (the state's, whose numbers keep their order), so that the
    state merges them in instead of sorting the corpus's anchors again (13.6 M rows at 1 GB)."""

    decided: pl.LazyFrame
    carried: pl.LazyFrame | None = None


@dataclasses.dataclass(frozen=True)
class Rebuild:
    """What a rebuild decides again (n of representatives), and what it carries over from the previous build."""

    recompute: pl.Series
    carried: pl.DataFrame  # DECISION_SCHEMA: the previous decisions of the others, in this build's numbers
    carried_plans: pl.DataFrame  # PLAN_SCHEMA: the others' anchor plans, their counts brought up to date
    carried_anchors: Anchors  # the others' anchors
    frequencies: Frequencies  # the previous build's, with the change of representatives


def plan_rebuild(
    previous: PreviousBuild, compact: pl.DataFrame, shingles: CachedShingles, params: DedupParams
) -> Rebuild | None:
    """The representatives whose decision a change of the corpus can reach, given the previous build's state.

    A representative's decision depends on its own content, the contents of the representatives holding its
    anchors or sharing a prefix key with it, and the rarity classes of its shingles. Between two builds, the
    representatives added (new content, or newly the representative of its copies) and removed change the
    document frequency of their shingles only. So a representative present in both builds can decide otherwise
    only if: a change of its shingles' rarity classes changes its anchors (`class_reach`); an added representative
    holds as many of its anchors as a candidate must (`new_candidates`); the one it duplicated is removed; or it
    shares a prefix key with an added or removed one. Every other keeps its decision, anchor plan (its counts
    brought up to date) and anchors: what a fresh build would compute, except the anchors of a record whose prefix
    filter is exact, which any of its shared shingles, as many, would serve as well (`PLAN_SCHEMA`). None when
    the previous build's features of a removed representative are no longer cached, or when two representatives
    of a build have the same content (never expected: copies group) and so could not be told apart.
    """
    current = compact.select("n", *IDENTITY, "prefix_keys")
    states = previous.representatives
    if current.select(IDENTITY).is_duplicated().any() or states.select(IDENTITY).is_duplicated().any():
        return None
    known = current.join(states.select("index", *IDENTITY), on=IDENTITY).select("n", "index")
    added = current.join(known, on="n", how="anti")
    removed = states.join(known, on="index", how="anti")
    removed_shingles = previous_shingles(previous, removed)
    if removed_shingles is None:
        return None
    added_shingles = shingles.of_records(added["n"])
    change = (
        pl.concat([added_shingles.select("h", change=pl.lit(1)), removed_shingles.select("h", change=pl.lit(-1))])
        .group_by("h")
        .agg(pl.col("change").sum())
    )
    cap = params.max_shingle_df
    frequencies = previous.frequencies(change.cast(CHANGE_SCHEMA))
    frequency = frequencies.of(change["h"]).filter(pl.col("df") > 0)  # a hash no one holds any more moves nowhere
    moves = frequency.select(
        "h", old=shingle_class(pl.col("df") - pl.col("change"), cap), new=shingle_class(pl.col("df"), cap)
    ).filter(pl.col("old").ne_missing(pl.col("new")))
    held = shingles.select(compact["n"], moves["h"]).join(known, on="n").join(moves, on="h")
    by_class, plans = class_reach(previous, held, params)
    by_anchor = new_candidates(previous, known, added_shingles)
    by_best = states.join(removed.select(best="index"), on="best", how="semi").join(known, on="index")["n"]
    changed_keys = pl.concat([prefix_key_rows(added, "n").drop("n"), prefix_key_rows(removed, "index").drop("index")])
    by_prefix = prefix_key_rows(current, "n").join(changed_keys, on=["prefix", "level"], how="semi")["n"]
    recompute = pl.concat([added["n"], by_class, by_anchor, by_best, by_prefix]).unique().sort()
    stay = known.filter(~pl.col("n").is_in(recompute.implode()))
    carried = (
        stay.join(states.filter(pl.col("best").is_not_null()), on="index")
        .join(known.select(best="index", kept_n="n"), on="best")
        .select("n", "kept_n", "kind", "similarity")
        .cast(DECISION_SCHEMA)
    )
    carried_plans = stay.join(plans, on="index").select(list(PLAN_SCHEMA)).cast(PLAN_SCHEMA)
    carried_anchors = anchors_carried(previous, stay)
    log.info("dedup: rebuild decides %d of %d representatives again", recompute.len(), compact.height)
    return Rebuild(recompute, carried, carried_plans, carried_anchors, frequencies)


def anchors_carried(previous: PreviousBuild, stay: pl.DataFrame) -> Anchors:
    """The anchors of the representatives carried over (stay: n, index), renumbered from the state's (index, h)
    order by a lookup, which keeps that order when their numbers come in the order of their indices (a file added
    or removed shifts numbers, it does not reorder them)."""
    n_of = np.full(previous.representatives.height, -1, dtype=np.int64)
    n_of[stay["index"].to_numpy()] = stay["n"].to_numpy()
    renumbered = (
        previous.anchors()
        .select(n=pl.lit(pl.Series(n_of)).gather("index"), h="h")
        .filter(pl.col("n") >= 0)
        .cast({"n": pl.UInt32})
    )
    numbers = n_of[n_of >= 0]
    in_order = bool((np.diff(numbers) > 0).all())
    return Anchors(pl.LazyFrame(schema=SHINGLE_SCHEMA), renumbered) if in_order else Anchors(renumbered)


def class_reach(previous: PreviousBuild, held: pl.DataFrame, params: DedupParams) -> tuple[pl.Series, pl.DataFrame]:
    """(n of the representatives whose anchors a change of rarity class can change, every previous representative's
    anchor plan as it is now for those it cannot: PLAN_SCHEMA without n, with index).

    held: (n, index, h, old, new), a known representative holding a hash whose class moved (null: unshared). Its
    anchors are its shared shingles in the classes below `last_class` and the `quota` smallest of that class, a
    quota given by its budget, which follows from its shared shingles and those under the cap. They stay the same
    unless a move makes a shingle shared or unshared, changes its budget (across the cap), touches a class below
    `last_class`, brings a shingle into that class, takes one of its anchors out of it, or takes out so many others
    that the class no longer reaches the budget (then the anchors go on in the next class). The plans of the others
    change by their counts only."""
    last, old, new = pl.col("last_class"), pl.col("old"), pl.col("new")
    anchors = previous.anchors().join(held.lazy().select("index", "h"), on=["index", "h"], how="semi").collect()
    under_cap = capped_classes(params.max_shingle_df)
    moves = (
        held.join(anchors.with_columns(anchor=pl.lit(True)), on=["index", "h"], how="left")
        .join(previous.representatives.select("index", "last_class"), on="index")
        .group_by("index", "n")
        .agg(
            blocked=(
                old.is_null()
                | new.is_null()
                | (pl.min_horizontal(old, new) < last).fill_null(False)
                | ((new == last) & (old != last)).fill_null(False)
                | ((old == last) & pl.col("anchor").fill_null(False)).fill_null(False)
            ).any(),
            leaving=((old == last) & (new != last)).fill_null(False).sum(),
            capped=(new < under_cap).cast(pl.Int64).sum() - (old < under_cap).cast(pl.Int64).sum(),
        )
    )
    plan = list(dedup_state.PLAN)
    before = previous.representatives.select("index", *plan)
    budget = budget_of(pl.col("exact_budget"), pl.col("capped"), params)
    after = (
        before.join(moves, on="index", how="left", suffix="_change")
        .with_columns(pl.col("leaving", "capped_change").fill_null(0), blocked=pl.col("blocked").fill_null(False))
        .with_columns(budget_before=budget)
        .with_columns(
            capped=(pl.col("capped") + pl.col("capped_change")),
            through_last=(pl.col("through_last") - pl.col("leaving")),
        )
        .with_columns(
            reached=pl.col("blocked")
            | (budget != pl.col("budget_before"))
            | ((last < EVERY_CLASS) & (pl.col("through_last") < pl.col("budget_before"))).fill_null(False)
        )
    )
    reached = after.filter(pl.col("reached")).join(moves.select("index", "n"), on="index")["n"]
    return reached, after.select("index", *plan)


def new_candidates(previous: PreviousBuild, known: pl.DataFrame, added_shingles: pl.DataFrame) -> pl.Series:
    """n of the known representatives an added one may now be a candidate of: it holds as many of their anchors as
    a candidate must (`required`)."""
    hits = (
        previous.anchors()
        .join(added_shingles.lazy().select(added="n", h="h"), on="h")
        .group_by("index", "added")
        .len("hits")
        .join(previous.representatives.lazy().select("index", "required"), on="index")
        .filter(pl.col("hits") >= pl.col("required"))
    )
    return hits.join(known.lazy(), on="index").select("n").unique().collect()["n"]


def near_decisions(
    records: Records,
    compact: pl.DataFrame,
    scratch: Scratch,
    params: DedupParams,
    previous: PreviousBuild | None,
) -> tuple[pl.DataFrame, pl.DataFrame, Anchors, Frequencies]:
    """(decisions before chains, anchor plans, anchors, document frequencies) of the representatives: all
    decided here, or, given the previous build's state, those a change can reach decided on the rows of their
    shingles only, the others carried over. Without a previous build the scan wrote every shingle to scratch; with
    one it left them in the cache."""

    def from_scratch() -> tuple[pl.DataFrame, pl.DataFrame, Anchors, Frequencies]:
        decisions, plans = near_and_truncated(records, compact, scratch, params)
        counted = Frequencies(frequency_files(scratch.frequencies_folder()), pl.DataFrame(schema=CHANGE_SCHEMA))
        return decisions, plans, Anchors(scratch.anchors()), counted

    if previous is None:
        return from_scratch()
    shingles = CachedShingles(previous.space, records.parts(), scratch.buckets)
    rebuild = plan_rebuild(previous, compact, shingles, params)
    if rebuild is None or rebuild.recompute.len() == compact.height:
        shingles.write_to(scratch)
        return from_scratch()
    recompute = rebuild.recompute
    own = shingles.of_records(recompute)
    frequencies = rebuild.frequencies.of(own["h"].unique()).select(list(FREQUENCY_SCHEMA))
    # What their decisions read: their own rows, and every holder of a hash they may look up as an anchor; the
    # rows of the longer records of their candidate pairs are read once those are known (`pair_counts`).
    looked_up = anchor_hashes(own, frequencies, params)
    others = compact["n"].filter(~compact["n"].is_in(recompute.implode()))
    most = own.height + int(frequencies.filter(pl.col("h").is_in(looked_up.implode()))["df"].sum())
    buckets = max(1, -(-most // params.bucket_shingles))  # as many hash ranges as these rows need
    restricted = shingles.subset(own, others, looked_up, scratch.root / "restricted", frequencies, buckets)

    def count_shared(pairs: pl.DataFrame) -> np.ndarray:
        partners = shingles.of_records(pairs["b"].unique(), own["h"].unique())
        return pair_counts(own, partners, pairs)

    decisions, plans = near_and_truncated(records, compact, restricted, params, recompute, count_shared)
    decisions = pl.concat([rebuild.carried, decisions]).sort("n")
    plans = pl.concat([rebuild.carried_plans, plans]).sort("n")
    carried = rebuild.carried_anchors
    anchors = Anchors(pl.concat([carried.decided, restricted.anchors()]), carried.carried)
    return decisions, plans, anchors, rebuild.frequencies


def anchor_hashes(own: pl.DataFrame, frequencies: pl.DataFrame, params: DedupParams) -> pl.Series:
    """Every hash that can be an anchor of these records (own: their rows (n, h); frequencies: (h, df) of those
    hashes): the shared ones under the cap, and each record's k rarest shared ones (k = anchor_hits), which are
    its anchors when it has fewer than k under the cap (`near_candidates`). A superset is harmless: it only
    brings more rows into the rebuild's scratch."""
    cap = params.max_shingle_df
    shared = own.join(frequencies, on="h").filter(pl.col("df") >= 2)
    in_order = shared.sort("n", rarity(pl.col("df"), cap), "h")
    rarest = in_order.filter(pl.int_range(pl.len()).over("n") < params.anchor_hits)
    return pl.concat([shared.filter(pl.col("df") <= cap)["h"], rarest["h"]]).unique()


def save_state(
    space: Path,
    records: Records,
    representatives: pl.DataFrame,
    decisions: pl.DataFrame,
    plans: pl.DataFrame,
    anchors: Anchors,
    frequencies: Frequencies,
) -> None:
    """The state of this build for the next one (pipeline/dedup_state.py), representatives in n order."""
    places = pl.concat(
        [
            pl.DataFrame(
                {"n": part.numbers, "part": PartCache.of(space, part).entry.name,
                 "local": np.arange(part.height, dtype=np.uint32)},
                schema={"n": pl.UInt32, "part": pl.String, "local": pl.UInt32},
            )
            for part in records.parts()
        ]
    )  # fmt: skip
    ordered = representatives.select("n", *IDENTITY, "prefix_keys").sort("n").with_row_index("index")
    index = ordered.select("n", "index")
    rows = (
        ordered.join(places, on="n", how="left", maintain_order="left")
        .join(decisions, on="n", how="left", maintain_order="left")
        .join(index.select(kept_n="n", best="index"), on="kept_n", how="left", maintain_order="left")
        .join(plans, on="n", how="left", maintain_order="left")
    )
    index_of = np.zeros(int(ordered["n"].max()) + 1 if ordered.height else 0, dtype=np.uint32)
    index_of[ordered["n"].to_numpy()] = ordered["index"].to_numpy()

    def indexed(frame: pl.LazyFrame) -> pl.LazyFrame:
        return frame.select(index=pl.lit(pl.Series(index_of)).gather("n"), h="h")

    carried = None if anchors.carried is None else indexed(anchors.carried)
    dedup_state.save(space, rows, indexed(anchors.decided), frequencies, carried)


def follow_chains(decisions: pl.DataFrame, source: str, target: str, via: pl.DataFrame | None = None) -> pl.DataFrame:
    """Point every decision at a record that is itself kept (a -> b -> c becomes a -> c)."""
    via = decisions if via is None else via
    step_table = via.select(pl.col(source).alias(target), next=pl.col(target))
    for _ in range(MAX_CHAIN):
        step = decisions.join(step_table, on=target, how="left")
        if step["next"].null_count() == step.height:
            return decisions
        decisions = step.with_columns(pl.coalesce("next", target).alias(target)).drop("next")
    raise RuntimeError(f"dedup decision chain longer than {MAX_CHAIN}")


def decide(
    records: Records, params: DedupParams, scratch: Scratch, engine: EngineParams | None, cache: Path | None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(compact, groups, fates): fates hold (n, kept_n, kept_id, kind, similarity) per record dropped. With a cache
    folder (and parts as input), each part's features and the decisions' state are kept there between builds."""
    space = None
    if cache is not None and not isinstance(records.source, pl.DataFrame):
        space = cache / namespace(params)
        prune(cache, [space.name])
    previous = PreviousBuild.load(space) if space is not None else None
    # A rebuild selects the few shingles it needs from the cache; a first build copies them all to scratch at once.
    compact = scan_records(records, params, scratch, engine, space, to_scratch=previous is None)
    groups = exact_groups(compact)
    representatives = compact.join(groups.filter(pl.col("rank") == 1).select("n"), on="n", how="semi")
    decisions, plans, anchors, frequencies = near_decisions(records, representatives, scratch, params, previous)
    if space is not None:
        save_state(space, records, representatives, decisions, plans, anchors, frequencies)
        # Only now: the previous state points into the entries of parts that have left (removed representatives).
        keep_only(space, records.parts())
    near = follow_chains(decisions, "n", "kept_n")
    exact = groups.filter(pl.col("rank") > 1).select(
        "n", "kept_n", kind=pl.lit("exact"), similarity=pl.lit(1.0, dtype=pl.Float64)
    )
    # A copy whose representative is itself dropped (say, a truncated page saved twice) points past it.
    exact = follow_chains(exact, "n", "kept_n", via=near)
    fates = pl.concat([exact, near]).cast(DECISION_SCHEMA).join(compact.select(kept_n="n", kept_id="id"), on="kept_n")
    return compact, groups, fates


# The columns that give the duplicates n's order (id, then the first place of the record as it came, then its row)
# without n, which moves when a file is added: a part's dropped rows keep them, so a part whose rows and decisions are
# unchanged keeps its dropped rows, which are merged into duplicates.parquet in the same order a fresh build gives.
# Rows of one file are in one part, so its row within the part breaks the last ties.
REMOVED_ORDER = {"_file": pl.String, "_line": pl.Int32, "_row": pl.UInt32}
DUPLICATE_ORDER = ["id", "kept_id", "kind", *REMOVED_ORDER]


@dataclasses.dataclass(frozen=True)
class Fates:
    """What the decisions make of the records (by n): the metadata and provenance representatives take from their
    copies (`merged_metadata`), the exact copies, every dropped record, and the fate of each (n, kept_id, kind,
    similarity). Small columns, never texts: a part's own (`of`) travel to a worker with its task."""

    merged: pl.DataFrame
    exact_copies: pl.Series
    dropped: pl.Series
    outcome: pl.DataFrame

    def of(self, numbers: np.ndarray) -> Fates:
        """These fates restricted to the records numbered `numbers` (a part's): the same rows for those."""
        ns = pl.Series(numbers, dtype=pl.UInt32).implode()
        return Fates(
            self.merged.filter(pl.col("n").is_in(ns)),
            self.exact_copies.filter(self.exact_copies.is_in(ns)),
            self.dropped.filter(self.dropped.is_in(ns)),
            self.outcome.filter(pl.col("n").is_in(ns)),
        )

    @property
    def removed_schema(self) -> dict[str, pl.DataType]:
        return {**ARTICLE_SCHEMA, **dict(self.outcome.drop("n").schema), **REMOVED_ORDER}

    def published(self, batch: pl.DataFrame) -> pl.DataFrame:
        """A representative's row as published: metadata and provenance merged from its copies (every provenance
        list unique and sorted). Exact copies are left out: they are removed as they came."""
        return (
            batch.filter(~pl.col("n").is_in(self.exact_copies.implode()))
            .join(self.merged, on="n", how="left", suffix="_merged", maintain_order="left")
            .with_columns(
                *[pl.coalesce(f"{c}_merged", c).alias(c) for c in METADATA],
                provenance=pl.when(pl.col("provenance_merged").is_not_null())
                .then("provenance_merged")
                .otherwise(pl.col("provenance").list.unique().list.sort()),
            )
            .select("n", *ARTICLE_COLUMNS)
        )

    def kept_rows(self, part: Records) -> pl.LazyFrame:
        """The part's kept rows as published, read batch by batch when collected."""
        return batch_source(
            lambda: (
                self.published(batch).filter(~pl.col("n").is_in(self.dropped.implode())).select(ARTICLE_COLUMNS)
                for batch in part.batches(ARTICLE_COLUMNS)
            ),
            ARTICLE_SCHEMA,
            "dedup kept articles",
        )

    def removed_batch(self, batch: pl.DataFrame, place: pl.DataFrame) -> pl.DataFrame:
        """The dropped rows of a batch: exact copies as they came, the others as published, with their fate and
        REMOVED_ORDER (place: n and row of every record of the batch's part)."""
        first = pl.col("provenance").list.first().struct
        order = batch.select("n", _file=first.field("file"), _line=first.field("line_start")).join(place, on="n")
        return (
            pl.concat([batch.filter(pl.col("n").is_in(self.exact_copies.implode())), self.published(batch)])
            .join(self.outcome, on="n")
            .with_columns(is_truncated=pl.col("is_truncated") | (pl.col("kind") == "truncated"))
            .join(order, on="n", maintain_order="left")
            .drop("n")
        )

    def removed_rows(self, part: Records) -> pl.LazyFrame:
        """The part's dropped rows, read batch by batch when collected."""
        place = row_places(part)
        return batch_source(
            lambda: (self.removed_batch(batch, place) for batch in part.batches(ARTICLE_COLUMNS, self.dropped)),
            self.removed_schema,
            "dedup removed articles",
        )


@dataclasses.dataclass(frozen=True)
class PartOutputs:
    """What one input part gives: the part, the digest of what its rows are made of, and its fates (`Fates.of`):
    its kept rows and its dropped rows with REMOVED_ORDER, as lazy frames that read the part again."""

    part: Records
    inputs: str
    fates: Fates

    @property
    def source(self) -> Path:
        return self.part.source[0]

    @property
    def kept(self) -> pl.LazyFrame:
        return self.fates.kept_rows(self.part)

    @property
    def removed(self) -> pl.LazyFrame:
        return self.fates.removed_rows(self.part)


@dataclasses.dataclass(frozen=True)
class Result(stage.StageResult):
    """dedup's StageResult, with the kept and dropped rows part by part too (parquet input only; empty for a
    frame)."""

    parts: Sequence[PartOutputs] = ()


def batch_source(
    batches: Callable[[], Iterator[pl.DataFrame]], schema: dict[str, pl.DataType], name: str
) -> pl.LazyFrame:
    """A lazy frame whose rows are those of batches() (frames of `schema`), produced batch by batch when collected
    or sunk: the rows are never all in memory unless the caller collects them."""

    def source(
        with_columns: list[str] | None, predicate: pl.Expr | None, n_rows: int | None, _batch_size: int | None
    ) -> Iterator[pl.DataFrame]:
        remaining = n_rows
        for rows in batches():
            if remaining == 0:
                return
            rows = rows if predicate is None else rows.filter(predicate)
            rows = rows if with_columns is None else rows.select(with_columns)
            if remaining is not None:
                rows = rows.head(remaining)
                remaining -= rows.height
            yield rows

    return register_io_source(source, schema=schema, explain_name=name)


def transform(
    articles: pl.DataFrame | Sequence[Path],
    params: DedupParams,
    scratch_root: Path | None = None,
    engine: EngineParams | None = None,
    cache: Path | None = None,
) -> Result:
    """Drop duplicates. Given parquet files (clean's parts), `kept` and `removed` (the duplicates, with kept_id,
    kind, similarity, sorted by a total key) are lazy frames that read them again batch by batch, which a caller
    streams to disk (and `parts` the kept rows part by part): the stage never holds the corpus's texts. Given a
    DataFrame, frames come back. `cache`: a folder where the per-record features of each part are kept between
    builds (parts only). `scratch_root`: the output root whose scratch folder holds the temporary files
    (io.scratch_folder).
    """
    for name in (
        "shingle_words",
        "max_shingle_df",
        "truncated_min_chars",
        "anchor_hits",
        "batch_records",
        "bucket_shingles",
    ):
        if getattr(params, name) < 1:
            raise ValueError(f"params dedup.{name} must be at least 1, got {getattr(params, name)}")
    records = Records(articles, params.batch_records, ARTICLE_SCHEMA)
    with io.scratch_folder(scratch_root, "dedup-") as tmp:
        words = sum(int(batch["word_count"].cast(pl.Int64).sum()) for batch in records.batches(["word_count"]))
        buckets = max(1, -(-words // params.bucket_shingles))
        compact, groups, decisions = decide(records, params, Scratch(tmp, buckets), engine, cache)
    merged = merged_metadata(records, groups)
    fates = Fates(
        merged,
        groups.filter(pl.col("rank") > 1)["n"],
        decisions["n"],
        decisions.select("n", "kept_id", "kind", "similarity"),
    )
    parts = []
    if not isinstance(articles, pl.DataFrame):
        for part in records.parts():
            # What the part's rows are made of: its bytes, the fate of each of its dropped rows, and the metadata its
            # representatives take from their copies (all by row in the part: numbers move when a file is added).
            own = fates.of(part.numbers)
            place = row_places(part)
            gone = place.join(own.outcome.with_columns(exact=pl.col("n").is_in(own.exact_copies.implode())), on="n")
            filled = place.join(own.merged, on="n").drop("n").sort("_row")
            inputs = shards.digest(part.digest, content_digest(gone.drop("n").sort("_row")), content_digest(filled))
            parts.append(PartOutputs(part, inputs, own))
    dropped_ids = compact.filter(pl.col("n").is_in(fates.dropped.implode())).select("id").unique().sort("id")["id"]
    pieces = [part.removed for part in parts] if parts else [fates.removed_rows(records)]
    removed = ordered_duplicates(pieces, dropped_ids, params.batch_records, scratch_root)
    metrics = stage.stage_metrics(
        "dedup",
        rows_in=compact.height,
        rows_out=compact.height - decisions.height,
        dropped=stage.counts(decisions, "kind"),
    )
    kept = fates.kept_rows(records)
    if isinstance(articles, pl.DataFrame):
        kept, removed = kept.collect(), removed.collect()
    return Result(kept=kept, quarantined=stage.quarantine_frame(), removed=removed, metrics=metrics, parts=parts)


def row_places(part: Records) -> pl.DataFrame:
    """(n, _row) of every record of a part: its number in the whole input and its row in the part."""
    return pl.DataFrame({"n": part.numbers}, schema={"n": pl.UInt32}).with_columns(
        _row=pl.int_range(pl.len(), dtype=pl.UInt32)
    )


def ordered_duplicates(
    pieces: Sequence[pl.LazyFrame], ids: pl.Series, batch_ids: int, scratch_root: Path | None
) -> pl.LazyFrame:
    """The dropped rows of these pieces (each with REMOVED_ORDER) in the total order DUPLICATE_ORDER, without the
    order columns; ids: every id among them, sorted. Produced batch_ids ids at a time when collected or sunk
    (shards.key_batches: a piece in memory at a time), so no step holds the texts of them all."""
    schema = dict(pieces[0].collect_schema()) if pieces else {**polars_schema(Duplicate), **REMOVED_ORDER}

    def batches() -> Iterator[pl.DataFrame]:
        with io.scratch_folder(scratch_root, "dedup-removed-") as tmp:
            collected = (piece.collect() for piece in pieces)
            for rows in shards.key_batches(collected, schema, ids, batch_ids, tmp):
                yield rows.sort(DUPLICATE_ORDER).drop(list(REMOVED_ORDER))

    return batch_source(batches, {k: v for k, v in schema.items() if k not in REMOVED_ORDER}, "dedup duplicates")


@dataclasses.dataclass(frozen=True)
class PartWrite:
    """One input part's two output parts to write (an engine task: the part's file is read again where it runs)."""

    outputs: PartOutputs
    kept: Path
    removed: Path


def write_part(task: PartWrite) -> None:
    """A part's kept rows and dropped rows, streamed to their files (run where the engine puts the task)."""
    io.sink_parquet(task.outputs.kept, task.kept)
    io.sink_parquet(task.outputs.removed, task.removed)


def write_parts(parts: Sequence[PartOutputs], out: Outputs, params: DedupParams, engine: EngineParams) -> None:
    """Two output parts per input part, named alike: its kept rows and its dropped rows, each input part an engine
    task. A part written from the same inputs (its digest recorded beside it) by an earlier run is kept as it is,
    and the parts of inputs no longer there are removed."""
    version = namespace(params)  # the code and params that turn those inputs into rows
    folders = [out.dedup_articles_dir, out.dedup_removed_dir]
    written, todo, tasks = [], [], []
    for part in parts:
        shard = shards.Shard(int(part.source.stem.removeprefix("part-")), range(0))
        written.append(shard)
        inputs = shards.digest(version, part.inputs)
        if shards.is_current(out.dedup_digests_dir, shard, PART, inputs, folders):
            continue
        shards.forget(out.dedup_digests_dir, shard, PART)
        todo.append((shard, inputs))
        tasks.append(
            PartWrite(part, shards.part(out.dedup_articles_dir, shard), shards.part(out.dedup_removed_dir, shard))
        )
    engine_for(engine).map(write_part, tasks)
    for shard, inputs in todo:
        shards.remember(out.dedup_digests_dir, shard, PART, inputs)
    shards.retain([*folders, out.dedup_digests_dir], written)
    (out.dedup_dir / "articles.parquet").unlink(missing_ok=True)  # the one file builds before parts wrote


def run(*, out: Outputs, params: DedupParams, engine: EngineParams) -> dict:
    result = transform(
        shards.parts(out.clean_articles_dir), params, out.root, engine=engine, cache=out.stage_cache("dedup")
    )
    # The kept rows are clean's rows (validated there) with metadata filled from copies: check the shape here.
    CleanArticle.validate(result.kept.head(0).collect())
    write_parts(result.parts, out, params, engine)
    # duplicates.parquet from the parts' dropped rows (a fifth of the corpus at most), not from every text again;
    # engine.batch_rows of them at a time. Row checks only (no check spans rows): pandera's full checks hold batch
    # by batch as the rows stream to disk.
    pieces = [pl.scan_parquet(path) for path in shards.parts(out.dedup_removed_dir)]
    ids = pl.concat([pl.DataFrame(schema={"id": pl.String}), *(p.select("id").collect() for p in pieces)])
    removed = ordered_duplicates(pieces, ids["id"].unique().sort(), engine.batch_rows, None)
    io.sink_parquet(removed.map_batches(Duplicate.validate, streamable=True), out.duplicates)
    stage.write_metrics(result.metrics, out.stage_metrics("dedup"))
    log.info("dedup: %d -> %d", result.metrics["rows_in"], result.metrics["rows_out"])
    return result.metrics
