"""Stage 1, parse: the manifest's files -> lines, segments (every non-blank line, with its role) and records.

The files are split into shards (pipeline/shards.py) that worker processes handle in two passes:
1. decode: read each file safely (it must still have the sha256 the scan recorded) and decode it; files that are
   not text are quarantined whole, over-long lines alone. Each shard also returns the evidence of its short lines
   for boilerplate learning (line key, text, file, context): compact, so no process ever holds the corpus.
2. parse: with the corpus boilerplate (short lines printed in several distinct article contexts, CCNet-style but
   counting contexts, so the same article saved twice teaches nothing) learned from all shards' evidence, parse
   every file with the best-scoring layout and check that its segments cover all of its non-blank lines.
Each pass keeps its per-file results in the cache (pipeline/cache.py), keyed by the file's sha256 and, for
parsing, by the learned boilerplate lines its units match, so a rebuild redoes only the files that changed; each
file's parse_key (the identity of its parse result) is written for the per-file caches of later stages. A shard
whose inputs did not change at all (its files, and for pass 2 their learned keys, under the same params, code and
model) keeps the parts an earlier run wrote, recognised by the digest of their inputs recorded beside them
(shards.is_current), without loading its cache buckets or rewriting a part; in pass 2, when the whole learned set
is unchanged too, without reading its lines to find their learned keys. Those checks are made in this process
(engine.map_unkept): only the shards to redo reach the engine.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import polars as pl

from pipeline import io, rawfolder, shards
from pipeline.boilerplate import EVIDENCE_SCHEMA, boilerplate_evidence, learn_boilerplate
from pipeline.cache import Cache, changed_buckets, complete_rows, namespace, prune, store_tables
from pipeline.config import EngineParams, ParseParams
from pipeline.decode import decode_bytes
from pipeline.engine import map_unkept
from pipeline.extraction import (
    LINE_SCHEMA,
    PARSE_KEY_SCHEMA,
    RECORD_SCHEMA,
    SEGMENT_SCHEMA,
    learned_matches,
    parse_documents,
)
from pipeline.layouts.evidence import compared
from pipeline.linemodel import LineModel
from pipeline.outputs import Outputs
from pipeline.patterns import BLANK_LINE_RE
from pipeline.progress import NO_PROGRESS, Progress
from pipeline.shards import Shard
from pipeline.stage import QUARANTINE_SCHEMA, counts, quarantine_row, stage_metrics, write_metrics
from pipeline.units import units

log = logging.getLogger(__name__)

EXCERPT_CHARS = 500


@dataclasses.dataclass
class DecodedFile:
    file: str
    lines: list[tuple[int, str]]  # non-blank (line number, text) that can be parsed
    quarantine: list[dict]
    encoding: str | None = None
    fate: str = rawfolder.PARSE  # another fate when reading found the file changed or unsafe since the scan


def _quarantine(file: str, start: int, end: int, rule: str, reason: str, text: str | None) -> dict:
    return quarantine_row(file, start, end, "parse", rule, reason, text)


def decode_file(rel: str, data: bytes, params: ParseParams) -> DecodedFile:
    """A file's bytes -> its non-blank lines, or the reason (quarantine) why it or some of its lines are not text."""
    decoded = decode_bytes(data)
    if decoded.text is None:
        return DecodedFile(rel, [], [_quarantine(rel, 0, 0, decoded.problem or "undecodable", decoded.detail, None)])
    lines: list[tuple[int, str]] = []
    quarantine: list[dict] = []
    for number, text in enumerate(decoded.text.split("\n"), start=1):
        if BLANK_LINE_RE.match(text):
            continue
        if len(text) > params.max_line_chars:
            reason = f"line of {len(text)} characters exceeds parse.max_line_chars={params.max_line_chars}"
            quarantine.append(_quarantine(rel, number, number, "line_too_long", reason, text[:EXCERPT_CHARS]))
            continue
        lines.append((number, text))
    if not lines and not quarantine:
        quarantine.append(
            _quarantine(rel, 0, 0, "blank_file", "the file prints nothing (whitespace, invisible characters)", None)
        )
    return DecodedFile(rel, lines, quarantine, decoded.encoding)


