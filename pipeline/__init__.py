"""Raw scraped news pages -> clean, deduplicated, validated Hugging Face dataset.

Stages (one module each, run by DVC or by ``python -m pipeline run``):
parse -> clean -> dedup -> validate -> package.
"""

__version__ = "0.1.0"
