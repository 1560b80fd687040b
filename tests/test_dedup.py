"""The dedup stage: decisions on small hand-made corpora, determinism of its files, and parity with the old
self-join implementation (tests/dedup_reference.py) on a generated corpus parsed and cleaned by the real stages."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import dedup_reference
import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest
from conftest import REPO_ROOT, SHARED

from pipeline import dedup, dedup_keys, io, shards
from pipeline import dedup_state as dedup_state_module
from pipeline.cache import content_digest
from pipeline.config import ConfigError, DedupParams, load_params
from pipeline.engine import POOL_PAYS_FROM
from pipeline.outputs import Outputs
from pipeline.stage import StageResult
from pipeline.text import NFKC_STABLE_NON_ASCII, canonical
from schemas import PROVENANCE_DTYPE, CleanArticle, Duplicate

PARAMS = load_params(REPO_ROOT / "params.yaml").dedup
WORDS = [f"{stem}{i}" for i in range(400) for stem in ("exports", "tariff")][:400]
LONG_BODY = " ".join(WORDS[:300]) + "."
CUT_AT = 517  # inside a word: a download that stopped mid-word


def article(body: str, *, file: str, title: str | None = "Exports rise", **fields) -> dict:
    """One clean-stage row; the id is a content hash of title and body, as clean makes it."""
    digest = hashlib.sha256(f"{canonical(title)}\n{canonical(body)}".encode()).hexdigest()[:16]
    row = {
        "id": digest, "title": title, "body": body, "published_date": None, "source": None, "byline": None,
        "category": None, "language": "en", "is_truncated": False, "word_count": len(body.split()),
        "layout": "test/v1", "provenance": [{"file": file, "line_start": 1, "line_end": 3}],
    }  # fmt: skip
    row.update(fields)
    return row


def frame(*rows: dict) -> pl.DataFrame:
    schema = {name: column.dtype.type for name, column in CleanArticle.to_schema().columns.items()}
    schema["provenance"] = PROVENANCE_DTYPE
    return CleanArticle.validate(pl.DataFrame(list(rows), schema=schema))


def run(*rows: dict) -> tuple[pl.DataFrame, pl.DataFrame, dict]:
    result = dedup.transform(frame(*rows), PARAMS)
    assert result.quarantined.is_empty()
    return result.kept, Duplicate.validate(result.removed), result.metrics


def test_exact_copies_merge_with_every_place_and_metadata_from_copies() -> None:
    first = article(LONG_BODY, file="b.txt", category="Trade")
    second = article(LONG_BODY, file="a.txt", byline="Kim Min-ji")
    third = article(LONG_BODY, file="c.txt", is_truncated=True, source="Ministry")
    kept, removed, metrics = run(first, second, third)
    assert kept.height == 1
    row = kept.row(0, named=True)
    assert [p["file"] for p in row["provenance"]] == ["a.txt", "b.txt", "c.txt"]
    assert (row["category"], row["byline"], row["source"]) == ("Trade", "Kim Min-ji", "Ministry")
    assert row["is_truncated"] is False  # a complete copy represents the group
    assert removed["kind"].to_list() == ["exact", "exact"]
    assert set(removed["kept_id"]) == {row["id"]}
    assert metrics == {"stage": "dedup", "rows_in": 3, "rows_out": 1, "dropped": {"exact": 2}}


def test_copies_with_conflicting_titles_are_not_merged() -> None:
    kept, removed, _ = run(
        article(LONG_BODY, file="a.txt", title="Exports rise"), article(LONG_BODY, file="b.txt", title="Imports fall")
    )
    assert sorted(kept["title"]) == ["Exports rise", "Imports fall"]
    assert removed.is_empty()


def test_truncated_prefix_is_dropped_to_the_full_article() -> None:
    full = article(LONG_BODY, file="full.txt")
    cut = article(LONG_BODY[:CUT_AT], file="cut.txt")
    assert LONG_BODY[CUT_AT - 1].isalnum() and LONG_BODY[CUT_AT].isalnum()
    kept, removed, _ = run(full, cut)
    assert kept["id"].to_list() == [full["id"]]
    row = removed.row(0, named=True)
    assert (row["id"], row["kept_id"], row["kind"], row["is_truncated"]) == (cut["id"], full["id"], "truncated", True)
    assert row["similarity"] > 0.9


def test_prefix_shorter_than_the_minimum_is_not_a_truncated_copy() -> None:
    # Below truncated_min_chars a prefix is no truncated copy; its shingles are all in the article: a near copy.
    short = LONG_BODY[: PARAMS.truncated_min_chars - 10]
    _, removed, _ = run(article(LONG_BODY, file="full.txt"), article(short, file="short.txt"))
    assert removed["kind"].to_list() == ["near"]


def test_brief_inside_a_long_release_is_a_near_copy_although_their_jaccard_is_low() -> None:
    # 35 words of the release plus 6 of its own: 31 of its 37 shingles (84 %) are in the release, whose 296
    # shingles make the Jaccard similarity 31 / 302 = 0.10, which MinHash-LSH tuned for 0.7 would not pair.
    brief = " ".join(WORDS[100:135] + ["said", "the", "ministry", "on", "monday", "evening"])
    release, near = article(LONG_BODY, file="release.txt"), article(brief, file="brief.txt")
    kept, removed, _ = run(release, near)
    assert kept["id"].to_list() == [release["id"]]
    assert removed.select("id", "kept_id", "kind").row(0) == (near["id"], release["id"], "near")
    assert removed["similarity"].item() == pytest.approx(31 / 37)


def test_text_sharing_less_than_the_threshold_is_kept() -> None:
    # 20 words of the release plus 20 of its own: 16 of 36 shingles (44 %) are in the release.
    brief = " ".join(WORDS[100:120] + [f"own{i}" for i in range(20)])
    kept, removed, _ = run(article(LONG_BODY, file="release.txt"), article(brief, file="brief.txt"))
    assert kept.height == 2 and removed.is_empty()


def test_chains_end_at_a_kept_record() -> None:
    # tail: the last 15 words of `cut`, ending in its cut word: all its shingles are in `cut`, 10 of 11 in `full`,
    # so it is a near copy of `cut`, which is a truncated copy of `full`. Both must point at `full`; so must an
    # exact copy of `cut` (whose representative, `cut`, is dropped).
    cut_body = LONG_BODY[:CUT_AT]
    tail_body = " ".join(cut_body.split()[-15:])
    full, cut = article(LONG_BODY, file="full.txt"), article(cut_body, file="cut.txt")
    cut_again = article(cut_body, file="cut_again.txt", title=None)
    tail = article(tail_body, file="tail.txt")
    kept, removed, metrics = run(full, cut, cut_again, tail)
    assert kept["id"].to_list() == [full["id"]]
    kinds = dict(
        zip(
            removed["id"] + "/" + removed["provenance"].list.first().struct.field("file"), removed["kind"], strict=True
        )
    )
    assert kinds == {f"{cut['id']}/cut.txt": "truncated", f"{cut_again['id']}/cut_again.txt": "exact",
                     f"{tail['id']}/tail.txt": "near"}  # fmt: skip
    assert set(removed["kept_id"]) == {full["id"]}
    assert metrics["dropped"] == {"exact": 1, "near": 1, "truncated": 1}


def test_empty_and_tiny_bodies() -> None:
    bodies = ["", "★ ☆ ♥", "one", "one two three", "one two three four", "one two three four five six"]
    kept, removed, metrics = run(*[article(b, file=f"{i}.txt") for i, b in enumerate(bodies)])
    assert metrics["rows_in"] == 6 and metrics["rows_out"] + sum(metrics["dropped"].values()) == 6
    assert removed["kind"].to_list() == ["exact"]  # "" and "★ ☆ ♥" have the same (empty) normal form


def test_no_articles() -> None:
    kept, removed, metrics = run()
    assert kept.is_empty() and removed.is_empty()
    assert metrics == {"stage": "dedup", "rows_in": 0, "rows_out": 0, "dropped": {}}


def test_parquet_parts_give_a_lazy_frame_with_the_same_rows(tmp_path: Path) -> None:
    rows = frame(
        article(LONG_BODY, file="a.txt", category="Trade"),
        article(LONG_BODY[:CUT_AT], file="b.txt"),
        article(LONG_BODY, file="c.txt", byline="Kim Min-ji"),
    )
    parts = [tmp_path / "part-00000.parquet", tmp_path / "part-00001.parquet"]
    rows.head(2).write_parquet(parts[0])
    rows.tail(1).write_parquet(parts[1])
    lazy = dedup.transform(parts, dataclasses.replace(PARAMS, batch_records=1))
    eager = dedup.transform(rows, PARAMS)
    assert isinstance(lazy.kept, pl.LazyFrame)
    assert lazy.kept.collect().equals(eager.kept)
    assert lazy.kept.head(0).collect().schema == eager.kept.schema
    assert isinstance(lazy.removed, pl.LazyFrame)
    assert lazy.removed.collect().equals(eager.removed)
    assert eager.kept.row(0, named=True)["byline"] == "Kim Min-ji"


def test_parts_on_two_workers_give_the_same_outputs_as_in_process(tmp_path: Path) -> None:
    """Each part is an engine task (its keys, its shingles to scratch); the corpus-level steps read them all."""
    rows = frame(
        article(LONG_BODY, file="a.txt", category="Trade"),
        article(LONG_BODY[:CUT_AT], file="b.txt"),
        article(" ".join(WORDS[100:135] + ["said", "the", "ministry"]), file="c.txt"),
        article(LONG_BODY, file="d.txt", byline="Kim Min-ji"),
        article(" ".join(WORDS[200:260]), file="e.txt", title="Tariffs"),
    )
    engine = dataclasses.replace(load_params(REPO_ROOT / "params.yaml").engine, name="local", workers=2)
    # Enough parts that the map starts the workers rather than cutting them here (engine.POOL_PAYS_FROM).
    parts = [tmp_path / f"part-{i:05d}.parquet" for i in range(max(4, POOL_PAYS_FROM * engine.workers))]
    slices = [(0, 2), (2, 0), (2, 1), (3, 2)] + [(rows.height, 0)] * (len(parts) - 4)
    for part, (start, length) in zip(parts, slices, strict=True):
        rows.slice(start, length).write_parquet(part)  # empty parts too
    workers = dedup.transform(parts, PARAMS, engine=engine)
    in_process = dedup.transform(rows, PARAMS)
    assert workers.kept.collect().equals(in_process.kept)
    removed = workers.removed.collect()
    assert removed.equals(in_process.removed)
    assert removed["kind"].sort().to_list() == ["exact", "near", "near", "truncated"]


def test_part_features_are_kept_between_builds_and_read_back_to_the_same_outputs(tmp_path: Path) -> None:
    """With a cache folder, each part's features are stored under its bytes' digest and read instead of cutting the
    texts again: the same outputs whether computed, read back, or mixed (one part changed), and the entries of
    parts no longer in the input are removed."""
    rows = frame(
        article(LONG_BODY, file="a.txt", category="Trade"),
        article(LONG_BODY[:CUT_AT], file="b.txt"),
        article(" ".join(WORDS[100:135] + ["said", "the", "ministry"]), file="c.txt"),
        article(LONG_BODY, file="d.txt", byline="Kim Min-ji"),
    )
    parts = [tmp_path / "part-00000.parquet", tmp_path / "part-00001.parquet"]
    rows.head(2).write_parquet(parts[0])
    rows.tail(2).write_parquet(parts[1])
    cache = tmp_path / "cache"
    expected = dedup.transform(rows, PARAMS)
    for _ in ("computed", "read back"):
        result = dedup.transform(parts, PARAMS, cache=cache)
        assert result.kept.collect().equals(expected.kept)
        assert result.removed.collect().equals(expected.removed)
    (space,) = cache.iterdir()
    entries = {
        entry.name: sorted(p.name for p in entry.iterdir()) for entry in space.iterdir() if entry.name != "state"
    }
    assert len(entries) == 2 and all(
        files == ["compact-000000.arrow", "keys-000000.arrow", "shingles-000000.arrow"] for files in entries.values()
    )
    state = space / "state"
    assert sorted(p.name for p in state.iterdir()) == ["anchors.arrow", "frequencies", "representatives.arrow"]
    # Anchors come out of joins in no fixed order; the state holds them sorted, so its bytes are the same each run.
    anchors = pl.read_ipc(state / "anchors.arrow")
    assert anchors.height > 0 and anchors.equals(anchors.sort("index", "h"))

    # The decisions' state is what the next build carries over: with its decisions erased, nothing is a near or
    # truncated copy any more (no content changed, so none is decided again).
    decided = pl.read_ipc(state / "representatives.arrow")
    decided.with_columns(best=pl.lit(None, pl.UInt32)).write_ipc(state / "representatives.arrow")
    assert set(dedup.transform(parts, PARAMS, cache=cache).removed.collect()["kind"]) == {"exact"}
    decided.write_ipc(state / "representatives.arrow")
    assert dedup.transform(parts, PARAMS, cache=cache).removed.collect().equals(expected.removed)

    # A cached entry is what the next build reads: emptied of shingles (and with no state to carry decisions
    # over), the brief is no longer found inside.
    tail_entry = space / content_digest(parts[1])
    shingles = pl.read_ipc(tail_entry / "shingles-000000.arrow")
    shingles.clear().write_ipc(tail_entry / "shingles-000000.arrow")
    shutil.rmtree(state)
    assert dedup.transform(parts, PARAMS, cache=cache).removed.collect().height < expected.removed.height
    shingles.write_ipc(tail_entry / "shingles-000000.arrow")
    shutil.rmtree(state)

    # One part changed: its entry is replaced, the other one kept; the outputs are those of the new rows.
    changed = pl.concat([rows.tail(2), frame(article(" ".join(WORDS[200:260]), file="e.txt", title="Tariffs"))])
    changed.write_parquet(parts[1])
    result = dedup.transform(parts, PARAMS, cache=cache)
    fresh = dedup.transform(pl.concat([rows.head(2), changed]), PARAMS)
    assert result.kept.collect().equals(fresh.kept) and result.removed.collect().equals(fresh.removed)
    now = {entry.name for entry in space.iterdir()} - {"state"}
    assert len(now) == 2 and len(now & set(entries)) == 1 and tail_entry.name not in now


def test_a_changed_part_cuts_its_new_records_only_and_writes_the_entry_a_fresh_cut_writes(tmp_path: Path) -> None:
    """A part whose bytes changed (a file added to its shard) copies the features of the records an earlier entry
    holds, found by their keys wherever they sit in it, and cuts the others: the same files, byte for byte, as
    cutting every record; and what is copied is the earlier entry's, not recomputed."""
    rows = frame(*(article(" ".join(WORDS[i : i + 40 + 7 * i]), file=f"{i}.txt") for i in range(6)))
    old, new = tmp_path / "old.parquet", tmp_path / "new.parquet"
    rows.head(4).write_parquet(old)
    # New records between the old ones, the old ones moved, one of them twice (copies in one part).
    rows[[5, 0, 1, 4, 2, 3, 1]].write_parquet(new)

    def batches(path: Path) -> Callable[[], Iterator[pl.DataFrame]]:
        height = pq.ParquetFile(path).metadata.num_rows
        local = dedup_keys.Records([path], 2, dedup.ARTICLE_SCHEMA, np.arange(height, dtype=np.uint32))
        return lambda: local.batches(dedup_keys.SCAN_COLUMNS)

    def files(entry: dedup_keys.PartCache) -> dict[str, bytes]:
        return {path.name: path.read_bytes() for path in sorted(entry.entry.iterdir())}

    earlier, fresh, reused = (dedup_keys.PartCache(tmp_path / name) for name in ("earlier", "fresh", "reused"))
    earlier.fill(batches(old), PARAMS)
    fresh.fill(batches(new), PARAMS)
    reused.fill(batches(new), PARAMS, [earlier])
    assert len(files(fresh)) == 3 * 4 and files(reused) == files(fresh)  # 4 batches of 2 rows: compact, shingles, keys

    # Mark every record of the earlier entry: the copied ones carry the mark, the records cut anew do not.
    for path in sorted(earlier.entry.glob("compact-*.arrow")):
        io.write_ipc(pl.read_ipc(path).with_columns(length=pl.col("length") + 1000), path)
    marked = dedup_keys.PartCache(tmp_path / "marked")
    marked.fill(batches(new), PARAMS, [earlier])
    lengths = pl.concat(marked.compacts()).sort("n")["length"] - pl.concat(fresh.compacts()).sort("n")["length"]
    assert lengths.to_list() == [0, 1000, 1000, 0, 1000, 1000, 1000]


