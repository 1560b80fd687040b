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
    def lines(self) -> Path:
        return self.parse_dir / "lines.parquet"

    @property
    def segments(self) -> Path:
        return self.parse_dir / "segments.parquet"

    @property
    def records(self) -> Path:
        return self.parse_dir / "records.parquet"

    @property
    def boilerplate(self) -> Path:
        return self.parse_dir / "boilerplate.parquet"

    @property
    def parse_quarantine(self) -> Path:
        return self.parse_dir / "quarantine.parquet"

    # clean
    @property
    def clean_dir(self) -> Path:
        return self.root / "interim" / "clean"

    @property
    def clean_articles(self) -> Path:
        return self.clean_dir / "articles.parquet"

    @property
    def clean_quarantine(self) -> Path:
        return self.clean_dir / "quarantine.parquet"

    @property
    def removed_lines(self) -> Path:
        return self.root / "removed_lines.parquet"

    # dedup
    @property
    def dedup_articles(self) -> Path:
        return self.root / "interim" / "dedup" / "articles.parquet"

    @property
    def duplicates(self) -> Path:
        return self.root / "duplicates.parquet"

    # validate
    @property
    def validated_articles(self) -> Path:
        return self.root / "interim" / "validate" / "articles.parquet"

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
    def metrics(self) -> Path:
        return self.root / "metrics.json"
