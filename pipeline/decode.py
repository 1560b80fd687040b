"""Raw bytes -> text, or a clear reason why the file is not a page text.

Order of evidence: a BOM; a known binary signature (PDF, archives, images, office files, executables); UTF-16
without a BOM (NUL bytes in every other position); other NUL bytes (binary); strict UTF-8; otherwise the best
charset_normalizer guess (cp1252, EUC-KR/CP949, ...) if it decodes cleanly. Decoded text that is mostly control
characters is binary, and an HTML document must be converted to text before it is given to the pipeline.
Line endings (CRLF, CR) become LF.
"""

from __future__ import annotations

import codecs
import dataclasses
import re

from pipeline.patterns import HTML_TAG

_LATIN_SINGLE_BYTE = {
    "cp1250", "cp1252", "cp1254", "cp1257", "latin1", "iso88591", "iso88592", "iso885915", "iso88599", "maclatin2",
    "macroman", "windows1250", "windows1252",
}  # fmt: skip
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# (leading bytes, what the file is). Checked before any decoding: a PDF without NUL bytes decodes as some
# 8-bit code page, and would otherwise be published as an "article".
SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (or a docx/xlsx/odt office file)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"BZh", "a bzip2-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"(\xb5/\xfd", "a zstd-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy office file (doc/xls/ppt)"),
    (b"{\\rtf", "an RTF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", None),  # BMP only with a plausible header: 'BM' also starts English words ("BMW ...")
    (b"\x00\x00\x01\x00", "an icon image"),
    (b"wOFF", "a web font"),
    (b"wOF2", "a web font"),
    (b"OggS", "an Ogg audio/video file"),
    (b"ID3\x02", "an MP3 audio file"),
    (b"ID3\x03", "an MP3 audio file"),
    (b"ID3\x04", "an MP3 audio file"),
    (b"fLaC", "a FLAC audio file"),
    (b"\x1aE\xdf\xa3", "a Matroska/WebM video"),
    (b"\x7fELF", "an executable (ELF)"),
    (b"MZ", None),  # Windows executables only with a PE header: 'MZ' can start a text line
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"PAR1", "a Parquet file"),
)
# Container formats whose signature sits at an offset.
_OFFSET_SIGNATURES = (
    (4, b"ftyp", "an MP4/QuickTime media file"),
    (8, b"WEBP", "a WebP image"),
    (8, b"WAVE", "a WAV file"),
)
_HTML = re.compile(
    r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.I | re.S
)
_TAG = re.compile(HTML_TAG, re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
MAX_CONTROL_SHARE = 0.01  # text has almost none; a binary file decoded by a code page has many
MIN_TAGS_PER_KB = 2.0  # HTML source, not text that mentions a tag now and then
# ... and not text with a few lines of markup (an embed's code, a noscript block's image tags, which the `markup`
# rule removes): in HTML source most lines hold a tag (all of them, when it is minified into one line).
MIN_MARKUP_LINE_SHARE = 0.5
_SAMPLE = 65536


@dataclasses.dataclass(frozen=True)
class Decoded:
    text: str | None  # None when the file is not usable text
    encoding: str | None
    problem: str | None = None  # rule name when text is None
    detail: str = ""


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def binary_kind(data: bytes) -> str | None:
    """What the file is, from its leading bytes, when that is a known non-text format; else None."""
    for signature, kind in SIGNATURES:
        if data.startswith(signature):
            if kind is not None:
                return kind
            if signature == b"BM" and len(data) >= 26 and data[6:10] == b"\x00\x00\x00\x00":
                return "a BMP image"
            if signature == b"MZ" and b"PE\x00\x00" in data[:1024]:
                return "a Windows executable"
    for offset, signature, kind in _OFFSET_SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            return kind
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NUL bytes sit in (almost) every odd/even position, as in ASCII-range UTF-16."""
    sample = data[: _SAMPLE - _SAMPLE % 2]
    if len(sample) < 4:
        return None
    even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls >= 0.9 * half and even_nuls <= 0.1 * half:
        return "utf-16-le"
    if even_nuls >= 0.9 * half and odd_nuls <= 0.1 * half:
        return "utf-16-be"
    return None


def _markup_throughout(sample: str) -> bool:
    """Tags are dense in the sample, and on most of its lines: HTML source without a document's opening."""
    if len(_TAG.findall(sample)) < MIN_TAGS_PER_KB * max(1, len(sample) / 1024):
        return False
    lines = [line for line in sample.splitlines() if line.strip()]
    return sum(1 for line in lines if _TAG.search(line)) >= MIN_MARKUP_LINE_SHARE * len(lines)


def _vet(text: str, encoding: str) -> Decoded:
    """Decoded text, unless it is really binary (control characters) or HTML source."""
    sample = text[:_SAMPLE]
    controls = len(_CONTROL.findall(sample))
    if sample and controls / len(sample) > MAX_CONTROL_SHARE:
        share = controls / len(sample)
        return Decoded(None, encoding, "binary_file", f"{share:.1%} control characters as {encoding}: not a text file")
    if _HTML.match(sample) or _markup_throughout(sample):
        return Decoded(None, encoding, "html_markup", "HTML markup: convert the page to text first")
    return Decoded(_normalise_newlines(text), encoding)


def decode_bytes(data: bytes) -> Decoded:
    if not data:
        return Decoded(None, None, "empty_file", "the file has no bytes")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _vet(data.decode(encoding), encoding)
            except UnicodeDecodeError as err:
                return Decoded(None, encoding, "undecodable", f"{encoding} BOM but invalid data: {err.reason}")
    kind = binary_kind(data)
    if kind is not None:
        return Decoded(None, None, "binary_file", f"{kind}, not a text file (by its leading bytes)")
    if b"\x00" in data[:_SAMPLE]:
        encoding = _utf16_without_bom(data)
        if encoding is None:
            return Decoded(None, None, "binary_file", "NUL bytes in no text encoding's pattern: not a text file")
        try:
            return _vet(data.decode(encoding), encoding)
        except UnicodeDecodeError as err:
            return Decoded(None, encoding, "undecodable", f"looks like {encoding} without a BOM, but: {err.reason}")
    try:
        return _vet(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 4 * 1024 * 1024]).best()
    if best is None:
        return Decoded(None, None, "undecodable", "not UTF-8 and no known encoding fits")
    encoding = best.encoding
    if encoding.replace("_", "").replace("-", "").lower() in _LATIN_SINGLE_BYTE:
        # Short texts do not tell the Latin code pages apart ('£' is 'Ł' in cp1250); English pages saved in a
        # legacy encoding are cp1252 (what browsers assume for latin-1 too), so prefer it when it decodes.
        try:
            return _vet(data.decode("cp1252"), "cp1252")
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as err:
        return Decoded(None, encoding, "undecodable", f"guessed {encoding} but it does not decode: {err}")
    return _vet(text, encoding)