def read_and_decode(root: Path, rel: str, sha256: str, params: ParseParams) -> DecodedFile:
    """Read a scanned file safely; refuse it if it is no longer the file the scan hashed."""
    try:
        data = rawfolder.read_file(root, rel, params.max_file_bytes)
    except rawfolder.RefusedPath as err:
        return DecodedFile(rel, [], [_quarantine(rel, 0, 0, err.fate, err.detail, None)], fate=err.fate)
    if hashlib.sha256(data).hexdigest() != sha256:
        fate = "changed_during_run"
        return DecodedFile(rel, [], [_quarantine(rel, 0, 0, fate, rawfolder.REFUSED[fate], None)], fate=fate)
    return decode_file(rel, data, params)


# Decoded files in the cache, by content: a row per kept line (rule null) or per quarantined line or file.
DECODED_SCHEMA = {
    "sha256": pl.String,
    "encoding": pl.String,
    "line": pl.Int32,  # 0: the whole file
    "line_end": pl.Int32,
    "text": pl.String,
    "rule": pl.String,
    "reason": pl.String,
}
FILE_SCHEMA = {"path": pl.String, "sha256": pl.String, "shard": pl.Int32}
READ_SCHEMA = {"path": pl.String, "sha256": pl.String, "read_fate": pl.String, "encoding": pl.String}


@dataclasses.dataclass(frozen=True)
class ShardTask:
    """Everything a worker needs for one shard: no global state, so any process (or machine) can run it."""

    shard: Shard
    files: pl.DataFrame  # FILE_SCHEMA: the shard's files, in path order
    root: Path  # the raw folder's real path
    out: Outputs
    params: ParseParams
    space: str  # cache namespace for these params, this code and this line model
    model: LineModel | None = None  # None: the committed line model


def _decoded_rows(decoded: DecodedFile, sha256: str) -> list[tuple]:
    """A decoded file's rows in DECODED_SCHEMA column order (one frame is built per shard, not per file)."""
    rows = [(sha256, decoded.encoding, n, n, t, None, None) for n, t in decoded.lines]
    rows += [
        (sha256, decoded.encoding, q["line_start"], q["line_end"], q["text"], q["rule"], q["reason"])
        for q in decoded.quarantine
    ]
    return rows


# The digests recorded beside a shard's parts (shards.remember): pass 1's by its files; pass 2's by its files' learned
# keys, the exact identity, and by its files and the whole learned set, which needs no line read to check.
DECODE_DIGEST, BY_LEARNED_KEYS, BY_LEARNED_SET = "decode", "parse", "parse_by_learned_set"
PARSE_DIGESTS = (BY_LEARNED_KEYS, BY_LEARNED_SET)
# The namespace and learned set the shard's keys part was written under: while both hold, a file's learned_key in it
# still holds for every file of the same content, whatever else the shard's files are. Not forgotten when the
# shard's lines are decoded again (a file's lines are a function of its content and the namespace).
KEYS_UNDER = "keys_under"
# The namespace the shard's reads and evidence parts were written under: while it holds, a file's evidence rows in
# them still hold for the same path and content.
EVIDENCE_UNDER = "evidence_under"


def decode_part_dirs(out: Outputs) -> list[Path]:
    return [out.lines_dir, out.decode_quarantine_dir, out.file_reads_dir, out.evidence_dir]


def parse_part_dirs(out: Outputs) -> list[Path]:
    return [out.segments_dir, out.records_dir, out.parse_quarantine_dir, out.parse_keys_dir]


def decode_digest(task: ShardTask) -> str:
    """The identity of pass 1's inputs for a shard: its files (path and content), the params, code and model."""
    buckets = task.shard.buckets
    return shards.digest(task.space, "decode", buckets.start, buckets.stop, task.files.select("path", "sha256").rows())


