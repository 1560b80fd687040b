"""Bad and odd raw files through the real pipeline: each one ends in a defined place, and the run goes on.

Every case writes its file(s) next to two good seed pages, runs `python -m pipeline run` (all cases
concurrently, once per module, address space capped) with a params file whose gate tolerates a high
quarantined share, and asserts the exact destination of the odd file: a whole-file quarantine row, a published
record with the right text, removed_lines, ... Every run must exit 0 without a traceback or a native abort,
and its nothing-lost ledger must account for every non-blank raw line.

The page texts below are written for these tests in the shapes of real news pages; none is copied from a site.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pytest
import yaml
from conftest import REPO_ROOT, SEED_RAW

from pipeline.patterns import BLANK_LINE_RE

COMPANIONS = ("000_6346b866772eb1ec.txt", "001_13f06f3c20ca4f2f.txt")  # two single-article seed pages
MOJIBAKE = ("â€", "Ã©", "Ã", "Â", "\ufffd")  # what cp1252 read as UTF-8 (or a lossy decode) leaves behind
HUGE_BYTES = 20 * 1024 * 1024  # under parse.max_file_bytes (a larger file is refused unread), far over max_line_chars
BLANK_TEXT = "  \n\n\t\n   \n\u200b\n\u200c \ufeff"  # no line of it prints anything
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"
LISTING_UNIQUE = 2970
LISTING_REPEATS = 30  # entries printed twice (a re-saved page): exact duplicates, not extra rows


def page(*paragraphs: str) -> str:
    """A saved page: one paragraph per line, blank lines between them (as the scraper writes them)."""
    return "\n\n".join(paragraphs) + "\n"


CAFE_TITLE = "Trade ministry courts café owners with export vouchers"
CAFE_LEAD = (
    "The Minister’s visit — “quoted” café owners said — drew dozens of small business owners to the ministry’s "
    "Sejong office on Tuesday, where officials outlined a new export voucher program for food and beverage firms."
)
CAFE_PAGE = page(
    "The Korea Herald",
    "Business",
    CAFE_TITLE,
    "By Kim Min-ji",
    "Published : April 23, 2024 - 10:14",
    "• Link copied",
    CAFE_LEAD,
    "Under the program, companies with fewer than 50 employees can claim up to 30 million won a year for overseas "
    "marketing, packaging design and certification costs, the Ministry of Trade, Industry and Energy said.",
    "“Small roasters and bakeries have products that sell well abroad, but they cannot afford the paperwork,” a "
    "ministry official said, adding that applications open on May 2.",
    "The ministry plans to select 400 companies this year and expand the program next year. (Yonhap)",
    "© 2024 The Korea Herald. All rights reserved.",
)
# Mostly ASCII with one Latin-1 symbol: a decoder that guesses cp1250 here turns '£' into 'Ł' without a trace.
GBP_TITLE = "Korean battery maker wins £300 million order from British carmaker"
GBP_PAGE = page(
    "Business",
    GBP_TITLE,
    "Published : April 24, 2024 - 11:20",
    "By Lee Ji-hoon",
    "SK On said Wednesday it has won a £300 million order to supply battery cells to a British carmaker’s "
    "electric vans from 2026, its first major contract in the United Kingdom.",
    "The cells will be made at the company’s plant in Hungary and shipped to the carmaker’s factory in the "
    "English Midlands, the company said in a regulatory filing.",
    "“Europe remains a core market for us despite the slowdown in electric vehicle sales,” an SK On official said.",
    "The company did not name the customer, citing a confidentiality agreement. (Yonhap)",
)

# A Korean wire article (own text): section, headline, labelled date, reporter, three paragraphs, footer.
KO_TITLE = "산업부, 반도체 수출 지원 확대…올해 1천억 달러 목표"
KO_PARAGRAPHS = (
    "산업통상자원부는 23일 서울 정부청사에서 반도체 업계 간담회를 열고 올해 반도체 수출 목표를 1천억 달러로 "
    "제시했다고 밝혔다. 정부는 이를 위해 연구개발 예산을 늘리고 수출 기업에 대한 금융 지원을 확대할 계획이다.",
    "업계 관계자들은 미국과 중국의 수요 회복으로 하반기 수출이 크게 늘어날 것으로 내다봤다. 특히 인공지능 "
    "서버용 고대역폭 메모리의 수요가 빠르게 늘고 있어 국내 기업들의 투자도 이어질 전망이다.",
    '안덕근 장관은 "반도체는 우리 경제의 핵심 산업"이라며 "정부가 할 수 있는 모든 지원을 아끼지 않겠다"고 말했다.',
)
KO_FOOTER = "저작권자 ⓒ 산업뉴스 무단전재 및 재배포 금지"
KO_PAGE = page("경제", KO_TITLE, "입력 2024.04.23 10:15", "김민수 기자", *KO_PARAGRAPHS, KO_FOOTER)

BOM_TITLE = "Korea, Vietnam agree to expand supply chain cooperation on critical minerals"
BOM_PAGE = page(
    BOM_TITLE,  # the headline is the very first line: a BOM left in the text would be glued to it
    "Published : March 5, 2024 - 16:02",
    "By Lee Jae-won",
    "South Korea and Vietnam agreed on Tuesday to expand cooperation on critical minerals supply chains, with "
    "the two governments setting up a joint research center for rare earth processing in Hanoi next year.",
    "The agreement was signed at a meeting between the trade ministers of the two countries in Seoul, where "
    "they also discussed ways to raise bilateral trade to 150 billion dollars by 2030, the ministry said.",
    "Vietnam holds the world's second-largest rare earth reserves, according to industry data. (Yonhap)",
)
UTF16_TITLE = "Shipbuilders win record orders for ammonia-fuelled carriers"
UTF16_PAGE = page(
    UTF16_TITLE,
    "Published : June 11, 2024 - 09:30",
    "South Korean shipbuilders won orders for 12 ammonia-fuelled carriers in the first five months of the year, "
    "the highest number on record, as shipping lines prepare for stricter emission rules, data showed Tuesday.",
    "The three largest shipyards accounted for nine of the orders, while smaller yards took the rest, according "
    "to the Korea Offshore and Shipbuilding Association. (Yonhap)",
)

# One article and one short listing: the same text with LF, CRLF and CR-only line endings.
ENDINGS_ARTICLE = page(
    "Economy",
    "Exports rise for seventh straight month on chip demand",
    "Published : May 1, 2024 - 09:00",
    "By Park Soo-jin",
    "South Korea's exports rose for the seventh consecutive month in April on robust demand for semiconductors, "
    "government data showed Wednesday, adding to signs of a recovery in the trade-dependent economy.",
    "Outbound shipments rose 13.8 percent on-year to 56.2 billion dollars last month, while imports gained "
    "5.4 percent to 54.7 billion dollars, according to the Ministry of Trade, Industry and Energy.",
    "Chip exports jumped 56 percent to 9.97 billion dollars, the ministry said. (END)",
)
ENDINGS_LISTING = "\n".join(
    [
        "-",
        "Trade",
        "Korea and Chile sign upgraded free trade agreement",
        "Korea and Chile signed an upgraded free trade agreement on April 22 in Santiago, expanding market access "
        "for automobiles, critical minerals and agricultural products and adding chapters on digital trade. "
        "date2024-04-23",
        "-",
        "Energy",
        "Government to expand offshore wind auctions this year",
        "The Ministry of Trade, Industry and Energy said it will auction up to 1.8 gigawatts of offshore wind "
        "capacity this year, with new rules that reward security of supply and local content. date2024-04-22",
        "",
    ]
)

# A page whose only 'paragraph' is a row of symbols (a rating or emoji widget): 30 tokens, not one word.
SYMBOLS = "★ ☆ ♥ ♦ ♣ ♠ • … ※ ◎ ◇ ◆ □ ■ △ ▽ → ← ↑ ↓ ♪ ♬ ☞ ☜ ✓ ✔ ✕ ✖ ✗ ✘"
SYMBOLS_PAGE = page("Market watch", "Published : May 2, 2024 - 09:00", SYMBOLS)
RECURRING_TITLE = "Weekly export trends"


def weekly_listing(week: int) -> str:
    """A listing page whose first entry is this week's edition of a recurring release: same headline every week,
    a different summary each time."""
    items = ("semiconductors", "automobiles", "petrochemicals", "ships", "steel", "batteries", "displays")
    entries = [
        ["-", "Trade", RECURRING_TITLE,
         f"Exports of {items[week]} rose {12 + week} percent in week {week + 14} while shipments of {items[week + 1]} "
         f"fell {3 + week} percent, the trade ministry said in its weekly report on {40 + week} export items. "
         f"date2024-04-0{week + 1}"],
        ["-", "Trade", f"Korea and {('Chile', 'Peru', 'Kenya')[week]} agree to launch supply chain dialogue",
         f"Korea and {('Chile', 'Peru', 'Kenya')[week]} agreed on April {week + 1} to launch a regular dialogue on "
         f"critical minerals and {items[week + 2]} supply chains, with the first meeting set for June in Seoul. "
         f"date2024-04-0{week + 1}"],
    ]  # fmt: skip
    return "\n".join(line for entry in entries for line in entry) + "\n"


# Three pages from one site whose share bar prints 'Copied URL' right above the headline (a section label's place).
SHARE_BAR_PAGES = [
    ("Hyundai to build battery plant in Georgia",
     "Hyundai Motor Group said Monday it will build a 5 billion dollar battery plant in Georgia with LG Energy "
     "Solution, creating 3,000 jobs by 2026 as it expands electric vehicle production in the United States."),
    ("Samsung opens chip research center in Yongin",
     "Samsung Electronics opened a new semiconductor research center in Yongin on Tuesday, where 2,000 engineers "
     "will develop next-generation memory chips and advanced packaging technology, the company said."),
    ("POSCO signs lithium supply deal with Argentina",
     "POSCO Holdings signed a long-term lithium supply agreement with an Argentine mining company on Wednesday, "
     "securing 50,000 tons of lithium a year for its battery materials plants in Korea and Argentina."),
]  # fmt: skip


def share_bar_page(i: int) -> str:
    title, lead = SHARE_BAR_PAGES[i]
    more = "The company plans to announce further details of the project at its annual shareholders' meeting. (Yonhap)"
    return page("Copied URL", title, "By Kim Min-ji", f"Published : April {i + 2}, 2024 - 10:00", lead, more)


CHROME_LINES = ("Skip Menu", "Copied URL", "Click for copy", "• Print")
CHROME_RULES = ("navigation_link", "share_widget", "share_widget", "social_button")


# fmt: off
COMPANIES = ("Samsung Electronics", "SK hynix", "Hyundai Motor", "LG Energy Solution", "POSCO Holdings",
             "Hanwha Ocean", "Doosan Enerbility", "Kia", "LS Electric", "HD Hyundai", "Lotte Chemical",
             "CJ CheilJedang", "Naver", "Kakao", "Celltrion", "Samsung Biologics", "SK On", "Hyosung")
PRODUCTS = ("battery", "chip packaging", "hydrogen fuel cell", "electric motor", "cathode", "biosimilar",
            "power transformer", "LNG carrier", "display panel", "steel sheet", "robot", "data center")
PLACES = ("Ulsan", "Gumi", "Pohang", "Cheongju", "Gwangju", "Changwon", "Pyeongtaek", "Yeosu", "Dangjin", "Georgia",
          "Texas", "Poland", "Hungary", "Indonesia", "Vietnam", "Mexico", "Arizona", "Ohio")
# fmt: on


def listing(unique: int, repeats: int, seed: int = 7) -> tuple[str, set[str]]:
    """A dash listing of `unique` distinct entries, the first `repeats` of them printed again at the end.

    Each summary combines enough varied facts that no two entries are near duplicates (dedup compares word
    5-grams), and reads like English (the language expectation of the gate counts 'en' rows).
    """
    rng = random.Random(seed)
    categories = ["Industry", "Trade", "Energy", "Investment", "Policy"]
    entries: list[str] = []
    titles: set[str] = set()
    for i in range(unique):
        company, product, place = rng.choice(COMPANIES), rng.choice(PRODUCTS), rng.choice(PLACES)
        amount, jobs, year, day = rng.randint(10, 990), rng.randint(50, 4000), rng.randint(2025, 2031), (i % 28) + 1
        title = f"{company} to invest {amount} billion won in {place} {product} plant (No. {i + 1})"
        summary = (
            f"{company} said on April {day} it will invest {amount} billion won by {year} to build a {product} "
            f"plant in {place}, creating about {jobs} jobs, as part of entry {i + 1} of the ministry's list of "
            f"new projects, which the ministry expects to add {rng.randint(2, 95)} percent to regional "
            f"{rng.choice(PRODUCTS)} output. date2024-04-23"
        )
        entries.append("\n".join(["-", categories[i % len(categories)], title, summary]))
        titles.add(title)
    entries += entries[:repeats]
    return "\n".join(entries) + "\n", titles


def long_speech(paragraphs: int) -> tuple[str, str]:
    """(title, page) of a full-text speech: `paragraphs` distinct paragraphs of ~40 words each."""
    rng = random.Random(11)
    title = "Full text of the trade minister's keynote speech at the Korea Industry Forum"
    body = [
        f"In part {i + 1} of my remarks, let me turn to {rng.choice(PRODUCTS)} exports, which rose "
        f"{rng.randint(2, 60)} percent last year thanks to firms in {rng.choice(PLACES)} such as "
        f"{rng.choice(COMPANIES)}, and to the {rng.randint(10, 900)} small suppliers that work with them; "
        f"we will support {rng.randint(100, 5000)} more of them by {rng.randint(2026, 2030)}."
        for i in range(paragraphs)
    ]
    return title, page("Policy", title, "Published : June 3, 2024 - 14:00", "By Yonhap", *body)


LONG_SPEECH_PARAGRAPHS = 250  # ~10,000 words: long, but real (speech transcripts, white papers)


@dataclasses.dataclass(frozen=True)
class RawFile:
    data: bytes
    text: str | None  # what the bytes mean (None: not text); used to count the lines the ledger must see


# A page saved as HTML source without a document's opening (a fragment: '<div ...>' lines), and a page of text that
# keeps a few lines of markup (an ad's noscript image, an embed), as crawlers' text output does.
HTML_SOURCE = page(
    '<div class="article">',
    '  <h1 class="headline">Port of Busan adds a new container terminal</h1>',
    '  <p class="byline">By Lee Ji-eun</p>',
    "  <p>The Port of Busan opened its sixth container terminal on Monday, adding capacity for 2 million",
    "  containers a year.</p>",
    '  <p>Officials said the terminal <a href="/tags/automation">is automated</a> end to end.</p>',
    "</div>",
    '<script src="/static/app.js"></script>',
)
TEXT_WITH_MARKUP = page(
    "Economy",
    "Exports rise for seventh straight month on chip demand",
    '<noscript><img src="https://ads.example.net/pixel?id=4471" width="1" height="1" alt=""></noscript>',
    "By Park Soo-jin",
    "South Korea's exports rose for the seventh consecutive month in April on robust demand for semiconductors, "
    "government data showed Wednesday, adding to signs of a recovery in the trade-dependent economy.",
    '<div><a href="https://ads.example.net/jump?tile=2" target="_blank"><img src="https://ads.example.net/ad?tile=2" '
    'alt="" /></a></div>',
    "Outbound shipments rose 13.8 percent on-year to 56.2 billion dollars last month, while imports gained "
    "5.4 percent to 54.7 billion dollars, according to the Ministry of Trade, Industry and Energy.",
    '<iframe src="https://video.example.net/embed/991" width="640" height="360" allowfullscreen></iframe>',
    "Chip exports jumped 56 percent to 9.97 billion dollars, the ministry said.",
)
MARKUP_LINES = 3


def utf8(text: str) -> RawFile:
    return RawFile(text.encode("utf-8"), text)


def _huge_line() -> RawFile:
    sentence = "Minified page state blob with no line breaks at all; "
    text = (sentence * (HUGE_BYTES // len(sentence) + 1))[:HUGE_BYTES]
    return RawFile(text.encode("ascii"), text)


def _cases() -> dict[str, dict[str, RawFile]]:
    listing_text, _ = listing(LISTING_UNIQUE, LISTING_REPEATS)
    crlf = "\r\n"
    return {
        "empty": {"empty.txt": RawFile(b"", "")},
        # Whitespace, and lines of characters that print nothing (zero-width space and non-joiner, byte-order marks).
        "blank": {"blank.txt": RawFile(f"{BLANK_TEXT}\r\n".encode(), f"{BLANK_TEXT}\n")},
        # A PNG header saved with a .txt name: NUL bytes within the first bytes.
        "binary": {"image.txt": RawFile(PNG_HEADER + bytes(range(256)), None)},
        "cp1252": {
            "cafe.txt": RawFile(CAFE_PAGE.encode("cp1252"), CAFE_PAGE),
            "battery_gbp.txt": RawFile(GBP_PAGE.encode("cp1252"), GBP_PAGE),
        },
        "euc_kr": {"korean_euckr.txt": RawFile(KO_PAGE.encode("euc-kr"), KO_PAGE)},
        "korean": {"korean.txt": utf8(KO_PAGE)},
        "bom": {
            "bom_utf8.txt": RawFile(BOM_PAGE.encode("utf-8-sig"), BOM_PAGE),
            "bom_utf16.txt": RawFile(UTF16_PAGE.encode("utf-16"), UTF16_PAGE),  # Python writes a LE BOM first
        },
        "lf": {"article.txt": utf8(ENDINGS_ARTICLE), "listing.txt": utf8(ENDINGS_LISTING)},
        "crlf": {
            "article.txt": RawFile(ENDINGS_ARTICLE.replace("\n", crlf).encode(), ENDINGS_ARTICLE),
            "listing.txt": RawFile(ENDINGS_LISTING.replace("\n", crlf).encode(), ENDINGS_LISTING),
        },
        "cr": {
            "article.txt": RawFile(ENDINGS_ARTICLE.replace("\n", "\r").encode(), ENDINGS_ARTICLE),
            "listing.txt": RawFile(ENDINGS_LISTING.replace("\n", "\r").encode(), ENDINGS_LISTING),
        },
        "huge_line": {"huge.txt": _huge_line()},
        "big_listing": {"listing.txt": utf8(listing_text)},
        "chrome_only": {"chrome.txt": utf8(page(*CHROME_LINES))},
        "long_article": {"speech.txt": utf8(long_speech(LONG_SPEECH_PARAGRAPHS)[1])},
        "symbols": {"symbols.txt": utf8(SYMBOLS_PAGE)},
        "recurring_title": {f"weekly_{week}.txt": utf8(weekly_listing(week)) for week in range(3)},
        "share_bar": {f"share_{i}.txt": utf8(share_bar_page(i)) for i in range(3)},
        # HTML source is no text to parse: the ledger sees none of its lines (the file is quarantined whole).
        "html": {"fragment.txt": RawFile(HTML_SOURCE.encode(), None), "with_markup.txt": utf8(TEXT_WITH_MARKUP)},
    }


CASE_NAMES = (
    "empty", "blank", "binary", "cp1252", "euc_kr", "korean", "bom", "lf", "crlf", "cr", "huge_line", "big_listing",
    "chrome_only", "long_article", "symbols", "recurring_title", "share_bar", "html",
)  # fmt: skip


@dataclasses.dataclass
class Run:
    raw: Path
    out: Path
    files: dict[str, RawFile]
    returncode: int
    stderr: str
    seconds: float

    def table(self, name: str) -> pl.DataFrame:
        return pl.read_parquet(self.out / name)

    @property
    def published(self) -> pl.DataFrame:
        return pl.read_parquet(self.out / "dataset" / "data" / "*.parquet")

    @property
    def report(self) -> dict:
        return json.loads((self.out / "reports" / "validation.json").read_text(encoding="utf-8"))

    def rows_from(self, table: pl.DataFrame, file: str) -> pl.DataFrame:
        """Records (published or duplicates) with a provenance entry in `file`."""
        return table.filter(pl.col("provenance").list.eval(pl.element().struct.field("file") == file).list.any())

    def quarantined(self, file: str) -> pl.DataFrame:
        return self.table("quarantine.parquet").filter(pl.col("file") == file)


ADDRESS_SPACE_CAP = 12 * 1024**3  # virtual size: a seed run peaks at ~3 GiB (0.5 GiB resident)


# `python -m pipeline` with its address space capped first (a subprocess preexec_fn is unsafe next to threads).
CAPPED_MAIN = (
    "import resource, runpy, sys; cap = int(sys.argv.pop(1)); resource.setrlimit(resource.RLIMIT_AS, (cap, cap)); "
    "runpy.run_module('pipeline', run_name='__main__', alter_sys=True)"
)


def run_capped(raw: Path, out: Path, params: Path) -> subprocess.CompletedProcess:
    """conftest.run_pipeline's command, with the address space capped: a stage that tries to allocate tens of
    gigabytes (see test_symbols_only_body_does_not_abort_the_run) fails alone instead of waking the OOM killer
    on a shared machine or CI runner."""
    command = [sys.executable, "-c", CAPPED_MAIN, str(ADDRESS_SPACE_CAP), "--params", str(params), "run", str(raw)]
    command += ["--out", str(out), "--releases", str(out / "no-releases")]
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, env=dict(os.environ), check=False)


def tolerant_params(directory: Path) -> Path:
    """params.yaml with a gate that lets a folder of mostly bad files through (the gate is not under test)."""
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["validate"]["max_quarantine_share"] = 1.0
    params["validate"]["min_published_rows"] = 0
    path = directory / "params.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, hf_home: Path) -> dict[str, Run]:
    """Every case in its own raw folder (with the companions), all pipelines run two at a time."""
    root = tmp_path_factory.mktemp("bad_input")
    params = tolerant_params(root)
    cases = _cases()

    def one(name: str) -> Run:
        raw, out = root / name / "raw", root / name / "out"
        raw.mkdir(parents=True)
        for companion in COMPANIONS:
            shutil.copy(SEED_RAW / companion, raw / companion)
        for file, content in cases[name].items():
            (raw / file).write_bytes(content.data)
        started = time.perf_counter()
        result = run_capped(raw, out, params)
        return Run(raw, out, cases[name], result.returncode, result.stderr, time.perf_counter() - started)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(CASE_NAMES, pool.map(one, CASE_NAMES), strict=True))


def non_blank_lines(run: Run) -> int:
    """Non-blank lines of the raw folder as the pipeline should see them (LF, CRLF and CR all end a line)."""
    texts = [f.text for f in run.files.values() if f.text is not None]
    texts += [(SEED_RAW / c).read_text(encoding="utf-8") for c in COMPANIONS]
    return sum(1 for text in texts for line in _lines(text) if not BLANK_LINE_RE.match(line))


def _lines(text: str) -> list[str]:
    # Only LF, CRLF and CR end a line (str.splitlines would also split at U+2028, form feeds, ...).
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def records(run: Run, file: str) -> list[dict]:
    """Published and duplicate records from one file, as comparable dicts (sorted by first line)."""
    columns = ["title", "body", "published_date", "byline", "source", "category", "language", "layout"]
    rows = []
    for table in (run.published, run.table("duplicates.parquet")):
        for row in run.rows_from(table, file).iter_rows(named=True):
            span = [(p["line_start"], p["line_end"]) for p in row["provenance"] if p["file"] == file]
            rows.append({**{c: row[c] for c in columns}, "span": sorted(span)})
    return sorted(rows, key=lambda r: r["span"])


# --- every case -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CASE_NAMES)
def test_run_finishes_and_loses_nothing(runs: dict[str, Run], name: str) -> None:
    run = runs[name]
    print(f"{name}: {run.seconds:.1f} s")
    assert run.returncode >= 0, f"killed by signal {-run.returncode} (a native abort, no traceback)"
    assert "Traceback" not in run.stderr, run.stderr[-4000:]
    # The ledger first: it must balance even when the gate refuses.
    ledger = run.report["nothing_lost"]
    assert ledger["unaccounted"] == 0, ledger["unaccounted_examples"]
    assert ledger["lines"] == non_blank_lines(run)
    assert run.returncode == 0, run.stderr[-4000:]
    # The good companions are still published next to the odd file.
    for companion in COMPANIONS:
        assert run.rows_from(run.published, companion).height == 1


# --- files that are not text: quarantined whole -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "file", "rule"),
    [
        ("empty", "empty.txt", "empty_file"),
        ("blank", "blank.txt", "blank_file"),
        ("binary", "image.txt", "binary_file"),
        ("html", "fragment.txt", "html_markup"),
    ],
)
def test_unusable_file_is_quarantined_whole(runs: dict[str, Run], name: str, file: str, rule: str) -> None:
    run = runs[name]
    rows = run.quarantined(file).select("line_start", "line_end", "stage", "rule").to_dicts()
    assert rows == [{"line_start": 0, "line_end": 0, "stage": "parse", "rule": rule}]
    assert run.quarantined(file)["reason"].item()  # a human-readable why
    assert run.rows_from(run.published, file).is_empty()
    assert run.table("removed_lines.parquet").filter(pl.col("file") == file).is_empty()
    assert run.report["nothing_lost"]["quarantined_files"] == 1


def test_text_with_a_few_lines_of_markup_is_published_without_them(runs: dict[str, Run]) -> None:
    """Markup on a few lines of a text page is the page's code, removed by the `markup` rule; the file is not HTML
    source, and its article is published whole."""
    run = runs["html"]
    assert run.quarantined("with_markup.txt").is_empty()
    row = run.rows_from(run.published, "with_markup.txt").row(0, named=True)
    assert row["title"] == "Exports rise for seventh straight month on chip demand"
    assert row["body"].startswith("South Korea's exports rose") and row["body"].endswith("the ministry said.")
    assert "<" not in row["body"]
    removed = run.table("removed_lines.parquet").filter(pl.col("file") == "with_markup.txt")
    assert removed.filter(pl.col("rule") == "markup").height == MARKUP_LINES


# --- encodings -----------------------------------------------------------------------------------------------------


def _assert_no_mojibake(frame: pl.DataFrame) -> None:
    for column in ("title", "body"):
        for value in frame[column].drop_nulls():
            assert not any(marker in value for marker in MOJIBAKE), value[:300]


def test_cp1252_page_is_decoded_and_published(runs: dict[str, Run]) -> None:
    run = runs["cp1252"]
    assert run.quarantined("cafe.txt").is_empty()
    rows = run.rows_from(run.published, "cafe.txt")
    assert rows.height == 1
    row = rows.row(0, named=True)
    assert row["title"] == CAFE_TITLE
    assert row["body"].split("\n\n")[0] == CAFE_LEAD
    assert "“Small roasters and bakeries" in row["body"]
    assert row["published_date"] == dt.date(2024, 4, 23)
    _assert_no_mojibake(run.published)


def test_cp1252_pound_sign_survives(runs: dict[str, Run]) -> None:
    """'£' is 0xA3 in cp1252 but 'Ł' in cp1250: a cp1252 page must not be published as cp1250."""
    run = runs["cp1252"]
    rows = run.rows_from(run.published, "battery_gbp.txt")
    assert rows["title"].to_list() == [GBP_TITLE]
    assert "a £300 million order" in rows["body"].item()
    assert not rows["body"].item().count("Ł")


def test_euc_kr_page_is_decoded_like_its_utf8_twin(runs: dict[str, Run]) -> None:
    """EUC-KR bytes give exactly the record the same page gives in UTF-8."""
    euc_kr, korean = records(runs["euc_kr"], "korean_euckr.txt"), records(runs["korean"], "korean.txt")
    assert runs["euc_kr"].quarantined("korean_euckr.txt").is_empty()
    assert len(euc_kr) == 1
    assert euc_kr == korean
    assert KO_PARAGRAPHS[0] in euc_kr[0]["body"]


def test_korean_page_is_published_as_ko(runs: dict[str, Run]) -> None:
    run = runs["korean"]
    assert run.quarantined("korean.txt").is_empty()
    rows = run.rows_from(run.published, "korean.txt")
    assert rows.height == 1
    row = rows.row(0, named=True)
    assert row["language"] == "ko"
    assert row["published_date"] == dt.date(2024, 4, 23)
    paragraphs = row["body"].split("\n\n")
    assert paragraphs[: len(KO_PARAGRAPHS)] == list(KO_PARAGRAPHS)
    assert KO_TITLE not in paragraphs  # the headline is not body text


def test_korean_copyright_footer_is_not_body(runs: dict[str, Run]) -> None:
    """'저작권자 ⓒ ... 무단전재 및 재배포 금지' is the Korean press's copyright footer: chrome, like '© ... All rights
    reserved.' on English pages."""
    run = runs["korean"]
    row = run.rows_from(run.published, "korean.txt").row(0, named=True)
    assert KO_FOOTER not in row["body"]
    removed = run.table("removed_lines.parquet").filter(pl.col("file") == "korean.txt")
    assert KO_FOOTER in removed["text"].to_list()


