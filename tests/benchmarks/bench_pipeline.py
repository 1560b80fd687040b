"""Benchmark: time every pipeline stage on a synthetic raw folder of about N MB (a script, not a test).

    python tests/benchmarks/bench_pipeline.py --mb 50 [--workers 2] [--keep DIR] [--seed 1] [--params FILE]
                                              [--mem-limit-gb GB] [--code DIR]

The folder is grown from the committed seed pages (raw/): their page shapes (Korea Herald article, plain
article, crawler date-prefixed article, dash listing) are re-filled with text from a word chain trained on the
seed paragraphs, with names and numbers varied, so pages are distinct the way real ones are. Exact copies,
truncated copies (a download cut mid-word) and entries re-printed in later listings are mixed in at fixed
rates. Each stage is then called in this process through the CLI's own stage function (pipeline/cli.py
`STAGES`), in one engine session whose workers start with it, and timed alone. The table shows wall seconds, raw
MB per second, the peak resident memory of this process during the stage (sampled from /proc every 20 ms) and
rows in/out; then the peak of the largest child process (the engine's workers).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_RAW = REPO_ROOT / "raw"

# Offline Hugging Face / GX, as in tests/conftest.py: set before the stages import them.
for _key, _value in {
    "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1", "GX_ANALYTICS_ENABLED": "false",
}.items():  # fmt: skip
    os.environ.setdefault(_key, _value)
sys.path.insert(0, str(REPO_ROOT))

# Shares of generated files by kind (listings are few but long, as in the seed folder).
KIND_WEIGHTS = {
    "herald": 0.34, "plain": 0.17, "date_prefixed": 0.17, "listing": 0.07, "exact_copy": 0.05,
    "truncated_copy": 0.03, "reprinted": 0.03,
}  # fmt: skip
RELISTED_SHARE = 0.08  # listing entries copied from an earlier listing (the same release listed twice)
PEOPLE = ["Kim Min-ji", "Lee Jae-won", "Park Soo-jin", "Choi Hyun-woo", "Jung Da-eun", "Kang Ji-hoon",
          "Yoon Seo-yeon", "Han Dong-hyun", "Oh Eun-bi", "Shin Tae-yang", "Kwon Hye-rin", "Lim Jun-seo"]  # fmt: skip
NAMES = ["POSCO", "Hyundai", "Samsung", "LG", "SK", "Hanwha", "Doosan", "Lotte", "Kia", "KEPCO", "Naver",
         "Celltrion", "Toray", "Boeing", "Canada", "Japan", "China", "Vietnam", "Germany", "Poland", "Busan",
         "Ulsan", "Incheon", "Tokyo", "Washington", "Ahn", "Cheong", "Kwon", "Lee", "Park", "Choi"]  # fmt: skip
CATEGORIES = ["Industry", "Trade", "Energy", "Investment", "Policy", "Business"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip
DATE_MARKER = re.compile(r"\s*\bdate\s?\d{4}-\d{2}(?:-\d{2})?\s*")
NUMBER = re.compile(r"\d+")


# --- synthetic corpus -----------------------------------------------------------------------------------------------


def seed_paragraphs() -> list[str]:
    """Prose lines of the seed pages (12+ words), date markers removed."""
    out = []
    for path in sorted(SEED_RAW.iterdir()):
        for line in path.read_text(encoding="utf-8").split("\n"):
            text = DATE_MARKER.sub(" ", line).strip()
            if len(text.split()) >= 12:
                out.append(text)
    return out


class WordChain:
    """Order-2 word chain over the seed paragraphs; proper names and numbers are varied as it writes."""

    def __init__(self, paragraphs: list[str]) -> None:
        self.next: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.starts: list[tuple[str, str]] = []
        self.proper: set[str] = set()
        self.vocabulary = sorted({w for text in paragraphs for w in text.split() if w.isalpha() and w.islower()})
        for text in paragraphs:
            words = text.split()
            for i in range(len(words) - 2):
                self.next[(words[i], words[i + 1])].append(words[i + 2])
                if i == 0 or words[i - 1].endswith("."):
                    self.starts.append((words[i], words[i + 1]))
                if i > 0 and words[i][:1].isupper() and not words[i - 1].endswith("."):
                    self.proper.add(words[i].strip(",.’'\""))

    def _vary(self, word: str, rng: random.Random, swap: float = 0.2) -> str:
        """Swap some plain words for other seed words (so 5-word shingles are rarely shared), names, numbers."""
        core = word.strip(",.’'\"()")
        if core.isalpha() and core.islower() and rng.random() < swap:
            word = word.replace(core, rng.choice(self.vocabulary))
        elif core in self.proper and rng.random() < 0.5:
            word = word.replace(core, rng.choice(NAMES))
        if NUMBER.search(word) and rng.random() < 0.8:
            word = NUMBER.sub(lambda m: str(rng.randint(1, 999) if len(m[0]) < 4 else rng.randint(2010, 2024)), word)
        return word

    def words(self, rng: random.Random, n: int) -> Iterator[str]:
        state = rng.choice(self.starts)
        yield from state
        for _ in range(n - 2):
            options = self.next.get(state)
            if not options or rng.random() < 0.08:  # jump: keeps 5-word shingles from repeating whole seeds
                state = rng.choice(self.starts)
                word = state[1]
            else:
                word = rng.choice(options)
                state = (state[1], word)
            yield word

    def paragraph(self, rng: random.Random, low: int, high: int) -> str:
        words = [self._vary(w, rng) for w in self.words(rng, rng.randint(low, high))]
        text = " ".join(words).rstrip(",;:")
        text = text[0].upper() + text[1:]
        return text if text.endswith((".", "”", '"')) else text + "."

    def headline(self, rng: random.Random) -> str:
        # Headlines swap most plain words: the same short headline over different articles would be learned
        # as boilerplate and refused by the gate (see tests/test_bad_input.py recurring headline case).
        words = [self._vary(w, rng, 0.7).strip(',.;:“”"()') for w in self.words(rng, rng.randint(8, 14))]
        words = [w for w in words if w]
        return " ".join(words)[:1].upper() + " ".join(words)[1:]


@dataclasses.dataclass
class Corpus:
    chain: WordChain
    rng: random.Random
    pages: list[bytes] = dataclasses.field(default_factory=list)  # article pages written so far
    headed: list[bytes] = dataclasses.field(default_factory=list)  # ...those with a header (not date-prefixed)
    entries: list[str] = dataclasses.field(default_factory=list)  # listing entries written so far

    def date(self) -> dt.date:
        return dt.date(2015, 1, 1) + dt.timedelta(days=self.rng.randint(0, 3500))

    def herald(self) -> str:
        rng, day = self.rng, self.date()
        lines = ["The Korea Herald"] + (["지나쌤"] if rng.random() < 0.3 else [])
        lines += [self.chain.headline(rng), f"By {rng.choice(PEOPLE)}",
                  f"Published : {MONTHS[day.month - 1][:3]} {day.day}, {day.year} - {rng.randint(0, 23):02d}:"
                  f"{rng.randint(0, 59):02d}", "    • Link copied"]  # fmt: skip
        body = [self.chain.paragraph(rng, 25, 70) for _ in range(rng.randint(4, 10))]
        body[-1] += " (Yonhap)"
        return "\n\n".join(lines + body) + "\n"

    def plain(self) -> str:
        rng = self.rng
        lines = ["Minimum 2 characters required.", "", self.chain.headline(rng), "", ""]
        for _ in range(rng.randint(3, 7)):
            if rng.random() < 0.4:
                lines.append(self.chain.headline(rng))  # a subheading printed right above its paragraph
            lines += [self.chain.paragraph(rng, 40, 140), ""]
        return "\n".join(lines) + "\n"

    def date_prefixed(self) -> str:
        rng = self.rng
        body = [self.chain.paragraph(rng, 30, 90) for _ in range(rng.randint(3, 8))]
        return f" date {self.date().isoformat()} " + "\n\n".join(body) + "\n"

    def listing(self) -> str:
        rng = self.rng
        blocks = []
        for _ in range(rng.randint(10, 60)):
            if self.entries and rng.random() < RELISTED_SHARE:
                blocks.append(rng.choice(self.entries))
                continue
            head = ([rng.choice(CATEGORIES)] if rng.random() < 0.6 else []) + [self.chain.headline(rng)]
            summary = self.chain.paragraph(rng, 60, 250) + f" date{self.date().isoformat()}"
            block = "\n".join(["-", *head, summary])
            self.entries.append(block)
            blocks.append(block)
        if rng.random() < 0.3:  # the saved excerpt stops inside its last entry
            last = blocks[-1]
            blocks[-1] = last[: rng.randint(len(last) // 2, len(last) - 12)]
        return "\n".join(blocks) + "\n"

    def page(self) -> tuple[str, bytes]:
        kind = self.rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
        if kind in ("exact_copy", "truncated_copy", "reprinted") and not self.headed:
            kind = "herald"
        if kind == "exact_copy":
            return kind, self.rng.choice(self.pages)
        if kind == "truncated_copy":  # the download stopped mid-word
            data = self.rng.choice(self.pages)
            return kind, data[: self.rng.randint(len(data) * 2 // 5, len(data) * 9 // 10)]
        if kind == "reprinted":  # the same article saved from another page: different header chrome
            # (not the date-prefixed pages: the crawler glues its date prefix to the very start of the file)
            text = self.rng.choice(self.headed).decode("utf-8")
            return kind, ("Skip to main content\n\nCopied URL\n\n" + text).encode("utf-8")
        text = getattr(self, kind)()
        data = text.encode("utf-8")
        if kind != "listing":
            self.pages.append(data)
        if kind in ("herald", "plain"):
            self.headed.append(data)
        return kind, data


def generate(raw: Path, megabytes: float, seed: int) -> dict[str, int]:
    """Write about `megabytes` MB of pages into raw/ (one folder per 1000 files); return counts per kind."""
    corpus = Corpus(WordChain(seed_paragraphs()), random.Random(seed))
    target, written, counts = int(megabytes * 1024 * 1024), 0, defaultdict(int)
    while written < target:
        kind, data = corpus.page()
        index = sum(counts.values())
        path = raw / f"batch_{index // 1000:03d}" / f"{index:06d}_{kind}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written += len(data)
        counts[kind] += 1
    return dict(sorted(counts.items()))


# --- measurement ----------------------------------------------------------------------------------------------------


def _rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def peak_rss(interval: float = 0.02) -> Iterator[dict[str, int]]:
    """Peak resident set size of this process while the block runs (sampled; ru_maxrss never goes down)."""
    result = {"peak": 0}
    if not Path("/proc/self/statm").exists():
        yield result
        result["peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            result["peak"] = max(result["peak"], _rss_bytes())
            stop.wait(interval)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join()
        result["peak"] = max(result["peak"], _rss_bytes())


@dataclasses.dataclass
class Timing:
    stage: str
    seconds: float
    peak_rss: int
    rows_in: Any
    rows_out: Any
    note: str = ""


def timed(stage: str, call: Callable[[], dict | None]) -> Timing:
    from pipeline.errors import GateFailed

    note = ""
    with peak_rss() as rss:
        started = time.perf_counter()
        try:
            metrics = call() or {}
        except GateFailed as err:  # the table goes on: report the gate's first problem instead of rows
            problems = str(err).splitlines()
            metrics, note = {}, "gate failed: " + (problems[1] if len(problems) > 1 else problems[0]).strip()
        seconds = time.perf_counter() - started
    return Timing(stage, seconds, rss["peak"], metrics.get("rows_in", "-"), metrics.get("rows_out", "-"), note)


MIB = 1024 * 1024
HEADER = f"{'stage':<9} {'seconds':>8} {'MB/s':>8} {'peak RSS MB':>12} {'rows in':>9} {'rows out':>9}"


def print_row(t: Timing, megabytes: float) -> None:
    rate = f"{megabytes / t.seconds:8.2f}" if t.seconds > 0 else f"{'-':>8}"
    print(
        f"{t.stage:<9} {t.seconds:8.2f} {rate} {t.peak_rss / MIB:12.0f} {t.rows_in!s:>9} {t.rows_out!s:>9}"
        + (f"  ({t.note})" if t.note else ""),
        flush=True,  # row by row: if a stage runs out of memory, the rows before it are already out
    )


def run_stages(raw: Path, out_root: Path, params_path: Path, workers: int, megabytes: float) -> list[Timing]:
    """The stages of `python -m pipeline run`, each through the CLI's own stage function (cli.STAGES) in this
    process, in one engine session whose workers start with it (as a first build's do), so that each is timed
    alone. Unlike `run`, nothing runs in a side process: validate imports Great Expectations in its own time."""
    from pipeline import cli
    from pipeline.config import load_params
    from pipeline.engine import session
    from pipeline.progress import NO_PROGRESS

    params = load_params(params_path)
    params = dataclasses.replace(params, engine=dataclasses.replace(params.engine, workers=workers))
    args = argparse.Namespace(raw_dir=raw, out=out_root, releases=out_root / "no-releases")
    print(HEADER)
    print("-" * len(HEADER))
    timings: list[Timing] = []
    with session(params.engine, sorted(set(cli.WORKER_IMPORTS.values())), start_workers=workers > 1):
        for stage, call in cli.STAGES.items():
            if stage in ("explore", "package") and timings[-1].note:
                timing = Timing(stage, 0.0, 0, "-", "-", "skipped: the gate refused")
            else:
                timing = timed(stage, functools.partial(call, args, params, NO_PROGRESS))
            print_row(timing, megabytes)
            timings.append(timing)
    total = sum(t.seconds for t in timings)
    print("-" * len(HEADER))
    print(f"{'total':<9} {total:8.2f} {megabytes / total:8.2f}")
    largest_worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(f"largest child process (the workers): {largest_worker / MIB:.0f} MB peak RSS")
    return timings


def limit_memory(gigabytes: float | None) -> None:
    """Cap this process's address space, so a stage that outgrows the machine fails alone (MemoryError or abort)
    instead of pushing the whole host into swap or the OOM killer."""
    if gigabytes:
        limit = int(gigabytes * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def code_version(code: Path | None) -> str:
    """Commit of the checkout (with '-dirty' and the changed files under pipeline/), or the --code folder."""
    import pipeline

    where = Path(pipeline.__file__).resolve().parent
    if code is not None:
        return f"{where} (--code)"
    git = ["git", "-C", str(REPO_ROOT)]
    try:
        commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        changed = subprocess.run([*git, "diff", "--name-only", "HEAD", "--", "pipeline", "schemas"],
                                 capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return str(where)
    return commit.stdout.strip() + (f"-dirty ({', '.join(changed)})" if changed else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="size of the synthetic raw folder (default: 50)")
    parser.add_argument("--workers", type=int, default=2, help="engine.workers (default: 2)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generator (default: 1)")
    parser.add_argument("--params", type=Path, default=REPO_ROOT / "params.yaml", help="parameters file")
    parser.add_argument("--keep", type=Path, help="write raw/ and out/ under this folder and keep them")
    parser.add_argument(
        "--code",
        type=Path,
        help="import pipeline/ from this folder instead of the checkout (e.g. `git archive COMMIT pipeline schemas`"
        " unpacked there), to compare versions on the same corpus",
    )
    parser.add_argument("--mem-limit-gb", type=float, help="cap the address space of the run (RLIMIT_AS)")
    args = parser.parse_args(argv)
    if args.code is not None:
        sys.path.insert(0, str(args.code.resolve()))  # before the stages import pipeline
    limit_memory(args.mem_limit_gb)

    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    raw, out = root / "raw", root / "out"
    shutil.rmtree(raw, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    try:
        started = time.perf_counter()
        counts = generate(raw, args.mb, args.seed)
        size = sum(p.stat().st_size for p in raw.rglob("*") if p.is_file()) / (1024 * 1024)
        print(f"generated {sum(counts.values())} files, {size:.1f} MB in {time.perf_counter() - started:.1f} s: "
              + ", ".join(f"{k} {v}" for k, v in counts.items()))  # fmt: skip
        print(f"code: {code_version(args.code)}")
        print(f"workers={args.workers} cpus={os.cpu_count()} python={sys.version.split()[0]}\n")
        run_stages(raw, out, args.params, args.workers, size)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"\nkept {raw} and {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