def test_cached_shingles_select_and_count_like_the_rows_themselves(tmp_path: Path) -> None:
    """A rebuild reads the cached shingles filtered on each part's own row numbers and renumbers them last. Checked
    against the rows renumbered first, then filtered, for holder sets that take every branch of that filter: every
    record of a part, most of them, a few, none."""
    rows = frame(*(article(" ".join(WORDS[i : i + 40 + 7 * i]), file=f"{i}.txt") for i in range(12)))
    parts = [tmp_path / f"part-{i:05d}.parquet" for i in range(3)]
    for i, path in enumerate(parts):
        rows.slice(4 * i, 4).write_parquet(path)
    records = dedup_keys.Records(parts, PARAMS.batch_records, dedup.ARTICLE_SCHEMA)
    cache = tmp_path / "cache"
    scratch = dedup_keys.Scratch(tmp_path / "scratch", 1)
    for index, part in enumerate(records.parts()):
        dedup_keys.scan_part(dedup_keys.ScanTask(part, index, PARAMS, scratch, cache, to_scratch=False))
    shingles = dedup_keys.CachedShingles(cache, records.parts(), buckets=1)
    every = pl.concat(
        [
            pl.read_ipc(path).with_columns(n=pl.lit(pl.Series(part.numbers)).gather("n"))
            for part in records.parts()
            for path in sorted(dedup_keys.PartCache.of(cache, part).entry.glob("shingles-*.arrow"))
        ]
    )
    hashes = every["h"].unique().sort().gather_every(3)
    first_part = pl.Series(records.parts()[0].numbers)
    for holders in (
        pl.Series(range(12), dtype=pl.UInt32),  # all of every part
        pl.Series([n for n in range(12) if n != int(first_part[0])], dtype=pl.UInt32),  # most of one part
        first_part.head(1),  # one record of one part, none of the others
        pl.Series([], dtype=pl.UInt32),
    ):
        expected = every.filter(pl.col("h").is_in(hashes.implode()) & pl.col("n").is_in(holders.implode()))
        assert shingles.select(holders, hashes).sort("n", "h").equals(expected.sort("n", "h"))
        counted = expected.group_by("h").agg(df=pl.len().cast(pl.UInt32)).sort("h")
        subset = shingles.subset(every.clear(), holders, hashes, tmp_path / "subset", counted, buckets=2)
        written = [s.collect().select("n", "h") for b in range(2) if (s := subset.all_shingles(b)) is not None]
        assert pl.concat([every.clear(), *written]).sort("n", "h").equals(expected.sort("n", "h"))
        shutil.rmtree(tmp_path / "subset", ignore_errors=True)  # nothing written when nothing is selected
    assert shingles.select(pl.Series(range(12), dtype=pl.UInt32), hashes.clear()).is_empty()


