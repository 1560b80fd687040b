"""pipeline.io: files whose bytes depend only on their content."""

from __future__ import annotations

import io as io_bytes

import polars as pl

from pipeline import io


def _ipc(frame: pl.DataFrame, writer) -> bytes:
    buffer = io_bytes.BytesIO()
    writer(frame, buffer)
    return buffer.getvalue()


def test_write_ipc_bytes_depend_only_on_rows_and_types() -> None:
    # The same rows three ways: built whole; cut from a longer column (its bitmap keeps set bits past the last
    # row, and its strings stay views into the longer column's buffers); and in two chunks (two record batches,
    # as a multi-threaded computation can leave it).
    words = [f"a string longer than a view's twelve inline bytes, number {i}" for i in range(16)]
    whole = pl.DataFrame(
        {"flag": [True] * 9, "n": list(range(9)), "text": words[7:]},
        schema={"flag": pl.Boolean, "n": pl.UInt32, "text": pl.String},
    )
    cut = pl.DataFrame(
        {
            "flag": pl.Series([True] * 16).slice(0, 9),
            "n": pl.Series(range(16), dtype=pl.UInt32).slice(0, 9),
            "text": pl.Series(words).filter(pl.Series(range(16)) >= 7),
        }
    )
    chunked = pl.concat([whole.head(4), whole.tail(5)], rechunk=False)
    assert cut.equals(whole) and chunked.equals(whole)

    def plain(frame: pl.DataFrame, target) -> None:
        frame.write_ipc(target, compression="uncompressed")

    # What io.write_ipc guards against: polars writes those stray bits and chunks as they are.
    assert len({_ipc(frame, plain) for frame in (whole, cut, chunked)}) > 1
    written = {_ipc(frame, io.write_ipc) for frame in (whole, cut, chunked)}
    assert len(written) == 1
    assert pl.read_ipc(io_bytes.BytesIO(written.pop())).equals(whole)