class Decoded(NamedTuple):
    """Pass 1's result for one shard."""

    read: pl.DataFrame  # its files as read (READ_SCHEMA)
    evidence: pl.DataFrame  # their boilerplate evidence (EVIDENCE_SCHEMA)
    files_decoded: int  # files decoded rather than taken from the cache
    files_evidenced: int  # files whose evidence was computed from their lines rather than read back


def kept_decode(task: ShardTask) -> Decoded | None:
    """Pass 1's result for a shard whose inputs are those its parts were written from: the parts are kept, and
    only its reads and evidence read (None: the shard is to be decoded)."""
    out = task.out
    if not shards.is_current(
        out.parse_digests_dir, task.shard, DECODE_DIGEST, decode_digest(task), decode_part_dirs(out)
    ):
        return None
    return Decoded(
        shards.read(out.file_reads_dir, READ_SCHEMA, task.shard),
        shards.read(out.evidence_dir, EVIDENCE_SCHEMA, task.shard),
        files_decoded=0,
        files_evidenced=0,
    )


def known_evidence(task: ShardTask) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(files, their evidence rows): the shard's files that its reads and evidence parts hold under this namespace
    (EVIDENCE_UNDER) with the same path and content, read and decoded then. A file's evidence is a function of its
    lines and its path (a line with no long line near it takes the file as its context)."""
    out, none = task.out, pl.DataFrame(schema={"file": pl.String})
    under = _evidence_under(task.space)
    if not shards.is_current(
        out.parse_digests_dir, task.shard, EVIDENCE_UNDER, under, [out.file_reads_dir, out.evidence_dir]
    ):
        return none, pl.DataFrame(schema=EVIDENCE_SCHEMA)
    previous = shards.read(out.file_reads_dir, READ_SCHEMA, task.shard).filter(pl.col("read_fate") == rawfolder.PARSE)
    same = previous.join(task.files, on=["path", "sha256"], how="semi").select(file="path")
    evidence = shards.read(out.evidence_dir, EVIDENCE_SCHEMA, task.shard)
    return same, evidence.join(same, on="file", how="semi", maintain_order="left")


def decode_shard(task: ShardTask) -> Decoded:
    """Pass 1 on one shard: write its lines, decode quarantine, file reads and evidence parts; return its Decoded
    (files as read, evidence, and how many files were decoded rather than taken from the cache and how many had
    their evidence computed rather than read back: `known_evidence`). A shard whose inputs are those its
    parts were written from keeps them (`kept_decode`)."""
    kept = kept_decode(task)
    if kept is not None:
        return kept
    out, inputs = task.out, decode_digest(task)
    known_files, known_rows = known_evidence(task)  # read before the parts are written again
    for kind in (DECODE_DIGEST, *PARSE_DIGESTS, EVIDENCE_UNDER):  # pass 2 reads these lines: its parts are redone too
        shards.forget(out.parse_digests_dir, task.shard, kind)
    cache = Cache(task.out.stage_cache("parse"), task.space, "decoded", DECODED_SCHEMA)
    loaded = cache.load(task.shard.buckets)
    cached = loaded.join(task.files.select("sha256").unique(), on="sha256", how="semi")
    known = set(cached["sha256"].unique().to_list())
    fresh: list[tuple] = []
    decoded_files = 0
    refused: list[dict] = []  # read failures: about this run, never cached
    for path, sha256 in task.files.select("path", "sha256").iter_rows():
        if sha256 in known:
            continue
        decoded = read_and_decode(task.root, path, sha256, task.params)
        if decoded.fate != rawfolder.PARSE:
            refused += decoded.quarantine
            continue
        fresh += _decoded_rows(decoded, sha256)
        decoded_files += 1
        known.add(sha256)
    decoded = pl.DataFrame(fresh, schema=DECODED_SCHEMA, orient="row")
    rows = pl.concat([cached, decoded]).unique(maintain_order=True)
    changed = changed_buckets({"decoded": loaded}, {"decoded": cached}, {"decoded": decoded})
    cache.store_buckets(rows, changed, ["sha256", "line", "rule"])
    placed = task.files.select("path", "sha256").join(rows, on="sha256").rename({"path": "file"})
    lines = placed.filter(pl.col("rule").is_null()).select("file", "line", "text").sort("file", "line")
    quarantine = pl.concat(
        [
            pl.DataFrame(refused, schema=QUARANTINE_SCHEMA),
            placed.filter(pl.col("rule").is_not_null()).select(
                "file",
                line_start="line",
                line_end="line_end",
                stage=pl.lit("parse"),
                rule="rule",
                reason="reason",
                text="text",
            ),  # fmt: skip
        ]
    ).sort("file", "line_start", "rule")
    io.write_parquet(lines, shards.part(task.out.lines_dir, task.shard))
    io.write_parquet(quarantine, shards.part(task.out.decode_quarantine_dir, task.shard))
    refused_files = [q["file"] for q in refused]
    read = placed.group_by("file").agg(encoding=pl.col("encoding").first()).rename({"file": "path"})
    read = (
        task.files.select("path", "sha256")
        .join(read, on="path", how="left")
        .with_columns(
            read_fate=pl.when(pl.col("path").is_in(refused_files))
            .then(pl.col("path").replace_strict({q["file"]: q["rule"] for q in refused}, default=None))
            .otherwise(pl.lit(rawfolder.PARSE))
        )
    )
    read = read.select(list(READ_SCHEMA)).cast(READ_SCHEMA).sort("path")
    # Evidence rows are per file, in line order: the known files' rows and the others', merged by file.
    known_files = known_files.filter(~pl.col("file").is_in(refused_files))
    unknown_lines = lines.join(known_files, on="file", how="anti", maintain_order="left")
    evidence = pl.concat(
        [
            known_rows.join(known_files, on="file", how="semi"),
            boilerplate_evidence(unknown_lines, task.params.boilerplate),
        ]
    ).sort("file", maintain_order=True)
    io.write_parquet(read, shards.part(out.file_reads_dir, task.shard))
    io.write_parquet(evidence, shards.part(out.evidence_dir, task.shard))
    shards.remember(out.parse_digests_dir, task.shard, EVIDENCE_UNDER, _evidence_under(task.space))
    if not refused:  # a refusal is about this run (a file changing while read): the next run reads again
        shards.remember(out.parse_digests_dir, task.shard, DECODE_DIGEST, inputs)
    return Decoded(read, evidence, decoded_files, unknown_lines["file"].n_unique())


def learned_keys(unit_frame: pl.DataFrame, learned: frozenset[str]) -> pl.DataFrame:
    """(file, learned_key): per file, a hash of the learned boilerplate lines its units (unit_frame:
    `compared(units(lines))`) match ('' when none).

    Parsing a file depends on its own text and on which of its units the corpus taught as boilerplate
    (extraction.learned_matches); this key and the file's sha256 identify its parse in the cache.
    """
    hits = learned_matches(unit_frame, learned).group_by("file").agg(pl.col("key").sort().str.join("\x1f"))
    return (
        unit_frame.select("file")
        .unique()
        .join(hits, on="file", how="left")
        .with_columns(learned_key=pl.col("key").fill_null("").map_elements(_short_hash, return_dtype=pl.String))
        .drop("key")
    )


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16] if text else ""


def parse_keys(keys: pl.DataFrame, space: str) -> pl.DataFrame:
    """PARSE_KEY_SCHEMA's rows from (file, sha256, learned_key)."""
    return keys.select(
        "file",
        "sha256",
        "learned_key",
        parse_key=pl.concat_str(pl.lit(space), "sha256", "learned_key", separator="\x1f").map_elements(
            lambda text: hashlib.sha256(text.encode()).hexdigest(), return_dtype=pl.String
        ),
    ).sort("file")