def test_nfkc_fast_path_characters_are_their_own_nfkc_form() -> None:
    """dedup lower-cases, without NFKC, bodies made only of ASCII and these characters."""
    for char in NFKC_STABLE_NON_ASCII:
        assert unicodedata.normalize("NFKC", char) == char and not unicodedata.combining(char), hex(ord(char))


def test_dedup_params_have_no_code_defaults(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        DedupParams()  # type: ignore[call-arg]
    text = (REPO_ROOT / "params.yaml").read_text(encoding="utf-8")
    trimmed = tmp_path / "params.yaml"
    trimmed.write_text(text.replace("  near_containment:", "  # near_containment:"), encoding="utf-8")
    with pytest.raises(ConfigError, match="missing key.*near_containment"):
        load_params(trimmed)


# ---------------------------------------------------------------------------------------------------------------
# A generated corpus (../shared/bench/gen_corpus.py) parsed and cleaned by the real stages.

GEN_CORPUS = SHARED / "bench" / "gen_corpus.py"


@pytest.fixture(scope="module")
def generated_clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not GEN_CORPUS.is_file():
        pytest.skip("the shared benchmark generator is not beside the repo")
    root = tmp_path_factory.mktemp("generated")
    subprocess.run([sys.executable, str(GEN_CORPUS), "--out", str(root / "raw"), "--mb", "2", "--seed", "3"],
                   check=True, capture_output=True)  # fmt: skip
    out = root / "out"
    for stage in (["scan", str(root / "raw")], ["parse", str(root / "raw")], ["clean"]):
        subprocess.run([sys.executable, "-m", "pipeline", *stage, "--out", str(out)], cwd=REPO_ROOT, check=True,
                       capture_output=True)  # fmt: skip
    return out


@pytest.mark.slow
def test_same_decisions_as_the_self_join_implementation(generated_clean: Path) -> None:
    articles = clean_articles(generated_clean)
    reference_published, reference = dedup_reference.dedup(articles, PARAMS)
    result = dedup.transform(articles, PARAMS)
    assert result.kept.equals(reference_published)
    assert result.metrics["dropped"] == dict(sorted(reference.group_by("kind").len().iter_rows()))
    key = ["id", "kind", "similarity"]
    near = pl.col("kind") != "exact"
    assert (
        result.removed.filter(near)
        .select(*key, "kept_id")
        .sort(pl.all())
        .equals(reference.filter(near).select(*key, "kept_id").sort(pl.all()))
    )
    # Exact copies: the reference points at the group's representative even when that one is dropped in turn
    # (a truncated page saved twice); the rewrite follows the chain to the record that is kept.
    published = set(result.kept["id"])
    follow = dict(zip(reference.filter(near)["id"], reference.filter(near)["kept_id"], strict=True))
    expected = reference.filter(~near).with_columns(
        kept_id=pl.col("kept_id").replace_strict(follow, default=pl.col("kept_id"))
    )
    assert set(expected["kept_id"]) <= published
    ours = result.removed.filter(~near)
    assert ours.select(*key, "kept_id").sort(pl.all()).equals(expected.select(*key, "kept_id").sort(pl.all()))


@pytest.mark.slow
def test_speed_and_memory_parameters_do_not_change_the_outputs(generated_clean: Path) -> None:
    """batch_records and bucket_shingles only trade speed for memory: the same outputs. So does anchor_hits where
    every record has the anchors the prefix filter needs under max_shingle_df, as in this small corpus."""
    articles = clean_articles(generated_clean)
    usual = dedup.transform(articles, PARAMS)
    other = dedup.transform(
        articles, dataclasses.replace(PARAMS, anchor_hits=1, batch_records=333, bucket_shingles=20_000)
    )
    assert other.kept.equals(usual.kept)
    assert other.removed.equals(usual.removed)
    assert other.metrics == usual.metrics


def clean_articles(out: Path) -> pl.DataFrame:
    """Every part clean wrote, as one frame (dedup's input)."""
    return pl.read_parquet(shards.parts(Outputs(out).clean_articles_dir))


def _dedup_files(clean: Path, out: Path, **env: str) -> dict[str, str]:
    """Run `python -m pipeline dedup` on a copy of clean's output; sha256 of every file it writes, its cache
    (the parts' features and the decisions' state) included."""
    shutil.copytree(Outputs(clean).clean_articles_dir, Outputs(out).clean_articles_dir)
    subprocess.run([sys.executable, "-m", "pipeline", "dedup", "--out", str(out)], cwd=REPO_ROOT, check=True,
                   capture_output=True, env={**os.environ, **env})  # fmt: skip
    written = [
        *(path for path in Outputs(out).dedup_dir.rglob("*") if path.is_file()),
        out / "duplicates.parquet",
        out / "metrics" / "dedup.json",
        *(path for path in (out / "cache" / "dedup").rglob("*") if path.is_file()),
    ]
    return {str(path.relative_to(out)): hashlib.sha256(path.read_bytes()).hexdigest() for path in written}


@pytest.mark.slow
def test_outputs_are_the_same_bytes_across_runs_hash_seeds_and_threads(generated_clean: Path, tmp_path: Path) -> None:
    first = _dedup_files(generated_clean, tmp_path / "one", PYTHONHASHSEED="1", POLARS_MAX_THREADS="2")
    second = _dedup_files(generated_clean, tmp_path / "two", PYTHONHASHSEED="2", POLARS_MAX_THREADS="1")
    assert first == second
    duplicates = pl.read_parquet(tmp_path / "one" / "duplicates.parquet")
    assert duplicates.height > 100  # the generated corpus has copies of every kind
    assert set(duplicates["kind"]) == {"exact", "near", "truncated"}


@pytest.mark.slow
@pytest.mark.parametrize("max_shingle_df", [PARAMS.max_shingle_df, 2])
def test_a_rebuild_decides_again_only_what_a_change_reaches_and_matches_a_fresh_build(
    generated_clean: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, max_shingle_df: int
) -> None:
    """With the previous build's state, a rebuild decides again only the representatives a change can reach and
    carries the others' decisions over: after each change (records added, removed, edited, a new representative
    for copies) the outputs are those of a build from scratch, and most decisions were carried. With a cap of 2,
    many records have fewer anchors under the cap than the prefix filter needs and take rarer ones above it: the
    rebuild's outputs are still a fresh build's."""
    params = dataclasses.replace(PARAMS, max_shingle_df=max_shingle_df)
    articles = clean_articles(generated_clean).with_row_index("row")
    cache = tmp_path / "cache"

    def build(rows: pl.DataFrame, step: str) -> tuple[int, int]:
        folder = tmp_path / step
        folder.mkdir()
        parts = [folder / f"part-{i:05d}.parquet" for i in range(4)]
        for index, path in enumerate(parts):
            rows.filter(pl.col("row") % 4 == index).drop("row").write_parquet(path)
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="pipeline.dedup"):
            result = dedup.transform(parts, params, cache=cache)
        fresh_cache = tmp_path / f"{step} fresh cache"
        fresh = dedup.transform(parts, params, cache=fresh_cache)
        assert result.kept.collect().sort("id").equals(fresh.kept.collect().sort("id")), step
        assert result.removed.collect().equals(fresh.removed.collect()), step
        assert result.metrics == fresh.metrics, step
        # The state the next rebuild starts from is a fresh build's: decisions and anchor plans, and the anchors
        # of every record whose anchors matter (one with all those the prefix filter needs keeps the anchors it
        # was decided with: any of its shared shingles, as many, find every candidate).
        ours, theirs = dedup_state(cache), dedup_state(fresh_cache)
        assert ours[0].equals(theirs[0]), step
        # The document frequencies brought up to date by the change are the counts of a fresh build (whose hash
        # ranges may differ: the table is compared whole).
        assert ours[2].equals(theirs[2]), step
        matter = ours[0].with_row_index("index").filter(pl.col("last_class").is_not_null()).select("index")
        assert ours[1].join(matter, on="index").equals(theirs[1].join(matter, on="index")), step
        assert ours[1].equals(ours[1].sort("index", "h")), step  # carried anchors merged into the state's order
        counts = [m for m in caplog.messages if "decides" in m]
        if not counts:
            return 0, 0
        again, total = map(int, re.findall(r"\d+", counts[0])[:2])
        return again, total

    # One record in a hundred has no headline: a titled copy of its body, added later, becomes its group's
    # representative in its place.
    articles = articles.with_columns(title=pl.when(pl.col("row") % 100 == 0).then(None).otherwise("title"))
    held_back = articles.sample(n=3, seed=1)["row"]
    first = articles.filter(~pl.col("row").is_in(held_back.implode()))
    assert build(first, "first") == (0, 0)  # no state yet: everything decided
    small = [build(articles, "added")]  # three records come back
    removed = articles.sample(n=3, seed=2)
    remaining = articles.join(removed, on="row", how="anti")
    small.append(build(remaining, "removed"))
    revised = pl.col("body") + " The figures were revised."
    edited = remaining.with_columns(body=pl.when(pl.col("row").is_in([5, 6, 7])).then(revised).otherwise("body"))
    small.append(build(edited, "edited"))
    promoted = edited.filter(pl.col("title").is_null()).head(2)
    assert promoted.height == 2
    promoted = promoted.with_columns(
        row=pl.col("row") + 10**6, id=pl.col("id") + "-titled", title=pl.lit("A headline"),
        provenance=pl.col("provenance").list.eval(pl.element().struct.with_fields(file=pl.lit("promoted.txt"))),
    )  # fmt: skip
    small.append(build(pl.concat([edited, promoted]), "promoted"))
    assert all(0 < again < total / 4 for again, total in small), small
    # A tenth of the corpus removed, then back: most decisions are reached, and they are still a fresh build's.
    tenth = articles.sample(fraction=0.1, seed=3)
    build(articles.join(tenth, on="row", how="anti"), "tenth removed")
    build(articles, "tenth back")


