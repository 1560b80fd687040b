"""The audit explorer: a static, offline report of what became of every raw line (reports/explorer/index.html).

For every raw file, its lines with their fate (pipeline.fates: the field of the published record a line is in,
the duplicate it went to, the rule that removed it, the quarantine rule and reason); duplicate clusters side by
side; the quarantine with reasons. The page (pipeline/assets/explorer/index.html, the same bytes every build)
loads small data scripts on demand, so it opens from the file system without a server and stays fast for tens
of thousands of files: the files' payloads in scripts of up to FILES_PER_SCRIPT files of one cache bucket (the
first byte of the file's sha256, pipeline/shards.py; the summary gives each file its script and slot), the
record-id index in 256 scripts by the id's first two hex digits, duplicates and quarantine in pages.

Each parse shard is one engine task: its lines' fates and its files' payloads (JSON text built by polars in one
pass over the shard), bundled into file scripts, go into the cache (data/cache/explore) under the digest of
everything they are made from (the shard's parse parts and removed lines, the records' outcomes of its files): a
rebuild runs only the shards whose entry is missing. A file script is named after the digest of its bytes (and the
code's namespace), so one already in the explorer folder is kept: a rebuild that added a file writes the scripts
of that file's bucket, not the corpus's (1.4 GB of them at 1 GB of raw text), and removes those no file names any
more. Buckets, unlike shards, do not depend on the shard plan, so neither does a byte of the explorer. Everything is
sorted and serialised canonically: the same build gives the same bytes whatever the workers, the shard plan, the
cache and the scripts an earlier build left (a DVC output whose hash must not change between identical builds).
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from pipeline import fates, io, shards
from pipeline.cache import by_file_bytes, content_digest, keep_entries, namespace, new_entry, prune
from pipeline.config import EngineParams
from pipeline.engine import engine_for
from pipeline.outputs import Outputs
from pipeline.progress import NO_PROGRESS, Progress
from pipeline.rawfolder import KnownHashes
from schemas import Article, Duplicate, polars_schema

PAGE = Path(__file__).parent / "assets" / "explorer" / "index.html"
DATA = "data"
EXCERPT = 600  # characters of a record's text shown in the duplicate and quarantine views
PAGE_ROWS = 200  # duplicate clusters or quarantine rows per data page
# Files per data/files script. Not a tunable (it changes no data): with a file's payload at ~15 KB a script is ~1 MB,
# parsed in a blink when a file is opened, and 100 MB of raw text makes ~200 scripts, not 12,000 (creating a file
# costs ~0.3 ms on a network or overlay file system, more than writing its bytes).
FILES_PER_SCRIPT = 64
LINE_COLUMNS = ("line", "text", "fate", "roles", "rule", "reason", "record", "kept_id", "kind", "similarity")
FILE_COLUMNS = ("path", "fate", "detail", *fates.FATES, "script", "slot")  # script, slot: where its payload is
FILE_SCRIPTS = Path(DATA) / "files"
CLUSTERS = "clusters"  # the cache's folder of duplicate clusters: an entry per id range of the validated parts
LISTS = "files"  # the cache's folder of the files each lines part holds lines of


def write(out: Outputs, engine: EngineParams, progress: Progress = NO_PROGRESS) -> dict[str, Any]:
    """Write the explorer under out.explorer (replacing any earlier one); return its counts (files in and out,
    lines by fate) for the build's stage line. Each parse shard's files are worked on by the engine."""
    target = out.explorer
    _clear_all_but(target, target / FILE_SCRIPTS)
    build = fates.Build.load(out)
    files = (
        io.read_parquet(out.files).sort("path").with_row_index("number").with_columns(pl.col("number").cast(pl.Int64))
    )
    numbers = files.select(file="path", number="number", bucket=shards.bucket_expr())
    cache = out.stage_cache("explore")
    space = namespace(FILES_PER_SCRIPT)
    prune(cache, [space])
    known = KnownHashes.load(out.known_hashes_of("explore"))
    present = shards.present(out.lines_dir)
    # The files with lines in each shard, kept by the bytes of its lines part: a rebuild reads the few new ones.
    listed = by_file_bytes([shards.part(out.lines_dir, s) for s in present], cache / space / LISTS, _files_of, known)
    in_shards = {
        shard: files_of.join(numbers, on="file").sort("number")
        for shard, files_of in zip(present, _read_entries(listed), strict=True)
    }
    tasks = []
    for (shard, in_shard), of_shard in zip(in_shards.items(), _of_shards(build, in_shards.values()), strict=True):
        parts = [shards.part(folder, shard) for folder in fates.ParseParts.folders(out)]
        key = content_digest(*parts, of_shard.outcomes, of_shard.quarantine, known=known)
        tasks.append(ShardTask(shard, out, in_shard, of_shard, cache / space / key, space))
    todo = [task for task in tasks if not task.entry.is_dir()]
    advance = progress.bar("shards", len(todo), "shards")
    engine_for(engine).map(explore_shard, todo, lambda _: advance(1))
    keep_entries(cache / space, [*(task.entry for task in tasks), cache / space / CLUSTERS, cache / space / LISTS])
    # Every entry's counts and scripts read in one polars call each (`by_file_bytes` says why).
    counts = _read_entries([task.entry / "counts.parquet" for task in tasks])
    placed_by_task = _read_entries([task.entry / "scripts.parquet" for task in tasks])
    # Files without a line read (refused whole, empty): their records and quarantine only, bundled here.
    lineless = numbers.join(pl.concat([numbers.clear(), *(t.files for t in tasks)]), on="file", how="anti")
    empty = pl.DataFrame(schema=fates.LINE_FATE_SCHEMA)
    scripts = FileScripts(target / FILE_SCRIPTS)
    for task, placed in zip(tasks, placed_by_task, strict=True):
        scripts.add(placed, task.files["number"], task.entry / "bodies")
    rest = _bundles(_file_payloads(_local(lineless), empty, _of_files(build, lineless)), None, space)
    scripts.add(rest.placed, lineless["number"], rest.bodies)
    placed = scripts.finish(files.height)
    per_file = (
        files.select("path", "fate", "detail", "number")
        .join(pl.concat([fates.counts_by_file(empty), *counts]).rename({"file": "path"}), on="path", how="left")
        .with_columns(pl.col(fates.FATES).fill_null(0))
        .join(placed, on="number", how="left", maintain_order="left")
        .select(FILE_COLUMNS)
    )
    summary = [list(row) for row in per_file.iter_rows()]
    lines_by_fate = {fate: int(per_file[fate].sum()) for fate in fates.FATES}
    _write_ids(target, build.outcomes, numbers)
    duplicate_pages, duplicate_clusters = _write_pages(
        target, "duplicates", _duplicate_clusters(out, cache / space / CLUSTERS, known, engine.batch_rows)
    )
    known.save(out.known_hashes_of("explore"))
    quarantine_pages, quarantine_rows = _write_pages(target, "quarantine", _quarantine_rows(build.quarantine))
    _script(
        target / DATA / "summary.js",
        "summary",
        {
            "file_columns": list(FILE_COLUMNS),
            "files": summary,
            "lines_by_fate": lines_by_fate,
            "duplicate_pages": duplicate_pages,
            "duplicate_clusters": duplicate_clusters,
            "quarantine_pages": quarantine_pages,
            "quarantine_rows": quarantine_rows,
            "quarantine_by_rule": _counts(build.quarantine, ["stage", "rule"]),
        },
    )
    page = target / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PAGE, page)
    return {"stage": "explore", "rows_in": len(summary), "rows_out": len(summary), "dropped": {},
            "lines_by_fate": lines_by_fate}  # fmt: skip


def _read_entries(paths: Sequence[Path]) -> list[pl.DataFrame]:
    """Each of these parquet files (one schema), read in one polars call and split back, in their order."""
    if not paths:
        return []
    read = pl.scan_parquet(sorted(set(paths)), include_file_paths="_entry").collect()
    by_path = read.partition_by("_entry", as_dict=True, include_key=False)
    none = read.clear().drop("_entry")  # a file without rows has no partition
    return [by_path.get((str(path),), none) for path in paths]


def _files_of(lines: Path) -> pl.DataFrame:
    """The files a parse shard's lines part holds lines of."""
    return pl.read_parquet(lines, columns=["file"]).unique().sort("file")


