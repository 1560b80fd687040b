"""pandera (polars) models for every stage boundary. Field descriptions feed the dataset card."""

import pandera.polars as pa
import polars as pl

from schemas.article import PROVENANCE_DTYPE, Article, CleanArticle, Duplicate
from schemas.audit import QuarantineRow, RemovedLine


def polars_schema(model: type[pa.DataFrameModel]) -> dict[str, pl.DataType]:
    """A model's columns and types as a polars schema (for empty frames and parquet scans)."""
    return {name: column.dtype.type for name, column in model.to_schema().columns.items()}


__all__ = [
    "Article", "CleanArticle", "Duplicate", "PROVENANCE_DTYPE", "QuarantineRow", "RemovedLine", "polars_schema",
]  # fmt: skip