def test_korean_headline_is_the_title(runs: dict[str, Run]) -> None:
    run = runs["korean"]
    row = run.rows_from(run.published, "korean.txt").row(0, named=True)
    assert row["title"] == KO_TITLE


def test_bom_is_stripped(runs: dict[str, Run]) -> None:
    run = runs["bom"]
    for file, title in (("bom_utf8.txt", BOM_TITLE), ("bom_utf16.txt", UTF16_TITLE)):
        assert run.quarantined(file).is_empty()
        rows = run.rows_from(run.published, file)
        assert rows["title"].to_list() == [title]
    for table in (run.published, run.table("duplicates.parquet")):
        for column in ("title", "body", "byline", "source", "category"):
            assert not table[column].drop_nulls().str.contains("\ufeff").any(), column
    assert not run.table("removed_lines.parquet")["text"].str.contains("\ufeff").any()


# --- line endings --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ending", ["crlf", "cr"])
def test_line_endings_give_the_lf_records(runs: dict[str, Run], ending: str) -> None:
    for file in ("article.txt", "listing.txt"):
        lf, other = records(runs["lf"], file), records(runs[ending], file)
        assert other == lf
        assert not any("\r" in (r["title"] or "") + r["body"] for r in other)
    assert len(records(runs["lf"], "article.txt")) == 1
    assert len(records(runs["lf"], "listing.txt")) == 2

    def audit(run: Run) -> list[tuple]:
        return sorted(run.table("removed_lines.parquet").select("file", "line", "text", "rule").iter_rows())

    assert audit(runs[ending]) == audit(runs["lf"])


