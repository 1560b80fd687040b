"""The raw folder cannot hurt the build: every path gets a fate, nothing outside the folder is read, special files
never block, a folder that changes during a run is caught, and two runs never write one output folder at once."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from conftest import REPO_ROOT, SEED_RAW, output_digests, run_pipeline

from pipeline import rawfolder
from pipeline.cache import content_digest

SECRET = "TOP-SECRET-4f9a2c: the contents of a file outside the raw folder"
ARTICLE = (
    "Exports rise for seventh month\n\nSouth Korea's exports rose for the seventh consecutive month in April on "
    "robust demand for semiconductors, government data showed Wednesday.\n"
)
OTHER_ARTICLE = (
    "Steelmakers brace for new tariffs\n\nKorean steelmakers said on Monday they would seek talks with Washington "
    "after the United States announced a 25 percent tariff on imported steel and aluminium products.\n"
)
MAX = 1 << 20


def fates(raw: Path) -> dict[str, str]:
    return dict(rawfolder.scan(raw, MAX).select("path", "fate").iter_rows())


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A raw folder holding one good page next to every kind of path that must not be read."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    (raw / "page.txt").write_text(ARTICLE, encoding="utf-8")
    (raw / "sub" / "page2.txt").write_text(OTHER_ARTICLE, encoding="utf-8")
    (raw / "secret_link.txt").symlink_to(outside / "secret.txt")
    (raw / "outside_dir").symlink_to(outside)
    (raw / "inside_link.txt").symlink_to(raw / "page.txt")
    (raw / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (raw / "loop.txt").symlink_to(raw / "loop.txt")
    os.mkfifo(raw / "pipe.txt")
    (raw / ".hidden.txt").write_text(SECRET, encoding="utf-8")
    (raw / ".git").mkdir()
    (raw / ".git" / "config").write_text(SECRET, encoding="utf-8")
    return raw


def test_every_path_gets_a_fate_and_only_regular_files_inside_are_hashed(hostile: Path) -> None:
    manifest = rawfolder.scan(hostile, MAX)
    assert dict(manifest.select("path", "fate").iter_rows()) == {
        ".git": "hidden_file",
        ".hidden.txt": "hidden_file",
        "dangling.txt": "broken_link",
        "inside_link.txt": "link_inside_raw_folder",
        "loop.txt": "link_loop",
        "outside_dir": "outside_raw_folder",
        "page.txt": "parse",
        "pipe.txt": "not_regular_file",
        "secret_link.txt": "outside_raw_folder",
        "sub/page2.txt": "parse",
    }
    hashed = manifest.filter(pl.col("sha256").is_not_null())
    assert hashed["path"].to_list() == ["page.txt", "sub/page2.txt"]
    assert hashed["sha256"][0] == hashlib.sha256(ARTICLE.encode()).hexdigest()
    assert manifest.filter(pl.col("fate") != "parse")["detail"].null_count() == 0


def test_socket_and_oversized_file_are_refused(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "big.txt").write_bytes(b"x" * (MAX + 1))
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(raw / "sock"))
        assert fates(raw) == {"big.txt": "file_too_large", "sock": "not_regular_file"}


def test_unreadable_file_is_refused_and_the_scan_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root here, where file permissions do not stop a read: the refusal of the kernel is injected.
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "locked.txt").write_text(ARTICLE, encoding="utf-8")
    (raw / "open.txt").write_text(ARTICLE, encoding="utf-8")
    real_open = os.open

    def refusing_open(path: os.PathLike, flags: int, *args: int) -> int:
        if Path(path).name == "locked.txt":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refusing_open)
    manifest = rawfolder.scan(raw, MAX)
    assert dict(manifest.select("path", "fate").iter_rows()) == {"locked.txt": "unreadable", "open.txt": "parse"}
    assert manifest.filter(pl.col("path") == "locked.txt")["detail"].item() == "cannot open: Permission denied"


def test_read_refuses_a_path_swapped_for_a_link_or_a_fifo_after_the_scan(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    (raw / "a.txt").symlink_to(tmp_path / "secret.txt")
    os.mkfifo(raw / "b.txt")
    with pytest.raises(rawfolder.RefusedPath) as link:
        rawfolder.read_file(raw, "a.txt", MAX)
    assert link.value.fate == "outside_raw_folder"
    with pytest.raises(rawfolder.RefusedPath) as fifo:
        rawfolder.read_file(raw, "b.txt", MAX)  # O_NONBLOCK: returns at once, no writer needed
    assert fifo.value.fate == "not_regular_file"
    (raw / "sub").symlink_to(tmp_path)  # a folder above the file replaced by a link
    with pytest.raises(rawfolder.RefusedPath) as parent:
        rawfolder.read_file(raw, "sub/secret.txt", MAX)
    assert parent.value.fate == "outside_raw_folder"


def test_changes_name_added_removed_and_changed_paths(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("one\n", encoding="utf-8")
    (raw / "b.txt").write_text("two\n", encoding="utf-8")
    before = rawfolder.scan(raw, MAX)
    (raw / "a.txt").write_text("one, edited\n", encoding="utf-8")
    (raw / "b.txt").unlink()
    (raw / "c.txt").write_text("three\n", encoding="utf-8")
    assert rawfolder.changes(before, rawfolder.scan(raw, MAX)) == ["added c.txt", "removed b.txt", "changed a.txt"]
    assert rawfolder.changes(before, before) == []


def test_a_rescan_reuses_the_hash_of_a_file_whose_stat_is_unchanged(tmp_path: Path, monkeypatch) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, text in [("a.txt", ARTICLE), ("b.txt", OTHER_ARTICLE), ("c.txt", ARTICLE)]:
        (raw / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(rawfolder, "RACY_WINDOW_NS", 0)  # the files were just written; trust their stats now
    store = tmp_path / "known_hashes.parquet"
    known = rawfolder.KnownHashes.load(store)
    first = rawfolder.scan(raw, MAX, known)
    known.save(store)
    assert first.equals(rawfolder.scan(raw, MAX))

    (raw / "b.txt").write_text(OTHER_ARTICLE.upper(), encoding="utf-8")  # same size, new bytes (new ctime)
    (raw / "c.txt").unlink()
    os.mkfifo(raw / "c.txt")  # a FIFO where a hashed file was: never opened, whatever was known of the name
    reads: list[str] = []
    read_file = rawfolder.read_file
    monkeypatch.setattr(
        rawfolder, "read_file", lambda root, rel, limit: reads.append(rel) or read_file(root, rel, limit)
    )
    second = rawfolder.scan(raw, MAX, rawfolder.KnownHashes.load(store))
    assert reads == ["b.txt"]
    assert second.equals(rawfolder.scan(raw, MAX))
    assert rawfolder.changes(first, second) == ["changed b.txt", "changed c.txt"]


def test_a_hash_read_right_after_a_write_is_not_kept(tmp_path: Path) -> None:
    """A write in the same tick of the file clock as the one before can leave every stat value unchanged."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(ARTICLE, encoding="utf-8")
    store = tmp_path / "known_hashes.parquet"
    known = rawfolder.KnownHashes.load(store)
    rawfolder.scan(raw, MAX, known)
    known.save(store)
    assert pl.read_parquet(store).is_empty()


