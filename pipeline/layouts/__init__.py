"""Registry of layout plugins: each has a versioned name, ``detect`` (a score) and ``parse``.

The best-scoring layout wins; the generic article layout claims every page with a small constant score,
so a page no specific layout recognises still gets parsed by general evidence.
"""

from __future__ import annotations

from pipeline.layouts.base import Document, Layout, Parsed

_REGISTRY: dict[str, Layout] = {}


def register(cls: type) -> type:
    """Class decorator: instantiate the layout and index it by its versioned name."""
    if cls.name in _REGISTRY:
        raise ValueError(f"layout {cls.name!r} registered twice")
    _REGISTRY[cls.name] = cls()
    return cls


def get(name: str) -> Layout:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown layout {name!r}; available: {', '.join(sorted(_REGISTRY))}") from None


def available() -> list[str]:
    return sorted(_REGISTRY)


def choose(doc: Document, min_score: float) -> tuple[Layout, float]:
    """The layout with the highest score (ties: name order); specific layouts need at least ``min_score``."""
    scored = sorted(((layout.detect(doc), name) for name, layout in _REGISTRY.items()), key=lambda s: (-s[0], s[1]))
    for score, name in scored:
        if score >= min_score or name == GENERIC:
            return _REGISTRY[name], score
    raise RuntimeError("the generic layout is not registered")


def parse_document(doc: Document, min_score: float) -> tuple[str, Parsed]:
    layout, _ = choose(doc, min_score)
    return layout.name, layout.parse(doc)


# Imported for their registration side effect; order does not matter.
from pipeline.layouts import article, digest, listing, teasers  # noqa: E402

GENERIC = article.GENERIC_NAME
__all__ = [
    "Document",
    "Layout",
    "Parsed",
    "article",
    "available",
    "choose",
    "digest",
    "get",
    "listing",
    "register",
    "teasers",
]