def dedup_state(cache: Path) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(representatives, anchors, document frequencies: every range's file in order) of the decisions' state in a
    dedup cache."""
    (state,) = cache.glob(f"*/{dedup_state_module.FOLDER}")
    tables = dedup_state_module.frequency_files(state / dedup_state_module.FREQUENCIES)
    return (
        pl.read_ipc(state / dedup_state_module.REPRESENTATIVES),
        pl.read_ipc(state / dedup_state_module.ANCHORS),
        pl.concat([pl.read_ipc(path) for path in tables]),
    )


def test_frequencies_bring_a_kept_table_up_to_date_range_by_range(tmp_path: Path) -> None:
    """A count looked up in the kept table with the change applied is the count of the changed holders; the table
    written back holds those counts in its own hash ranges, h ascending, without the hashes no one holds any more,
    and a range the change does not touch is the same file."""
    ranges = 3
    rng = np.random.default_rng(7)
    hashes = np.unique(rng.integers(0, 2**64 - 1, 300, dtype=np.uint64))
    table = pl.DataFrame({"h": hashes, "df": rng.integers(1, 40, len(hashes)).astype(np.uint32)})
    split = table.with_columns(range=dedup_state_module.hash_range(pl.col("h"), ranges))
    kept = tmp_path / "kept"
    kept.mkdir()
    for index in range(ranges):
        own = split.filter(pl.col("range") == index).drop("range")
        own.write_ipc(dedup_state_module.frequency_path(kept, index))
    first_range = split.filter(pl.col("range") == 0)
    untouched = split.filter(pl.col("range") == 2)
    assert first_range.height and untouched.height
    gone, raised = first_range.row(0, named=True), first_range.row(1, named=True)
    new_hash = int(first_range["h"][0]) + 1  # in the first range, not in the table
    assert new_hash not in set(hashes.tolist())
    change = pl.DataFrame(
        {"h": [gone["h"], raised["h"], new_hash], "change": [-gone["df"], 2, 1]},
        schema=dedup_state_module.CHANGE_SCHEMA,
    )
    frequencies = dedup_state_module.Frequencies(dedup_state_module.frequency_files(kept), change)
    asked = pl.Series([gone["h"], raised["h"], new_hash, int(untouched["h"][0])], dtype=pl.UInt64)
    expected = {gone["h"]: 0, raised["h"]: raised["df"] + 2, new_hash: 1, int(untouched["h"][0]): untouched["df"][0]}
    assert dict(frequencies.of(asked).select("h", "df").iter_rows()) == expected
    written = tmp_path / "written"
    frequencies.write(written)
    files = dedup_state_module.frequency_files(written)
    assert len(files) == ranges
    counts = dict(table.iter_rows())
    counts |= {raised["h"]: raised["df"] + 2, new_hash: 1}
    del counts[gone["h"]]
    whole = pl.concat([pl.read_ipc(path) for path in files])
    assert whole["h"].is_sorted() and dict(whole.iter_rows()) == counts
    for index, path in enumerate(files):
        in_range = dedup_state_module.hash_range(pl.col("h"), ranges) == index
        assert pl.read_ipc(path).select(in_range.all()).item()
    assert files[2].stat().st_ino == (kept / files[2].name).stat().st_ino  # linked, not rewritten


def cached_build(tmp_path: Path, *rows: dict, params: DedupParams = PARAMS) -> StageResult:
    """dedup on the rows as one parquet part in a new folder, with its cache in tmp_path/cache; the outputs,
    collected, are checked against a build from scratch."""
    part = tmp_path / f"build-{len(list(tmp_path.glob('build-*')))}" / "part-00000.parquet"
    part.parent.mkdir()
    frame(*rows).write_parquet(part)
    result = dedup.transform([part], params, cache=tmp_path / "cache")
    fresh = dedup.transform(frame(*rows), params)
    result = dataclasses.replace(result, kept=result.kept.collect(), removed=result.removed.collect())
    assert result.removed.equals(fresh.removed) and result.kept.equals(fresh.kept)
    return result


def test_a_rebuild_redecides_a_brief_when_a_longer_release_holding_it_comes_or_goes(tmp_path: Path) -> None:
    """A brief inside a release: when a longer release holding it is added, or removed again, its shingles'
    document frequency goes 2 -> 3 -> 2, always the same rarity class, yet its decision changes (the longest
    release holding it wins). The rebuild finds it by its anchors (held by the added release) and by its decision
    (pointing at the removed one), and gives a fresh build's outputs."""
    brief = article(" ".join(WORDS[100:135] + ["said", "the", "ministry"]), file="brief.txt", title="Brief")
    release = article(LONG_BODY, file="release.txt", title="Release")
    longest = article(" ".join(WORDS[80:180] + [f"duties{i}" for i in range(260)]), file="longest.txt", title="Full")

    def kept_for_brief(*rows: dict) -> str:
        return cached_build(tmp_path, *rows).removed.filter(pl.col("id") == brief["id"])["kept_id"].item()

    assert kept_for_brief(brief, release) == release["id"]
    assert kept_for_brief(brief, release, longest) == longest["id"]  # added: holds the brief's anchors
    assert kept_for_brief(brief, release) == release["id"]  # the one it pointed at is removed


def test_a_rebuild_redecides_a_cut_page_found_by_its_prefix_only(tmp_path: Path) -> None:
    """A cut page of four long words is one shingle that no other record holds, so it has no anchors: only its
    prefix key finds the pages it begins. When a longer page with the same beginning is added, the rebuild must
    decide it again by that key (no shingle of it changed frequency), as a fresh build does."""
    opening = ["Seoul" + "x" * 22, "exporters" + "y" * 20, "announced" + "z" * 20, "semiconductor" + "w" * 18]
    cut = article(" ".join(opening), file="cut.txt", title=None, is_truncated=True)
    page = article(" ".join(opening + [f"alpha{i}" for i in range(50)]), file="page.txt", title="Page")
    longer = article(" ".join(opening + [f"beta{i}" for i in range(100)]), file="longer.txt", title="Longer")

    def kept_for_cut(*rows: dict) -> str:
        removed = cached_build(tmp_path, *rows).removed
        (decision,) = removed.filter(pl.col("id") == cut["id"]).select("kept_id", "kind").rows()
        assert decision[1] == "truncated"
        return decision[0]

    assert kept_for_cut(cut, page) == page["id"]
    assert kept_for_cut(cut, page, longer) == longer["id"]


@pytest.mark.parametrize(("max_shingle_df", "decided_again"), [(PARAMS.max_shingle_df, 2), (2, 3)])
def test_a_removal_that_moves_shingles_to_another_rarity_class_redecides_the_holders_whose_anchors_it_moves(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, max_shingle_df: int, decided_again: int
) -> None:
    """A brief inside three releases: removing one that is not the brief's choice moves the brief's shingles from
    4 records to 3, another rarity class. Under the usual cap the brief has all the anchors the prefix filter needs,
    which find every candidate whichever shingles they are: it keeps its decision, and only the two releases sharing
    the removed one's prefix are decided again. With a cap of 2 it has fewer (its anchors are its rarest shingles
    above the cap), the move reorders them, and it is decided again too (here with the same outcome)."""
    params = dataclasses.replace(PARAMS, max_shingle_df=max_shingle_df)
    brief = article(" ".join(WORDS[100:135] + ["said", "the", "ministry"]), file="brief.txt", title="Brief")
    releases = [
        article(" ".join(WORDS[90:150] + [f"{stem}{i}" for i in range(40 + 20 * k)]), file=f"{stem}.txt", title=stem)
        for k, stem in enumerate(("duties", "levies", "quotas"))
    ]
    for rows in ([brief, *releases], [brief, *releases[1:]]):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="pipeline.dedup"):
            result = cached_build(tmp_path, *rows, params=params)
        assert result.removed["kept_id"].to_list() == [releases[2]["id"]]
    assert f"dedup: rebuild decides {decided_again} of 3 representatives again" in caplog.messages


