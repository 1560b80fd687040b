"""The audit views: `explain` for a raw line or a record, and the explorer (reports/explorer), on real builds."""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import REPO_ROOT, SEED_RAW, SHARED, run_pipeline

from pipeline import explorer, fates, shards
from pipeline.config import load_params
from pipeline.io import SCRATCH_NAME, read_json
from pipeline.outputs import Outputs
from pipeline.rawfolder import KnownHashes
from pipeline.stage import QUARANTINE_SCHEMA
from schemas import Article, Duplicate, polars_schema

SHORT_PAGE = "Ministry notes export figures\n\nExports rose again.\n"  # a headline and a 3-word body: body_too_short


def explain(target: str, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "explain", target, "--out", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True,
    )  # fmt: skip


def answer(target: str, out: Path) -> str:
    result = explain(target, out)
    assert result.returncode == 0, result.stderr
    return result.stdout


def data_script(path: Path) -> tuple[str, Any, Any]:
    """(kind, key, payload) of an explorer data script."""
    match = re.fullmatch(r"EXPLORER\.loaded\(([^,]+),([^,]+),(.*)\);\n", path.read_text(encoding="utf-8"), re.S)
    assert match, path
    return json.loads(match[1]), json.loads(match[2]), json.loads(match[3])


def file_payload(folder: Path, number: int) -> dict[str, Any]:
    """What the explorer shows of file `number` (its index in summary.js): the entry at its slot of its script."""
    _, _, summary = data_script(folder / "data" / "summary.js")
    row = dict(zip(summary["file_columns"], summary["files"][number], strict=True))
    _, key, bundle = data_script(folder / "data" / "files" / f"{row['script']}.js")
    assert key == row["script"]
    return bundle[row["slot"]]


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.fixture(scope="module")
def invented_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds plus a page whose body is too short (quarantined by clean) and a hidden file (refused whole)."""
    root = tmp_path_factory.mktemp("invented")
    raw = root / "raw"
    shutil.copytree(SEED_RAW, raw)
    (raw / "short.txt").write_text(SHORT_PAGE, encoding="utf-8")
    (raw / ".hidden.txt").write_text("never read\n", encoding="utf-8")
    run_pipeline(raw, root / "out")
    return root / "out"


def test_explain_a_removed_line(seed_out: Path) -> None:
    removed = pl.read_parquet(seed_out / "removed_lines.parquet").filter(~pl.col("fragment")).row(0, named=True)

    text = answer(f"{removed['file']}:{removed['line']}", seed_out)

    assert f"removed as page chrome by rule {removed['rule']}" in text


def test_explain_a_body_line_names_its_published_record(seed_out: Path) -> None:
    articles = pl.read_parquet(seed_out / "dataset" / "data")
    row = articles.filter(pl.col("source") == "The Korea Herald").row(0, named=True)
    place = row["provenance"][0]
    last = f"{place['file']}:{place['line_end']}"  # the page's last line is in the body

    text = answer(last, seed_out)

    assert f"published: the body (rule text, layout {row['layout']}) of record {row['id']}" in text


def test_explain_a_record_id_lists_the_raw_lines_it_came_from(seed_out: Path) -> None:
    merged = (
        pl.read_parquet(seed_out / "dataset" / "data").filter(pl.col("provenance").list.len() > 1).row(0, named=True)
    )

    text = answer(merged["id"], seed_out)

    assert text.startswith(f"record {merged['id']}: published")
    for place in merged["provenance"]:
        assert f"from {place['file']} lines {place['line_start']}-{place['line_end']}:" in text
    assert re.search(r"^\s+\d+\s+title\s", text, re.M)


def test_explain_a_duplicate_record_names_the_kept_one(seed_out: Path) -> None:
    near = pl.read_parquet(seed_out / "duplicates.parquet").filter(pl.col("kind") == "near").row(0, named=True)

    text = answer(near["id"], seed_out)

    assert f"dropped as a near duplicate (similarity {near['similarity']:.2f}) of record {near['kept_id']}" in text


def test_explain_a_quarantined_line_and_a_refused_file(invented_out: Path) -> None:
    quarantined = answer("short.txt:3", invented_out)
    refused = answer(".hidden.txt:1", invented_out)

    assert "part of the body of a record quarantined by rule body_too_short: body has 3 words" in quarantined
    assert "the whole file was quarantined" in refused and "hidden_file" in refused


def test_explain_says_what_is_not_in_the_build(seed_out: Path) -> None:
    for target in ("no-such-file.txt:1", "0123456789abcdef", f"{next(SEED_RAW.iterdir()).name}:99999", "nonsense"):
        result = explain(target, seed_out)
        assert result.returncode == 2 and result.stderr.startswith("not found: "), target


def test_each_record_place_gets_one_outcome_the_first_in_published_duplicate_quarantined_order() -> None:
    """A place in a published record's provenance that is also a duplicate's (an exact copy merged into it) is
    published, with the copy's kind and kept id; a place dropped twice the same way is one row; a place quarantined
    by clean is quarantined with every rule it failed. One row per place, sorted by place."""
    article, duplicate = polars_schema(Article), polars_schema(Duplicate)
    kept, copy, near = "a" * 16, "b" * 16, "c" * 16

    def places(*spans: tuple[str, int, int]) -> list[dict]:
        return [{"file": f, "line_start": s, "line_end": e} for f, s, e in spans]

    published = pl.DataFrame(
        {"id": [kept], "provenance": [places(("x.txt", 1, 3), ("y.txt", 1, 3))]},
        schema={"id": article["id"], "provenance": article["provenance"]},
    )
    duplicates = pl.DataFrame(
        {
            "id": [copy, near, near],
            "provenance": [places(("y.txt", 1, 3)), places(("z.txt", 5, 9)), places(("z.txt", 5, 9))],
            "kept_id": [kept] * 3,
            "kind": ["exact", "near", "near"],
            "similarity": [1.0, 0.8, 0.8],
        },
        schema={name: duplicate[name] for name in fates.DUPLICATE_FACTS},
    )
    quarantine = pl.DataFrame(
        [("w.txt", 2, 6, "clean", rule, f"{rule}: why", None) for rule in ("no_body", "body_too_short")],
        schema=QUARANTINE_SCHEMA,
        orient="row",
    )
    outcomes = fates.record_outcomes(published, duplicates, quarantine)
    assert outcomes.schema == fates.OUTCOME_SCHEMA
    assert outcomes.select("file", "outcome", "id", "kept_id", "kind", "rule").rows() == [
        ("w.txt", "quarantined", None, None, None, "body_too_short; no_body"),
        ("x.txt", "published", kept, None, None, None),
        ("y.txt", "published", kept, kept, "exact", None),
        ("z.txt", "duplicate", near, kept, "near", None),
    ]


def test_every_line_has_a_fate_that_matches_the_gates_ledger(invented_out: Path) -> None:
    out = Outputs(invented_out)
    build = fates.Build.load(out)

    lines = pl.concat([fates.line_fates(parts, build) for parts in fates.shard_parts(out)])

    ledger = read_json(out.validation_report)["nothing_lost"]
    counts = fates.counts_by_fate(lines)
    assert sum(counts.values()) == ledger["lines"]
    assert counts[fates.UNACCOUNTED] == 0
    assert counts[fates.QUARANTINED] == 2  # the short page's headline and body
    assert lines.filter(pl.col("fate") == fates.REMOVED).height >= ledger["removed"]


def test_explorer_lists_every_file_with_its_lines_fates(invented_out: Path) -> None:
    out = Outputs(invented_out)
    folder = out.explorer

    _, _, summary = data_script(folder / "data" / "summary.js")

    files = pl.read_parquet(out.files).sort("path")
    assert [row[0] for row in summary["files"]] == files["path"].to_list()
    assert summary["lines_by_fate"]["unaccounted"] == 0
    assert summary["quarantine_rows"] == pl.read_parquet(out.quarantine).height
    assert summary["duplicate_clusters"] == pl.read_parquet(out.duplicates)["kept_id"].n_unique()
    short = files["path"].to_list().index("short.txt")
    page = file_payload(folder, short)
    columns = page["line_columns"]
    assert page["path"] == "short.txt"
    assert [(row[columns.index("line")], row[columns.index("fate")], row[columns.index("rule")]) for row in
            page["lines"]] == [(1, "quarantined", "body_too_short"), (3, "quarantined", "body_too_short")]  # fmt: skip
    hidden = files["path"].to_list().index(".hidden.txt")
    refused = file_payload(folder, hidden)
    assert refused["lines"] == [] and refused["quarantine"][0]["rule"] == "hidden_file"


def test_explorer_finds_every_record_id_in_the_files_it_names(invented_out: Path) -> None:
    folder = Outputs(invented_out).explorer
    published = pl.read_parquet(invented_out / "dataset" / "data")["id"].to_list()

    for record in published:
        _, _, index = data_script(folder / "data" / "ids" / f"{record[:2]}.js")
        for number in index[record]:
            page = file_payload(folder, number)
            assert record in {row[page["line_columns"].index("record")] for row in page["lines"]}


def test_explorer_is_byte_identical_when_rebuilt(invented_out: Path) -> None:
    out = Outputs(invented_out)
    before = tree_digest(out.explorer)

    explorer.write(out, load_params(REPO_ROOT / "params.yaml").engine)

    assert tree_digest(out.explorer) == before
    assert (out.explorer / "index.html").read_bytes() == explorer.PAGE.read_bytes()


def test_explorer_builds_duplicate_clusters_by_validated_id_range_and_keeps_them(
    invented_out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clusters are built a validated part's id range at a time (bounded memory) and kept in the cache by what
    they are made of: the validated rows split into more ranges, and any batch size, give the same clusters in the
    same order; a range whose dropped rows and validated part are unchanged is read back, one whose part changed is
    built again; the scratch files are removed."""
    shutil.copytree(invented_out, tmp_path / "out")
    out = Outputs(tmp_path / "out")
    known = KnownHashes.load(tmp_path / "known.json")
    batch_rows = load_params(REPO_ROOT / "params.yaml").engine.batch_rows
    whole = list(explorer._duplicate_clusters(out, tmp_path / "one", known, batch_rows))
    kept_ids = [json.loads(cluster)["kept"]["id"] for cluster in whole]
    assert len(kept_ids) >= 3 and kept_ids == sorted(set(kept_ids))  # one cluster per kept id, in id order
    published = [json.loads(cluster)["kept"]["published"] for cluster in whole]
    assert any(published)

    validated = pl.read_parquet(shards.parts(out.validated_dir))
    for path in out.validated_dir.glob("part-*"):
        path.unlink()
    ranges = 4
    split = validated.with_columns(range=shards.id_range_of(validated["id"], ranges))
    for index in range(ranges):
        part = shards.part(out.validated_dir, shards.Shard(index, range(0)))
        split.filter(pl.col("range") == index).drop("range").write_parquet(part)
    entries = tmp_path / "four"
    assert list(explorer._duplicate_clusters(out, entries, known, 1)) == whole
    built = sorted(entries.iterdir())
    assert 1 < len(built) <= ranges
    assert not list((out.root / SCRATCH_NAME).iterdir())  # its spread rows were removed with its scratch folder

    calls = []
    clusters = explorer._clusters
    monkeypatch.setattr(explorer, "_clusters", lambda *args: calls.append(args) or clusters(*args))
    assert list(explorer._duplicate_clusters(out, entries, known, batch_rows)) == whole
    assert calls == [] and sorted(entries.iterdir()) == built  # every range read back

    changed_id = kept_ids[published.index(True)]
    changed = int(shards.id_range_of(pl.Series([changed_id]), ranges)[0])
    part = shards.part(out.validated_dir, shards.Shard(changed, range(0)))
    retitled = pl.col("title").fill_null("") + " (corrected)"
    pl.read_parquet(part).with_columns(title=pl.when(pl.col("id") == changed_id).then(retitled).otherwise("title")) \
        .write_parquet(part)  # fmt: skip
    again = list(explorer._duplicate_clusters(out, entries, known, batch_rows))
    assert len(calls) == 1  # that range only
    differing = [json.loads(new)["kept"]["id"] for old, new in zip(whole, again, strict=True) if old != new]
    assert differing == [changed_id]
    assert "(corrected)" in json.loads(again[kept_ids.index(changed_id)])["kept"]["text"]
    assert len(list(entries.iterdir())) == len(built)  # the stale entry removed, the new one kept