def _tagged(schema: dict[str, pl.DataType]) -> dict[str, pl.DataType]:
    """A parse output's schema as cached: by content (sha256, learned_key) instead of by path."""
    return {"sha256": pl.String, "learned_key": pl.String, **{k: v for k, v in schema.items() if k != "file"}}


PARSED = {"segments": SEGMENT_SCHEMA, "records": RECORD_SCHEMA, "quarantine": QUARANTINE_SCHEMA}
# The parse cache's tables: the three outputs, then "files", one row per file parsed, written last so that it marks
# the files whose rows are complete (cache.complete_rows: a file may have no quarantine rows, or no records).
PARSE_CACHED = {**{name: _tagged(schema) for name, schema in PARSED.items()}, "files": _tagged({})}


def _by_learned_set(task: ShardTask, learned: frozenset[str]) -> str:
    buckets = task.shard.buckets
    files = task.files.select("path", "sha256").rows()
    return shards.digest(task.space, "parse", buckets.start, buckets.stop, files, sorted(learned))


def kept_parse(args: tuple[ShardTask, frozenset[str]]) -> tuple[int, int, int] | None:
    """Pass 2's result for a shard with the same files under the same whole learned set (the usual rebuild): the
    same parse, its parts kept and no line read (None: the shard is to be parsed)."""
    task, learned = args
    by_set = _by_learned_set(task, learned)
    return (
        (0, 0, 0)
        if shards.is_current(task.out.parse_digests_dir, task.shard, BY_LEARNED_SET, by_set, parse_part_dirs(task.out))
        else None
    )