@dataclasses.dataclass(frozen=True)
class ShardTask:
    shard: shards.Shard
    out: Outputs
    files: pl.DataFrame  # file, number, bucket: the files with lines in this shard, by number
    build: fates.Build  # only these files' rows
    # The cache entry the shard's results go to (scripts.parquet, bodies/, counts.parquet), named by the digest of
    # every input: the shard's parse parts and removed lines, and the build's rows of its files. A rebuild whose entry
    # is there reads it instead of running the task.
    entry: Path
    space: str  # the namespace of the code and FILES_PER_SCRIPT: part of the file scripts' names


def explore_shard(task: ShardTask) -> None:
    """One parse shard, into its cache entry: its files' scripts (bodies/<name>, and scripts.parquet: each file's
    script and slot, by its rank in the shard), and lines per fate per file. Written whole under another name, then
    renamed into place."""
    lines = fates.line_fates(fates.ParseParts.of_shard(task.out, task.shard), task.build)
    bundled = _bundles(_file_payloads(_local(task.files), lines, task.build), task.files["bucket"], task.space)
    with new_entry(task.entry) as pending:
        (pending / "bodies").mkdir()
        for name, body in bundled.bodies.items():
            (pending / "bodies" / name).write_bytes(body)
        bundled.placed.write_parquet(pending / "scripts.parquet")
        fates.counts_by_file(lines).write_parquet(pending / "counts.parquet")