def test_a_class_move_reaches_a_record_only_where_it_can_change_its_anchors(tmp_path: Path) -> None:
    """`class_reach` on one move per record (cap 16: classes 0-3 under it, k = 5). A record's anchors are its shared
    shingles below `last_class` and its smallest ones there, as many as its budget: a move reaches it when it makes a
    shingle shared, touches a class below, enters that class, takes an anchor out of it or leaves fewer than the
    budget there, or changes the budget across the cap; not when it stays above, takes a non-anchor out of a class
    that still reaches the budget, or when the record's filter is exact (null last_class). The plans of the others
    keep their counts up to date."""
    params = dataclasses.replace(PARAMS, max_shingle_df=16, anchor_hits=5)
    # (last_class, exact_budget, capped, through_last, move old -> new, the hash is an anchor, reached)
    cases = [
        (2, 16, 0, 10, (4, 5), False, False),  # above the last class
        (2, 16, 0, 10, (2, 3), False, False),  # a non-anchor out of it, 9 left >= budget 5
        (2, 16, 0, 5, (2, 3), False, True),  # a non-anchor out of it, 4 left < budget 5
        (2, 16, 0, 10, (2, 3), True, True),  # an anchor out of it
        (2, 16, 0, 10, (1, 2), False, True),  # from below into it
        (2, 16, 0, 10, (0, 1), False, True),  # below it
        (2, 16, 0, 10, (3, 2), False, True),  # into it (a removal)
        (2, 16, 0, 10, (None, 0), False, True),  # newly shared
        (None, 16, 20, None, (1, 2), False, False),  # exact filter
        (None, 16, 20, None, (0, None), False, True),  # no longer shared
        (None, 16, 20, None, (None, 0), False, True),  # newly shared
        (3, 16, 6, 10, (3, 4), False, True),  # across the cap: capped 6 -> 5, budget 6 -> 5
        (3, 16, 3, 10, (3, 4), False, False),  # across the cap: capped 3 -> 2, budget stays 5 (k)
    ]
    representatives = pl.DataFrame(
        [(i, *case[:4], 5) for i, case in enumerate(cases)],
        schema={"index": pl.UInt32, **dedup_state_module.PLAN},
        orient="row",
    )
    held = pl.DataFrame(
        [(i + 100, i, i, *case[4]) for i, case in enumerate(cases)],
        schema={"n": pl.UInt32, "h": pl.UInt64, "index": pl.UInt32, "old": pl.UInt32, "new": pl.UInt32},
        orient="row",
    )
    anchors = pl.DataFrame(
        [(i, i) for i, case in enumerate(cases) if case[5]], schema={"index": pl.UInt32, "h": pl.UInt64}, orient="row"
    )
    (tmp_path / dedup_state_module.FOLDER).mkdir()
    anchors.write_ipc(tmp_path / dedup_state_module.FOLDER / dedup_state_module.ANCHORS)
    reached, plans = dedup.class_reach(dedup_state_module.PreviousBuild(tmp_path, representatives), held, params)
    assert sorted(reached.to_list()) == [i + 100 for i, case in enumerate(cases) if case[6]]
    kept = plans.join(pl.DataFrame({"index": [0, 1, 12]}, schema={"index": pl.UInt32}), on="index").sort("index")
    assert kept.select("through_last", "capped").rows() == [(10, 0), (9, 0), (9, 2)]


