"""pandera (polars) models for every stage boundary. Field descriptions feed the dataset card."""

from schemas.article import PROVENANCE_DTYPE, Article, CleanArticle, Duplicate
from schemas.audit import QuarantineRow, RemovedLine

__all__ = ["Article", "CleanArticle", "Duplicate", "PROVENANCE_DTYPE", "QuarantineRow", "RemovedLine"]