def test_known_hashes_spare_the_pipelines_own_files_a_read_and_never_hide_a_rewrite(
    tmp_path: Path, monkeypatch
) -> None:
    """content_digest with known hashes (the explorer's cache keys over a build's parts): the same digest as
    reading every file; an unchanged file is not read again; a rewritten one (same size: a new ctime) is."""
    monkeypatch.setattr(rawfolder, "RACY_WINDOW_NS", 0)  # the files were just written; trust their stats now
    parts = [tmp_path / "part-00000.parquet", tmp_path / "part-00001.parquet", tmp_path / "missing.parquet"]
    parts[0].write_bytes(b"first part")
    parts[1].write_bytes(b"other part")
    store = tmp_path / "part_hashes.parquet"
    known = rawfolder.KnownHashes.load(store)
    assert content_digest(*parts, known=known) == content_digest(*parts)
    known.save(store)

    read: list[str] = []
    file_digest = hashlib.file_digest
    monkeypatch.setattr(
        hashlib, "file_digest", lambda handle, name: read.append(handle.name) or file_digest(handle, name)
    )
    parts[1].write_bytes(b"OTHER PART")
    again = content_digest(*parts, known=rawfolder.KnownHashes.load(store))
    monkeypatch.undo()
    assert read == [str(parts[1])]
    assert again == content_digest(*parts) != content_digest(parts[0], tmp_path / "absent", parts[2])