def test_an_added_record_holding_a_few_of_a_brief_s_anchors_is_no_candidate_and_leaves_it_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An added page quoting a few words of a brief holds some of its anchors, but fewer than a candidate must
    (`required`): the brief cannot be contained in it, and only the added page is decided."""
    brief = article(" ".join(WORDS[100:135] + ["said", "the", "ministry"]), file="brief.txt", title="Brief")
    release = article(LONG_BODY, file="release.txt", title="Release")
    quoting = article(" ".join([f"levies{i}" for i in range(30)] + WORDS[100:108] + [f"quotas{i}" for i in range(30)]),
                      file="quoting.txt", title="Quote")  # fmt: skip
    assert cached_build(tmp_path, brief, release).removed["kept_id"].to_list() == [release["id"]]
    representatives, anchors, _ = dedup_state(tmp_path / "cache")
    brief_anchors = anchors.join(
        representatives.with_row_index("index").filter(pl.col("id") == brief["id"]).select("index"), on="index"
    )
    quoted = frame(quoting).select(pl.lit(0, pl.UInt32).alias("n"), "id", "is_truncated", "title", "body")
    _, quoted_shingles = dedup_keys.batch_features(quoted, PARAMS)
    held = brief_anchors.join(quoted_shingles, on="h").height
    assert 0 < held < PARAMS.anchor_hits  # some of its anchors, fewer than a candidate must hold
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="pipeline.dedup"):
        result = cached_build(tmp_path, brief, release, quoting)
    assert result.removed["kept_id"].to_list() == [release["id"]]
    assert "dedup: rebuild decides 1 of 3 representatives again" in caplog.messages


def test_a_rebuild_reads_every_holder_of_a_brief_s_anchors_above_the_cap(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With a cap of 2, a brief inside four releases has no shingle under the cap: its anchors are its rarest
    shingles above it. When the longest release goes, the brief alone is decided again (its choice left; no
    shingle changes rarity class, no prefix is shared), and it finds the other releases through those anchors:
    the rebuild must read every holder of them, not only the rows of the records it decides again."""
    params = dataclasses.replace(PARAMS, max_shingle_df=2)
    story = WORDS[100:135]
    brief = article(" ".join([*story, "said", "the", "ministry"]), file="brief.txt", title="Brief")
    releases = [
        article(" ".join([*(f"{stem}{i}" for i in range(10)), *story, *(f"{stem}x{i}" for i in range(40 + 20 * k))]),
                file=f"{stem}.txt", title=stem)
        for k, stem in enumerate(("duties", "levies", "quotas", "tolls"))
    ]  # fmt: skip
    assert cached_build(tmp_path, brief, *releases, params=params).removed["kept_id"].to_list() == [releases[3]["id"]]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="pipeline.dedup"):
        result = cached_build(tmp_path, brief, *releases[:3], params=params)
    assert result.removed["kept_id"].to_list() == [releases[2]["id"]]
    assert "dedup: rebuild decides 1 of 4 representatives again" in caplog.messages