def _evidence_under(space: str) -> str:
    return shards.digest(space, "evidence")


def _keys_under(space: str, learned: frozenset[str]) -> str:
    return shards.digest(space, sorted(learned))


def known_learned_keys(task: ShardTask, learned: frozenset[str]) -> pl.DataFrame:
    """(sha256, learned_key) of the shard's files whose learned key its keys part holds under this namespace and
    learned set (KEYS_UNDER): what a rebuild need not compute again from their lines."""
    out = task.out
    under = _keys_under(task.space, learned)
    if not shards.is_current(out.parse_digests_dir, task.shard, KEYS_UNDER, under, [out.parse_keys_dir]):
        return pl.DataFrame(schema={"sha256": pl.String, "learned_key": pl.String})
    previous = shards.read(out.parse_keys_dir, PARSE_KEY_SCHEMA, task.shard)
    return previous.select("sha256", "learned_key").unique("sha256").join(task.files, on="sha256", how="semi")


def parse_shard(args: tuple[ShardTask, frozenset[str]]) -> tuple[int, int, int]:
    """Pass 2 on one shard: write its segments, records and parse quarantine parts; return the number of files
    parsed rather than taken from the cache, whether the shard's lines were read (1) or not (0), and the number of
    files whose units were compared (those whose learned key was not known)."""
    kept = kept_parse(args)
    if kept is not None:
        return kept
    task, learned = args
    out, buckets, part_dirs = task.out, task.shard.buckets, parse_part_dirs(task.out)
    by_set = _by_learned_set(task, learned)
    lines = shards.read(out.lines_dir, LINE_SCHEMA, task.shard)
    files = task.files.select(file="path", sha256="sha256")
    known = known_learned_keys(task, learned)
    # Units are compared (the costliest step before the layouts) only for the files whose learned key is not known;
    # once, for their learned keys and their evidence.
    unknown = files.join(known, on="sha256", how="anti")
    unit_frame = compared(units(lines.join(unknown, on="file", how="semi", maintain_order="left")))
    keys = pl.concat(
        [
            files.join(known, on="sha256", how="inner"),
            unknown.join(learned_keys(unit_frame, learned), on="file", how="inner"),
        ]
    ).sort("file")
    # A file's parse depends on its content and the learned lines it holds, nothing else of the corpus.
    inputs = shards.digest(task.space, "parse", buckets.start, buckets.stop, keys.rows())
    if shards.is_current(out.parse_digests_dir, task.shard, BY_LEARNED_KEYS, inputs, part_dirs):
        shards.remember(out.parse_digests_dir, task.shard, BY_LEARNED_SET, by_set)
        shards.remember(out.parse_digests_dir, task.shard, KEYS_UNDER, _keys_under(task.space, learned))
        return 0, 1, unknown.height
    for kind in (*PARSE_DIGESTS, KEYS_UNDER):
        shards.forget(out.parse_digests_dir, task.shard, kind)
    caches = {
        name: Cache(task.out.stage_cache("parse"), task.space, f"parsed_{name}", schema)
        for name, schema in PARSE_CACHED.items()
    }
    loaded = {name: cache.load(task.shard.buckets) for name, cache in caches.items()}
    done, cached = complete_rows(loaded, keys, ["sha256", "learned_key"])
    # One path per content to parse: copies of a file under other names get the same result.
    todo = (
        keys.join(done, on=["sha256", "learned_key"], how="anti")
        .sort("file")
        .unique(["sha256", "learned_key"], keep="first", maintain_order=True)
    )
    uncompared = todo.join(unknown, on="file", how="anti")
    if not uncompared.is_empty():  # a known learned key, yet no parse in the cache (it was cleared): compare them too
        more = compared(units(lines.join(uncompared.select("file"), on="file", how="semi", maintain_order="left")))
        unit_frame = pl.concat([unit_frame, more]).sort("file", maintain_order=True)
    fresh = parse_documents(
        lines.join(todo.select("file"), on="file", how="semi"),
        learned,
        task.params.min_layout_score,
        task.params.extract,
        task.model,
        unit_frame.join(todo.select("file"), on="file", how="semi", maintain_order="left"),
    )
    tagged = {
        name: frame.join(todo, on="file").select(list(PARSE_CACHED[name]))
        for name, frame in zip(PARSED, fresh, strict=True)
    } | {"files": todo.select(list(PARSE_CACHED["files"]))}
    rows = {name: pl.concat([cached[name], tagged[name]]).unique(maintain_order=True) for name in PARSE_CACHED}
    store_tables(caches, rows, changed_buckets(loaded, cached, tagged), [pl.all()])
    placed = {
        name: keys.join(rows[name], on=["sha256", "learned_key"]).select(list(schema))
        for name, schema in PARSED.items()
    }
    io.write_parquet(placed["segments"].sort("file", "seg"), shards.part(task.out.segments_dir, task.shard))
    io.write_parquet(placed["records"].sort("file", "record"), shards.part(task.out.records_dir, task.shard))
    io.write_parquet(
        placed["quarantine"].sort("file", "line_start", "rule"), shards.part(task.out.parse_quarantine_dir, task.shard)
    )
    io.write_parquet(
        parse_keys(keys, task.space).cast(PARSE_KEY_SCHEMA), shards.part(task.out.parse_keys_dir, task.shard)
    )
    shards.remember(out.parse_digests_dir, task.shard, BY_LEARNED_KEYS, inputs)
    shards.remember(out.parse_digests_dir, task.shard, BY_LEARNED_SET, by_set)
    shards.remember(out.parse_digests_dir, task.shard, KEYS_UNDER, _keys_under(task.space, learned))
    return todo.height, 1, unknown.height + uncompared.height


