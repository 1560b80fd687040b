"""The raw folder, read safely: every path under it gets a fate, and nothing outside it is ever opened.

``scan`` walks the folder without following links and gives each path one fate: regular files inside the folder
are hashed and parsed; links, hidden files, special files (FIFOs, sockets, devices), unreadable and oversized
files are refused with a reason and never read. ``read_file`` opens a scanned file so that it cannot be a link,
a FIFO swapped in since the scan, or a path that resolves outside the folder, and checks that its bytes are
the ones the scan hashed. A rescan reuses a file's sha256 when its (size, mtime_ns, inode, ctime_ns) are those it
had when it was hashed (KnownHashes, as git's index, DVC and make trust file stats), so an unchanged folder is
listed, not read. The scan is the input manifest: DVC tracks it instead of the folder (hashing the folder
itself would block forever on a FIFO), the input fingerprint is computed from it, and validate and package
compare the folder against it to detect files added or changed during a run.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import errno
import hashlib
import os
import stat
import time
from pathlib import Path

import polars as pl

from pipeline import io

PARSE = "parse"
# Fate -> why the path is not parsed. A fate is recorded in the manifest and, for every fate but PARSE, in
# quarantine.parquet (line 0 = the whole path, no text: nothing of it was read).
REFUSED = {
    "hidden_file": "hidden path (its name or a folder above it starts with '.'): skipped, never read",
    "not_regular_file": "not a regular file (FIFO, socket or device): never opened",
    "outside_raw_folder": "a link that resolves outside the raw folder: never followed or read",
    "link_inside_raw_folder": "a link to another path inside the raw folder: not followed (its target is "
    "parsed under its own name)",
    "broken_link": "a link whose target does not exist",
    "link_loop": "a link that loops back on itself",
    "unreadable": "cannot be opened or listed (permission denied or I/O error)",
    "file_too_large": "larger than parse.max_file_bytes: not read",
    "changed_during_run": "its bytes changed between the scan and the read: re-run the build",
}
FATES = (PARSE, *REFUSED)
MANIFEST_SCHEMA = {
    "path": pl.String,  # relative to the raw folder, '/'-separated
    "fate": pl.String,
    "size": pl.Int64,  # bytes (of the link itself for links); null when unknown
    "sha256": pl.String,  # of the bytes read; null for paths never read
    "detail": pl.String,  # why a path is refused, in words
}
_CHUNK = 1 << 20
STAT_SCHEMA = {
    "path": pl.String,
    "size": pl.Int64,
    "mtime_ns": pl.Int64,
    "inode": pl.UInt64,
    "ctime_ns": pl.Int64,
    "sha256": pl.String,
}
# A hash is kept only for a file last changed at least this long before it was read: a write in the same tick of
# the file system's clock as the one before could leave every stat value unchanged (git's "racily clean" files).
# 2 s is the coarsest file time of common file systems (FAT); Linux file systems stamp in milliseconds or finer.
RACY_WINDOW_NS = 2_000_000_000


class KnownHashes:
    """sha256 of regular files by path and stat, from earlier scans; collects the entries of the current scan.

    A file whose size, mtime_ns, inode and ctime_ns are unchanged since it was hashed has the same bytes (ctime
    changes on every write and cannot be set back by users), so its hash is reused without opening it. A file
    parse reads is still checked against its sha256 (parse.read_and_decode).
    """

    def __init__(self, table: pl.DataFrame) -> None:
        self._known = {row[0]: row[1:] for row in table.select(list(STAT_SCHEMA)).iter_rows()}
        self._seen: dict[str, tuple] = {}

    @classmethod
    def load(cls, path: Path) -> KnownHashes:
        table = pl.read_parquet(path, schema=STAT_SCHEMA) if path.exists() else pl.DataFrame(schema=STAT_SCHEMA)
        return cls(table)

    def lookup(self, rel: str, info: os.stat_result) -> str | None:
        entry = self._known.get(rel)
        if entry is None or entry[:4] != _stat_key(info):
            return None
        self._seen[rel] = entry
        return entry[4]

    def record(self, rel: str, before: os.stat_result, after: os.stat_result, sha256: str, read_at_ns: int) -> None:
        """Keep the hash of bytes read between two identical stats of a file not changed within RACY_WINDOW_NS."""
        key = _stat_key(before)
        if key == _stat_key(after) and max(before.st_mtime_ns, before.st_ctime_ns) < read_at_ns - RACY_WINDOW_NS:
            self._seen[rel] = (*key, sha256)

    def sha256(self, path: Path, key: str) -> str:
        """The sha256 of a file (not a raw file: the pipeline's own, such as a stage's parts) known as key: the known
        one while its stat is unchanged, else read, and kept unless it changed within RACY_WINDOW_NS of the read."""
        before = path.stat()
        sha256 = self.lookup(key, before)
        if sha256 is None:
            read_at = time.time_ns()
            with open(path, "rb") as handle:
                sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
            self.record(key, before, path.stat(), sha256, read_at)
        return sha256

    def save(self, path: Path) -> None:
        """Write the entries of the files seen by this scan (files gone from the folder drop out)."""
        rows = [(rel, *entry) for rel, entry in sorted(self._seen.items())]
        io.write_parquet(pl.DataFrame(rows, schema=STAT_SCHEMA, orient="row"), path)


def _stat_key(info: os.stat_result) -> tuple[int, int, int, int]:
    return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)


class RawFolderError(OSError):
    """The raw folder itself is missing or is not a folder (a usage error, not a data problem)."""


@dataclasses.dataclass(frozen=True)
class Entry:
    path: str
    fate: str
    size: int | None = None
    sha256: str | None = None
    detail: str | None = None


def root_of(raw_dir: Path) -> Path:
    """The raw folder's real path (a link naming the folder itself is the user's choice, and is followed)."""
    root = Path(os.path.realpath(raw_dir))
    if not root.is_dir():
        raise RawFolderError(f"raw folder not found or not a folder: {raw_dir}")
    return root


def scan(raw_dir: Path, max_file_bytes: int, known: KnownHashes | None = None) -> pl.DataFrame:
    """The manifest of the raw folder: one row per path under it, sorted by path (see MANIFEST_SCHEMA).

    ``known``: hashes to reuse for files whose stat is unchanged, and where this scan's hashes are collected."""
    root = root_of(raw_dir)
    entries = sorted(_walk(root, "", max_file_bytes, known or KnownHashes(pl.DataFrame(schema=STAT_SCHEMA))),
                     key=lambda e: e.path)  # fmt: skip
    rows = [tuple(getattr(e, field) for field in MANIFEST_SCHEMA) for e in entries]
    return pl.DataFrame(rows, schema=MANIFEST_SCHEMA, orient="row")