def test_a_rebuild_whose_removed_records_features_are_gone_decides_everything_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The state names where a removed representative's shingles are cached; with that entry gone (a cache pruned
    by hand, a disk cleaned), nothing can be carried over safely, and the rebuild decides every record again."""
    brief = article(" ".join(WORDS[100:135] + ["said", "the", "ministry"]), file="brief.txt", title="Brief")
    release = article(LONG_BODY, file="release.txt", title="Release")
    longest = article(" ".join(WORDS[80:180] + [f"duties{i}" for i in range(260)]), file="longest.txt", title="Full")
    cache = tmp_path / "cache"
    before, after = tmp_path / "before.parquet", tmp_path / "after.parquet"
    frame(brief, release, longest).write_parquet(before)
    dedup.transform([before], PARAMS, cache=cache)
    (space,) = cache.iterdir()
    shutil.rmtree(space / content_digest(before))
    frame(brief, release).write_parquet(after)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="pipeline.dedup"):
        result = dedup.transform([after], PARAMS, cache=cache)
    assert not [m for m in caplog.messages if "rebuild decides" in m]
    removed = result.removed.collect()
    assert removed.equals(dedup.transform(frame(brief, release), PARAMS).removed)
    assert removed["kept_id"].to_list() == [release["id"]]


def test_carried_anchors_keep_the_state_s_order_only_when_numbers_keep_it(tmp_path: Path) -> None:
    """The anchors a rebuild carries over are renumbered by a lookup; they come as a sorted run (merged into the
    state, not sorted again) only when the carried records' numbers rise with their indices, else as rows to sort."""
    representatives = pl.DataFrame({"id": ["a", "b", "c"]}).with_row_index("index")
    (tmp_path / dedup_state_module.FOLDER).mkdir()
    anchors = pl.DataFrame(
        {"index": [0, 0, 1, 2, 2], "h": [3, 9, 4, 1, 7]}, schema={"index": pl.UInt32, "h": pl.UInt64}
    )
    anchors.write_ipc(tmp_path / dedup_state_module.FOLDER / dedup_state_module.ANCHORS)
    previous = dedup_state_module.PreviousBuild(tmp_path, representatives)
    shifted = pl.DataFrame({"n": [0, 5], "index": [0, 2]}, schema={"n": pl.UInt32, "index": pl.UInt32})
    kept = dedup.anchors_carried(previous, shifted)
    assert kept.carried is not None and kept.decided.collect().is_empty()
    assert kept.carried.collect().rows() == [(0, 3), (0, 9), (5, 1), (5, 7)]
    swapped = shifted.with_columns(n=pl.Series([5, 0], dtype=pl.UInt32))
    unordered = dedup.anchors_carried(previous, swapped)
    assert unordered.carried is None
    assert sorted(unordered.decided.collect().rows()) == [(0, 1), (0, 7), (5, 3), (5, 9)]