# --- size ----------------------------------------------------------------------------------------------------------


def test_twenty_megabyte_single_line_is_quarantined(runs: dict[str, Run]) -> None:
    run = runs["huge_line"]
    print(f"20 MB single-line file: whole run took {run.seconds:.1f} s")
    rows = run.quarantined("huge.txt")
    assert rows.select("line_start", "line_end", "stage", "rule").to_dicts() == [
        {"line_start": 1, "line_end": 1, "stage": "parse", "rule": "line_too_long"}
    ]
    assert "max_line_chars" in rows["reason"].item()
    assert 0 < len(rows["text"].item()) <= 500  # an excerpt, not 20 MB in the quarantine file
    assert run.report["nothing_lost"]["quarantined_lines"] == 1


def test_listing_of_thousands_publishes_every_distinct_entry(runs: dict[str, Run]) -> None:
    run = runs["big_listing"]
    _, titles = listing(LISTING_UNIQUE, LISTING_REPEATS)
    published = run.rows_from(run.published, "listing.txt")
    duplicates = run.rows_from(run.table("duplicates.parquet"), "listing.txt")
    assert run.quarantined("listing.txt").is_empty()
    assert published.height == LISTING_UNIQUE
    assert set(published["title"]) == titles
    assert duplicates.height == LISTING_REPEATS
    assert set(duplicates["kind"]) == {"exact"}
    assert set(published["layout"]) == {"dash_listing_v1"}
    assert set(published["published_date"]) == {dt.date(2024, 4, 23)}
    # The repeated entries keep both places they were printed.
    assert published.filter(pl.col("provenance").list.len() == 2).height == LISTING_REPEATS