def _local(files: pl.DataFrame) -> pl.DataFrame:
    """files (file, number, bucket; by number) numbered by their rank instead: the payloads do not depend on the
    corpus's other files, and `FileScripts.add` numbers them back."""
    return files.with_columns(number=pl.int_range(pl.len(), dtype=pl.Int64))


def _of_files(build: fates.Build, files: pl.DataFrame) -> fates.Build:
    """build's rows of these files only (order kept)."""
    return _of_shards(build, [files])[0]


def _of_shards(build: fates.Build, groups: Iterable[pl.DataFrame]) -> list[fates.Build]:
    """build's rows of each group of files (no file in two groups), order kept: one pass over the build's tables,
    not one per group (a 1 GB build has 128 shards and 400,000 outcomes)."""
    groups = [files.select("file") for files in groups]
    if not groups:
        return []
    group_of = pl.concat([files.with_columns(group=pl.lit(i, pl.Int32)) for i, files in enumerate(groups)])

    def split(table: pl.DataFrame) -> list[pl.DataFrame]:
        tagged = table.join(group_of, on="file", how="inner", maintain_order="left")
        parts = tagged.partition_by("group", as_dict=True, maintain_order=True, include_key=False)
        return [parts.get((i,), table.clear()) for i in range(len(groups))]

    return [fates.Build(*tables) for tables in zip(split(build.outcomes), split(build.quarantine), strict=True)]


def _script_ends(kind: str, key: str | int | None) -> tuple[bytes, bytes]:
    """What comes before and after the JSON payload of a data script."""
    return f"EXPLORER.loaded({json.dumps(kind)},{json.dumps(key)},".encode(), b");\n"


