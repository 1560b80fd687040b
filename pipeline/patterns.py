"""Text patterns that more than one module needs, each defined once.

Every pattern is a plain string in the syntax Python's ``re`` and polars' (Rust) regex engine read alike (no
look-around, no back-references), so the same definition serves per-line Python code and vectorised polars
expressions; tests/test_patterns.py checks that both engines agree on examples.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# A sentence or paragraph that ends where a writer would end it: terminal punctuation (Chinese and Japanese full
# stops too), optionally followed by closing quotes/brackets and an inline agency sign-off ("... data showed.
# (Yonhap)"), or a closing quote. After the punctuation, an opening quote mark closes too: writers and CMSs that
# type one quote glyph print '.“'. Emoji may follow the end ('... at the festival! 🙂').
_EMOJI = "\U0001f300-\U0001faff\u2600-\u27bf\ufe0f\u200d"
SENTENCE_END = (
    r"""(?:[.!?…。！？]['"’”“‘)\]」』）]*\s*(?:\([^()]{1,40}\))?|['"’”」』])\s*""" + f"(?:[{_EMOJI}]+\\s*)*$"
)
SENTENCE_END_RE = re.compile(SENTENCE_END)
# A line closed by a quotation mark with no stop before it ('Fall jetzt bei "Aktenzeichen XY"'): it quotes a name
# or words, and ends no sentence.
QUOTE_WITHOUT_STOP = r"""[^\s.!?…。！？]["“”«»’'」』]\s*$"""

# A line that prints nothing: whitespace, and the format characters a page's markup leaves in its text (a soft
# hyphen, zero-width space, non-joiner and joiner, bidi marks, the word joiner, a byte-order mark). Such a line is
# blank: it parts paragraphs, and is no paragraph itself ('\u200c' alone had been a paragraph of ten bodies).
_INVISIBLE = "\\s\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff"
BLANK_LINE = f"^[{_INVISIBLE}]*$"
BLANK_LINE_RE = re.compile(BLANK_LINE)

# The crawler's date marker: 'date' and an ISO date (possibly partial: 'date 2024-07'), glued to page text.
CRAWLER_DATE = r"date\s?(?P<date>(?:19|20)\d\d-\d\d(?:-\d\d)?)"
# ... after a space, or right after the punctuation that ends the text it is glued to (its 'stop', which stays)
_BEFORE_MARKER = r"""(?:^|\s|(?P<stop>[.!?…)\]"'’”“‘]))"""
# ... glued to the end of a listing summary ('...the ministry said.date2024-04-23', '... said. date2024-04-23')
CRAWLER_DATE_SUFFIX = _BEFORE_MARKER + CRAWLER_DATE + r"\s*$"
# ... left anywhere in published text (validate: titles and bodies must not carry one)
CRAWLER_DATE_RESIDUE = _BEFORE_MARKER + CRAWLER_DATE
# ... opening a page (' date 2024-04-23 Headline ...'); the year alone may be all that is left of it
CRAWLER_DATE_PREFIX = r"(?s)^\s*date\s(?P<date>(?:19|20)\d\d(?:-\d\d){0,2})(?P<rest>[^\d-].*|)$"

# A sentence boundary inside a line; 'S. Korea' or 'U.S. President' (initials) is not one. Chinese and Japanese
# end a sentence with '。', '！' or '？' and start the next without a space.
SENTENCE_BREAK = r"""[a-z0-9%)]{2}[.!?]['"’”“‘]?\s+[A-Z"“‘']|[。！？][」』）]*[^\s」』）]"""
SENTENCE_BREAK_RE = re.compile(SENTENCE_BREAK)
# ... nor is the stop of a title or a company's form before a name ('Rep. Ilhan Omar', 'Georgia Gov. Brian Kemp',
# 'LG Corp. Chairman Koo'). Sentence checks read a line with these stops masked, one character for one, so that
# positions in it hold (`sentence_breaks`; in polars, `str.replace_all(*ABBREVIATION_MASK)`).
ABBREVIATION_STOP = r"\b(?P<abbr>Rep|Sen|Gov|Gen|Col|Capt|Sgt|Lt|Prof|Mrs|Corp|Inc|Ltd|Jr|Sr|St|Mt|Rev|Hon|Adm|Maj)\."
_MASKED_STOP = "\u2024"  # a one-dot leader: no sentence's stop
ABBREVIATION_MASK = (ABBREVIATION_STOP, "${abbr}" + _MASKED_STOP)  # polars: str.replace_all(*ABBREVIATION_MASK)
_ABBREVIATION_STOP_RE = re.compile(ABBREVIATION_STOP)


def sentence_breaks(text: str) -> Iterator[re.Match[str]]:
    """SENTENCE_BREAK's matches in the text, the stops of ABBREVIATION_STOP masked (positions are the text's)."""
    return SENTENCE_BREAK_RE.finditer(_ABBREVIATION_STOP_RE.sub("\\g<abbr>" + _MASKED_STOP, text))


# A line that opens like a byline ('By Dana Whitfield / Harbor Daily'): never a title (validate's `title_no_byline`
# refuses one, so the layouts never choose one).
BYLINE_OPENING = r"^(?i:by)\s+[A-Z]"
BYLINE_OPENING_RE = re.compile(BYLINE_OPENING)

# An interview's cue that opens a question or its answer ('Q: How ...?', 'A: Next year ...', 'Q. Why ...?'): the
# paragraphs of a text printed as questions and answers, however short or however they end. An answer's 'A.' is
# no cue: a writer's initial opens a sentence so ('A. Smith said ...').
INTERVIEW_CUE = r"^(?:Q|A|Question|Answer)\s?:\s+\S|^Q\.\s+[A-Z\"“]"
INTERVIEW_CUE_RE = re.compile(INTERVIEW_CUE)

# What a photo's credit or caption is labelled with, in the languages of news pages ('Foto: dpa', 'Bild: X').
PICTURE_LABELS = (
    r"fotos?|photos?|images?|bild(?:er|quelle|rechte)?|pictures?|imagen|immagine|zdjęcie|kuva|afbeelding|bilde"
)
# Labels of a credit's source, as a caption prints them beside or instead of a picture label ('(Quelle: IMAGO/X)',
# '(Source: X)').
SOURCE_LABELS = r"quelle|source|fuente|fonte|crédit|credit"

# The stock-photo libraries and agencies a photo is credited to, read case-blind ('Yonhap', 'GettyImagesBank').
PHOTO_AGENCY = (
    r"\d*rf|getty ?images(?: ?bank)?|shutterstock|istock(?:photo)?|yonhap(?: photo)?|newsis|news1|"
    r"ap photo|afp|reuters|epa|xinhua|unsplash|pixabay|gettyimagesbank"
)
# Wire agencies by the names they sign with: a byline's 'with AP', a credit line's page naming its agency.
WIRE_AGENCIES = ("Reuters", "Associated Press", "AFP", "Bloomberg", "Yonhap", "Xinhua", "Kyodo", "Bernama", "Anadolu",
                 "UPI", "PTI", "ANI", "EFE", "ANSA", "dpa")  # fmt: skip

# A reading-time estimate in the languages of news pages ('1 min read', 'reading time: 4 minutes', 'lesezeit: 5 min.',
# '3 min. lesezeit'), or a bare duration ('5 min'): the page template's, alone on a line or after a date stamp. Read
# case-blind (readers add the flag).
READING_TIME = (
    r"(?:\d{1,3}|one|two|three|four|five)[- ]?(?:min(?:ute)?s?\.?)[- ]?(?:read|reading(?: time)?)|"
    r"(?:estimated )?(?:reading|read) time\s*:?\s*\d{1,3}[- ]?(?:min(?:ute)?s?\.?)|"
    r"(?:tiempo de lectura|lesedauer|lesezeit|temps de lecture|tempo di lettura|tempo de leitura|leestijd|"
    r"czas czytania|doba čtení)\s*:?\s*(?:ca\.\s*)?\d{1,3}[- ]?min(?:\.|utos?|uti|uten?|utes?)?|"
    r"(?:ca\.\s*)?\d{1,3}[- ]?min(?:\.|utos?|uti|uten?|utes?)?\s+(?:lesezeit|lesedauer|de lecture|di lettura|"
    r"de lectura|de leitura|leestijd)|\d{1,3} ?mins?\.?"
)

# A time relative to the crawl in English, 'N units ago' ('2 days ago', '5 hrs ago'), under the label a page prints
# before it or not ('Published 4 months ago'): never a publication date. Read case-blind (readers add the flag).
TIME_AGO = (
    r"(?:(?:published|posted|updated)\s*:?\s*)?\d+\s*(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?)"
    r"\s+ago"
)

# An e-mail address (a reporter's sign-off, a contact line).
EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"

# UTF-8 text once decoded as cp1252 ('â€™' for '’', 'Ã©' for 'é'): a sign that a line needs repair.
MOJIBAKE = r"[ÃÂâ][\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]|â€|Ã[©¨¢¤§]"
# A CMS shortcode left in the text ('[caption id=...]', '[/gallery]'): page markup, never article text.
INLINE_SHORTCODE = r"\[/?(?:caption|gallery|embed|video|audio|playlist|vc_\w+|et_pb_\w+)\b[^\]]{0,300}\]"

# An HTML tag of the elements a page's markup is made of, opening or closing ('<div class="ad">', '</span>',
# '<br/>'): a few left in a crawl's text by an embed or a noscript block, or everywhere when the file is HTML source.
HTML_TAG = (
    r"</?(?:div|span|p|a|br|table|tr|td|li|ul|script|style|meta|link|img|section|article|iframe|noscript)"
    r"(?:[\s/][^>]*)?>"
)

# Han characters, kana and their punctuation and full-width forms: Chinese and Japanese text, written without
# spaces between words.
_CJK_RANGES = "\u3001-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uffef"
# A word: a run of characters other than spaces; in Chinese and Japanese text, which has no spaces, every two
# characters (about one English word). The one measure of the length of lines and bodies.
WORD = f"[{_CJK_RANGES}]{{1,2}}|[^\\s{_CJK_RANGES}]+"
# ... with a letter or a digit in it: a body of symbols ('★ ☆ ♥ ...') has words, but no text.
TEXT_WORD = f"[{_CJK_RANGES}]{{1,2}}|[^\\s{_CJK_RANGES}]*[^\\W_{_CJK_RANGES}][^\\s{_CJK_RANGES}]*"
