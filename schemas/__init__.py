"""pandera (polars) models for every stage boundary. Field descriptions feed the dataset card."""

import pandera.polars as pa
import polars as pl

from schemas.article import PROVENANCE_DTYPE, Article, CleanArticle, Duplicate
from schemas.audit import QuarantineRow, RemovedLine


def polars_schema(model: type[pa.DataFrameModel]) -> dict[str, pl.DataType]:
    """A model's columns and types as a polars schema (for empty frames and parquet scans)."""
    return {name: column.dtype.type for name, column in model.to_schema().columns.items()}


# pandera imports its polars validation backends at a schema's first validation (~0.4 s of imports): done as the
# models load, so that where `schemas` is imported ahead of its use (the workers as they start, the command's
# background preload while parse runs) that time is off the stages' path.
pa.DataFrameSchema.get_backend(check_type=pl.LazyFrame)

__all__ = [
    "Article", "CleanArticle", "Duplicate", "PROVENANCE_DTYPE", "QuarantineRow", "RemovedLine", "polars_schema",
]  # fmt: skip