def shard_entries(out: Outputs) -> list[Path]:
    """The explore cache's entries of parse shards (the folders of duplicate clusters and file lists aside)."""
    folders = (explorer.CLUSTERS, explorer.LISTS)
    return sorted(p for p in out.stage_cache("explore").glob("*/*") if p.name not in folders)


def test_explorer_takes_unchanged_shards_from_the_cache_and_redoes_changed_ones(
    invented_out: Path, tmp_path: Path
) -> None:
    out = Outputs(tmp_path / "out")
    shutil.copytree(invented_out, out.root)
    engine = dataclasses.replace(load_params(REPO_ROOT / "params.yaml").engine, workers=1)
    before = tree_digest(out.explorer)
    entries = shard_entries(out)
    assert len(entries) == len(shards.present(out.lines_dir)) >= 1

    # What a cached entry says is what the explorer shows: it is read, not recomputed.
    body = sorted((entries[0] / "bodies").iterdir())[0]
    body.write_bytes(body.read_bytes().replace(b'"path":"', b'"path":"cached:', 1))
    shutil.rmtree(out.explorer)  # else its file scripts, named after the same inputs, are kept as they are
    explorer.write(out, engine)
    _, _, summary = data_script(out.explorer / "data" / "summary.js")
    shown = [file_payload(out.explorer, number)["path"] for number in range(len(summary["files"]))]
    assert sum(path.startswith("cached:") for path in shown) == 1

    # Without the cache and the earlier explorer: the same bytes as the first build.
    shutil.rmtree(out.stage_cache("explore"))
    shutil.rmtree(out.explorer)
    explorer.write(out, engine)
    assert tree_digest(out.explorer) == before
    scripts = {p.name: p.stat() for p in (out.explorer / "data" / "files").iterdir()}

    # An input of a shard changed (a line's removal rule): its entry is replaced by what a fresh build writes.
    removed_part = shards.parts(out.removed_lines_dir)[0]
    first = pl.int_range(pl.len()) == 0
    pl.read_parquet(removed_part).with_columns(
        rule=pl.when(first).then(pl.lit("changed_rule")).otherwise("rule")
    ).write_parquet(removed_part)
    entries = shard_entries(out)
    explorer.write(out, engine)
    now = shard_entries(out)
    assert len(now) == len(entries) and len(set(now) - set(entries)) == 1
    incremental = tree_digest(out.explorer)
    # Only the changed shard's file scripts were written: the others are the very files of the last build.
    rebuilt = {p.name: p.stat() for p in (out.explorer / "data" / "files").iterdir()}
    kept = scripts.keys() & rebuilt.keys()
    assert kept and all((rebuilt[n].st_ino, rebuilt[n].st_mtime_ns) == (scripts[n].st_ino, scripts[n].st_mtime_ns)
                        for n in kept)  # fmt: skip
    assert rebuilt.keys() - kept and scripts.keys() - kept  # the changed shard's: new names, the old ones removed
    shutil.rmtree(out.stage_cache("explore"))
    shutil.rmtree(out.explorer)
    explorer.write(out, engine)
    assert tree_digest(out.explorer) == incremental != before


