"""Raw bytes -> text, or a clear reason why the file cannot be text.

Order of evidence: a BOM; NUL bytes (binary); strict UTF-8; otherwise the best charset_normalizer guess
(cp1252, EUC-KR/CP949, ...) if it decodes cleanly. Line endings (CRLF, CR) become LF.
"""

from __future__ import annotations

import codecs
import dataclasses

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


@dataclasses.dataclass(frozen=True)
class Decoded:
    text: str | None  # None when the file is not usable text
    encoding: str | None
    problem: str | None = None  # rule name when text is None
    detail: str = ""


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_bytes(data: bytes) -> Decoded:
    if not data:
        return Decoded(None, None, "empty_file", "the file has no bytes")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(_normalise_newlines(data.decode(encoding)), encoding)
            except UnicodeDecodeError as err:
                return Decoded(None, encoding, "undecodable", f"{encoding} BOM but invalid data: {err.reason}")
    if b"\x00" in data[:65536]:
        return Decoded(None, None, "binary_file", "NUL bytes: this is not a text file")
    try:
        return Decoded(_normalise_newlines(data.decode("utf-8")), "utf-8")
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
            return Decoded(_normalise_newlines(data.decode("cp1252")), "cp1252")
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as err:
        return Decoded(None, encoding, "undecodable", f"guessed {encoding} but it does not decode: {err}")
    return Decoded(_normalise_newlines(text), encoding)