def _dumps(payload: Any) -> str:
    """The canonical JSON text of a payload (what `_json` gives for a value, built by polars)."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _script(path: Path, kind: str, payload: Any, key: str | int | None = None) -> None:
    """A data script the page loads with a <script> tag (works from file://, unlike fetch)."""
    _script_text(path, kind, _dumps(payload), key)


def _script_text(path: Path, kind: str, text: str, key: str | int | None = None) -> None:
    """A data script of a payload's JSON text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    head, tail = _script_ends(kind, key)
    path.write_bytes(head + text.encode("utf-8") + tail)


def _json(value: str | pl.Expr) -> pl.Expr:
    """A column's values as JSON text, as json.dumps writes them (null as null): polars encodes, so a shard's
    payloads are built by its threads at once, not value by value in Python."""
    expr = pl.col(value) if isinstance(value, str) else value
    return pl.struct(expr.alias("v")).struct.json_encode().str.slice(len('{"v":')).str.strip_suffix("}")


def _json_lists(rows: pl.LazyFrame, row: pl.Expr, name: str) -> pl.LazyFrame:
    """file, name: the JSON list of each file's rows (each row's JSON text: row), in the frame's order."""
    return rows.group_by("file", maintain_order=True).agg(
        pl.concat_str(pl.lit("["), row.str.join(","), pl.lit("]")).alias(name)
    )


def _file_payloads(files: pl.DataFrame, lines: pl.DataFrame, build: fates.Build) -> pl.DataFrame:
    """number, payload: the JSON payload of each of files (file, number) from their lines (LINE_FATE_SCHEMA, by file
    and line) and build's rows of them, by number; one vectorised query, never a frame per file. The same text as
    json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))."""
    part = pl.element().struct.field
    removed_parts = pl.col("removed_parts").list.eval(pl.concat_str(pl.lit("["), _json(part("rule")), pl.lit(","),
                                                                    _json(part("text")), pl.lit("]")))  # fmt: skip
    line = pl.concat_str(
        pl.lit("["),
        *itertools.chain.from_iterable((_json(c), pl.lit(",")) for c in LINE_COLUMNS),
        pl.lit("["), removed_parts.list.join(",").fill_null(""), pl.lit("]]"),
    )  # fmt: skip
    record_columns = sorted(c for c in fates.OUTCOME_SCHEMA if c != "file")
    quarantine_columns = sorted(["line_start", "line_end", "stage", "rule", "reason"])
    by_file = [
        _json_lists(lines.lazy().with_columns(pl.col("similarity").round(4)), line, "lines"),
        _json_lists(build.quarantine.lazy(), pl.struct(quarantine_columns).struct.json_encode(), "quarantine"),
        _json_lists(build.outcomes.lazy().with_columns(pl.col("similarity").round(4)),
                    pl.struct(record_columns).struct.json_encode(), "records"),
    ]  # fmt: skip
    payloads = files.lazy()
    for lists in by_file:
        payloads = payloads.join(lists, on="file", how="left")
    listed = {name: pl.col(name).fill_null(pl.lit("[]")) for name in ("lines", "quarantine", "records")}
    payload = pl.concat_str(
        pl.lit('{"line_columns":' + json.dumps(list(LINE_COLUMNS), separators=(",", ":")) + ',"lines":'),
        listed["lines"], pl.lit(',"path":'), _json("file"), pl.lit(',"quarantine":'), listed["quarantine"],
        pl.lit(',"records":'), listed["records"], pl.lit("}"),
    )  # fmt: skip
    return payloads.select("number", payload=payload).sort("number").collect()


def _clear_all_but(target: Path, kept: Path) -> None:
    """Remove everything under target but the folder kept (and the folders on the way to it)."""
    if not target.is_dir():
        return
    for child in target.iterdir():
        if child == kept:
            continue
        if kept.is_relative_to(child) and child.is_dir():
            _clear_all_but(child, kept)
        elif child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


PLACED_SCHEMA = {"number": pl.Int64, "script": pl.String, "slot": pl.Int64}