def plan_files(manifest: pl.DataFrame, shard_bytes: int) -> tuple[list[Shard], pl.DataFrame]:
    """The shards, and the files to parse with their shard (FILE_SCHEMA), in path order."""
    wanted = manifest.filter(pl.col("fate") == rawfolder.PARSE)
    plan = shards.plan(int(wanted["size"].sum()), shard_bytes)
    per_shard = shards.BUCKETS // len(plan)
    files = wanted.select("path", "sha256", shard=(shards.bucket_expr() // per_shard).cast(pl.Int32)).sort("path")
    return plan, files


def run(
    *,
    raw_dir: Path,
    out: Outputs,
    params: ParseParams,
    engine: EngineParams,
    model: LineModel | None = None,
    progress: Progress = NO_PROGRESS,
) -> dict:
    """Parse raw_dir into out; ``model`` replaces the committed line model (evaluation trains its own)."""
    root = rawfolder.root_of(raw_dir)
    manifest = pl.read_parquet(out.manifest)
    plan, files = plan_files(manifest, engine.shard_bytes)
    space = namespace(params, None if model is None else model.to_json())
    prune(out.stage_cache("parse"), [space])
    part_dirs = [*decode_part_dirs(out), *parse_part_dirs(out), out.parse_digests_dir]
    tasks = [
        ShardTask(shard, files.filter(pl.col("shard") == shard.index), root, out, params, space, model)
        for shard in plan
    ]  # fmt: skip
    tasks = [task for task in tasks if not task.files.is_empty()]
    shards.retain(part_dirs, [task.shard for task in tasks])
    sizes = [task.files.height for task in tasks]
    decoded = map_unkept(
        engine, decode_shard, tasks, kept_decode, _files_done(progress.bar("decode", files.height, "files"), sizes)
    )
    read = pl.concat([pl.DataFrame(schema=READ_SCHEMA), *(d.read for d in decoded)])
    boilerplate = learn_boilerplate(
        pl.concat([pl.DataFrame(schema=EVIDENCE_SCHEMA), *(d.evidence for d in decoded)]), params.boilerplate
    )
    learned = frozenset(boilerplate["key"].to_list())
    parsed = map_unkept(
        engine,
        parse_shard,
        [(task, learned) for task in tasks],
        kept_parse,
        _files_done(progress.bar("extract", files.height, "files"), sizes),
    )
    shards.sweep(part_dirs)
    # Cache use goes to the log, never to the metrics: an incremental build must write the same bytes as a fresh one.
    log.info(
        "parse: %d files in %d shards; decoded %d and parsed %d, the rest from the cache; evidence computed for %d "
        "files; lines read by %d shards, units compared for %d files",
        files.height,
        len(tasks),
        sum(d.files_decoded for d in decoded),
        sum(n for n, _, _ in parsed),
        sum(d.files_evidenced for d in decoded),
        sum(read for _, read, _ in parsed),
        sum(n for _, _, n in parsed),
    )

    files_read = (
        manifest.join(read.drop("sha256"), on="path", how="left", maintain_order="left")
        .with_columns(fate=pl.coalesce("read_fate", "fate"))
        .drop("read_fate")
    )
    io.write_parquet(files_read, out.files)
    io.write_parquet(boilerplate, out.boilerplate)
    return _metrics(out, files_read.join(files.select("path"), on="path", how="semi"), boilerplate)


def _files_done(advance: Callable[[int], None], sizes: list[int]) -> Callable[[int], None]:
    return lambda task: advance(sizes[task])


def _metrics(out: Outputs, wanted: pl.DataFrame, boilerplate: pl.DataFrame) -> dict:
    """wanted: the files the scan handed to parse, with the fate and encoding reading them gave."""
    quarantine = pl.concat(
        [
            shards.scan(out.decode_quarantine_dir, QUARANTINE_SCHEMA),
            shards.scan(out.parse_quarantine_dir, QUARANTINE_SCHEMA),
        ]
    ).collect()
    records = shards.scan(out.records_dir, RECORD_SCHEMA).select("layout").collect()
    segments = shards.scan(out.segments_dir, SEGMENT_SCHEMA).select("role").collect()
    lines = shards.scan(out.lines_dir, LINE_SCHEMA).select(pl.len()).collect().item()
    whole_files = quarantine.filter(pl.col("line_start") == 0)  # files refused whole: not decoded
    metrics = stage_metrics(
        "parse",
        rows_in=wanted.height,
        rows_out=wanted.height - whole_files["file"].n_unique(),
        dropped=counts(whole_files, "rule"),
        records=records.height,
        lines=lines,
        lines_quarantined=counts(quarantine.filter(pl.col("line_start") > 0), "rule"),
        learned_boilerplate_lines=boilerplate.height,
        records_by_layout=counts(records, "layout"),
        segments_by_role=counts(segments, "role"),
        encodings=counts(wanted.filter(pl.col("encoding").is_not_null()), "encoding"),
    )
    write_metrics(metrics, out.stage_metrics("parse"))
    log.info("parse: %d files -> %d records", wanted.height, records.height)
    return metrics
