"""pipeline.io: files whose bytes depend only on their content."""

from __future__ import annotations

import io as io_bytes

import polars as pl

from pipeline import io


def _written(frame: pl.DataFrame, writer) -> bytes:
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
    assert len({_written(frame, plain) for frame in (whole, cut, chunked)}) > 1
    written = {_written(frame, io.write_ipc) for frame in (whole, cut, chunked)}
    assert len(written) == 1
    assert pl.read_ipc(io_bytes.BytesIO(written.pop())).equals(whole)


def test_parquet_bytes_do_not_depend_on_a_list_column_cut_from_a_longer_one(tmp_path) -> None:
    """A list column sliced out of a longer one keeps the whole child array (here 4x the rows its offsets reach),
    and polars' parquet writer splits pages by it: a rebuild's validated part (rows carried over plus rows cut out
    of a batch) and a fresh build's part held the same rows in other bytes."""
    rows = 40_000
    places = [
        [
            {
                "file": f"part-{i % 7:03d}/{i:06d}_{i * 7919 % 100_000:016x}.txt",
                "line_start": i % 50,
                "line_end": i % 50 + 3,
            }
        ]
        * (1 + i % 4)
        for i in range(rows)
    ]
    longer = pl.DataFrame({"id": [f"{i:016x}" for i in range(rows)], "provenance": places})
    cut = longer.slice(0, rows // 4)
    whole = pl.read_parquet(io_bytes.BytesIO(_written(cut, lambda frame, target: frame.write_parquet(target))))
    assert cut.equals(whole)

    def plain(frame: pl.DataFrame, target) -> None:
        frame.write_parquet(target, compression="zstd", compression_level=3, statistics=True, row_group_size=100_000)

    assert _written(cut, plain) != _written(whole, plain)  # what io guards against
    written = {}
    for name, frame in (("cut", cut), ("whole", whole)):
        io.write_parquet(frame, tmp_path / f"{name}.parquet")
        io.sink_parquet(frame.lazy(), tmp_path / f"{name}.sunk.parquet")
        written[name] = [(tmp_path / f"{name}{kind}.parquet").read_bytes() for kind in ("", ".sunk")]
    assert written["cut"] == written["whole"]
    assert pl.read_parquet(tmp_path / "cut.parquet").equals(whole)