@dataclasses.dataclass(frozen=True)
class Bundled:
    placed: pl.DataFrame  # PLACED_SCHEMA: each file's script and slot
    bodies: dict[str, bytes]  # script name -> the JSON list of its files' payloads


def _bundles(payloads: pl.DataFrame, buckets: pl.Series | None, space: str) -> Bundled:
    """Files' payloads (number, payload; by number) as file scripts: each bucket's files (buckets: the files'
    buckets in that order; None: one group) in runs of FILES_PER_SCRIPT by number, each script named after the
    digest of its body and the code's namespace."""
    group = pl.lit(0, pl.Int32) if buckets is None else pl.lit(buckets)
    ranked = payloads.with_columns(group=group).with_columns(order=pl.int_range(pl.len()).over("group"))
    runs = ranked.group_by("group", pl.col("order") // FILES_PER_SCRIPT, maintain_order=True).agg(
        "number", slot=pl.col("order") % FILES_PER_SCRIPT,
        body=pl.concat_str(pl.lit("["), pl.col("payload").str.join(","), pl.lit("]")),
    )  # fmt: skip
    bodies = [body.encode() for body in runs["body"]]
    salt = f"{space}/".encode()
    names = [hashlib.sha256(salt + body).hexdigest()[:20] for body in bodies]
    placed = runs.select("number", "slot", script=pl.Series(names, dtype=pl.String)).explode("number", "slot")
    placed = placed.select(list(PLACED_SCHEMA)).cast(PLACED_SCHEMA).sort("number")
    return Bundled(placed, dict(zip(names, bodies, strict=True)))


