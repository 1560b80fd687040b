"""Incremental rebuilds: the per-file cache redoes only the files that changed, and never changes a byte.

A folder is built, then changed (a file added, one edited, one removed) and rebuilt into the same output folder;
every output must equal a from-scratch build of the changed folder, and the log must show that only the changed
files were decoded, parsed and cleaned again, plus, for clean, the files whose corpus-level input (the closing
templates their records belong to) changed. Also across shard plans and worker counts.
"""

from __future__ import annotations

import hashlib
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import yaml
from conftest import REPO_ROOT, SEED_RAW

from pipeline import explorer, io, shards
from pipeline.clean import CACHED as CLEAN_CACHED
from pipeline.config import load_params
from pipeline.extraction import LINE_SCHEMA, parse_documents
from pipeline.layouts.evidence import compared
from pipeline.outputs import Outputs
from pipeline.parse import PARSE_CACHED, learned_keys
from pipeline.text import canonical
from pipeline.units import units

NEW_PAGE = (
    "Industry\n\nShipbuilders win record orders for LNG carriers\n\nPublished : March 3, 2025 - 10:00\n\n"
    "South Korean shipbuilders won orders for 18 liquefied natural gas carriers in February, the most for any "
    "month in three years, industry data showed Monday, as European buyers sought to replace pipeline supply.\n\n"
    "The orders were worth about 4.6 billion dollars in all, according to the data, and most of the ships are "
    "due for delivery in 2028.\n"
)
PARSE_CACHE_LINE = re.compile(r"parse: (\d+) files in (\d+) shards; decoded (\d+) and parsed (\d+)")
CLEAN_CACHE_LINE = re.compile(r"clean: (\d+) files in (\d+) shards; cleaned (\d+)")
LINES_READ_LINE = re.compile(r"parse: .*; lines read by (\d+) shards")
COMPARED_LINE = re.compile(r"parse: .*, units compared for (\d+) files")
EVIDENCE_LINE = re.compile(r"parse: .*; evidence computed for (\d+) files")
PACKAGE_BESIDE = "package runs in the side process beside explore"


def build_log(raw: Path, out: Path, params: Path | None = None) -> str:
    """`python -m pipeline -v run`; returns its log."""
    command = [sys.executable, "-m", "pipeline", "-v"] + (["--params", str(params)] if params else [])
    command += ["run", str(raw), "--out", str(out), "--releases", str(out.parent / "no-releases")]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stderr


def cache_use(log: str) -> tuple[int, int, int, int]:
    """(files, decoded, parsed, cleaned) from a build's log."""
    parsed_line, cleaned_line = PARSE_CACHE_LINE.search(log), CLEAN_CACHE_LINE.search(log)
    assert parsed_line and cleaned_line, log[-3000:]
    files, _, decoded, parsed = (int(g) for g in parsed_line.groups())
    assert int(cleaned_line.group(1)) == files
    return files, decoded, parsed, int(cleaned_line.group(3))


def logged_count(line: re.Pattern[str], log: str) -> int:
    """The count a build's log line reports, e.g. how many parse shards read their lines in pass 2 (LINES_READ_LINE),
    how many files' units parse compared (COMPARED_LINE) or how many files' evidence it computed (EVIDENCE_LINE)."""
    found = line.search(log)
    assert found, log[-3000:]
    return int(found.group(1))


def build(raw: Path, out: Path, params: Path | None = None) -> tuple[int, int, int, int]:
    """`python -m pipeline -v run`; returns (files, decoded, parsed, cleaned) from the log."""
    return cache_use(build_log(raw, out, params))


def digests(root: Path) -> dict[str, str]:
    skip = {"cache", "data_docs"}
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not skip & set(p.relative_to(root).parts) and p.name != ".lock"
    }


def params_with(tmp_path: Path, **engine: int) -> Path:
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["engine"].update(engine)
    path = tmp_path / f"params-{'-'.join(f'{k}{v}' for k, v in sorted(engine.items()))}.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    return path


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    shutil.copytree(SEED_RAW, folder)
    return folder


