"""Date stamps in the forms real news pages print (invented values), and lines that are not date stamps."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.dates import carries_stamp, date_stamp, find_dates

STAMPS = [
    ("2031 March 4 09:15", dt.date(2031, 3, 4), None, None),
    ("December 1, 2031 11:02 AM GMT+9", dt.date(2031, 12, 1), None, None),
    ("5 Feb 2031, 08:10 GMT+9", dt.date(2031, 2, 5), None, None),
    ("23.04.2031", dt.date(2031, 4, 23), None, None),
    ("2031년 4월 23일", dt.date(2031, 4, 23), None, None),
    ("2031年4月23日", dt.date(2031, 4, 23), None, None),
    ("May 3, 2031 Updated 3 hours ago", dt.date(2031, 5, 3), None, None),
    ("06.01.2031 , Lesezeit 5 Min.", dt.date(2031, 1, 6), None, None),  # the page's reading time after it
    ("Nov 19, 2031 · 5 min read", dt.date(2031, 11, 19), None, None),
    ("Published 19. November 2031, 14:59 Uhr Lesedauer: 4 Minuten", dt.date(2031, 11, 19), "published", None),
    ("Write: 2031-06-16 13:31:19Update: 2031-06-17 13:53:12", dt.date(2031, 6, 16), "write", None),
    ("입력 2031-02-11 16:12:22 수정 2031-02-11 16:13:29 Business", dt.date(2031, 2, 11), "입력", None),
    ("Economy 09:05 April 11, 2031", dt.date(2031, 4, 11), None, "Economy"),
    ("Economy 2031-04-23 10:11", dt.date(2031, 4, 23), None, "Economy"),
    ("Monday, 14 November 2031 11:15:02 (GMT+3) | Ankara", dt.date(2031, 11, 14), None, None),
    ("21 October 2031 • Duqm, Oman", dt.date(2031, 10, 21), None, None),  # a dateline's place after a bullet
    ("Nov 19, 2031 (Gmt+09:00)", dt.date(2031, 11, 19), None, None),  # the time zone, with no time of day
    ("Publish date: Nov 18, 2031", dt.date(2031, 11, 18), "published", None),  # a noun names the date
    ("Date published: Nov 18, 2031", dt.date(2031, 11, 18), "published", None),
    ("Issue date: 2031-11-21", dt.date(2031, 11, 21), "issued", None),
    ("Release date: 2031-11-21", dt.date(2031, 11, 21), "released", None),
    ("[2031-11-21 14:00]", dt.date(2031, 11, 21), None, None),  # in brackets
    ("2031. 11. 21. 17:05", dt.date(2031, 11, 21), None, None),  # a Korean CMS's dotted date, spaced
    ("2031.11.21 (금) 17:05", dt.date(2031, 11, 21), None, None),  # the weekday in parentheses
    ("Date : 2031-11-21 (Fri)", dt.date(2031, 11, 21), "date", None),
    ("Last Update: Nov 21, 2031 5:30 PM (KST)", dt.date(2031, 11, 21), "last update", None),
    ("November 21, 2031 · 3 min read · Energy", dt.date(2031, 11, 21), None, None),  # a reading time between
    ("승인 2031.11.19 17:05", dt.date(2031, 11, 19), "승인", None),  # a Korean CMS's approval time
    ("발행일 2031.11.19", dt.date(2031, 11, 19), "발행일", None),
    # The update stamp glued to the time zone.
    ("Published Nov 21 203110:01 AM ESTUpdated Nov 21 20312:30 PM EST", dt.date(2031, 11, 21), "published", None),
    ("May 2, 2031 08:00 ET | Source: Harbor Robotics Co., Ltd.", dt.date(2031, 5, 2), None, None),  # a wire's source
    ("Source : Harbor Daily | Nov. 20, 2031", dt.date(2031, 11, 20), None, None),  # a re-post's source first
    ("Industry2031-11-20 16:45", dt.date(2031, 11, 20), None, "Industry"),  # a section glued to its date
    ("Published : Dec. 10, 2031 - 10:19", dt.date(2031, 12, 10), "published", None),
    ("Updated : June 1, 2031 - 09:00", dt.date(2031, 6, 1), "updated", None),
    ("Thursday, March 6, 2031, 09:15", dt.date(2031, 3, 6), None, None),
    ("Do 25.04.31 | 14:07 Uhr", dt.date(2031, 4, 25), None, None),  # a German weekday in two letters: no section
    ("30.01.2031 30. Januar 2031", dt.date(2031, 1, 30), None, None),  # printed twice, short and long
    ("2031-03-04T09:15:00+09:00", dt.date(2031, 3, 4), None, None),
    ("Published on March 4, 2031 at 9:15 am", dt.date(2031, 3, 4), "published", None),
    ("Last Modified : Mar 4, 2031 10:22 AM KST", dt.date(2031, 3, 4), "last modified", None),
    ("Monday 3 March 2031 09.15 GMT", dt.date(2031, 3, 3), None, None),
    ("Published 2031.04.23. 14:05", dt.date(2031, 4, 23), "published", None),
    ("Mar 4, 2031, 9:15 pm ET", dt.date(2031, 3, 4), None, None),
    ("4 March 2031 10:00 CET", dt.date(2031, 3, 4), None, None),
    ("2031년 4월 23일 오후 2:05", dt.date(2031, 4, 23), None, None),
    # Hours and minutes written out, and an update note after them.
    ("2031年1月14日 01時28分 (1月14日 01時40分更新)", dt.date(2031, 1, 14), None, None),
    ("2031년 4월 23일 14시 05분", dt.date(2031, 4, 23), None, None),
    # An update stamp first, the story's own after it.
    ("Updated Nov. 19, 2031 8:21 am ET / Original Nov. 18, 2031 8:02 am ET", dt.date(2031, 11, 18), "published", None),
    ("Updated 3 hours ago | Published Nov. 18, 2031", dt.date(2031, 11, 18), "published", None),
    # Other languages: month and weekday names, labels, times.
    ("Mittwoch, 17. März 2031, 15:00 Uhr", dt.date(2031, 3, 17), None, None),
    ("Veröffentlicht am 17.03.2031 um 15:00 Uhr", dt.date(2031, 3, 17), "published", None),
    ("Aktualisiert am 17. März 2031", dt.date(2031, 3, 17), "updated", None),
    ("Publié le 1er mars 2031 à 15h30", dt.date(2031, 3, 1), "published", None),
    ("sábado, 7 de mayo de 2031", dt.date(2031, 5, 7), None, None),
    ("Publicado el 6 de mayo del 2031 a las 05:30 horas", dt.date(2031, 5, 6), "published", None),
    ("3 gennaio 2031 alle ore 9.15", dt.date(2031, 1, 3), None, None),
    ("6 de maio de 2031", dt.date(2031, 5, 6), None, None),
    ("maandag 3 januari 2031", dt.date(2031, 1, 3), None, None),
    ("Publié le 30 août 2031 à 14h52, modifié le 30 août 2031 à 15h54", dt.date(2031, 8, 30), "published", None),
    ("Stand: 22.04.2031, 06:00 Uhr", dt.date(2031, 4, 22), "date", None),  # German 'as of'
    ("Offentliggjort torsdag 06. feb 2031 17:25", dt.date(2031, 2, 6), "published", None),
    ("söndag 2 augusti 2031", dt.date(2031, 8, 2), None, None),
    ("Publisert 06.12.2031 - 17:29", dt.date(2031, 12, 6), "published", None),
    ("2031-03-29T11:36:01Z", dt.date(2031, 3, 29), None, None),  # ISO with the zone 'Z'
    ("Publisert torsdag 09. mai 2031 - 13:26", dt.date(2031, 5, 9), "published", None),  # a dash after a weekday
    ("Sist oppdatert torsdag 09. mai 2031 - 20:24", dt.date(2031, 5, 9), "updated", None),
    ("Senast uppdaterad 3 maj 2031 kl. 10:00", dt.date(2031, 5, 3), "updated", None),
    ("Publikacja: 02.02.2031 21:52", dt.date(2031, 2, 2), "published", None),
    ("Aktualizováno 03.02.2031 10:15", dt.date(2031, 2, 3), "updated", None),
    ("Julkaistu 12.5.2031 klo 10.15", dt.date(2031, 5, 12), "published", None),
    ("Zuerst veröffentlicht am 30.04.2031 - 16:17 MEZ", dt.date(2031, 4, 30), "published", None),
    ("publiziert am 25. September 2031", dt.date(2031, 9, 25), "published", None),  # Swiss German
    ("First published on May 3, 2031", dt.date(2031, 5, 3), "published", None),
    ("Yayınlanma: 05.04.2031 14:05", dt.date(2031, 4, 5), "published", None),  # Turkish
    ("20 Nisan 2031 • Güncelleme : 21 Nisan 2031", dt.date(2031, 4, 20), None, None),
    ("4 MAYIS 2031", dt.date(2031, 5, 4), None, None),  # the dotless i matches 'I'
    ("14 мая 2031, 09:15", dt.date(2031, 5, 14), None, None),  # Russian, Polish and Czech: the genitive
    ("Opublikowano: 12 grudnia 2031", dt.date(2031, 12, 12), "published", None),
    ("3. července 2031 10:15", dt.date(2031, 7, 3), None, None),
    ("05.04.2031 - Güncelleme : 06.04.2031", dt.date(2031, 4, 5), None, None),  # the update after the stamp
    # Day first after a slash when the first number cannot be a month; month first otherwise (the US order).
    ("Actualizado el 25/05/2031 21:57 h", dt.date(2031, 5, 25), "updated", None),
    ("05/06/2031", dt.date(2031, 5, 6), None, None),
    # The time of day glued onto the year: two text nodes of the page joined without a space.
    ("Published Fri, Apr 28 20312:23 PM EDT", dt.date(2031, 4, 28), "published", None),
    ("28.04.203114:05 Uhr", dt.date(2031, 4, 28), None, None),
    # The place the story was filed from and a joiner before the date: the place is no section.
    ("Korea on December 2, 2031", dt.date(2031, 12, 2), None, None),
    ("Seoul, Korea on December 2, 2031", dt.date(2031, 12, 2), None, None),  # a newsroom's dateline
    ("Ridgefield Park, N.J. on December 2, 2031", dt.date(2031, 12, 2), None, None),
    ("United Kingdom on December 2, 2031", dt.date(2031, 12, 2), None, None),
    ("on December 2, 2031", dt.date(2031, 12, 2), None, None),
    # No space after the month's point nor after the comma.
    ("Posted on : Dec.3,2031 17:20 KST", dt.date(2031, 12, 3), "posted", None),
]


@pytest.mark.parametrize(("line", "value", "label", "section"), STAMPS, ids=[s[0] for s in STAMPS])
def test_date_stamp_forms(line: str, value: dt.date, label: str | None, section: str | None) -> None:
    stamp = date_stamp(line)
    assert stamp is not None
    assert (stamp.value, stamp.label, stamp.section) == (value, label, section)


def test_a_name_before_a_joiner_and_the_date_is_no_stamp() -> None:
    """Two words or more before 'am' and the date are as often the writer's name: the byline's line. (Before 'on', a
    place of one or two words, and its region after a comma, is a newsroom's dateline: a stamp, in STAMPS.)"""
    assert date_stamp("Dana Whitfield am 18. September 2031") is None
    assert date_stamp("VON DANA WHITFIELD am 18. September 2031") is None


@pytest.mark.parametrize(
    "line",
    [
        "The ministry said on May 3, 2031 that exports rose",
        "Ferry fares rose 3 percent on 2031-04-23 and again on 2031-05-01",
        "30.01.2031 - 02.02.2031",  # two dates: a span, no stamp
        "Sales Fell Sharply Last Quarter May 3, 2031 report says",
        "2 days ago",
        "Kim Min-ji 2031.04.23",  # a name right before the date: the byline's line, not a section's stamp
        "By Ivo Brandt 2031-04-23",
        "Die Fähre fährt ab dem 17. März 2031 wieder",  # a date in a sentence, in any language
        "3 out 2031",  # an abbreviation that is a common word too is no month
        "Stand 12 der Messe, 2031",
        "12 des 2031",  # 'des' is a French word before it is a Norwegian December
        "Apr 28 203123",  # more digits after a year, and no time of day: no year
        "Source: Ministry data 2031-11-20",  # a source's words run into the date: no bar parts them
    ],
)
def test_not_a_date_stamp(line: str) -> None:
    assert date_stamp(line) is None


@pytest.mark.parametrize(
    ("line", "stamped"),
    [
        ("Harbor Wire November 19, 2031, 9:02 AM", True),
        ("21:17 18.11.2031 Get short URL", True),
        ("Author: Dana Whitfield Publish date: Nov 18, 2031", True),
        ("Ferry vote set for November 5, 2031 in the southern ports", False),
        ("Ports to reopen on 2031-04-02 at noon", False),
        ("Tidal talks resume: 10 questions before May 3, 2031", False),
    ],
)
def test_a_stamp_among_other_words(line: str, stamped: bool) -> None:
    """A date with the time of day or a date label next to it is a publication stamp, whatever surrounds it; a
    date in a sentence or a headline is not."""
    assert carries_stamp(line) is stamped


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Do 25.04.31 | 14:07 Uhr", dt.date(2031, 4, 25)),  # a dotted date of two-digit year, the time after it
        ("Publisert: 05.08.31 kl. 14:47", dt.date(2031, 8, 5)),
        ("12.03.98 10:15", dt.date(1998, 3, 12)),  # years from SHORT_YEAR_PIVOT on are the 1900s'
        ("Opening Bell 11.18.31", None),  # without a time: as often month first, or a version number
        ("Harbor OS 3.11.7 released", None),
        ("Ferry app 2.10.31 ships at 10:15", None),  # the time of day not right after it
    ],
)
def test_a_dotted_date_with_a_two_digit_year_is_read_next_to_the_time(text: str, value: dt.date | None) -> None:
    assert [found.value for found in find_dates(text)] == ([value] if value else [])


def test_invalid_calendar_dates_are_not_dates() -> None:
    assert find_dates("31.02.2031 and 2031년 13월 1일") == []