class FileScripts:
    """data/files/<name>.js, written only where missing: a script's name is the digest of its bytes, so one that is
    there holds them (written under another name and renamed into place: a killed build leaves no half script)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.placed: list[pl.DataFrame] = []
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, placed: pl.DataFrame, numbers: pl.Series, bodies: Path | dict[str, bytes]) -> None:
        """A group of files' scripts: placed by rank in the group, numbers their numbers in the corpus by rank,
        bodies a folder of body files by name (a cache entry's) or the bodies themselves."""
        self.placed.append(placed.with_columns(number=pl.lit(numbers.cast(pl.Int64)).gather("number")))
        for name in placed["script"].unique(maintain_order=True):
            script = self.folder / f"{name}.js"
            if script.is_file():
                continue
            body = (bodies / name).read_bytes() if isinstance(bodies, Path) else bodies[name]
            head, tail = _script_ends("files", name)
            pending = self.folder / f".{name}.pending"
            pending.write_bytes(head + body + tail)
            pending.replace(script)

    def finish(self, count: int) -> pl.DataFrame:
        """Remove the scripts no file names; return (number, script, slot) of every file, which must be all
        `count` of them, each once."""
        placed = pl.concat([pl.DataFrame(schema=PLACED_SCHEMA), *self.placed]).sort("number")
        if not placed["number"].equals(pl.Series("number", range(count), dtype=pl.Int64)):
            raise ValueError(f"file scripts of {placed.height} files, not of each of the {count} files once")
        wanted = {f"{name}.js" for name in placed["script"].unique()}
        for stale in self.folder.iterdir():
            if stale.name not in wanted:
                stale.unlink()
        return placed


def _write_ids(target: Path, outcomes: pl.DataFrame, numbers: pl.DataFrame) -> None:
    """data/ids/<first two hex digits>.js: record id -> the numbers of the files it was found in (the JSON of
    each script's object built by polars, ids in order as sort_keys would put them)."""
    ids = (
        outcomes.filter(pl.col("id").is_not_null())
        .select("id", number=pl.col("file").replace_strict(numbers["file"], numbers["number"]))
        .group_by("id")
        .agg(pl.col("number").unique().sort())
        .sort("id")
    )
    scripts = ids.group_by(prefix=pl.col("id").str.slice(0, 2), maintain_order=True).agg(
        pl.concat_str(_json("id"), pl.lit(":"), _json("number")).str.join(",")
    )
    for prefix, members in scripts.iter_rows():
        _script_text(target / DATA / "ids" / f"{prefix}.js", "ids", f"{{{members}}}", prefix)


def _places() -> pl.Expr:
    """A record's provenance as 'file:line_start-line_end' strings."""
    place = pl.element().struct.field
    return pl.col("provenance").list.eval(pl.format("{}:{}-{}", place("file"), place("line_start"), place("line_end")))


def _excerpt() -> pl.Expr:
    """Title and body (those not empty), cut to EXCERPT characters with an ellipsis."""
    text = pl.concat_str([pl.when(pl.col(c) != "").then(c) for c in ("title", "body")], separator="\n\n",
                         ignore_nulls=True)  # fmt: skip
    return pl.when(text.str.len_chars() <= EXCERPT).then(text).otherwise(text.str.slice(0, EXCERPT - 1) + "…")


def _duplicate_clusters(out: Outputs, entries: Path, known: KnownHashes, batch_rows: int) -> Iterator[str]:
    """Each kept record with the records dropped as its duplicates, by kept id: one cluster's JSON text each
    ({"dropped": [{id, kind, places, similarity, text}, ...], "kept": {id, places, published, text}}, keys sorted),
    built by polars rather than a Python object per record (a 1 GB build has ~90,000 clusters).

    Clusters come by the id ranges of the validated parts (validate's: a power of two of them, about
    validate.part_rows published rows each), in kept-id order: the duplicates are read a row group at a time, cut to
    their excerpts and spread over the ranges by kept id (shards.key_batches, batch_rows rows held at a time), and a
    range reads the kept records of its own part only. A range's clusters are kept in `entries` under the digest of
    what they are made of (its dropped rows as shown, its validated part's bytes): a rebuild builds again only the
    ranges a change touched. No step holds all clusters, or the bodies of all duplicates."""
    validated = shards.parts(out.validated_dir)
    ranges = max(1, len(validated))
    duplicates = pl.scan_parquet(out.duplicates, schema=polars_schema(Duplicate))
    rows = duplicates.select(pl.len()).collect().item()
    used: list[Path] = []
    with io.scratch_folder(out.root, "explore-") as scratch:
        pieces = (  # a row group at a time (io.TEXT_ROW_GROUP rows), cut to excerpts at once
            _dropped(duplicates.slice(start, io.TEXT_ROW_GROUP)).collect()
            for start in range(0, rows, io.TEXT_ROW_GROUP)
        )
        ranged = (piece.with_columns(_range=shards.id_range_of(piece["kept_id"], ranges)) for piece in pieces)
        every_range = pl.Series("_range", range(ranges), pl.UInt32)
        by_range = shards.key_batches(ranged, RANGED_SCHEMA, every_range, 1, scratch, flush_rows=batch_rows)
        for index, dropped in enumerate(by_range):
            if dropped.is_empty():
                continue
            dropped = dropped.drop("_range")
            own_part = validated[index : index + 1]
            entry = entries / content_digest(*own_part, dropped, known=known)
            used.append(entry)
            if not entry.is_dir():
                with new_entry(entry) as pending:
                    io.write_ipc(_clusters(own_part, dropped).to_frame("cluster"), pending / "clusters.arrow")
            clusters = pl.read_ipc(entry / "clusters.arrow")["cluster"]
            for start in range(0, clusters.len(), PAGE_ROWS):  # Python strings for a page at a time
                yield from clusters.slice(start, PAGE_ROWS).to_list()
    keep_entries(entries, used)


def _dropped(duplicates: pl.LazyFrame) -> pl.LazyFrame:
    """What a cluster shows of a dropped record: excerpts, so the bodies are dropped as each row group is read."""
    return duplicates.select("kept_id", "id", "kind", "similarity", places=_places(), text=_excerpt())


DROPPED_SCHEMA = dict(_dropped(pl.LazyFrame(schema=polars_schema(Duplicate))).collect_schema())
RANGED_SCHEMA = {**DROPPED_SCHEMA, "_range": pl.UInt32}


def _clusters(validated: Sequence[Path], dropped: pl.DataFrame) -> pl.Series:
    """The JSON text of the clusters of these dropped records (DROPPED_SCHEMA), in kept-id order; their kept
    records, when published, are in the validated parts given."""
    # A total order: one record can be dropped twice with the same kind (copies in several files), told apart by
    # its places.
    dropped = dropped.sort("kept_id", "kind", "id", pl.col("places").list.join("\n"))
    if dropped.is_empty():
        return pl.Series(dtype=pl.String)
    kept_ids = dropped.select(id="kept_id").unique().lazy()
    first, last = dropped["kept_id"].min(), dropped["kept_id"].max()
    kept = shards.collect_each(
        validated,
        polars_schema(Article),
        # The part is sorted by id: the filter on the clusters' first and last ids reads their row groups only.
        lambda part: (
            part.filter(pl.col("id").is_between(pl.lit(first), pl.lit(last)))
            .join(kept_ids, on="id", how="semi")
            .select(kept_id="id", kept_places=_places(), kept_text=_excerpt(), published=pl.lit(True))
        ),
    )
    rows = dropped.join(kept, on="kept_id", how="left", maintain_order="left")
    del dropped, kept
    published = pl.col("published").fill_null(False)
    member = _json_object(id="id", kind="kind", places="places", similarity=pl.col("similarity").round(4), text="text")
    head = _json_object(
        id="kept_id",
        places=pl.when(published).then("kept_places").otherwise(pl.lit([], dtype=pl.List(pl.String))),
        published=published,
        text=pl.when(published).then("kept_text"),
    )
    clusters = rows.group_by("kept_id", maintain_order=True).agg(dropped=member.str.join(","), kept=head.first())
    return clusters.select(
        pl.concat_str(pl.lit('{"dropped":['), "dropped", pl.lit('],"kept":'), "kept", pl.lit("}"))
    ).to_series()


def _json_object(**fields: str | pl.Expr) -> pl.Expr:
    """Each row's JSON object of these fields, keys sorted, as `_dumps` writes it."""
    return pl.struct(**dict(sorted(fields.items()))).struct.json_encode()


def _quarantine_rows(quarantine: pl.DataFrame) -> list[str]:
    """Each quarantined row's JSON text: [file, line_start, line_end, stage, rule, reason, excerpt]."""
    ordered = quarantine.sort("stage", "rule", "file", "line_start")
    return [
        _dumps([file, start, end, stage, rule, reason, None if text is None else text[:EXCERPT]])
        for file, start, end, stage, rule, reason, text in ordered.select(
            "file", "line_start", "line_end", "stage", "rule", "reason", "text"
        ).iter_rows()
    ]


def _write_pages(target: Path, kind: str, rows: Iterable[str]) -> tuple[int, int]:
    """rows (each one's JSON text) in data/<kind>/<page>.js, PAGE_ROWS each, a page at a time; return (pages,
    rows)."""
    pages = count = 0
    rows = iter(rows)
    while page := list(itertools.islice(rows, PAGE_ROWS)):
        _script_text(target / DATA / kind / f"{pages:05d}.js", kind, "[" + ",".join(page) + "]", pages)
        pages, count = pages + 1, count + len(page)
    return pages, count


def _counts(frame: pl.DataFrame, keys: list[str]) -> list[list[Any]]:
    grouped = frame.group_by(keys).len().sort(["len", *keys], descending=[True] + [False] * len(keys))
    return [list(row) for row in grouped.iter_rows()]
