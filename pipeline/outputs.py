"""Where each stage writes, relative to one output root (``data/`` under DVC, ``OUT`` for ``pipeline run``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class Outputs:
    root: Path

    # scan
    @property
    def manifest(self) -> Path:
        return self.root / "interim" / "scan" / "manifest.parquet"

    @property
    def scan_quarantine(self) -> Path:
        return self.root / "interim" / "scan" / "quarantine.parquet"

    # parse
    @property
    def files(self) -> Path:
        """The manifest as parse read it: refusals found while reading (changed bytes, races) included."""
        return self.parse_dir / "files.parquet"

    @property
    def parse_dir(self) -> Path:
        return self.root / "interim" / "parse"

    @property
    def lines_dir(self) -> Path:
        return self.parse_dir / "lines"

    @property
    def decode_quarantine_dir(self) -> Path:
        return self.parse_dir / "decode_quarantine"

    @property
    def segments_dir(self) -> Path:
        return self.parse_dir / "segments"

    @property
    def records_dir(self) -> Path:
        return self.parse_dir / "records"

    @property
    def parse_quarantine_dir(self) -> Path:
        return self.parse_dir / "quarantine"

    @property
    def parse_keys_dir(self) -> Path:
        """Per file, the identity of its parse result (what later per-file caches key on)."""
        return self.parse_dir / "keys"

    @property
    def file_reads_dir(self) -> Path:
        """Per shard, its files as reading found them (fate, encoding): what a kept shard gives the file list."""
        return self.parse_dir / "reads"

    @property
    def evidence_dir(self) -> Path:
        """Per shard, the evidence of its short lines for boilerplate learning (pipeline/boilerplate.py)."""
        return self.parse_dir / "evidence"

    @property
    def parse_digests_dir(self) -> Path:
        """Per shard and pass, the digest of the inputs its parts were written from (shards.is_current): a rebuild
        keeps the parts of shards whose inputs are unchanged."""
        return self.parse_dir / "digests"

    @property
    def boilerplate(self) -> Path:
        return self.parse_dir / "boilerplate.parquet"

    @property
    def cache(self) -> Path:
        """Per-file results kept between builds (pipeline/cache.py); not a stage output."""
        return self.root / "cache"

    @property
    def known_hashes(self) -> Path:
        """sha256 of raw files by their stat: a rescan reads only new or changed files (rawfolder.KnownHashes)."""
        return self.known_hashes_of("scan")

    def known_hashes_of(self, stage: str) -> Path:
        """A stage's sha256 of files by their stat (rawfolder.KnownHashes): of the file system (inodes, times), so the
        one cache file whose bytes differ between two builds of the same input."""
        return self.stage_cache(stage) / "known_hashes.parquet"

    def stage_cache(self, stage: str) -> Path:
        """A stage's own part of the cache: each stage prunes only its own stale namespaces."""
        return self.cache / stage

    # clean
    @property
    def clean_dir(self) -> Path:
        return self.root / "interim" / "clean"

    @property
    def clean_articles_dir(self) -> Path:
        return self.clean_dir / "articles"

    @property
    def clean_quarantine_dir(self) -> Path:
        return self.clean_dir / "quarantine"

    @property
    def removed_lines_dir(self) -> Path:
        return self.clean_dir / "removed_lines"

    @property
    def removed_lines(self) -> Path:
        return self.root / "removed_lines.parquet"

    # dedup
    @property
    def dedup_dir(self) -> Path:
        return self.root / "interim" / "dedup"

    @property
    def dedup_articles_dir(self) -> Path:
        """The distinct articles, one part per clean part (its rows that are kept, in the same order)."""
        return self.dedup_dir / "articles"

    @property
    def dedup_removed_dir(self) -> Path:
        """The duplicates, one part per clean part (its dropped rows, with the columns that order them):
        duplicates.parquet is merged from them."""
        return self.dedup_dir / "removed"

    @property
    def dedup_digests_dir(self) -> Path:
        """Per part, the digest of what its kept and dropped rows were written from (shards.is_current): a rebuild
        keeps the parts whose rows and decisions are unchanged."""
        return self.dedup_dir / "digests"

    @property
    def duplicates(self) -> Path:
        return self.root / "duplicates.parquet"

    # validate
    @property
    def validated_dir(self) -> Path:
        """The publishable rows, in parts (each sorted by id)."""
        return self.root / "interim" / "validate" / "articles"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine.parquet"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def validation_report(self) -> Path:
        return self.reports / "validation.json"

    @property
    def data_docs(self) -> Path:
        """Great Expectations Data Docs of the last validation (a rendered view, stamped with the real run time)."""
        return self.reports / "data_docs"

    @property
    def explorer(self) -> Path:
        """The audit explorer (pipeline/explorer.py): index.html and the data files it loads."""
        return self.reports / "explorer"

    # package
    @property
    def dataset(self) -> Path:
        return self.root / "dataset"

    @property
    def metrics_dir(self) -> Path:
        return self.root / "metrics"

    def stage_metrics(self, stage: str) -> Path:
        return self.metrics_dir / f"{stage}.json"

    @property
    def plots(self) -> Path:
        return self.root / "plots"

    @property
    def metrics(self) -> Path:
        return self.root / "metrics.json"