def test_ten_thousand_word_article_is_published_whole(runs: dict[str, Run]) -> None:
    run = runs["long_article"]
    print(f"10,000-word article: whole run took {run.seconds:.1f} s")
    title, _ = long_speech(LONG_SPEECH_PARAGRAPHS)
    rows = run.rows_from(run.published, "speech.txt")
    assert rows["title"].to_list() == [title]
    assert rows["body"].item().count("\n\n") == LONG_SPEECH_PARAGRAPHS - 1
    assert rows["word_count"].item() > 9000


# Peak memory of shingling one long body, measured in a fresh interpreter (polars allocates outside Python).
SHINGLE_PROBE = """
import random, resource, sys
import polars as pl
from pipeline.config import load_params
from pipeline.dedup import transform
rng = random.Random(0)
words = int(sys.argv[1])
body = " ".join(f"w{rng.randint(0, 10**6)}" for _ in range(words))
half = body[: len(body) // 2]
place = [{"file": "a.txt", "line_start": 1, "line_end": 1}]
articles = pl.DataFrame({"id": ["0" * 16, "1" * 16], "title": ["Report", "Report"], "body": [body, half],
    "published_date": [None, None], "source": [None, None], "byline": [None, None], "category": [None, None],
    "language": ["en", "en"], "is_truncated": [False, True], "word_count": [words, words // 2],
    "layout": ["test", "test"], "provenance": [place, place]})
removed = transform(articles, load_params().dedup).removed
assert removed["id"].to_list() == ["1" * 16], removed
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def test_dedup_memory_does_not_grow_with_the_square_of_article_length() -> None:
    """A 12,000-word body (a long report) must not cost gigabytes in dedup: shingling is linear in the text.

    Linear shingling of 12,000 words needs a few MB on top of the interpreter; the bound of 1 GiB leaves room for
    any allocator. (Quadratic shingling, one copy of the word list per word, needs ~3.6 GB here and ~16 GB for
    one 32,000-word body.)
    """
    result = subprocess.run(
        [sys.executable, "-c", SHINGLE_PROBE, "12000"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    peak = int(result.stdout.split()[-1])
    print(f"dedup of a 12,000-word body: peak RSS {peak / 2**20:.0f} MiB")
    assert peak < 2**30


# Dedup of bodies shorter than one shingle, in a capped interpreter: the failure mode is a 32 GiB allocation.
SHORT_BODY_PROBE = """
import resource
resource.setrlimit(resource.RLIMIT_AS, (4 * 1024**3, 4 * 1024**3))
import polars as pl
from pipeline.config import load_params
from pipeline.dedup import transform
bodies = ["", "★ ☆ ♥", "one", "one two three", "one two three four", "one two three four five six"]
n = len(bodies)
articles = pl.DataFrame({"id": [f"{i:016x}" for i in range(n)], "title": [None] * n, "body": bodies,
    "published_date": [None] * n, "source": [None] * n, "byline": [None] * n, "category": [None] * n,
    "language": ["und"] * n, "is_truncated": [False] * n, "word_count": [len(b.split()) for b in bodies],
    "layout": ["test"] * n, "provenance": [[{"file": f"{i}.txt", "line_start": 1, "line_end": 1}] for i in range(n)]})