def _walk(root: Path, folder: str, max_file_bytes: int, known: KnownHashes):
    """The entries under root/folder (folder: '/'-separated, relative to root; '' for root itself). Paths are
    joined as strings: a scan of 100,000 files spent most of its time building Path objects."""
    try:
        with os.scandir(os.path.join(root, folder)) as listing:
            children = sorted(listing, key=lambda e: e.name)
    except OSError as err:
        yield Entry(folder or ".", "unreadable", detail=f"cannot list the folder: {err.strerror}")
        return
    for child in children:
        rel = f"{folder}/{child.name}" if folder else child.name
        if child.name.startswith("."):
            yield Entry(rel, "hidden_file", detail=REFUSED["hidden_file"])
        elif child.is_symlink():
            yield _link(root, Path(child.path), rel)
        elif child.is_dir(follow_symlinks=False):
            yield from _walk(root, rel, max_file_bytes, known)
        elif child.is_file(follow_symlinks=False):
            yield _regular(root, rel, max_file_bytes, known)
        else:
            yield Entry(rel, "not_regular_file", detail=REFUSED["not_regular_file"])


def _link(root: Path, path: Path, rel: str) -> Entry:
    size = path.lstat().st_size
    try:
        target = Path(os.path.realpath(path, strict=True))
    except FileNotFoundError:
        return Entry(rel, "broken_link", size, detail=REFUSED["broken_link"])
    except OSError as err:
        fate = "link_loop" if err.errno == errno.ELOOP else "unreadable"
        return Entry(rel, fate, size, detail=REFUSED[fate])
    fate = "link_inside_raw_folder" if target.is_relative_to(root) else "outside_raw_folder"
    return Entry(rel, fate, size, detail=REFUSED[fate])