def test_rebuild_redoes_only_changed_files_and_matches_a_fresh_build(raw: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build_log(raw, out)
    files, decoded, parsed, cleaned = cache_use(first)
    assert files == decoded == parsed == cleaned == len(list(SEED_RAW.iterdir()))
    assert PACKAGE_BESIDE not in first  # a first build's workers start with it: package runs after explore

    assert build(raw, out)[1:] == (0, 0, 0)  # nothing changed: everything from the cache

    (raw / "new_page.txt").write_text(NEW_PAGE, encoding="utf-8")
    rebuild = build_log(raw, out)
    files, decoded, parsed, cleaned = cache_use(rebuild)
    assert (decoded, parsed, cleaned) == (1, 1, 1) and files == len(list(raw.iterdir()))
    assert PACKAGE_BESIDE in rebuild  # its few shards ran here: package in the side process, and the same bytes
    fresh = tmp_path / "fresh"
    build(raw, fresh)
    assert digests(out) == digests(fresh)

    edited = sorted(raw.glob("00*"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more paragraph was added to the page.\n")
    (raw / "new_page.txt").unlink()
    assert build(raw, out)[1:] == (1, 1, 1)
    fresh = tmp_path / "fresh2"
    build(raw, fresh)
    assert digests(out) == digests(fresh)


# A line the corpus could teach as boilerplate, as the units evidence compares it with the learned set can hold
# it: not always a raw line of its own.
LEARNABLE = "Wind speeds across the busy harbor"
PARAGRAPH = (
    "South Korean shipbuilders won orders for 18 liquefied natural gas carriers in February, the most for any "
    "month in three years, industry data showed."
)
UNITS_HOLDING_IT = {
    "own_line": ["Shipbuilders win record orders", LEARNABLE, PARAGRAPH],
    "after_a_shortcode": ["Shipbuilders win record orders", f'[caption id="a1"]{LEARNABLE}', PARAGRAPH],
    "mojibake_bullet": ["Shipbuilders win record orders", f"â€¢ {LEARNABLE}", PARAGRAPH],
    "after_the_crawler_date": [f" date 2024-05-01 {LEARNABLE}", "Shipbuilders win record orders", PARAGRAPH],
    "hard_wrapped": [
        "Shipbuilders win record orders for new carriers", "South Korean shipbuilders won orders for 18 gas",
        "carriers in February, the most in three years.", "Wind speeds across the busy", "harbor.",
        "The orders were worth about 4.6 billion dollars in", "all, according to the data, and most of the ships",
        "are due for delivery in 2028 at the yards there.",
    ],
}  # fmt: skip


def test_a_files_learned_key_changes_whenever_the_learned_set_changes_its_parse() -> None:
    """A rebuild reuses a file's cached parse while its sha256 and learned_key are unchanged, so a change of the
    learned set that changes the file's parse must change its key: the key reads the units evidence compares, with
    a shortcode, mojibake or the crawler's date prefix cut from the line and hard-wrapped lines joined."""
    params = load_params(REPO_ROOT / "params.yaml").parse
    lines = pl.DataFrame(
        [(file, n, text) for file, texts in UNITS_HOLDING_IT.items() for n, text in enumerate(texts, start=1)],
        schema=LINE_SCHEMA,
        orient="row",
    )
    learned = frozenset({canonical(LEARNABLE)})
    for file in UNITS_HOLDING_IT:
        page = lines.filter(pl.col("file") == file)
        without, taught = (parse_documents(page, seen, params.min_layout_score, params.extract) for seen in
                           (frozenset(), learned))  # fmt: skip
        assert not without[0].equals(taught[0]), file  # the learned line changes the file's segments...
    keys = [dict(learned_keys(compared(units(lines)), seen).rows()) for seen in (frozenset(), learned)]
    assert keys[0] == dict.fromkeys(UNITS_HOLDING_IT, "")
    assert all(keys[1][file] for file in UNITS_HOLDING_IT)  # ...so it changes the key of every one of them


def wire_page(n: int, signed_off: bool) -> str:
    """A Yonhap story (the wire dateline makes its template), closed by the reporter's e-mail or not."""
    firm, goods, town = [("Hanwha Ocean", "gas carriers", "Geoje"), ("SK hynix", "memory modules", "Icheon"),
                         ("Kia", "electric sedans", "Gwangmyeong")][n]  # fmt: skip
    last = f"The company plans to hire about {200 + n} more workers at its {town} plant next year."
    return (
        f"{firm} lifts output of {goods} to a record\n\n"
        f"SEOUL, March {n + 3} (Yonhap) -- {firm} said Tuesday it raised its output of {goods} to a record in "
        "February, as makers across the country rushed to meet orders placed late last year by buyers in Europe.\n\n"
        f"The firm expects exports of {goods} to grow by about {10 + n} percent this year, according to a "
        f"statement released by its {town} office on Tuesday afternoon.\n\n"
        + last
        + (f" (reporter{n}@yna.co.kr)" if signed_off else "")
        + "\n"
    )


def is_truncated(out: Path, title_start: str) -> bool:
    articles = pl.read_parquet(out / "interim" / "clean" / "articles")
    return articles.filter(pl.col("title").str.starts_with(title_start))["is_truncated"].item()


def test_clean_cache_misses_when_a_files_closing_template_changes(raw: Path, tmp_path: Path) -> None:
    """A new signed-off story makes the Yonhap template one that closes its articles (3 records, 2 closed): the
    unclosed story's clean result changes (now truncated) though its file did not, so clean redoes the template's
    files and takes the rest from the cache; parse redoes only the new file."""
    (raw / "wire0.txt").write_text(wire_page(0, signed_off=True), encoding="utf-8")
    (raw / "wire1.txt").write_text(wire_page(1, signed_off=False), encoding="utf-8")
    out = tmp_path / "out"
    build(raw, out)
    assert not is_truncated(out, "SK hynix")  # a template of 2 records teaches nothing
    assert build(raw, out)[1:] == (0, 0, 0)

    (raw / "wire2.txt").write_text(wire_page(2, signed_off=True), encoding="utf-8")
    assert build(raw, out)[1:] == (1, 1, 3)  # the new file, and the template's two others
    assert is_truncated(out, "SK hynix")
    assert build(raw, out)[1:] == (0, 0, 0)  # their new entries were kept
    fresh = tmp_path / "fresh"
    assert build(raw, fresh)[1:] == (8, 8, 8)
    assert digests(out) == digests(fresh)


def stamps(folder: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime) of every part under folder: a rewritten part (io writes a new file and renames it into
    place) gets a new inode, a part kept as it was keeps both."""
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("part-*.parquet"))
    }


def shard_of(out: Path) -> dict[str, str]:
    """file -> the name of the parse shard it is in (from the parse keys parts)."""
    return {
        file: part.stem
        for part in sorted((out / "interim" / "parse" / "keys").glob("part-*.parquet"))
        for file in pl.read_parquet(part)["file"].to_list()
    }


def with_promo(page: str) -> str:
    """A page closed by a short promotional line: printed under three distinct articles, it is learned as
    boilerplate, which changes the parse input (learned key) of every file holding it."""
    return page + "\nSubscribe to the Harbour Weekly newsletter for the week's top stories\n"


def test_unchanged_shards_keep_their_parts_and_the_rebuild_matches_a_fresh_build(raw: Path, tmp_path: Path) -> None:
    """With many shards: a shard whose files did not change keeps every parse part untouched; a shard whose files
    did not change but whose learned boilerplate did keeps its decode parts and redoes its parse parts; every
    output equals a fresh build's after a file is added, one is edited and one removed."""
    params = params_with(tmp_path, shard_bytes=2000)  # the seed files and the pages below spread over many shards
    for n in range(2):
        (raw / f"promo{n}.txt").write_text(with_promo(wire_page(n, signed_off=True)), encoding="utf-8")
    out = tmp_path / "out"
    build(raw, out, params)
    parse_dir = out / "interim" / "parse"
    before = stamps(parse_dir)
    log = build_log(raw, out, params)
    assert cache_use(log)[1:] == (0, 0, 0)
    assert stamps(parse_dir) == before  # nothing changed: not a part rewritten
    assert logged_count(LINES_READ_LINE, log) == 0  # the same files and learned set: no shard looks for learned lines

    (raw / "promo2.txt").write_text(with_promo(wire_page(2, signed_off=True)), encoding="utf-8")
    log = build_log(raw, out, params)
    assert cache_use(log)[1:3] == (1, 3)  # the new file, and the two files whose learned key changed
    after, shard = stamps(parse_dir), shard_of(out)
    # the learned set changed: every shard checks
    assert logged_count(LINES_READ_LINE, log) == len(set(shard.values()))
    assert len(set(shard.values())) > 3
    changed_inputs = {shard["promo2.txt"]}
    learned_only = {shard[f"promo{n}.txt"] for n in range(2)} - changed_inputs
    assert learned_only  # the pages' contents put them in distinct shards
    for name, stamp in after.items():
        folder, part = name.split("/")
        rewritten = stamp != before.get(name)
        if part.removesuffix(".parquet") in changed_inputs:
            assert rewritten, name
        elif part.removesuffix(".parquet") in learned_only:
            assert rewritten == (folder in {"segments", "records", "quarantine", "keys"}), name
        else:
            assert not rewritten, name
    fresh = tmp_path / "fresh"
    build(raw, fresh, params)
    assert digests(out) == digests(fresh)

    edited = sorted(raw.glob("00*"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more paragraph was added to the page.\n")
    (raw / "promo2.txt").unlink()  # the promotional line is no longer learned
    build(raw, out, params)
    fresh = tmp_path / "fresh2"
    build(raw, fresh, params)
    assert digests(out) == digests(fresh)


def test_a_rebuild_reads_back_the_evidence_and_learned_keys_of_unchanged_files(raw: Path, tmp_path: Path) -> None:
    """A shard's parts hold each file's boilerplate evidence and learned key (under the namespace and learned set
    they were written with): a new file in the shard has its evidence computed and its units compared, the others'
    are read back. A file whose key is known but whose parse is not in the cache (the cache was removed) is parsed
    from its units, compared then. Each gives a fresh build's bytes."""
    params = params_with(tmp_path, shard_bytes=10**9)  # one shard: every file beside the new one
    out = tmp_path / "out"
    count = len(list(raw.iterdir()))
    first = build_log(raw, out, params)
    assert logged_count(COMPARED_LINE, first) == logged_count(EVIDENCE_LINE, first) == count
    new_page = raw / "000_0_new_page.txt"  # first in path order: its rows go before the ones read back
    new_page.write_text(NEW_PAGE, encoding="utf-8")
    log = build_log(raw, out, params)
    assert cache_use(log)[1:3] == (1, 1) and logged_count(COMPARED_LINE, log) == logged_count(EVIDENCE_LINE, log) == 1
    fresh = tmp_path / "fresh"
    build(raw, fresh, params)
    assert digests(out) == digests(fresh)

    shutil.rmtree(out / "cache" / "parse")
    new_page.write_text(NEW_PAGE.replace("18 liquefied", "21 liquefied"), encoding="utf-8")
    log = build_log(raw, out, params)
    assert cache_use(log)[1:3] == (count + 1, count + 1) and logged_count(COMPARED_LINE, log) == count + 1
    assert logged_count(EVIDENCE_LINE, log) == 1  # the edited file; the others' evidence does not need the cache
    fresh = tmp_path / "fresh2"
    build(raw, fresh, params)
    assert digests(out) == digests(fresh)


STAGE_ENTRIES = {"clean": "clean/*/shards/*", "dedup": "dedup/*/*", "explore": "explore/*/*"}


# Not per-shard entries: dedup's decisions state, the explorer's folders of duplicate clusters and of file lists.
NOT_SHARD_ENTRIES = {"state", explorer.CLUSTERS, explorer.LISTS}


def stage_entries(out: Path) -> dict[str, set[str]]:
    """The names of the per-shard (per-part) entries each stage keeps in the cache."""
    return {
        stage: {p.name for p in (out / "cache").glob(pattern)} - NOT_SHARD_ENTRIES
        for stage, pattern in STAGE_ENTRIES.items()
    }


def test_a_new_file_replaces_only_its_shards_entries_in_the_stage_caches(raw: Path, tmp_path: Path) -> None:
    """clean, dedup and explore keep whole shards (parts) in the cache: an unchanged build reuses every entry, and a
    new file (new text, so no other shard's records change fate) replaces only its own shard's."""
    params = params_with(tmp_path, shard_bytes=1)  # one bucket a shard: adding a file keeps the shard plan
    out = tmp_path / "out"
    build(raw, out, params)
    before = stage_entries(out)
    assert all(
        len(names) == len(shards.parts(out / "interim" / "clean" / "articles")) > 3 for names in before.values()
    )
    dedup_parts = [Outputs(out).dedup_articles_dir, Outputs(out).dedup_removed_dir]  # kept and dropped rows
    parts_before = [stamps(folder) for folder in dedup_parts]
    assert all(len(stamped) == len(before["clean"]) for stamped in parts_before)
    build(raw, out, params)
    assert stage_entries(out) == before
    assert [stamps(folder) for folder in dedup_parts] == parts_before  # dedup rewrote none of its parts

    (raw / "new_page.txt").write_text(NEW_PAGE, encoding="utf-8")
    build(raw, out, params)
    after = stage_entries(out)
    for folder, stamped in zip(dedup_parts, parts_before, strict=True):
        rewritten = {name for name, stamp in stamps(folder).items() if stamp != stamped.get(name)}
        assert rewritten == {f"{shard_of(out)['new_page.txt']}.parquet"}  # only the new file's part
    for stage, names in after.items():
        assert len(names - before[stage]) == 1, stage
        assert len(before[stage] - names) <= 1, stage  # the shard's old entry, unless the file opened a new shard
        assert len(names) == len(shards.parts(out / "interim" / "clean" / "articles")), stage
    fresh = tmp_path / "fresh"
    build(raw, fresh, params)
    assert digests(out) == digests(fresh)


def outputs(root: Path) -> dict[str, str]:
    """What users read: the dataset, the audit tables, the verdict and the metrics (not the per-shard parts)."""
    return {name: digest for name, digest in digests(root).items() if not name.startswith("interim/")}


def test_shard_plan_and_workers_do_not_change_a_byte(raw: Path, tmp_path: Path) -> None:
    one = tmp_path / "one"
    build(raw, one, params_with(tmp_path, workers=1, shard_bytes=10**9))
    many = tmp_path / "many"
    # 2 KB shards: the seed files spread over many shards (the plan rounds up to a power of two), two workers.
    build(raw, many, params_with(tmp_path, workers=2, shard_bytes=2000))
    assert len(list((many / "interim" / "parse" / "lines").iterdir())) > 1
    assert outputs(one) == outputs(many)
    assert len(outputs(one)) >= 10


def test_a_killed_writers_temporary_file_is_swept(tmp_path: Path) -> None:
    """A task killed while writing leaves io's temporary file; a rerun writes the part, and the stage sweeps the
    leftover so DVC hashes the same folder as after an undisturbed run."""
    (tmp_path / "part-0001.parquet").write_bytes(b"kept")
    (tmp_path / f".part-0001.parquet.k3x9q{io.WRITING_SUFFIX}").write_bytes(b"half")
    shards.sweep([tmp_path, tmp_path / "absent"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["part-0001.parquet"]


def test_a_run_killed_between_two_cache_tables_computes_those_files_again(raw: Path, tmp_path: Path) -> None:
    """parse and clean store a shard's per-file results table after table (cache.store_tables), the last one marking
    the files whose rows are complete. A run killed between two tables leaves a file's rows in the first tables and
    not in the others (found by killing builds at random: the next run parsed nothing and published 0 rows).
    Emulated at each table boundary of both stages: the later tables' files removed, with what is written after
    them (the parts, clean's shard entries), with a killed validate's scratch folder and half-written files left
    behind. The next run parses and cleans every file again, removes the leftovers, and writes a fresh build's
    bytes."""
    out = tmp_path / "out"
    build(raw, out)  # a fresh build of the folder
    fresh = digests(out)
    files = len(list(raw.iterdir()))
    tables = {"parse": [f"parsed_{name}" for name in PARSE_CACHED], "clean": list(CLEAN_CACHED)}
    for cut in range(1, min(len(names) for names in tables.values())):
        for stage, names in tables.items():
            for name in [*names[cut:], "shards"]:  # clean's shard entries are written after its tables
                for folder in (out / "cache" / stage).glob(f"*/{name}"):
                    shutil.rmtree(folder)
        shutil.rmtree(out / "interim")
        scratch = out / io.SCRATCH_NAME / "validate-k3x9q"
        scratch.mkdir(parents=True)
        (scratch / "00004-00000.arrow").write_bytes(b"half")
        half_written = [
            out / f".duplicates.parquet.k3x9q{io.WRITING_SUFFIX}",
            out / "cache" / f".b{io.WRITING_SUFFIX}",
        ]
        for path in half_written:
            path.write_bytes(b"half")
        assert build(raw, out)[1:] == (0, files, files), cut  # decoded (that cache is whole), parsed, cleaned
        assert not scratch.exists() and not any(path.exists() for path in half_written)
        assert digests(out) == fresh, cut


@pytest.mark.parametrize("batch_keys", [1, 3, 7, 30, 10_000])
def test_key_batches_gives_every_row_once_in_key_batches_and_input_order(tmp_path: Path, batch_keys: int) -> None:
    """Rows of many pieces (keys repeating across and within them) come back batch_keys distinct keys a batch, in
    key order, each batch's rows in input order, whatever the pieces' sizes and however the spreading flushes."""
    rng = random.Random(batch_keys)
    rows = [(f"k{rng.randrange(40):02d}", i) for i in range(500)]
    cuts = sorted(rng.sample(range(1, 500), 30))
    pieces = [pl.DataFrame(rows[a:b], schema={"key": pl.String, "row": pl.Int64}, orient="row")
              for a, b in zip([0, *cuts], [*cuts, 500], strict=True)]  # fmt: skip
    keys = pl.Series("key", sorted({key for key, _ in rows}))
    batches = list(shards.key_batches(iter(pieces), dict(pieces[0].schema), keys, batch_keys, tmp_path))
    expected = [keys[i : i + batch_keys].to_list() for i in range(0, keys.len(), batch_keys)]
    assert [sorted(batch["key"].unique().to_list()) for batch in batches] == expected
    for batch in batches:
        assert batch["row"].to_list() == sorted(batch["row"].to_list())  # input order
    assert sorted(row for batch in batches for row in batch["row"].to_list()) == list(range(500))
    assert list(tmp_path.iterdir()) == []  # scratch files are gone once read