print(transform(articles, load_params().dedup).metrics)
"""


def test_dedup_copes_with_bodies_shorter_than_a_shingle() -> None:
    """Bodies of 0-3 words (\\w+) reach dedup whenever they have 8+ whitespace tokens (clean's minimum)."""
    result = subprocess.run([sys.executable, "-c", SHORT_BODY_PROBE], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def test_symbols_only_body_does_not_abort_the_run(runs: dict[str, Run]) -> None:
    """One page of symbols must cost at most that page, never the run."""
    run = runs["symbols"]
    assert run.returncode == 0, f"exit {run.returncode}: {run.stderr[-1500:]}"


def test_symbols_only_body_is_not_published(runs: dict[str, Run]) -> None:
    """30 symbols are 30 whitespace tokens (clean's word count) but not one word: not an article to publish."""
    run = runs["symbols"]
    assert (run.out / "dataset").is_dir(), "the run did not get as far as packaging"
    published = run.rows_from(run.published, "symbols.txt")
    assert not any(SYMBOLS in body for body in published["body"]), published.select("title", "body", "language")


def test_recurring_listing_headline_does_not_block_the_release(runs: dict[str, Run]) -> None:
    """'Weekly export trends' heads a different summary in each of three listing pages. The corpus learns it as
    boilerplate (short, 3 files, 3 contexts); the listing layout still makes it the entry's title, and validate's
    blocking rule title_no_chrome then refuses the whole release. Three different entries must be published."""
    run = runs["recurring_title"]
    assert run.returncode == 0, run.stderr[-1500:]
    for week in range(3):
        rows = run.rows_from(run.published, f"weekly_{week}.txt")
        assert rows.height == 2
        assert any(f"in week {week + 14} while" in body for body in rows["body"])


# --- chrome --------------------------------------------------------------------------------------------------------


def test_share_widget_above_the_headline_is_not_a_category(runs: dict[str, Run]) -> None:
    """'Copied URL' matches the share_widget rule; printed on three pages it is also learned boilerplate, and a
    learned line that looks like a section label may be the category. A rule match must still win."""
    run = runs["share_bar"]
    for i, (title, _) in enumerate(SHARE_BAR_PAGES):
        row = run.rows_from(run.published, f"share_{i}.txt").row(0, named=True)
        assert row["title"] == title
        assert row["category"] != "Copied URL"
        removed = run.table("removed_lines.parquet").filter(pl.col("file") == f"share_{i}.txt")
        assert removed.filter(pl.col("line") == 1)["rule"].to_list() == ["share_widget"]


def test_chrome_only_page_is_all_removed_lines(runs: dict[str, Run]) -> None:
    run = runs["chrome_only"]
    removed = run.table("removed_lines.parquet").filter(pl.col("file") == "chrome.txt").sort("line")
    expected_lines = [2 * i + 1 for i in range(len(CHROME_LINES))]  # blank lines between them
    assert removed.select("line", "text", "rule", "fragment").rows() == [
        (n, text, rule, False) for n, text, rule in zip(expected_lines, CHROME_LINES, CHROME_RULES, strict=True)
    ]
    assert run.rows_from(run.published, "chrome.txt").is_empty()
    assert run.rows_from(run.table("duplicates.parquet"), "chrome.txt").is_empty()
    assert run.quarantined("chrome.txt").is_empty()