def rendered(page: Path, fragment: str) -> str:
    """The page's DOM after its scripts ran, in headless Chromium (offline: a file:// URL)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000", "--dump-dom",
               f"{page.as_uri()}#{fragment}"]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


def test_explorer_renders_offline_in_headless_chromium(invented_out: Path) -> None:
    page = Outputs(invented_out).explorer / "index.html"

    dom = rendered(page, "file=short.txt")

    assert re.search(r"<p id=\"totals\">7 raw files; lines: \d+ published", dom)
    assert "<h2>short.txt</h2>" in dom
    assert dom.count('class="fate fate-quarantined">quarantined</span>') >= 2
    assert "body_too_short" in dom


def test_explorer_bundles_a_buckets_files_in_scripts_and_finds_each_by_its_script_and_slot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four copies of a seed page (one content: one bucket) beside the other seed pages (each in a bucket of its
    own), three files a script: the copies fill two scripts (3 and 1), each other page one; the page finds a file
    of the last one by its number."""
    raw = tmp_path / "raw"
    raw.mkdir()
    first, *others = sorted(SEED_RAW.iterdir())
    for copy in range(4):
        shutil.copyfile(first, raw / f"copy-{copy}.txt")
    for page in others:
        shutil.copyfile(page, raw / page.name)
    run_pipeline(raw, tmp_path / "out")
    out = Outputs(tmp_path / "out")
    monkeypatch.setattr(explorer, "FILES_PER_SCRIPT", 3)

    explorer.write(out, dataclasses.replace(load_params(REPO_ROOT / "params.yaml").engine, workers=1))

    _, _, summary = data_script(out.explorer / "data" / "summary.js")
    rows = [dict(zip(summary["file_columns"], row, strict=True)) for row in summary["files"]]
    copies = collections.Counter(row["script"] for row in rows if row["path"].startswith("copy-"))
    singles = collections.Counter(row["script"] for row in rows if not row["path"].startswith("copy-"))
    assert sorted(copies.values()) == [1, 3] and sorted(singles.values()) == [1] * len(others)
    assert {f"{name}.js" for name in copies | singles} == {p.name for p in (out.explorer / "data" / "files").iterdir()}
    paths = [row["path"] for row in rows]
    assert [file_payload(out.explorer, number)["path"] for number in range(len(paths))] == paths
    dom = rendered(out.explorer / "index.html", f"file={paths[-1]}")
    assert f"<h2>{paths[-1]}</h2>" in dom


