"""Audit tables: where every raw line that is not in a published field went."""

import pandera.polars as pa
import polars as pl


class RemovedLine(pa.DataFrameModel):
    """One row per raw line (or glued fragment of a line) removed as page chrome."""

    file: str = pa.Field(description="Raw file, relative to the raw folder.")
    line: pl.Int32 = pa.Field(ge=1, description="1-based line number in the raw file.")
    text: str = pa.Field(description="The removed text, as decoded from the raw file.")
    rule: str = pa.Field(str_length={"min_value": 1}, description="Name of the rule that removed it.")
    stage: str = pa.Field(isin=["parse", "clean"], description="Stage that removed it.")
    fragment: bool = pa.Field(description="True when only part of the line was removed (the rest is in a record).")
    score: pl.Float64 = pa.Field(
        nullable=True, description="For a learned removal (rule 'line_model_v1:chrome'): the model's probability."
    )

    class Config:
        strict = True
        coerce = False


class QuarantineRow(pa.DataFrameModel):
    """Everything that could not become a valid record, with the reason."""

    file: str = pa.Field(description="Raw file, relative to the raw folder.")
    line_start: pl.Int32 = pa.Field(ge=0, description="First raw line concerned (0 = the whole file).")
    line_end: pl.Int32 = pa.Field(ge=0, description="Last raw line concerned (0 = the whole file).")
    stage: str = pa.Field(
        isin=["scan", "parse", "clean", "dedup", "validate"], description="Stage that quarantined it."
    )
    rule: str = pa.Field(str_length={"min_value": 1}, description="Rule or check that failed.")
    reason: str = pa.Field(str_length={"min_value": 1}, description="Readable explanation.")
    text: str = pa.Field(nullable=True, description="The text concerned (record text or raw excerpt).")

    class Config:
        strict = True
        coerce = False
