"""Language identification: clear English is decided by its function words, everything else by py3langid."""

from __future__ import annotations

import polars as pl
import pytest

from pipeline import language
from pipeline.config import load_params

PARAMS = load_params().clean
TEXTS = {
    "en": "The ministry said on Tuesday that exports of chips rose for the third month in a row, as demand from "
    "data centres in the United States and China kept growing faster than the supply of memory.",
    "fr": "Le ministère a indiqué mardi que les exportations de puces ont augmenté pour le troisième mois "
    "consécutif, la demande des centres de données aux États-Unis et en Chine restant soutenue.",
    "de": "Das Ministerium teilte am Dienstag mit, dass die Exporte von Chips den dritten Monat in Folge gestiegen "
    "sind, weil die Nachfrage der Rechenzentren in den Vereinigten Staaten und China weiter wuchs.",
    "nl": "Het ministerie zei dinsdag dat de export van chips voor de derde maand op rij is gestegen, omdat de "
    "vraag van datacenters in de Verenigde Staten en China sneller groeide dan het aanbod.",
    "id": "Kementerian mengatakan pada hari Selasa bahwa ekspor cip naik selama tiga bulan berturut-turut karena "
    "permintaan dari pusat data di Amerika Serikat dan China terus tumbuh lebih cepat.",
    "ko": "산업통상자원부는 화요일 반도체 수출이 미국과 중국 데이터센터의 수요 증가에 힘입어 "
    "3개월 연속 증가했다고 밝혔다.",
}


@pytest.mark.parametrize("code", sorted(TEXTS))
def test_each_language_is_identified(code: str) -> None:
    got = language.identify(pl.Series([TEXTS[code]]), PARAMS.language_min_chars, PARAMS.english_function_word_share)
    assert got.to_list() == [code]


def test_only_english_passes_the_function_word_test() -> None:
    shares = pl.select(language.english_share(pl.lit(pl.Series(list(TEXTS.values()))))).to_series().to_list()
    decided = [code for code, share in zip(TEXTS, shares, strict=True) if share >= PARAMS.english_function_word_share]
    assert decided == ["en"]


def test_short_text_is_undetermined() -> None:
    got = language.identify(pl.Series(["Exports rose.", ""]), PARAMS.language_min_chars, 0.2)
    assert got.to_list() == [language.UNDETERMINED, language.UNDETERMINED]


def test_english_without_the_identifier_matches_the_identifier() -> None:
    from py3langid.langid import classify

    assert classify(TEXTS["en"])[0] == "en"