@pytest.mark.slow
def test_explorer_renders_a_generated_corpus(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    generator = SHARED / "bench" / "gen_corpus.py"
    subprocess.run([sys.executable, str(generator), "--out", str(raw), "--mb", "2", "--seed", "3"], check=True,
                   capture_output=True)  # fmt: skip
    run_pipeline(raw, out)
    _, _, summary = data_script(Outputs(out).explorer / "data" / "summary.js")
    busiest = max(summary["files"], key=lambda row: row[4])  # most lines in duplicates

    dom = rendered(Outputs(out).explorer / "index.html", f"file={busiest[0]}")

    assert f"<h2>{busiest[0]}</h2>" in dom
    assert 'class="fate fate-duplicate">duplicate</span>' in dom
    assert len(summary["files"]) == len(list(raw.rglob("*.txt")))


def test_explorer_json_built_by_polars_is_what_json_dumps_writes() -> None:
    texts = ["plain", 'quote " and \\ backslash', "new\nline\ttab\r\x01\x1f\x7f", "é 한국어 🚀 \u2028", "", None]
    frame = pl.DataFrame(
        {
            "text": texts,
            "places": [["a.txt:1-2", 'b "c".txt:3-3'], [], ["x"], ["é"], [], ["y"]],
            "similarity": [0.1, 1.0, 0.95625, 1 / 3, 0.0, 0.5],
            "flag": [True, False, True, False, True, False],
            "number": [[3, 17], [], [0], [1], [2, 5, 9], [4]],
        }
    )
    built = frame.select(
        explorer._json_object(
            text="text", places="places", similarity=pl.col("similarity").round(4), flag="flag", number="number"
        )  # fmt: skip
    ).to_series()
    rounded = frame.with_columns(pl.col("similarity").round(4))
    assert built.to_list() == [explorer._dumps(row) for row in rounded.to_dicts()]