def test_hostile_folder_runs_to_the_end_and_reads_nothing_outside(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    started = time.monotonic()
    result = run_pipeline(hostile, out, check=False)
    assert time.monotonic() - started < 300  # a FIFO opened for reading would block forever
    assert result.returncode == 0, result.stderr[-3000:]
    for path in out.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), f"{path} holds text from outside the raw folder"
    quarantine = pl.read_parquet(out / "quarantine.parquet")
    refused = dict(quarantine.filter(pl.col("stage") == "scan").select("file", "rule").iter_rows())
    assert refused == {p: f for p, f in fates(hostile).items() if f != "parse"}
    assert quarantine.filter(pl.col("stage") == "scan")["text"].null_count() == len(refused)
    report = json.loads((out / "reports" / "validation.json").read_text(encoding="utf-8"))
    assert report["nothing_lost"]["paths_unaccounted"] == 0
    assert report["nothing_lost"]["paths_by_fate"]["parse"] == 2
    published = pl.read_parquet(out / "dataset" / "data" / "*.parquet")
    files = published.select(pl.col("provenance").explode().struct.field("file"))["file"].to_list()
    assert sorted(files) == ["page.txt", "sub/page2.txt"]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=REPO_ROOT, capture_output=True, text=True)


def test_file_added_during_a_run_fails_the_gate(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    shutil.copytree(SEED_RAW, raw)
    for stage in (["scan", str(raw)], ["parse", str(raw)], ["clean"], ["dedup"]):
        assert cli(*stage, "--out", str(out)).returncode == 0
    (raw / "late.txt").write_text(ARTICLE, encoding="utf-8")
    result = cli("validate", str(raw), "--out", str(out))
    assert result.returncode == 1
    assert "raw_folder_changes: observed 1; limit at most 0" in result.stderr
    assert "added late.txt" in result.stderr
    report = json.loads((out / "reports" / "validation.json").read_text(encoding="utf-8"))
    assert report["raw_folder_changes"] == ["added late.txt"] and report["passed"] is False


def test_file_changed_between_scan_and_parse_is_quarantined(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    shutil.copytree(SEED_RAW, raw)
    assert cli("scan", str(raw), "--out", str(out)).returncode == 0
    victim = sorted(raw.iterdir())[0]
    victim.write_text(ARTICLE, encoding="utf-8")
    assert cli("parse", str(raw), "--out", str(out)).returncode == 0
    quarantine = pl.read_parquet(out / "interim" / "parse" / "decode_quarantine" / "*.parquet")
    assert quarantine.filter(pl.col("file") == victim.name).select("rule").rows() == [("changed_during_run",)]
    files = pl.read_parquet(out / "interim" / "parse" / "files.parquet")
    assert files.filter(pl.col("path") == victim.name)["fate"].item() == "changed_during_run"


def test_two_runs_into_one_output_folder_never_both_write(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "pipeline", "run", str(SEED_RAW), "--out", str(out), "--releases",
               str(tmp_path / "no-releases")]  # fmt: skip
    first = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (out / ".lock").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    second = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
    _, first_err = first.communicate(timeout=600)
    assert first.returncode == 0, first_err[-3000:]
    assert second.returncode == 3, second.stderr
    assert second.stderr.startswith("busy: another run is writing")
    reference = tmp_path / "reference"
    run_pipeline(SEED_RAW, reference)
    assert output_digests(out) == output_digests(reference)


def test_missing_raw_folder_is_a_usage_error_in_one_line(tmp_path: Path) -> None:
    result = cli("run", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr == f"error: raw folder not found or not a folder: {tmp_path / 'nope'}\n"
