"""Article records: the clean-stage output and the published dataset rows.

`CleanArticle` fixes columns and types at the clean/dedup boundaries. `Article` adds the row-level
quality checks the validate stage enforces before anything is published (see pipeline/validate.py for the
checks that need run-time data, such as the learned boilerplate list).
"""

import pandera.polars as pa
import polars as pl

PROVENANCE_DTYPE = pl.List(pl.Struct({"file": pl.String, "line_start": pl.Int32, "line_end": pl.Int32}))


class CleanArticle(pa.DataFrameModel):
    """One extracted article (clean and dedup stage outputs)."""

    id: str = pa.Field(
        str_matches=r"^[0-9a-f]{16}$",
        description="Stable content hash: first 16 hex digits of sha256 over the normalised title and body.",
    )
    title: str = pa.Field(nullable=True, description="Headline as printed on the page; null when the page has none.")
    body: str = pa.Field(description="Article text, paragraphs joined by a blank line; page chrome removed.")
    published_date: pl.Date = pa.Field(
        nullable=True, description="Publication date found in the page text (never guessed); null when absent."
    )
    source: str = pa.Field(nullable=True, description="Publisher named in the page (masthead or copyright line).")
    byline: str = pa.Field(nullable=True, description="Author or agency credited (byline, dateline or sign-off).")
    category: str = pa.Field(nullable=True, description="Section or topic label printed with the article.")
    language: str = pa.Field(description="ISO 639-1 code from an offline language identifier; 'und' if too short.")
    is_truncated: bool = pa.Field(description="True when the saved page cut the article off (mid-word, excerpt).")
    word_count: pl.Int32 = pa.Field(
        ge=0, description="Words in body: runs between spaces; in Chinese or Japanese, every two characters."
    )
    layout: str = pa.Field(description="Versioned name of the layout parser that produced the record.")
    provenance: PROVENANCE_DTYPE = pa.Field(
        description="Every place the article occurs: raw file (relative to the raw folder) and line span."
    )

    class Config:
        strict = True
        coerce = False


class Article(CleanArticle):
    """A published dataset row (validate-stage input, package-stage output)."""

    id: str = pa.Field(
        str_matches=r"^[0-9a-f]{16}$",
        description=CleanArticle.__fields__["id"][1].description + " Unique in the dataset (validate: id_unique).",
    )


class Duplicate(CleanArticle):
    """A record dropped as a duplicate of a published one."""

    kept_id: str = pa.Field(str_matches=r"^[0-9a-f]{16}$", description="id of the published record it duplicates.")
    kind: str = pa.Field(isin=["exact", "near", "truncated"], description="How it duplicates the kept record.")
    similarity: float = pa.Field(ge=0.0, le=1.0, description="Containment of its text in the kept record's text.")
