"""Dates as news pages print them: ISO, 'May 31, 2023', 'March. 02, 2023', 'Dec.3,2024', '1 December 2022',
'11/26/2013', '2021 March 4', '23.04.2024', '2024년 4월 23일', '2024年4月23日'; date stamps with times and zones
('11:02 AM GMT+9', '9:15 pm ET', '오후 2:05'), a section label in front ('Business 09:05 April 11, 2022',
'Economy 2024-04-23'), the filing place and a joiner ('Korea on December 2, 2024'), or an update stamp after them on
the same line. Month and weekday names, labels and times may be German, French,
Spanish, Italian, Portuguese, Dutch or Scandinavian too ('Mittwoch, 17. März 2021, 15:00 Uhr', 'Publicado el 6 de mayo
de 2022', 'Offentliggjort torsdag 06. feb 2025'); month names Russian, Polish, Czech or Turkish too ('14 мая
2024', '3. července 2024', '20 Nisan 2026'), and labels Polish, Czech, Finnish or Turkish ('Yayınlanma:'). A
slashed date is month first unless its first number cannot be a month ('25/05/2025'). A dotted date with a
two-digit year is read only where the time of day follows it ('Do 23.04.24 | 14:07 Uhr'); the same date printed
twice on a stamp's line, short and long ('30.01.2024 30. Januar 2024'), is one stamp.

Only complete dates (year, month and day) are returned; relative ('2 days ago') and partial dates are not
dates. Deterministic: nothing depends on today's date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re

from pipeline.patterns import READING_TIME

# Month names and abbreviations as news pages print them, in English, German, French, Spanish, Italian,
# Portuguese, Dutch and the Scandinavian languages, and in a date's (genitive) form in Russian, Polish and Czech,
# and Turkish. Abbreviations that are common words too ('out', 'set', 'ago',
# 'des') are left out.
MONTH_NAMES = {
    1: ("january", "jan", "januar", "jänner", "janvier", "janv", "enero", "ene", "gennaio", "gen", "janeiro",
        "januari", "января", "stycznia", "ledna", "ocak"),
    2: ("february", "feb", "februar", "février", "fevrier", "févr", "febrero", "febbraio", "fevereiro", "fev",
        "februari", "февраля", "lutego", "února", "şubat"),
    3: ("march", "mar", "märz", "mär", "mars", "marzo", "março", "maart", "mrt", "марта", "marca", "března", "mart"),
    4: ("april", "apr", "avril", "avr", "abril", "abr", "aprile", "апреля", "kwietnia", "dubna", "nisan"),
    5: ("may", "mai", "mayo", "maggio", "mag", "maio", "mei", "maj", "мая", "maja", "května", "mayıs"),
    6: ("june", "jun", "juni", "juin", "junio", "giugno", "giu", "junho", "июня", "czerwca", "června", "haziran"),
    7: ("july", "jul", "juli", "juillet", "juil", "julio", "luglio", "lug", "julho", "июля", "lipca", "července",
        "temmuz"),
    8: ("august", "aug", "août", "aout", "agosto", "augustus", "augusti", "августа", "sierpnia", "srpna", "ağustos"),
    9: ("september", "sep", "sept", "septembre", "septiembre", "setiembre", "settembre", "setembro", "сентября",
        "września", "září", "eylül"),
    10: ("october", "oct", "oktober", "okt", "octobre", "octubre", "ottobre", "ott", "outubro", "октября",
         "października", "října", "ekim"),
    11: ("november", "nov", "novembre", "noviembre", "novembro", "ноября", "listopada", "listopadu", "kasım"),
    12: ("december", "dec", "dezember", "dez", "décembre", "decembre", "déc", "diciembre", "dic", "dicembre",
         "dezembro", "desember", "декабря", "grudnia", "prosince", "aralık"),
}  # fmt: skip
_MONTH_NUMBER = {name: number for number, names in MONTH_NAMES.items() for name in names}


@functools.cache
def _month_number(printed: str) -> int:
    """The number of a month name as DATE_RE matched it, case-blind as the regex is: its case folding matches
    letters that str.lower() does not map ('MAYIS' for 'mayıs': the dotless i matches 'I')."""
    number = _MONTH_NUMBER.get(printed.lower())
    if number is None:
        number = next(n for name, n in _MONTH_NUMBER.items() if re.fullmatch(re.escape(name), printed, re.IGNORECASE))
    return number


# Longest first: 'mayo' before 'may', 'märz' before 'mär'.
_MONTH = r"(?P<mon>" + "|".join(sorted(_MONTH_NUMBER, key=lambda name: (-len(name), name))) + r")\.?"
# A year ends at a non-digit, or where the time of day glued onto it starts ('Apr 28 20232:23 PM': two text nodes
# of a page joined without a space).
_YEAR_END = r"(?:(?!\d)|(?=\d{1,2}:\d\d(?!\d)))"
_ISO = r"(?P<y>(?:19|20)\d\d)[-./]\s?(?P<m>\d{1,2})[-./]\s?(?P<d>\d{1,2})(?!\d)"
# 'March 4, 2031'; printed without spaces after an abbreviation's point and the comma: 'Dec.3,2031'.
_MDY = _MONTH + r"(?:\s+|(?<=\.))(?P<d2>\d{1,2})(?:st|nd|rd|th)?(?:,\s*|\s+)(?P<y2>(?:19|20)\d\d)" + _YEAR_END
# '4 March 2031', '17. März 2031', '1er mars 2031', '6 de mayo de 2031'.
_DMY = (
    r"(?P<d3>\d{1,2})(?:st|nd|rd|th|er|\.)?\s+(?:de\s+)?" + _MONTH.replace("?P<mon>", "?P<mon3>")
    + r",?\s+(?:del?\s+)?(?P<y3>(?:19|20)\d\d)" + _YEAR_END
)  # fmt: skip
_US = r"(?P<m4>\d{1,2})/(?P<d4>\d{1,2})/(?P<y4>(?:19|20)\d\d)" + _YEAR_END
_YMD = r"(?P<y5>(?:19|20)\d\d)[\s,./-]+" + _MONTH.replace("?P<mon>", "?P<mon5>") + r"\s*(?P<d5>\d{1,2})(?!\d)"
_DOTTED_DMY = r"(?P<d6>\d{1,2})\.(?P<m6>\d{1,2})\.(?P<y6>(?:19|20)\d\d)" + _YEAR_END
_EAST_ASIAN = r"(?P<y7>(?:19|20)\d\d)\s*[년年]\s*(?P<m7>\d{1,2})\s*[월月]\s*(?P<d7>\d{1,2})\s*[일日]"
DATE_RE = re.compile(rf"(?<![\w/.-])(?:{_ISO}|{_MDY}|{_DMY}|{_US}|{_YMD}|{_DOTTED_DMY}|{_EAST_ASIAN})", re.IGNORECASE)

# Time zones: an offset ('GMT+9', '+09:00') or a named zone ('KST', 'ET', 'EDT', 'CET', 'BST', 'MEZ').
_ZONE = (
    r"(?:\(?\s*(?:kst|gmt|utc|[a-z]{2,3}t)?\s*[+-]\s*\d{1,2}(?::?\d{2})?\s*\)?"
    r"|\(?\s*(?:kst|jst|gmt|utc|bst|cest|cet|mesz|mez|hkt|sgt|[ecmp][sd]?t|z)\b\s*\)?)"
)
# A time after the date: '09:15', '9.15 am', 'at 9:15', '오후 2:05', ISO's 'T09:15:00+09:00', with an optional zone.
# Other languages: 'um 15:00 Uhr', 'à 15h30', 'a las 05:30 horas', 'alle ore 9.15', 'kl. 14:47', 'klo 10.15', and
# hours and minutes written out in Japanese, Chinese and Korean ('01時28分', '14시 05분').
_TIME = (
    r"(?:(?:\b(?:at|um|à|a\s+las|às|alle(?:\s+ore)?|ore|om|klo)\s+|\bkl\.\s*|T|오전\s*|오후\s*)?\d{1,2}[:.h]\d{2}(?::\d{2})?\s*"
    r"(?:[ap]\.?m\.?|uhr|horas|hrs|hs|h)?|"
    r"(?:오전\s*|오후\s*)?\d{1,2}\s*[時时시]\s*\d{1,2}\s*[分분])(?:\s*" + _ZONE + ")?"
)
_WEEKDAY = (
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun|dienstag|mittwoch|donnerstag|freitag|samstag|lundi|mardi|mercredi|jeudi|"
    r"vendredi|samedi|dimanche|lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo|luned[ìi]|marted[ìi]|"
    r"mercoled[ìi]|gioved[ìi]|venerd[ìi]|sabato|domenica|segunda|ter[çc]a|quarta|quinta|sexta|maandag|dinsdag|"
    r"woensdag|donderdag|vrijdag|zaterdag|zondag|mandag|tirsdag|onsdag|torsdag|fredag|l[øö]rdag|s[øö]ndag|"
    # German weekdays in two letters ('Do 25.04.31'), Korean in one ('2031.11.21 (금)')
    r"m[åa]ndag|tisdag)[\w-]*|mo|di|mi|do|fr|sa|so|[월화수목금토일](?:요일)?)\.?,?"
)
# Labels that mean what another does: in other languages, and 'Original' after an update stamp ('Updated Nov. 19,
# 2019 8:21 am ET / Original Nov. 19, 2019 8:02 am ET').
LABEL_MEANING = {
    "original": "published", "veröffentlicht": "published", "publié": "published", "publicado": "published",
    "pubblicato": "published", "gepubliceerd": "published", "aktualisiert": "updated", "mis à jour": "updated",
    "actualizado": "updated", "aggiornato": "updated", "atualizado": "updated", "bijgewerkt": "updated",
    "modifié": "updated", "publisert": "published", "publicerad": "published", "publiceret": "published",
    "offentliggjort": "published", "oppdatert": "updated", "uppdaterad": "updated", "opdateret": "updated",
    "publikacja": "published", "opublikowano": "published", "aktualizacja": "updated", "zaktualizowano": "updated",
    "publikováno": "published", "aktualizováno": "updated", "julkaistu": "published", "päivitetty": "updated",
    "sist oppdatert": "updated", "senast uppdaterad": "updated", "senest opdateret": "updated",
    "first published": "published", "zuerst veröffentlicht": "published", "erstmals veröffentlicht": "published",
    "publiziert": "published",  # Swiss German
    "yayınlanma": "published", "güncelleme": "updated",
    "stand": "date",  # German 'as of': the one stamp many German sites print
    # A date named by a noun before or after it ('Publish date:', 'Date published:', 'Release date:', 'Issue date:').
    "publish date": "published", "published date": "published", "publication date": "published",
    "date published": "published", "date of publication": "published", "date posted": "posted",
    "release date": "released", "date of release": "released", "issue date": "issued", "date of issue": "issued",
}  # fmt: skip
_LABEL = (
    r"(?P<label>published|posted|updated|modified|last updated|last modified|last update|update|created|date|"
    r"released|issued|input|"
    r"written|write|" + "|".join(LABEL_MEANING) + r"|"
    r"기사입력|입력|수정|등록|작성|승인|발행일?|게재일?)"
)
_LABEL_JOINER = r"(?:on|at|am|le|el|il|em|op)"  # 'Published on', 'Veröffentlicht am', 'Publié le', 'Publicado el'
_JOINED = re.compile(rf"{_LABEL_JOINER}\s")
_JOINER_BEFORE = re.compile(rf"(?<=\s){_LABEL_JOINER}\s*$")
# A newsroom's dateline: the place and 'on' before the date ('Seoul, Korea on November 21, 2031', 'Ridgefield Park,
# N.J. on ...'). In German, the words before 'am' are as often the writer's name, which is the byline's.
_PLACE = r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)?"  # a place's name: one or two capitalised words
_PLACE_ON = re.compile(rf"\s*{_PLACE}(?:,\s+{_PLACE})?\s+on\s+")

# What may surround a date on a line that is nothing but a date stamp (brackets: '[2031-11-21 14:00]'; a place after a
# bar or a bullet: '| Istanbul', '• Duqm, Oman', or a labelled source: '| Source: Harbor Robotics Co., Ltd.', also
# before the date: 'Source : Harbor Daily | Nov. 20, 2031'; the joiner alone after a section's or place's name: 'Korea
# on December 2, 2031').
_STAMP_FILLER = re.compile(
    r"^(?:\s*source\s*:\s*[^\d|•·:]{1,60}[|•·])?"
    rf"[\s•·|:,.\-–—/()\[\]]*(?:{_LABEL}\s*{_LABEL_JOINER}?[\s:]*|{_LABEL_JOINER}\s+)?[\s•·|:,.\-–—/()\[\]]*"
    rf"(?:{_WEEKDAY}[\s,•·|\-–—)]*)?"
    r"(?:[|•·]\s*(?:[^\d|•·]{1,30}|source\s*:\s*[^|•·]{1,60}))?"
    r"(?:\s*\(?\s*(?:\d{1,2}\s*[月월]\s*\d{1,2}\s*[日일]\s*)?(?:更新|수정|업데이트)\s*\)?)?$",
    re.IGNORECASE,
)
_TIME_RE = re.compile(_TIME, re.IGNORECASE)
# The page's time zone printed after the date with no time of day ('Nov 19, 2031 (GMT+09:00)').
_ZONE_ALONE_RE = re.compile(r"\(\s*(?:kst|gmt|utc)\s*[+-]\s*\d{1,2}(?::?\d{2})?\s*\)", re.IGNORECASE)
# A time of day or a date label right next to a date ('November 19, 2019, 9:02 AM', '21:17 18.11.2019',
# 'Publish date: Nov 18, 2019'): what a publication stamp prints, and a headline does not.
_TIME_AFTER = re.compile(r"[\s,|·•\-–—]*" + _TIME, re.IGNORECASE)
# A weekday right before the date, closed by its comma or period ('Monday, ', 'Tue. '; 'Monroe' is a name).
_WEEKDAY_BEFORE = re.compile(rf"(?:^|(?<=\s)){_WEEKDAY}(?<=[.,])\s*$", re.IGNORECASE)
_TIME_OR_LABEL_BEFORE = re.compile(rf"(?:{_TIME}|{_LABEL}\s*{_LABEL_JOINER}?\s*:?)[\s,|·•\-–—]*$", re.IGNORECASE)
# A section label printed before the stamp ('All News 09:05 April 11, 2022'): capitalised words only.
_SECTION = re.compile(r"^\s*(?P<section>[A-Z][\w&'’-]*(?:\s+[A-Z][\w&'’-]*){0,2})\s+(?P<rest>\S.*)$")
# ... or a single capitalised word right before the date ('Economy 2024-04-23 10:11'); two or three words right
# before a date are as often a name ('Kim Min-ji 2024.04.23'), which is the byline's.
_SECTION_WORD = re.compile(r"^\s*(?P<section>[A-Z][\w&'’-]*)\s+(?P<rest>)$")
# Where an update stamp starts after the first date on the same line ('... Updated 3 hours ago').
_UPDATED_ELSEWHERE = "|".join(label for label, meaning in LABEL_MEANING.items() if meaning == "updated")
_UPDATE_WORD = rf"(?:last\s+)?(?:updated?|modified|수정|{_UPDATED_ELSEWHERE})\b"
# Glued to the date's time zone too ('10:01 AM ESTUpdated ...'): a capital after a capital, case read as printed.
_UPDATE_TAIL = re.compile(rf"(?:\b|(?<=\d)|(?-i:(?<=[A-Z])(?=[A-Z][a-z]))){_UPDATE_WORD}.*$", re.IGNORECASE)
# The page's reading-time estimate at the end of a line ('Dana Whitfield 2 minutes read'): no part of the name ...
_READING_TAIL = re.compile(rf"[\s,|·•\-–—]*(?:{READING_TIME})\s*$", re.IGNORECASE)
# ... nor of a date stamp, among whose fields it stands ('06.01.2031, Lesezeit 5 Min.', 'Nov 21, 2031 · 3 min read ·
# Energy').
_READING_FIELD = re.compile(rf"[\s,|·•\-–—]*(?:{READING_TIME})(?=\s*(?:[|·•,]|$))", re.IGNORECASE)
# A section's label glued to the date that follows it, as a page's two spans print it ('Industry2031-11-20 16:45'):
# parted by a space, it is read as a section before its stamp. The crawler's own 'date2031-11-20' is read before.
_WORD_GLUED_TO_DATE = re.compile(r"^(?P<word>\s*[A-Z][A-Za-z&]{2,})(?=(?:19|20)\d\d[-./]\d)")
# An update stamp first, then the story's own after a bar or slash ('Updated X / Original Y').
_UPDATE_FIRST = re.compile(rf"^\s*{_UPDATE_WORD}[^/|]*?[/|]", re.IGNORECASE)
UPDATED_LABELS = {"updated", "modified", "last updated", "last modified", "last update", "update", "수정"}


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
        return _to_date(g["y2"], _month_number(g["mon"]), g["d2"])
    if g["y3"]:
        return _to_date(g["y3"], _month_number(g["mon3"]), g["d3"])
    if g["y4"]:  # month first, as in the US; a first number above 12 is the day ('25/05/2025')
        first, second = int(g["m4"]), int(g["d4"])
        return _to_date(g["y4"], first, g["d4"]) if first <= 12 else _to_date(g["y4"], second, g["m4"])
    if g["y5"]:
        return _to_date(g["y5"], _month_number(g["mon5"]), g["d5"])
    if g["y6"]:
        return _to_date(g["y6"], int(g["m6"]), g["d6"])
    return _to_date(g["y7"], int(g["m7"]), g["d7"])


# A dotted date with a two-digit year ('25.04.31'), read only where the time of day follows it, as in a stamp
# ('Do 25.04.31 | 14:07 Uhr', 'Publisert: 05.08.31 kl. 14:47'): alone, it is as often a month-first date ('11.18.31')
# or a version number. Years from SHORT_YEAR_PIVOT on are of the 1900s.
_SHORT_DOTTED_DMY = re.compile(r"(?<![\w/.-])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d\d)(?![\d.])")
SHORT_YEAR_PIVOT = 70
# What a line that may hold a date has (the vectorised filters before find_dates): a year of four digits (the line
# model's `date_candidate` reads this one), or a dotted date of two.
YEAR_HINT = r"(?:19|20)\d\d"
SHORT_DATE_HINT = r"\d\.\d{1,2}\.\d\d(?:[^\d.]|$)"


def find_dates(text: str) -> list[FoundDate]:
    """Every complete, valid calendar date in the text, left to right."""
    found = []
    for m in DATE_RE.finditer(text):
        value = _from_match(m)
        if value is not None:
            found.append(FoundDate(value, m.start(), m.end()))
    for m in _SHORT_DOTTED_DMY.finditer(text):
        century = "19" if int(m["y"]) >= SHORT_YEAR_PIVOT else "20"
        value = _to_date(century + m["y"], int(m["m"]), m["d"]) if _TIME_AFTER.match(text, m.end()) else None
        if value is not None:
            found.append(FoundDate(value, m.start(), m.end()))
    return sorted(found, key=lambda date: date.start)


def parse_iso(text: str) -> dt.date | None:
    """'2024-04-23' -> date; a partial '2024-07' or anything else -> None."""
    m = re.fullmatch(r"((?:19|20)\d\d)-(\d{2})-(\d{2})", text.strip())
    return _to_date(m.group(1), int(m.group(2)), m.group(3)) if m else None


@dataclasses.dataclass(frozen=True, slots=True)
class DateStamp:
    value: dt.date
    label: str | None  # 'published', 'updated', ... or None for a bare date
    section: str | None = None  # a section label printed in front of the stamp

    @property
    def is_update(self) -> bool:
        return self.label in UPDATED_LABELS


def date_stamp(line: str) -> DateStamp | None:
    """The date if the line is only a date stamp ('Published : May 31, 2023 - 10:14', '09:08 May 23, 2022').

    An update stamp after the date on the same line ('Write: 2019-06-16 Update: 2019-06-17', '... Updated 3 hours
    ago') is cut off first: the line's own date is the first one; so is a reading time ('..., Lesezeit 5 Min.'). A
    leading section label is returned with it.
    """
    line = _WORD_GLUED_TO_DATE.sub(r"\g<word> ", line)
    dates = find_dates(line)
    first = _UPDATE_FIRST.match(line)
    if first is not None and any(d.start > first.end() for d in dates):
        # The date after the update stamp is the story's own: the first the whole line holds after it (cut off, the
        # rest may show one the line does not: '/1900/1/1' glued to a label is no date).
        stamp = date_stamp(line[first.end() :])
        own = next(d for d in dates if d.start > first.end())
        return stamp if stamp is not None and stamp.value == own.value else None
    tail = _UPDATE_TAIL.search(line, dates[0].end) if dates else None
    if tail is not None:
        line = line[: tail.start()]
        dates = [d for d in dates if d.end <= tail.start()]
    line = _READING_FIELD.sub(lambda field: " " * len(field.group()), line)  # blanked: the dates keep their places
    if len(dates) > 1 and len({date.value for date in dates}) == 1:
        # The same date printed twice, short and long ('30.01.2031 30. Januar 2031': a page's two layouts): one.
        for date in dates[1:]:
            line = line[: date.start] + " " * (date.end - date.start) + line[date.end :]
        dates = dates[:1]
    if len(dates) != 1:
        return None
    stamp = _stamp(line, dates[0])
    if stamp is not None or dates[0].start == 0:
        return stamp
    place = _PLACE_ON.fullmatch(line[: dates[0].start])
    if place is not None:
        found = FoundDate(dates[0].value, 0, dates[0].end - dates[0].start)
        stamp = _stamp(line[dates[0].start :], found)
        return DateStamp(stamp.value, None) if stamp is not None and not stamp.label else None
    section = _SECTION.match(line[: dates[0].start]) or _SECTION_WORD.match(line[: dates[0].start])
    if section is None:
        return None
    shift = section.start("rest")
    found = FoundDate(dates[0].value, dates[0].start - shift, dates[0].end - shift)
    stamp = _stamp(line[shift:], found)
    if stamp is None or stamp.label:
        return None
    # Before a joiner, one word names the place the story was filed from ('Korea on December 2, 2031'), no section;
    # two or three are as often the writer's name ('Dana Whitfield am 18. September 2031'), which is the byline's.
    if _JOINED.match(line, shift) is not None:
        return None if " " in section.group("section") else DateStamp(stamp.value, None)
    return DateStamp(stamp.value, None, section.group("section"))


def carries_stamp(text: str) -> bool:
    """Whether a line carries a publication stamp among other words: a complete date with the time of day or a
    date label next to it ('Associated Press November 19, 2019, 9:02 AM', '21:17 18.11.2019 Get short URL',
    'Author: X Publish date: Nov 18, 2019'). A headline may name a day, not the minute its story was posted."""
    return any(
        _TIME_AFTER.match(text, d.end) or _TIME_OR_LABEL_BEFORE.search(text[: d.start]) for d in find_dates(text)
    )


def without_reading_time(text: str) -> str:
    """The text without the reading time printed at its end ('Dana Whitfield 2 minutes read' -> 'Dana Whitfield')."""
    return _READING_TAIL.sub("", text)


def without_stamp_label(text: str, joiner: bool = False) -> str:
    """The text before a date without the time or date label printed right before it, nor the weekday ('By Dana
    Whitfield published' -> 'By Dana Whitfield', 'Dana Whitfield Monday,' -> 'Dana Whitfield'); with ``joiner``,
    nor the word joining a byline to its date ('By Dana Whitfield on' -> 'By Dana Whitfield')."""
    text = _TIME_OR_LABEL_BEFORE.sub("", _WEEKDAY_BEFORE.sub("", text))
    return _JOINER_BEFORE.sub("", text) if joiner else text


def _stamp(line: str, date: FoundDate) -> DateStamp | None:
    rest = _TIME_RE.sub(" ", _ZONE_ALONE_RE.sub(" ", line[: date.start] + " " + line[date.end :]))
    m = _STAMP_FILLER.match(rest)
    if not m:
        return None
    label = (m.group("label") or "").lower() or None
    return DateStamp(date.value, LABEL_MEANING.get(label, label))