def _regular(root: Path, rel: str, max_file_bytes: int, known: KnownHashes) -> Entry:
    try:
        before = os.lstat(os.path.join(root, rel))
        if before.st_size <= max_file_bytes and (sha256 := known.lookup(rel, before)) is not None:
            return Entry(rel, PARSE, before.st_size, sha256)
        read_at = time.time_ns()
        data = read_file(root, rel, max_file_bytes)
        after = os.lstat(root / rel)
    except OversizedFile as err:
        return Entry(
            rel, "file_too_large", err.size, detail=f"{err.size} bytes > parse.max_file_bytes={max_file_bytes}"
        )
    except RefusedPath as err:
        return Entry(rel, err.fate, detail=err.detail)
    except OSError as err:  # gone or unlistable between the listing and its stat
        return Entry(rel, "unreadable", detail=f"cannot stat: {err.strerror}")
    sha256 = hashlib.sha256(data).hexdigest()
    known.record(rel, before, after, sha256, read_at)
    return Entry(rel, PARSE, len(data), sha256)


class RefusedPath(OSError):
    def __init__(self, fate: str, detail: str) -> None:
        super().__init__(detail)
        self.fate, self.detail = fate, detail


class OversizedFile(RefusedPath):
    def __init__(self, size: int, max_file_bytes: int) -> None:
        super().__init__("file_too_large", f"{size} bytes > parse.max_file_bytes={max_file_bytes}")
        self.size = size


def read_file(root: Path, rel: str, max_file_bytes: int) -> bytes:
    """The bytes of the regular file root/rel, refused (RefusedPath) unless it is safe to read.

    O_NOFOLLOW refuses a link in the last component, O_NONBLOCK keeps a FIFO swapped in since the scan from
    blocking the open, fstat refuses anything but a regular file, and the path the kernel actually opened must
    lie inside the raw folder (a folder above the file may have been replaced by a link since the scan).
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(root / rel, flags)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise RefusedPath("outside_raw_folder", "became a link after the scan: not followed") from None
        raise RefusedPath("unreadable", f"cannot open: {err.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise RefusedPath("not_regular_file", REFUSED["not_regular_file"])
        if not _opened_path(fd, root / rel).is_relative_to(root):
            raise RefusedPath("outside_raw_folder", REFUSED["outside_raw_folder"])
        if info.st_size > max_file_bytes:
            raise OversizedFile(info.st_size, max_file_bytes)
        chunks = []
        while chunk := os.read(fd, _CHUNK):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as err:
        if isinstance(err, RefusedPath):
            raise
        raise RefusedPath("unreadable", f"cannot read: {err.strerror}") from None
    finally:
        os.close(fd)


def _opened_path(fd: int, fallback: Path) -> Path:
    try:
        return Path(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:  # no /proc (not Linux): resolve the name instead
        return Path(os.path.realpath(fallback))


def fingerprint(manifest: pl.DataFrame) -> str:
    """sha256 over the sorted lines 'path<TAB>fate<TAB>sha256' of the manifest: what the build read, and refused."""
    digest = hashlib.sha256()
    for path, fate, sha in manifest.select("path", "fate", pl.col("sha256").fill_null("-")).sort("path").iter_rows():
        digest.update(f"{path}\t{fate}\t{sha}\n".encode())
    return digest.hexdigest()


def changes(recorded: pl.DataFrame, current: pl.DataFrame) -> list[str]:
    """Differences between two manifests of the same folder, one line each ('added x', 'changed y', ...)."""
    key = ["path", "fate", "sha256"]
    before = {p: (f, s) for p, f, s in recorded.select(key).iter_rows()}
    after = {p: (f, s) for p, f, s in current.select(key).iter_rows()}
    lines = [f"added {p}" for p in sorted(after.keys() - before.keys())]
    lines += [f"removed {p}" for p in sorted(before.keys() - after.keys())]
    lines += [f"changed {p}" for p in sorted(after.keys() & before.keys()) if before[p] != after[p]]
    return lines


def changes_in_background(
    recorded: pl.DataFrame, raw_dir: Path, max_file_bytes: int, known_hashes: Path
) -> concurrent.futures.Future[list[str]]:
    """changes(recorded, a new scan of raw_dir), worked out in a thread: the walk mostly waits on the file system,
    so a stage's own work (polars, which releases the GIL) runs beside it (3.8 s a walk at 1 GB). The caller takes
    .result() where it needs the answer."""
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="rescan")
    future = executor.submit(lambda: changes(recorded, scan(raw_dir, max_file_bytes, KnownHashes.load(known_hashes))))
    executor.shutdown(wait=False)  # the thread ends with its one task
    return future
