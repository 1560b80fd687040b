"""Dates as news pages print them: ISO, 'May 31, 2023', 'March. 02, 2023', '1 December 2022', '11/26/2013'.

Only complete dates (year, month and day) are returned; relative ('2 days ago') and partial dates are not
dates. Deterministic: nothing depends on today's date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ISO = r"(?P<y>(?:19|20)\d\d)[-./](?P<m>\d{1,2})[-./](?P<d>\d{1,2})(?!\d)"
_MDY = _MONTH + r"\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y2>(?:19|20)\d\d)(?!\d)"
_DMY = (
    r"(?P<d3>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH.replace("?P<mon>", "?P<mon3>") + r",?\s+(?P<y3>(?:19|20)\d\d)(?!\d)"
)
_US = r"(?P<m4>\d{1,2})/(?P<d4>\d{1,2})/(?P<y4>(?:19|20)\d\d)(?!\d)"
DATE_RE = re.compile(rf"(?<![\w/-])(?:{_ISO}|{_MDY}|{_DMY}|{_US})", re.IGNORECASE)

_TIME = r"\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s*(?:kst|gmt|utc|[+-]\d{2}:?\d{2}))?"
_WEEKDAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?"
_LABEL = r"(?P<label>published|posted|updated|modified|last updated|created|date|released|issued|input|입력|수정|등록)"
# What may surround a date on a line that is nothing but a date stamp.
_STAMP_FILLER = re.compile(
    rf"^[\s•·|:,\-–—/()]*(?:{_LABEL}\s*(?:on|at)?[\s:]*)?[\s•·|:,\-–—/()]*(?:{_WEEKDAY}\s*)?$", re.IGNORECASE
)
_TIME_RE = re.compile(_TIME, re.IGNORECASE)
UPDATED_LABELS = {"updated", "modified", "last updated", "수정"}


@dataclasses.dataclass(frozen=True, slots=True)
class FoundDate:
    value: dt.date
    start: int
    end: int


def _to_date(year: str, month: int, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), month, int(day))
    except ValueError:
        return None


def _from_match(m: re.Match[str]) -> dt.date | None:
    g = m.groupdict()
    if g["y"]:
        return _to_date(g["y"], int(g["m"]), g["d"])
    if g["y2"]:
        return _to_date(g["y2"], _MONTHS[g["mon"][:3].lower()], g["d2"])
    if g["y3"]:
        return _to_date(g["y3"], _MONTHS[g["mon3"][:3].lower()], g["d3"])
    return _to_date(g["y4"], int(g["m4"]), g["d4"])


def find_dates(text: str) -> list[FoundDate]:
    """Every complete, valid calendar date in the text, left to right."""
    found = []
    for m in DATE_RE.finditer(text):
        value = _from_match(m)
        if value is not None:
            found.append(FoundDate(value, m.start(), m.end()))
    return found


def parse_iso(text: str) -> dt.date | None:
    """'2024-04-23' -> date; a partial '2024-07' or anything else -> None."""
    m = re.fullmatch(r"((?:19|20)\d\d)-(\d{2})-(\d{2})", text.strip())
    return _to_date(m.group(1), int(m.group(2)), m.group(3)) if m else None


@dataclasses.dataclass(frozen=True, slots=True)
class DateStamp:
    value: dt.date
    label: str | None  # 'published', 'updated', ... or None for a bare date

    @property
    def is_update(self) -> bool:
        return self.label in UPDATED_LABELS


def date_stamp(line: str) -> DateStamp | None:
    """The date if the line is only a date stamp ('Published : May 31, 2023 - 10:14', '09:08 May 23, 2022')."""
    dates = find_dates(line)
    if len(dates) != 1:
        return None
    rest = line[: dates[0].start] + " " + line[dates[0].end :]
    rest = _TIME_RE.sub(" ", rest)
    m = _STAMP_FILLER.match(rest)
    if not m:
        return None
    label = (m.group("label") or "").lower() or None
    return DateStamp(dates[0].value, label)
