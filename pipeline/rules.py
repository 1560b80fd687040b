"""Page-chrome rules as data: one row per rule, each with the reason it is generic.

A rule matches a whole (stripped) line, case-insensitively. ``kind`` says what a match means:
- ``chrome``: the line is page furniture wherever it appears;
- ``end``: the line is furniture that closes the article: everything after it is a tail widget;
- ``caption``: the line describes a photo (credit, position cue, marker); not body text.
Rules whose ``pattern`` is None are computed in code (named here so that every removal's rule is listed).
Rename a rule only with a new version suffix: the names are recorded in removed_lines.parquet.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import re
from functools import cache

import polars as pl

from pipeline.patterns import EMAIL, HTML_TAG, PHOTO_AGENCY, PICTURE_LABELS, READING_TIME, TIME_AGO


@dataclasses.dataclass(frozen=True)
class Rule:
    name: str
    kind: str  # one of KINDS
    pattern: str | None
    why: str
    # The longest (stripped) line the rule is tried on: for a bounded pattern at least its reach, so only the
    # work changes; for an unbounded one (captions, newsletter_promo) also what it means: a caption or a promo box
    # is short. Every reader of the table applies it (match_line, first_rule). It, not a counted repetition of a
    # wide class ('.{0,160}', '[\w .-]{2,40}'), bounds how far a pattern reaches into its line: polars' Rust engine
    # unrolls each count into as many copies of the class's UTF-8 automaton, and past a size the pattern leaves the
    # lazy DFA for a slow path (affiliate_disclosure's four counts took 2.1 s over 282k lines of news pages, 40 ms
    # without them). Small counts of narrow classes ('\d{1,2}', '[A-Z]{2,6}') cost nothing.
    max_chars: int | None = None
    # An ``end`` rule whose line is also printed inside articles (an inline 'Read more' box, a photo's '© Agency'
    # credit): it closes the article only where the article does not resume after it (layouts/article.py).
    inline_too: bool = False


KINDS = ("chrome", "end", "caption")
_BULLET = r"(?:[•·▪◦*\-–]\s*)?"
# What a writer's biography says they are ('a freelance writer based in ...', 'the Editor and Journalist at ...').
_ROLE = (
    r"(?:writer|reporter|journalist|editor|correspondent|contributor|columnist|producer|author|researcher|musician|"
    r"photographer)"
)
# WordPress's comment form header, as its translations print it ('Leave a Reply', 'Leave a comment').
_COMMENT_FORM_ABROAD = (
    r"lascia un commento|lascia una risposta|deja (?:un|una) (?:comentario|respuesta)|dejar un comentario|"
    r"laisser un commentaire|laisser une réponse|schreibe einen kommentar|hinterlasse einen kommentar|"
    r"kommentar (?:schreiben|hinterlassen)|deixe (?:um|uma) (?:comentário|resposta)|geef een reactie|"
    r"laat een reactie achter|kommentieren sie hier|jetzt kommentieren|kommentar verfassen|"
    r"schon registriert\? (?:hier|jetzt) (?:einloggen|anmelden)|"
    r"(?:\d+ )?kommentare (?:anzeigen|einblenden|öffnen|lesen)|"
    r"leggi i commenti|ver (?:los )?comentarios|voir les commentaires|¿(?:quieres|quiere|desea) comentar\?|"
    r"para comentar (?:debes|tienes que|hay que|es necesario) (?:registrarte|iniciar sesión|estar registrado).*|"
    r"diskussion anzeigen|ihre meinung ist uns wichtig[.!].*|"
    r"diese (?:website|seite) verwendet akismet.*|ce site utilise akismet.*|este sitio usa akismet.*|"
    r"questo sito utilizza akismet.*|e-?mail \(wird (?:benötigt|nicht veröffentlicht)[^)]{0,40}\)|"
    r"bitte (?:loggen sie sich|melden sie sich) (?:vor dem kommentieren |zum kommentieren )?(?:ein|an)"
    r"(?:\b.{0,60}kommentier.*|\s*(?:login)?\.?)|"
    r"wenn sie diese[nm]? (?:blogeintrag|beitrag|artikel) kommentieren möchten.*|"
    r"sie müssen (?:sich )?(?:einloggen|anmelden|angemeldet sein|eingeloggt sein),? um "
    r".{0,60}(?:kommentier|diskussion).*"
)
# A cookie banner's first words in other languages ('Utilizziamo i cookie ...', 'Diese Website verwendet Cookies').
_COOKIES_ABROAD = (
    r"(?:utilizziamo|usiamo|wir (?:verwenden|nutzen)|nous utilisons|utilizamos|usamos|wij gebruiken|we gebruiken) "
    r"(?:i |des |los |las |)cookies?|"
    r"(?:questo sito|diese (?:web)?seite|diese website|ce site|este sitio(?: web)?|este site|deze (?:web)?site) "
    r"(?:web )?(?:utilizza|usa|verwendet|nutzt|utilise|utiliza|gebruikt) (?:i |des |)cookies?"
)
# 'Share' in the languages of news pages other than English ('Artikel teilen', 'Partager', 'Compartir en X'), and
# the print, mail, copy-link and bookmark buttons beside it in Japanese ('印刷する', 'メールで送る', 'ブックマーク',
# and a link to readers' posts on the story: 'みんなのポストを見る').
_SHARE_ABROAD = (
    r"(?:(?:diesen |den )?artikel |(?:diesen |den )?beitrag |(?:diese )?seite )?teilen(?: auf \w+)?|"
    r"(?:auf|per|via|über) [\w.-]+ teilen(?: [\w.-]+)?|"
    r"(?:link|url) kopieren(?: (?:link|url) kopieren)?|partager(?: (?:l'article|cet article|sur \w+))?|"
    r"compartir(?: (?:en \w+|este artículo|la noticia|la nota))?|condividi(?: (?:su \w+|l'articolo|articolo))?|"
    r"(?:haberi )?paylaş|"
    r"compartilh(?:e|ar)(?: (?:no|via) \w+)?|udostępnij(?: artykuł)?|sdílet(?: článek| na \w+)?|"
    r"zdieľať(?: článok)?|artikel delen|deel dit artikel|del (?:artikkel(?:en)?|saken|artiklen)(?: del)?|"
    r"dela (?:artikeln|artikel)|印刷(?:する)?|メール(?:で送る)?|リンクをコピー(?:する)?|シェア(?:する)?|ブックマーク|"
    r"みんなのポストを見る"
)
# 'Read also', 'read more', 'more on' and 'related' in the languages of news pages other than English.
_RELATED_ABROAD = (
    r"(?:lea|lee|vea|mira|mirá) (?:también|además)|lea más|leer más|lire la suite|weiterlesen|"
    r"leggi (?:di più|tutto)|ler mais|lees meer|läs mer|les mer|læs mere|(?:le|te) puede interesar|otras noticias|"
    r"noticias? relacionadas?|"
    r"(?:à )?lire aussi|[àa] découvrir(?: aussi| également| sur [\w .-]{2,})?|leggi anche|leia também|"
    r"(?:lesen sie|lest|lies) auch|lesen sie mehr|auch interessant|schon gelesen|am beliebtesten|"
    r"am meisten gelesen|(?:die )?meistgelesen(?:en?)?(?: artikel| beiträge| nachrichten| news)?|häufig gelesen|"
    r"zum weiterlesen|mehr lesen(?: über)?|taip pat skaitykite|"
    r"mehr zum thema(?: (?:auf|bei|von) [\w .-]{2,}| [\w-]+(?: [\w-]+){0,2})?|"
    r"mehr (?:aus|zu|zum|zur) [\w-]+(?: [\w-]+){0,2}|"
    r"lesen sie auch die folgenden beiträge|(?:die )?neuesten? (?:meldungen|nachrichten|artikel|beiträge|kommentare)|"
    r"(?:articles|commentaires) récents|(?:entradas|comentarios) recientes|(?:articoli|commenti) recenti|"
    r"(?:les )?dernières (?:actualités|infos|nouvelles)|últimas noticias|ultime notizie|"
    r"(?:weitere|beliebte|ähnliche) (?:beiträge|artikel)(?: (?:zum thema|aus der kolumne|aus der rubrik))?|"
    r"das (?:thema )?könnte (?:dich|sie) auch interessieren|(?:articles?|à lire) (?:similaires?|aussi)|"
    r"articoli correlati|(?:artículos|notas) relacionad[oa]s|(?:artigos|posts) relacionados|"
    r"související(?: články| zprávy| témata)?|čtěte (?:také|též|dále)|přečtěte si (?:také|též)|"
    r"súvisiace(?: články)?|čítajte (?:aj|tiež)|czytaj (?:także|też|również|więcej)|zobacz (?:także|też|również)|"
    r"powiązane(?: artykuły)?|lees ook|gerelateerde artikelen|läs också|les også|læs også|relaterade artiklar|"
    r"[iİ]lgili (?:haberler|konular)|関連記事|関連ニュース|人気記事|おすすめ記事|"
    r"こちらの記事も(?:合わせて|あわせて)(?:どうぞ|読みたい)|"
    r"(?:die )?meist(?:gelesenen?|diskutierten?|kommentierten?|-diskutiert|-gelesen)"
    r"(?: artikel| beiträge| nachrichten)?"
)

RULES: tuple[Rule, ...] = (
    Rule("search_form_message", "chrome",
         r"(?:minimum|maximum|at least|please enter)\s+\d+\s+characters?\b.{0,40}|"
         r"(?:enter|type) (?:your )?(?:search terms?|keywords?)(?: here)?\.?|search (?:this|the) (?:site|website|blog)"
         r"(?: search)?|you have no (?:pending |new |unread )?notifications\.?|suche nach\s*:(?:\s*suchen)?|"
         r"(?:you are not logged in|you're not logged in|sie sind nicht angemeldet|du er ikke logget (?:ind|inn)|"
         r"du är inte inloggad)\.?",
         "Search-box text rendered by the page template (any site with a search form: 'Minimum 2 characters "
         "required', 'Search this site', 'Suche nach: Suchen'), and the account menu's boxes ('You have no pending "
         "notifications', 'Du er ikke logget ind.'), which had been pages' titles."),
    Rule("share_widget", "chrome",
         _BULLET + r"(?:link copied|copied url|url copied|copied!|copy (?:url|link)|click (?:here )?(?:for|to) copy|"
         r"(?:share|send) (?:this|articles?)|(?:share|send|post) on \w+|share this article|tweet(?: this)?|"
         r"share (?:this|it)(?: \w+)? (?:with|on|via)(?: [\w+ ]{2,20})?|sharing is caring!?|\d+ shares?|copy|"
         r"like this (?:story|article|post)\? share it.{0,40}|share this (?:story|article|post)\s*:\s*\S.{0,150}|"
         # A whole share bar on one line: three or more of its labels, nothing else.
         r"(?:(?:leave a comment|share this (?:item|article|story|page|post)(?: (?:on|via|with) \w+)?|"
         r"send this (?:page|article|story) to (?:someone|a friend)(?: via e-?mail)?|see more sharing options|"
         r"copy (?:article )?link|facebook|twitter|x|(?:e-?)?mail|whatsapp|flipboard|linkedin|reddit|pinterest|"
         r"telegram|bluesky|threads|print)(?:\s+\d+)?(?:\s+|$)){3,}|"
         + _SHARE_ABROAD + r")\.?",
         "Share/copy-link widget labels; every news CMS prints them, in the languages of its readers ('Artikel "
         "teilen', 'Partager sur Facebook', 'Sdílet článek'), and whole share bars on one line ('Share this item on "
         "Facebook Share this item via WhatsApp Send this page to someone via email', with their counters: "
         "'Facebook 0 Twitter 0 LinkedIn')."),
    Rule("social_button", "chrome",
         _BULLET + r"(?:facebook|twitter|x|kakao(?:talk)?|kakao ?story|naver|band|line|linkedin|whatsapp|telegram|"
         r"mail|e-?mail|link|print|pinterest|reddit)(?: share)?(?: button)?",
         "Social share and print buttons rendered as text (one word per button)."),
    Rule("text_size_widget", "chrome",
         r"(?:ⓕ\s*)?(?:font[- ]?size|text[- ]?size|zoom (?:in|out)|a\+|a-)|" + _BULLET + r"[-+]?\d{1,2}|"
         r"tamaño (?:de )?(?:la )?(?:letra|texto|fuente)|schriftgröße(?: ändern)?|"
         r"taille (?:du texte|de (?:la )?police)|dimensione (?:del )?(?:testo|carattere)|"
         r"tamanho (?:da|de) (?:letra|fonte)",
         "Font-size controls ('Text Size', 'Tamaño de letra', bullets '-2'...'+2') and bare small counters of image "
         "galleries."),
    Rule("display_toggle", "chrome",
         r"(?:site )?theme toggle(?:[^\w].*)?|"
         r"(?:toggle|switch(?: to| between)?|enable|disable|turn (?:on|off)) (?:the )?(?:(?:light|dark) (?:or|and) )?"
         r"(?:dark|light|night) (?:mode|theme)(?:[^\w].*)?|"
         r"(?:light|dark)\s*[/|]?\s*(?:light|dark)|(?:dark|light|night) (?:mode|theme)|"
         r"(?:dunkler|heller|nacht) ?modus|mode (?:sombre|clair|nuit)|modo (?:oscuro|claro|noche)|"
         r"(?:ljust|mörkt) läge|(?:lys|mørk) (?:tilstand|modus)|"
         r"modalità (?:scura|chiara)|colou?r de fondo|background colou?r|hintergrundfarbe|couleur de fond",
         "A page's display controls: its dark-mode switch ('Site theme toggle. Switch between light or dark mode', "
         "'Light Dark', 'Toggle dark mode') and background colour ('Color de fondo'), in other languages too.",
         max_chars=120),
    Rule("video_player", "chrome",
         r"play(?: video)?|pause|replay|mute|unmute|fullscreen|chapters|descriptions|subtitles|captions|audio track|"
         r"non-fullscreen|exit fullscreen|picture-in-picture|playback rate|"
         r"stream type live|seek to live, currently (?:behind|playing) live|"
         r"(?:current|duration|remaining) time -?\d{1,2}:\d\d(?::\d\d)?|(?:loaded|progress) ?: ?\d{1,3}(?:\.\d+)?%|"
         r"(?:descriptions|subtitles|captions|chapters|audio track) (?:off|settings)"
         r"(?: ?, ?(?:selected|opens .{1,40}))?|"
         r"default ?, selected|this is a modal window\.?(?: this modal can be closed by pressing the escape key.*)?|"
         r"beginning of dialog window\..*|end of dialog window\.?|close modal dialog|"
         r"(?:foreground|background|window) --- white black .*|font size(?: \d{2,3}%){3,}|"
         r"text edge style none raised .*|font family default .*|(?:defaults|reset) done|"
         r"the media could not be loaded, either because the server or network failed .*|"
         r"no compatible source was found for this media\.?|"
         r"(?:audio|video|podcast) (?:starten|abspielen)(?:,? abbrechen mit escape)?|(?:\d{1,2}:\d\d )?anhören|"
         r"(?:.*\D)?\d{1,2}:\d\d min\.[ .]*verfügbar bis .*",
         "The controls, settings dialog and messages of the web's common HTML5 video player (Video.js: 'Current Time "
         "0:00', 'Loaded: 0%', 'captions settings, opens captions settings dialog', 'This is a modal window.'), a "
         "broadcaster's player ('Audio starten, abbrechen mit Escape') and its card ('WDR . 22.04.2024 . 00:21 Min. . "
         "Verfügbar bis 22.04.2026'), printed where a video is embedded in the article.", max_chars=300),
    Rule("navigation_link", "chrome",
         r"(?:(?:skip|jump|shortcut|go) (?:to )?(?:the )?(?:main )?(?:body|content|navigation|menu|site index|search|"
         r"footer)s?\s*)+|"
         r"(?:fortsæt|gå|hopp|hoppa|spring) til(?:l)? (?:indhold|innhold|innehåll|hovedindhold)|"
         r"(?:direkt )?zum inhalt(?: springen)?|(?:aller|passer) au contenu(?: principal)?|"
         r"(?:den )?(?:nächsten|vorherigen) abschnitt (?:[\w -]{1,40} )?überspringen|"
         r"(?:why (?:am i|do i|are you) seeing this ad|warum sehe ich diese anzeige|hvorfor ser du denne annonsen|"
         r"¿?por qué (?:estás viendo|veo) esto)\??|"
         r"(?:ir|saltar) al contenido(?: principal)?|vai al contenuto(?: principale)?|naar de (?:hoofd)?inhoud|"
         r"(?:skip|main|site|open|close|toggle)?\s*"
         r"(?:content )?menu|(?:main|menu|page|site|primary) (?:content|navigation)|"
         r"go to (?:the )?(?:contents?|main|top|list|mobile version|pc version|desktop version)|"
         r"(?:back|scroll|return) to top|top|close|search|article|home|logo|more|mehr|prev(?:ious)?|next|view more|"
         # a header's buttons in a row ('Search Close', 'Menu | Search'), or a story's ('Audio Share', 'Listen Print')
         r"(?:search|close|menu|home|subscribe|share|audio|listen|print)"
         r"(?:\s*[|/·]?\s*(?:search|close|menu|home|subscribe|share|audio|listen|print)){1,3}|"
         r"subscribe|sign (?:in|up|out)|log ?(?:in|out)|anmelden|einloggen|se connecter|iniciar sesión|accedi|"
         r"logga in|logg inn|log ind|inloggen|zaloguj(?: się)?|přihlásit(?: se)?|로그인|ログイン(?:する)?|sitemap|"
         r"print(?: this)?(?: article| page)?|"
         r"listen to (?:this )?article(?:\s*[·|-]?\s*\d{1,3}\s*min(?:ute)?s?\.?)?|continue reading below|"
         r"tweet|e-?mail this|(?:advertisement|advert|ad)(?: \d{1,2})?|loading\W*|"
         r"\d* ?comments?|reply|"
         r"anzeige|werbung|publicité|publicidad|pubblicità|publicidade|reklam|reklama|reklame|advertentie|광고|広告|"
         r"(?:the )?(?:story|article|text) continues (?:below|after) (?:the |this )?(?:advertisement|advert|ad)|"
         r"(?:advertisement|ad) (?:-|–|—|·)? ?(?:scroll|continue reading) (?:to continue|below)|"
         r"(?:(?:don't|don’t|do not) want to see this\? )?(?:skip|close|hide|remove) (?:this )?(?:ads?|advertisement)|"
         r"\d+ ?(?:kommentare?|commentaires?|comentarios?|commenti|reacties|kommentarer)|"
         r"quick links|"
         r"back to (?:the )?(?:list|overview|index)|list|(?:next|previous|prev) (?:article|story|post)|tags|keywords|"
         r"(?:vorheriger|voriger|nächster) (?:artikel|beitrag)|(?:article|post) (?:précédent|suivant)|"
         r"(?:artículo|entrada) (?:anterior|siguiente)|(?:articolo|post) (?:precedente|successivo)|"
         r"zurück(?:(?: zur| zum)? (?:übersicht|startseite|liste)| nach oben)?|retour (?:à la liste|en haut)|"
         r"volver (?:al listado|arriba)",
         "Accessibility skip links and landmarks ('Menu Content') and one-word navigation items (menu, search, "
         "close, top, logo alt text, sign-in ('Anmelden', 'ログインする'), advertisement slots and their labels "
         "abroad ('Anzeige', 'REKLAM', '광고', 'Advertisement 4') and buttons ('Remove ads'), comment counters), "
         "and a header's buttons in a row ('Search Close')."),
    Rule("language_switch", "chrome",
         _BULLET + r"(?:kor|eng|kr|en|chn|cn|jpn|jp|korean|english|한국어|中文|日本語)"
         r"(?:\s*[|/·]\s*(?:kor|eng|kr|en|chn|cn|jpn|jp|korean|english|한국어|中文|日本語))*",
         "A language switcher in the page header ('KOR', 'ENG | 한국어'): never a section label or text.",
         max_chars=40),
    Rule("punctuation_residue", "chrome", r"[^\w\s]{1,5}",
         "A line of punctuation alone (a ')' that closed a byline's e-mail on the line above, '###'): no text.",
         max_chars=5),
    Rule("breadcrumb", "chrome",
         r"home\s*[>›»/|]\s*[\w &/>›»|-]{0,60}|(?-i:home)\s+[\w &/>›»|-]{0,60}|you are here\s*:.{0,80}|"
         r"(?:[^<>‹›«»]{1,30}\s?[>›»]\s?){2,6}[^<>‹›«»]{0,40}|[^<>‹›«»]{1,40}\s?[>›»]",
         "Breadcrumb trails: from 'home' ('Home > Business', 'home TOPICSAll Topics'; a headline never starts with "
         "a lowercase 'home') or 'You are here:', three crumbs or more ('Blog > Nutrition > Meal Plans'), or a "
         "crumb before its separator ('Blog >').", max_chars=100),
    Rule("relative_timestamp", "chrome",
         r".{0,40}?" + TIME_AGO + "|"
         r"(?:vor|il y a|hace|há|před|pred) (?:\d+|einer?|une?|una?) ?(?:sekunden?|minuten?|stunden?|tage?n?|"
         r"secondes?|minutes?|heures?|jours?|segundos?|minutos?|horas?|días?|dias?|sekundami|minutami|minutou|"
         r"hodinami|hodinou|dny|dnem)|\d+ (?:sekund[ay]?|minut[ay]?|godzin[aey]?|dni) temu|"
         r"(?:(?:published|posted|updated|publiziert|veröffentlicht|aktualisiert|publié|mis à jour|publicado|"
         r"actualizado|pubblicato|aggiornato)\s*:?\s*)?(?:today|yesterday|heute|gestern|aujourd'hui|hier|hoy|ayer|"
         r"oggi|ieri|i dag|i går|vandaag|gisteren),?\s*(?:(?:at|um|à|a las|alle|om|kl\.)\s*)?\d{1,2}[:.h]\d{2}"
         r"(?:\s*(?:uhr|h|[ap]\.?m\.?))?",
         "Relative times ('2 days ago', 'vor 3 Stunden', 'il y a 2 heures', 'před 2 hodinami', '5 godzin temu', "
         "'Today 5:00 am', 'Publiziert heute um 12:19 Uhr', 'Vandaag om 20:07') depend on the crawl time: never a "
         "publication date, and not text."),
    Rule("reading_time", "chrome", READING_TIME,
         "A reading-time estimate ('1 Min Read', 'Reading time: 4 minutes', 'Tiempo de lectura: 6 min', '3 Min. "
         "Lesezeit') printed by the page template, and a duration alone on its line ('5 min', '45 Min.'): the "
         "reading time, or the length of the page's audio or video."),
    Rule("ui_identifier", "chrome", r"[a-z]+(?:[_][a-z0-9]+)+",
         "A lone snake_case token is a template element id leaking into text (e.g. a progress-bar id)."),
    Rule("icon_alt_text", "chrome",
         r"(?:an icon in the shape of|two crossed lines that form|a vertical stack of (?:two|three)|"
         r"the letter \w\. \w+ an envelope|a magnifying glass\. it indicates|it (?:often )?indicates an expandable).*",
         "The text an icon stands for, printed where the page draws it ('An icon in the shape of a person's head and "
         "shoulders. It often indicates a user profile.', 'Two crossed lines that form an 'X'. It indicates a way to "
         "close an interaction').", max_chars=400),
    Rule("image_filename", "chrome", r".{0,120}\.(?:jpe?g|png|gif|webp|bmp|tiff?)(?:\s+\d{1,3})?",
         "Image file names (often with a gallery counter) left by alt text.", max_chars=140),
    Rule("wire_editor_note", "chrome",
         r"\((?:attn|eds?|editor'?s? note|adds|updates|corrects|recasts|urgent|lead|\d+(?:st|nd|rd|th) ld)\b.*\)",
         "Wire-service editor's notes to subscribers ('(ATTN: ADDS ...)'); never article text."),
    Rule("publisher_footer", "chrome",
         r"(?:date of registration|registration (?:no|number|date)|registered|publisher|editor[- ]in[- ]chief|"
         r"managing editor|tel|fax|phone|address|e-?mail|contact us|youth protection)\b\.?\s*[:.#].{0,200}",
         "Legal masthead footers ('Registration No.:', 'Publisher:', 'Tel:') that news sites must print."),
    Rule("shortcode", "chrome", r"(?-i:(?:\[/?[a-z_]+(?:\s+[a-z_]+=\"[^\"]*\")*\s*/?\]\s*)+)",
         "Unrendered CMS shortcodes ('[caption id=...]', '[/caption]', '[gallery ...]') alone on a line."),
    Rule("markup", "chrome",
         r"<(?:script|style|noscript|iframe)(?:[\s/>].*)?|(?:" + HTML_TAG + r"|<!--|<!doctype[\s>])[^<]{0,80}(?:<.*)?",
         "HTML left in a crawl's text (an ad's noscript image, an embed's code): a line that starts with a script or "
         "a tag and holds tags throughout is the page's code, never article text. A tag left before a paragraph is "
         "not."),
    Rule("social_follow", "chrome",
         r"(?:join|follow|like) us(?: on [\w ]+)?!?|(?:subscribe|sign up)(?: to| for)? (?:our )?newsletters?.{0,40}|"
         r"follow (?:me|@\w+|(?-i:[A-Z][\w.'’&-]*)(?: (?-i:[A-Z@][\w.'’&-]*)){0,4}(?: section| desk)?) on "
         r"(?:twitter|x|facebook|instagram|linkedin|youtube|tiktok|threads|telegram|whatsapp|google news)"
         r"(?:[^\w].{0,200})?|folgst du (?:uns )?schon [^?]{1,40} auf "
         r"(?:whatsapp|instagram|facebook|tiktok|x|threads|youtube|telegram|google news)\??|"
         r"(?:wo|hier) (?:sie|du) uns (?:noch |auch )?folgen (?:können|kannst)|"
         r"(?:folgen sie|folge) uns(?: auf [\w ,]+)?!?",
         "Calls to follow or subscribe printed under articles on most sites ('Follow The Harbor Daily on Twitter and "
         "Instagram @HarborDaily', 'Folgst du schon X auf WhatsApp?', 'Folgen Sie uns auf Instagram')."),
    Rule("newsletter_promo", "chrome",
         r".*(?:delivered|sent|straight) to your (?:inbox|e-?mail).*|"
         r"(?:.*[^\w])?(?:right|directly|soon be) in your inbox.*|"
         r"(?:enter|type) your e-?mail(?: address)?.*|"
         r"your e-?mail(?: address)?|(?:get|receive) (?:our|the) [\w' -]*newsletters?.*|"
         r"promoted|sponsored(?: content| by)?:?|"
         r"sign up for (?:our |the )?(?:e-?mail |free )?(?:newsletters?|e-?mails).*|want more [^?]+\? sign up .*|"
         r"by (?:signing up|subscribing),? (?:you|i) (?:agree|accept|consent).*|no spam[,.!].*|"
         r"by clicking (?:on )?[\"“”']?(?:sign up|subscribe|submit|register|continue)[\"“”']?,? you "
         r"(?:agree|accept|consent).*|"
         r"a welcome e-?mail is on its way.*|we use your sign-?up to provide content in ways you(?:'|’)ve "
         r"consented to.*|"
         r"you can unsubscribe at any time.*|(?:jetzt abonnieren\s*)?(?:sie können sich|du kannst dich) jederzeit "
         r"(?:wieder )?(?:abmelden|abbestellen).*|sign up (?:now )?to (?:get|receive) .*|see all newsletters|"
         r"thanks? (?:you )?for (?:signing up|subscribing)(?:[^\w].*)?|"
         r"you(?:'ve| have) (?:been )?succ?ess?fully subscribed.*|subscribe\s+no,? thanks|"
         r"(?:.*[^\w])?opt-in box(?:[^\w].*)?|"
         r"i agree that .+ (?:can|may) send me(?:[^\w].*)?|keep an eye on your inbox(?:[^\w].*)?|"
         r"contact me with (?:news and )?offers from .*|receive e-?mails? from us on behalf of our .*partners.*|"
         r"i (?:agree|consent|would like) to receive (?:[\w'’&-]+ )*(?:newsletters?|e-?mails?|updates)(?:[^\w].*)?|"
         r"this (?:site|form|page) is protected by recaptcha.*|"
         r"get [\w'’& .-]+ (?:by|via|in|to) your (?:e-?mail|inbox).*|get [\w'’& -]+ (?:by|via) e-?mail.*|"
         r".*(?:in (?:deinen|ihren) posteingang|in (?:dein|ihr) (?:e-mail-)?postfach)"
         r"(?: liefern| senden| schicken)?\W*|"
         # A newsletter's name over its form, and its pitch in other languages.
         r"(?:join )?(?:our )?(?:free )?(?:[\w'’&.-]+ ){0,3}newsletter[!.:]?|"
         r"(?:stay|keep) (?:up to date|up-to-date|informed|in the loop)(?: with [^.!?,]+)?[.!]?"
         r"(?: subscribe to (?:our|the) (?:[\w'’&-]+ )?newsletters?[.!]?)?|"
         r"(?:.*[^\w])?(?:abonnieren sie|abonniere|bestellen sie|suscr[ií]bete|suscribite|inscrivez-vous|abonnez-vous)"
         r"(?: (?:jetzt|kostenlos|gratis|hier|a|à))* (?:den |unseren |die |nuestro |notre |la |el |au )?"
         r"(?:[\w-]+ ){0,2}newsletter.*|(?:[\"“„][^\"“”]{1,40}[\"“”]:\s*)?(?:unser|der|die) (?:kostenlose[rn]? )?"
         r"(?:[\w-]+ )?[\w-]*newsletter(?:[^\w].*)?|(?:[\w.-]+ ){0,3}[\w-]*newsletter\s?:\s?[^.!?]{1,40}[.!]?",
         "Newsletter and promo boxes ('... delivered to your inbox', 'Enter your email address', 'Sponsored', "
         "'Sponsored By' over a sponsor's logo), and their consent lines ('By signing up, you agree to our Privacy "
         "Policy', 'No spam, we promise.'), and the box's own pitch ('Sign up to get the best stories of the week', "
         "'Get The Harbor Daily's morning briefing by email', 'Stay up to date with Harbor Corp. Subscribe to our "
         "newsletter.', 'Harbor-Newsletter: Jetzt kostenlos anmelden!').",
         max_chars=200),
    Rule("adblock_notice", "chrome",
         r"(?:.*[^\w])?(?:(?:you(?:'re| are) )?(?:using|running) an? ad ?-?blocker|"
         r"(?:disable|deactivate|turn off|pause) (?:your |the )?ad ?-?blocker|ad ?-?blocker (?:detected|enabled)|"
         r"einen ad-?blocker aktiviert|(?:ihren|den) ad-?blocker (?:deaktivieren|ausschalten)|"
         r"bloqueur de publicités?|bloqueador de anuncios|nettstedet du nå besøker (?:blir|er) (?:i stor del )?"
         r"finansiert av annonse\w*)(?:[^\w].*)?",
         "A notice to readers whose browser blocks ads ('It looks like you're using an ad blocker', 'Sie haben "
         "vermutlich einen Ad-Blocker aktiviert'): the page's, printed by a script, never the article's.",
         max_chars=400),
    Rule("app_promo", "chrome",
         r"(?:for [^.]{0,80}\s)?(?:download|get|install) (?:the|our) (?:[\w'’&.-]+ ){0,4}apps? .{0,120}|"
         r"(?:read|explore|follow|enjoy) (?:[\w'’&.-]+ ){0,5}on (?:your|our|the) (?:mobile |free )?app"
         r"(?: every ?day| today| now)?[.!]?|.*[.!?]\s+download (?:the|our) app[.!]?",
         "A call to install the site's app ('For the latest news, download the Harbor Daily apps for iOS and "
         "Android', 'Explore The Harbor Daily on your mobile app.'): an article does not open a sentence with "
         "'Download the app'.", max_chars=220),
    Rule("cookie_notice", "chrome",
         r"(?:.*[^\w])?(?:this (?:web)?site|we) uses? cookies(?:[^\w].*)?|"
         r"(?:accept|allow|reject) (?:all )?cookies|"
         r"(?:privacy (?:&|and) )?cookies? (?:policy|settings|preferences|consent)|"
         r"(?:.*[^\w])?(?:" + _COOKIES_ABROAD + r")(?:[^\w].*)?",
         "The cookie banner ('Privacy & Cookies: This site uses cookies. By continuing ...', 'Accept all cookies'), "
         "in other languages too ('Utilizziamo i cookie per ...').",
         max_chars=300),
    Rule("ai_summary_notice", "chrome",
         r"(?:i\s+)?(?:(?:this|the) )?(?:article )?summary (?:was |is |has been )?"
         r"(?:generated|created|written|produced) (?:by|with|using) (?:an? )?"
         r"(?:ai|artificial intelligence|chatgpt|language model)(?:[^\w].*)?|"
         r"(?:an? )?ai[- ]generated summary(?:[^\w].*)?|"
         r"(?:i\s+)?diese zusammenfassung wurde (?:künstlich|automatisch|mit (?:hilfe )?(?:von )?(?:ki|künstlicher "
         r"intelligenz)|von einer ki) (?:erzeugt|erstellt|generiert)(?:[^\w].*)?|"
         r"(?:i\s+)?(?:sammendraget|resuméet|sammanfattningen) (?:er|är) (?:laget|lagd|skrevet|generert|lavet|gjord|"
         r"skapad|skriven) (?:av|af|med) (?:chatgpt|ki|ai|kunstig intelligens)(?:[^\w].*)?",
         "A note that a summary box over the article was written by a language model ('This summary was generated "
         "by AI', 'Diese Zusammenfassung wurde künstlich erzeugt', 'Sammendraget er laget av ChatGPT og godkjent av "
         "X'): the site's label, not the article.", max_chars=250),
    Rule("key_points_label", "chrome",
         r"key (?:points|takeaways|facts|highlights)\s*:?",
         "The label of a box of points that sums the story up, over its lead ('Key Points', 'Key takeaways'): the "
         "site's label. The points under it, up to what closes the box, are a deck (layouts/article.py). A label "
         "that heads a section of articles too ('At a glance', 'TL;DR') is none.", max_chars=30),
    Rule("embed_notice", "chrome",
         r"(?:empfohlener )?(?:externer|redaktioneller) inhalt(?: (?:nicht verfügbar|datenschutzerklärung|"
         r"von [\w .-]{2,40}))?|"
         r"(?:deine|ihre) (?:privatsphäre|datenschutz)-?einstellungen verhindern .*|"
         r"an dieser stelle finde(?:n sie|st du) (?:einen )?externen inhalt.*|"
         r"(?:du kannst|sie können) (?:ihn|sie|es) (?:dir|sich) mit einem klick anzeigen lassen.*|"
         r"link zum [\w.-]+-inhalt|[\w.-]+-inhalte? (?:erlauben|laden|anzeigen|zulassen)|"
         r"personenbezogene daten können an drittplattformen übermittelt werden.*|"
         r"klicken sie auf den (?:unteren |folgenden )?button,? um (?:den )?inhalt(?:e)? von .{1,80} zu laden\.?|"
         r"ich bin (?:damit )?einverstanden, dass (?:mir|ich) (?:(?:externe|diese[nm]?) )?inhalte? .*|"
         r"um (?:deine|ihre) (?:persönlichen )?daten zu schützen, haben wir das (?:automatische )?laden .*|"
         r"um (?:eingebettete|externe) inhalte (?:anzuzeigen|zu laden|darzustellen),? .*|"
         r"zustimmen und inhalte? (?:laden|anzeigen)|"
         r"(?:privatsphäre|datenschutz)-?einstellungen (?:ändern|anpassen|öffnen)|"
         r"contenu externe(?: (?:non disponible|indisponible))?|"
         r"(?:external|embedded|third[- ]party) content(?: (?:is )?(?:not available|unavailable))?|"
         r"this (?:content|embed) is (?:not available|unavailable|blocked) (?:due to|because of|with) your "
         r"(?:privacy|cookie|consent) (?:preferences|settings|choices).*",
         "What a page prints where an embedded post, video or chart was blocked ('Externer Inhalt nicht verfügbar', "
         "'Deine Privatsphäre-Einstellungen verhindern das Laden ...', 'This content is not available due to your "
         "privacy preferences', 'Um eingebettete Inhalte anzuzeigen, ist deine widerrufliche Einwilligung ... "
         "notwendig'): the embed's placeholder, never the article's text; the consent it asks for may run long.",
         max_chars=800),
    Rule("market_data_notice", "chrome",
         r"(?:.{0,40}[^\w])?(?:quotes|data|prices)(?: are| is)? delayed (?:(?:at least|by|a minimum of|up to) )?"
         r"\d+ min.*",
         "A finance site's notice on its market data ('Quotes delayed at least 15 minutes. Real-time quotes provided "
         "by ...'), printed in its header or footer: never the article.", max_chars=700),
    Rule("subscriber_label", "chrome",
         r"(?:article |contenu )?réservé (?:aux|à nos) abonnés|(?:nur )?für abonnenten|abonnenten-?(?:artikel|inhalt)|"
         r"(?:(?:contenido|artículo) )?(?:exclusivo )?(?:para )?suscriptores|subscribers? only|"
         r"(?:for|exclusive to|exclusively for) subscribers|riservato agli abbonati",
         "A label marking the article as for subscribers ('Article réservé aux abonnés', 'Subscribers only'), "
         "printed over its headline: the article follows it, so it ends nothing (unlike `paywall`)."),
    Rule("paywall", "end",
         r"(?:.*[^\w])?(?:to (?:view|read|continue reading) (?:the|this) (?:full |entire )?(?:story|article)"
         r"(?:,| please| you)|(?:subscribe (?:now )?|create an? (?:free )?account )to (?:continue|keep) reading|"
         r"this (?:article|story|content) is "
         r"(?:only )?(?:available |reserved )?(?:for|to) (?:paying )?(?:subscribers|members)|you(?:'ve|’ve| have) "
         r"reached your (?:limit|maximum) of (?:free )?(?:articles|stories)|"
         r"already an? (?:subscriber|member)(?:[^\w]|$)|"
         # Abroad, where a cut article stops: a label printed over the headline is a `subscriber_label`.
         r"la suite (?:de cet article )?est réservée (?:aux|à nos) abonnés|il vous reste \d+(?:[.,]\d+)? ?% de cet "
         r"article à lire|(?:jetzt )?(?:weiterlesen|lesen sie (?:jetzt )?weiter) mit \S|para (?:seguir|continuar) "
         r"leyendo|(?:abbonati )?per continuare a leggere|この記事は(?:有料)?会員限定(?:です|記事)|"
         r"tu suscripción se está usando en otro dispositivo).*",
         "A paywall's notice where the article stops ('To view the full story, please subscribe', 'If you are "
         "already a subscriber, log in', 'Il vous reste 68% de cet article à lire', 'Jetzt weiterlesen mit Plus', "
         "'この記事は会員限定です'): the page holds no more of the article.", max_chars=300),
    Rule("end_marker", "end", r"\(?end\)?|-+\s*end\s*-+|\(?the end\)?|\[?end of (?:article|story)\]?|-?\s*30\s*-",
         "Wire-service end-of-story markers such as '(END)'; what follows is a widget."),
    # Before the copyright footers: its credit ends with one.
    Rule("caption_copyright_credit", "caption",
         r".{20,}?[\s.,;)-](?-i:[A-Z][\w.'’-]+(?:\s[A-Z][\w.'’-]+){0,3})\s?/\s?copyright\s+(?:19|20)\d\d\s+"
         r"[^/]{2,60}",
         "A photo caption closed by its photographer's credit and the agency's copyright ('... at the UN headquarters "
         "Dana Whitfield/Copyright 2031 The AP. All rights reserved.'): printed under each photo, between the "
         "article's paragraphs; the copyright belongs to the photo, and ends nothing.", max_chars=700),
    Rule("copyright_notice", "end",
         r"(?:copyright\s*(?:ⓒ|©|\(c\)|\d{4}|by\b)|.{0,40}?[ⓒ©](?:\s*(?:19|20)\d\d|.{0,120}?(?:reserved|무단))|"
         r"\(c\)\s*\d{4}).{0,280}|"
         r"(?:.{0,119}[^\w])?all rights reserved\.?.{0,60}|.{0,80}무단\s*전재.{0,80}|"
         r".{0,80}unauthorized reproduction.{0,80}|"
         r"(?:this|the) (?:article|story|content|material|report) is (?:the )?copyright(?:ed)?(?:[^\w].{0,160})?|"
         r"(?:this|the) (?:article|story|content|material) (?:may not|must not|cannot|can not) be "
         r"(?:re)?(?:published|printed|produced|distributed|broadcast|copied)(?:[^\w].{0,160})?|"
         r"(?:.{0,59}[^\w])?written permission[^\w].{0,80}"
         r"(?:reprint|reproduc|republish|redistribut|cop(?:y|ied)).{0,80}",
         "Copyright footers close the article on every site ('This article is the copyrighted property of X', "
         "'This material may not be published, broadcast, rewritten or redistributed'; Korean sites: '무단전재 및 "
         "재배포 금지').",
         max_chars=320),
    # A row of its own: as an alternative inside copyright_notice's regex it made that regex several times slower.
    Rule("licence_notice", "end",
         r"(?:.{0,80}[^\w])?licensed under (?:a |the )?creative commons.{0,200}",
         "A site's licence under its articles ('This work is licensed under a Creative Commons Attribution 4.0 "
         "International License'): its footer, like a copyright notice."),
    Rule("copyright_credit", "end",
         r".{0,40}?[ⓒ©].{0,120}|.{0,60}?(?:tous droits réservés|alle rechte vorbehalten|todos los derechos reservados|"
         r"tutti i diritti riservati|todos os direitos reservados|alle rechten voorbehouden).{0,60}",
         "A '©' with a name, no year after it and no 'rights reserved': a site's footer ('ⓒ Harbor News') at the "
         "end of the page, or a photo's credit ('(Image: © NASA)', '© REUTERS / POOL') inside the article; and "
         "'rights reserved' in other languages ('Tous droits réservés Euronews'), under a photo as often as at the "
         "end.",
         max_chars=164, inline_too=True),
    Rule("related_links", "end",
         _BULLET + r"(?:related(?: articles?| news| stories| links?| content| posts?| reading| videos?)?|"
         r"read more(?: on| about)?|also read|see also|"
         r"more(?: [\w'’&-]+){0,3} (?:news|stories|articles|posts|videos)|more from [\w ]+|"
         r"most (?:viewed|read|popular|shared|commented)(?: stories| articles| news| posts)?(?: in [\w ]+)?|"
         r"(?:recommended|popular|trending)(?: now| stories| articles| news)?|recommended for you|we recommend|"
         r"recent (?:posts|entries)|you may (?:also )?like|latest (?:news|videos|stories)(?: from(?: [\w .&'’-]+)?)?|"
         r"top stories(?: (?:in|from) [\w ]+)?|"
         r"editor(?:'|’)?s (?:picks?|choice)|recommended from [\w .&'’-]{2,40}|related coverage|explore further|"
         r"more on this (?:story|topic)|(?:what|where) to read next|read (?:this )?next|"
         r"next up(?: in [\w &]+)?|"
         r"popular on [\w .&'-]+|more (?:in|on) (?-i:[A-Z][\w&'’-]*(?: [A-Z&][\w&'’-]*){0,3})"
         r"(?: more (?:videos|stories|news))?)\s*(?::|\.{3}|…)?",
         "Headers of related/most-viewed lists ('More from X...', 'Top stories in Nation', 'We Recommend', 'More in "
         "White House', 'Most read in world news'); the "
         "headlines after them belong to other articles. Boxes of related links also sit between paragraphs.",
         max_chars=100, inline_too=True),
    Rule("related_link", "chrome",
         _BULLET + r"(?:(?:related(?: stories| story| articles?| coverage)?|read more|read also|also read|see also|"
         r"read next|watch|(?-i:MORE|LEA|Lea|VEA|Vea|MIRA)|" + _RELATED_ABROAD + r")\s*:\s*\S.{2,}|"
         r"(?:" + _RELATED_ABROAD + r")\s*(?::|\.{3}|…|\?)?|【関連(?:記事|ニュース)】.*)",
         "One link to another story printed inside the article ('Related: Possible Water Plumes on Europa', 'Read "
         "more: Exports rise', 'MORE: Ferry fares rise', 'Watch: X', 'Lea también: ...', '【関連記事】...'): a "
         "headline, not the story's text. On pages in other languages the header of such a box too ('Lesen Sie "
         "auch'), which ends nothing: what ends an article was learned from English pages.", max_chars=170),
    Rule("signoff_email", "end",
         r"[(<\[]?\s*(?:(?:write|e-?mail|contact) (?:to )?(?-i:[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){0,3}) at )?" + EMAIL
         + r"\s*[)>\]]?\.?(?:\s+or follow (?:him|her|them) (?:on \w+ )?@\w+\b.{0,200})?",
         "A reporter's e-mail alone on a line, or with a line asking to write to them ('Write to Name at "
         "name@example.com', '... or follow him @name. Follow us on ...'), signs off the article (wire style)."),
    Rule("broadcast_signoff", "end",
         # The first word any capitalised one but 'By' ('Byung-hun' is a name): a byline is no sign-off.
         r"(?-i:(?:[AC-Z]|B(?:[^y\s]|y\S))[\w'’.-]*(?: [A-Z][\w'’.-]+){1,3}),\s*(?-i:(?:[A-Z][\w&'’.-]*\s+){0,3})"
         r"(?:news|radio(?: news)?|tv|television)(?:,\s*(?-i:[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+)?))?\.?|"
         # ... or the broadcaster's news first ('Harbor TV News, Dana Whitfield.')
         r"(?-i:(?:[A-Z][\w&'’.-]*\s+){1,3})(?:news|radio(?: news)?|tv|television),\s*"
         r"(?-i:[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]+){1,3})\.|"
         # ... or the name and 'reporting' ('Dana Whitfield reporting from Busan.', 'X, Harbor TV News, reporting.')
         r"(?-i:(?:[AC-Z]|B(?:[^y\s]|y\S))[\w'’.-]*(?: [A-Z][\w'’.-]+){1,3}),?\s+"
         r"(?:(?-i:(?:[A-Z][\w&'’.-]*\s+){0,3})(?:news|radio(?: news)?|tv|television),\s*)?(?-i:reporting)"
         r"(?:\s+(?:from|for)\s+(?-i:[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){0,2}))?\.?",
         "A broadcast report's sign-off: the reporter's name, the broadcaster's news and maybe the place ('Dana "
         "Whitfield, Harbor TV News.', 'Dana Whitfield, Harbor Radio News, Busan'), or the news and the name "
         "('Harbor TV News, Dana Whitfield.'), or the name and 'reporting' ('Dana Whitfield reporting from Busan.'): "
         "the report ends above it. A byline over the report is none ('By Dana "
         "Whitfield, Harbor News, Busan')."),
    Rule("source_credit_line", "end",
         r"(?:\([^()]{1,40}\)\s*)?(?:\((?:with inputs? from|with reporting by|additional reporting by|reporting by|"
         r"edited by)[^)]*\)\.?|(?:additional )?(?:reporting|writing) by [^.;()]{2,60};\s*"
         r"(?:additional reporting|editing) by .+|"
         r"additional reporting by (?-i:[A-Z][\w'’.-]+(?:,? (?:and |& )?[A-Z][\w'’.-]+)*)\.?|"
         r"[^.!?]{2,240}\scontributed\s(?:reporting|to this (?:report|story|article))"
         r"(?:\s(?:from|in)\s[^.]{2,60})?\.?|"
         r"(?:this (?:article|story) was )?originally published (?:on|in|at|by) [^.]{2,80}\.?|"
         r"(?:(?:dieser|der) (?:artikel|beitrag|text) (?:ist|wurde) )?zuerst (?:bei|in|auf|im) [^.]{2,60} "
         r"erschienen\.?|"
         r"mit (?:agenturmaterial|material (?:von|der nachrichtenagenturen?) [^.]{2,40})\.?|"
         r"(?:übersetzung|redaktion|schlussredaktion|mitarbeit)\s?:\s?(?-i:[A-Z])[\w'’.-]+ [^.!?]{2,200}|"
         r"\**\s*(?:this (?:article|story) (?:was|has been|is) (?:machine[- ])?translated\b|"
         r"the translation (?:was|is) (?:done|made|produced|provided) (?:by|using|with)\b).{0,200}|"
         r"(?:translated|edited) by (?-i:[A-Z])[\w'’.-]+(?: (?-i:[A-Z])[\w'’.-]+){0,3}"
         r"(?:,? and (?:translated|edited) by (?-i:[A-Z])[\w'’.-]+(?: (?-i:[A-Z])[\w'’.-]+){0,3})?\.?)",
         "Wire credits printed after the last paragraph ('(With inputs from agencies.)', 'Reporting by X; Editing "
         "by Y', 'X contributed to this report.'), possibly after a footnote in parentheses ('($1 = 1,200 won)'), "
         "where a syndicated story first ran ('Originally published on Harbor Science.', 'Dieser Artikel ist "
         "zuerst bei X erschienen.'), and who translated or edited it ('This article was translated by AI and "
         "edited by X.', 'Translated by X and edited by Y', 'Edited by X')."),
    Rule("comment_form", "end",
         _BULLET + r"(?:leave a (?:reply|comment)|(?:post|add|write) a comment|\d* ?comments? ?\(\d+\)|"
         r"(?:(?:please|you must be) )?(?:log|sign)(?:ged)? ?in (?:here )?to (?:comment|post|leave|write|join|"
         r"(?:[\w ]{1,30} )?account)\b.*|"
         r"to (?:write|post|leave) (?:a )?comments?, please .*|your email address will not be published.*|"
         r"this site uses akismet to reduce spam.*|"
         r"would you like to comment on this (?:article|story)\??|have something to say\? .{0,120}comments?.*|"
         + _COMMENT_FORM_ABROAD + ")",
         "Comment forms and login prompts under articles (WordPress 'Leave a Reply', social-comment widgets, 'Would "
         "you like to comment on this article?'), in the languages WordPress prints them in ('Lascia un commento', "
         "'Schreibe einen Kommentar') and news sites' ('Kommentare anzeigen', 'Ihre Meinung ist uns wichtig!')."),
    Rule("comment_section", "end",
         _BULLET + r"\[?\s*(?:(?:top rated|most liked|newest|oldest|recent|latest|user|readers?'?) comments?|"
         r"(?:read|view|show) all comments|comments are closed|no comments yet.*|be the first to comment.*|"
         r"(?:die )?kommentarfunktion(?:alität)? (?:(?:unter|zu|für) diese[mn] (?:artikel|beitrag|text) )?"
         r"(?:ist )?(?:(?:um|zu) diese[rn]? (?:uhrzeit|zeit) |derzeit |nachts )?"
         r"(?:geschlossen|deaktiviert|ausgeschaltet|abgeschaltet)[.!]?|"
         r"(?:les )?commentaires (?:sont )?fermés|bitte achten sie darauf, dass ihre kommentare .*|"
         r"(?:los )?comentarios (?:están )?cerrados|(?:i )?commenti (?:sono )?chiusi|"
         r"(?:please )?enable javascript to view (?:the )?comments.*|javascript is required to load the comments|"
         r"you must (?:confirm|set|choose) your (?:public )?display name before commenting.*|"
         r"loading comments|blog comments powered by disqus|comments & replies|"
         r"\d+ (?:thoughts|responses|replies|comments|antworten|kommentare|gedanken|réponses?|commentaires?|"
         r"respuestas?|comentarios?|risposte|commenti) (?:on|to|zu|auf|à|sur|a|en|su) .{2,}|"
         r"(?:\d+ )?(?:comments?|kommentare?|commentaires?|comentarios?|comentários?|commenti|reacties) ?:|"
         r"(?:.*[^\w])?comments (?:are|will be|may be) (?:moderated|reviewed|republished)(?:[^\w].*)?|"
         r"(?:.*[^\w])?moderates? (?:all )?(?:readers?'? )?comments (?:to|in order to|before) .*|"
         r"(?:readers?'? )?comments (?:do not|don't) (?:necessarily )?(?:reflect|represent) the "
         r"(?:views?|opinions?)(?:[^\w].*)?|"
         r"(?:leser)?kommentare (?:geben|spiegeln) nicht (?:unbedingt )?die meinung der redaktion(?:[^\w].*)?|"
         r"we (?:ask that|welcome) (?:readers?'? |your )?comments(?:[^\w].*)?)\s*\]?\.*",
         "The header of a comment thread under an article ('Top Rated Comments', 'Comments are closed.', '6 "
         "thoughts on “Headline”', '13 Kommentare:', 'Please enable JavaScript to view the comments') or its policy "
         "('Please "
         "understand that comments are moderated', 'Leserkommentare geben nicht die Meinung der Redaktion wieder', "
         "'Die Kommentarfunktion ist ausgeschaltet.'): readers' text follows.",
         max_chars=400),
    Rule("comment_header", "end",
         r"[^.!?]+ on [^.!?]{3,}\d{4}(?:,? at \d{1,2}[:.]\d\d ?[ap]\.?m\.?)? (?:said|says|wrote):|"
         r"[^!?:,]+ (?:says|said|wrote):|posted in [^|]+\|\s*permalink.*|"
         r"pingback(?:\s*:| (?:von|from|de|by):?)\s*\S.*",
         "Comment threads under an article (WordPress: 'NAME on DATE at TIME said:', 'NAME says:', 'Pingback: ...') "
         "and the post footer above them ('Posted in X | Permalink | 10 Comments'). A name has no comma: 'In an "
         "interview, the minister also said:' introduces the article's own list.",
         max_chars=140),
    Rule("post_footer", "end",
         r"(?:this (?:entry|post) was posted (?:in|on|by|under)|dieser (?:eintrag|beitrag) wurde (?:am .{1,40} )?"
         r"(?:unter .{1,80} )?(?:veröffentlicht|geschrieben|abgelegt)|cette entrée a été publiée|"
         r"esta entrada fue publicada|questo articolo è stato pubblicato|"
         r"(?:dieser (?:eintrag|beitrag)|this (?:entry|post)) wurde .{1,200} permalink|"
         r".*[^\w](?:you can follow any responses to this entry|alle antworten zu diesem eintrag|und abgelegt unter))"
         r"(?:[^\w].*)?",
         "A blog theme's footer under the post ('This entry was posted in News and tagged ports on May 3, 2031 by "
         "Dana. Bookmark the permalink.', 'Dieser Eintrag wurde veröffentlicht in ...', '... You can follow any "
         "responses to this entry through the RSS 2.0 feed.'): the post ends above it.",
         max_chars=400),
    Rule("programme_note", "end",
         r"dieses thema im programm\s*:.*|über dieses thema berichtete .{1,60} (?:am|im) .{1,80}",
         "A public broadcaster's note under the article on the programme that covered its subject ('Dieses Thema "
         "im Programm: Radio Harbor | Nachrichten | 28. April 2031 | 10:00 Uhr', 'Über dieses Thema berichtete "
         "Radio Harbor am 29. April 2031 um 09:53 Uhr.'): the article ends above it.",
         max_chars=300),
    Rule("author_box", "end",
         _BULLET + r"(?:about the (?:author|writer|reporter)|more (?:articles|stories) by .+|"
         r"(?:über (?:den autor|die autorin)|die autorin|der autor|zum autor|zur autorin|sobre (?:o autor|a autora|"
         r"el autor|la autora)|acerca del autor|à propos de l'auteur|sull'autore|over de auteur|om forfatteren|"
         r"o autorze)\s*:?|(?:über|sobre|à propos de) "
         r"(?-i:[A-Z][\w'’-]+(?: [A-Z][\w'’-]+){1,2})|"
         r"ver más (?:artículos|noticias)(?: de .+)?|"
         rf"(?-i:[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){{1,3}})(?: \(@\w+\))? is (?:an?|the) (?:[\w,-]+ ){{0,4}}{_ROLE}"
         rf"(?:(?: and (?:[\w-]+ ){{0,2}}{_ROLE})? (?:at|for|with|based|living|covering)\b|(?: and (?:[\w-]+ ){{0,2}}"
         rf"{_ROLE})?,).*)",
         "The author box after the article: its header (in other languages too: 'Über den Autor', 'Die Autorin'), a "
         "biography ('Dana Whitfield is a freelance writer based in Busan.', 'Name is an assistant sports editor, "
         "writer of ...', 'Name is the Editor and Journalist at ...') and links to other stories ('Ver más "
         "artículos'), not the article.", max_chars=400),
    Rule("boilerplate_about", "end",
         r"about (?:the )?(?-i:[A-Z][\w&.,'’-]*(?: (?:of|and|&|the|for|de))*"
         r"(?: [A-Z][\w&.,'’()-]*(?: (?:of|and|&|the|for|de))*)+)",
         "A press release's boilerplate under its heading ('About Harbor Robotics', 'About the Ministry of Coastal "
         "Industry'): what the issuer is, not the news. A name of one word is as often a sidebar's box above the "
         "article ('About Python', 'About Us').", max_chars=80),
    Rule("script_message", "chrome",
         r"(?:oops[!,.]?\s*)?(?:something went wrong(?: (?:with the connection|on our end|here))?|"
         r"an error (?:has )?occurred)[.!,]*(?:\s*please (?:try again|refresh(?: the page)?)(?: later)?[.!]?)?|"
         r"(?:to (?:view|watch|play) this (?:video|content)[,.]?\s*)?(?:please )?(?:enable|turn on) javascript"
         r"(?:[^\w].*)?|(?:bitte )?(?:aktivieren sie|aktiviere) (?:bitte )?(?:das )?javascript(?:[^\w].*)?|"
         r"activez (?:le )?javascript(?:[^\w].*)?|(?:habilite|activa|active) (?:el )?javascript(?:[^\w].*)?|"
         r"javascript (?:is )?(?:disabled|required)(?:[^\w].*)?|"
         r"(?:.{0,40}[^\w])?please reload (?:the )?captcha.*|"
         r"(?:warning:?\s*)?(?:this|your) (?:web )?browser (?:is not supported|is out of date|is outdated|"
         r"does not support)(?:[^\w].*)?",
         "What the page's scripts print when they fail or are off ('Something went wrong with the connection!', 'An "
         "error has occurred, please try again later.', 'Please enable JavaScript', 'This web browser is not "
         "supported'): never the article's. Placed after the "
         "comment rows: 'Please enable JavaScript to view the comments' is their end marker.", max_chars=200),
    Rule("platform_credit", "chrome",
         r"(?:.*[.|·•–—-]\s*)?(?:proudly )?powered by (?:wordpress|blogger|ghost|drupal|joomla|squarespace|"
         r"wix|typepad|tumblr|hugo|jekyll|nikola|pelican|hexo|gatsby|substack)(?:\s*[.|·•–—-].*)?|"
         r"(?:.*[^\w])?(?:create a free website or blog at|blog at|"
         r"bloggen auf|erstelle (?:eine kostenlose website oder blog|kostenlos eine website oder ein blog)(?: [–-])? "
         r"auf|blog di|crea un sito o un blog gratuito su) wordpress\.com\.?(?:[^\w].*)?",
         "The footer's credit to the blogging platform or its theme ('Proudly powered by WordPress', 'Blog at "
         "WordPress.com.', 'Erstelle eine kostenlose Website oder Blog – auf WordPress.com.'): never the article.",
         max_chars=250),
    Rule("publishing_controls", "chrome",
         r"ready to publish\?|change the story[’']s title, subtitle,? and visibility as needed|"
         r"featured close publish changes|the author chose to make this story unlisted\W.*",
         "A blogging platform's editing controls saved with the page ('Ready to publish?', 'Change the story’s "
         "title, subtitle, and visibility as needed', 'Featured Close Publish changes') and its notice on an unlisted "
         "story: the editor's furniture, never the article (it had been a page's title).", max_chars=250),
    Rule("reader_pitch", "chrome",
         r"if you (?:enjoyed|liked|like|enjoy|value|appreciated|found) (?:this|our) (?:article|story|post|piece|"
         r"content|journalism|reporting)(?:[^\w].*)?|like it\? share it!?|"
         r"(?:dieser |der )?(?:artikel|beitrag) (?:gefällt (?:ihnen|dir)|(?:hat (?:ihnen|dir) )?gefallen)\?.*|"
         r"(?:hat )?(?:dir|ihnen) (?:hat )?(?:der|dieser|unser) (?:artikel|beitrag) gefallen\?.*|"
         r"wenn (?:dir|ihnen) (?:der|dieser|unser) (?:artikel|beitrag) gefallen hat\W.*|"
         r"(?:vous avez aimé|vous aimez) cet article\s?\?.*|(?:te gustó|le gustó) (?:este|el) artículo\?.*|"
         r"(?:sie lesen|lesen sie|du liest|liest du) gerne [^?]{1,80}\?.*|mitglied (?:bei|von|der|des) [^.!?]{1,40} "
         r"werden[.!]?|\d+ (?:wochen|tage|monate) (?:kostenlos|gratis) (?:testen|lesen)[.!]?|"
         r"(?:nouveau\s?:\s?)?découvrez nos offres(?: premium)?\s?!?|"
         r"(?:we (?:appreciate|understand|know) that )?not everyone (?:can afford|is in a position) to pay.*|"
         r"(?:deine|ihre) spende für [^.!?]{2,60}|"
         r"(?:.*[^\w])?supports? our (?:award-winning |independent |local |quality )?journalism(?:[^\w].*)?|"
         r"support (?:local|independent|quality) journalism\.?|google news|"
         r"(?:.*[^\w])?(?:follow|add|síguenos|siga|sigue|recibe|folgen|suivez|seguici|ikuti|cek)[^\w][^.!?]*"
         r"google news(?:[^\w].*)?|"
         r"(?:our|this) (?:web)?site is (?:the place|your (?:destination|source|home)) for .*|"
         r"for more (?:stories|news|articles) like this[^\w].*|stay informed with .*",
         "The site's pitch to a reader who got this far ('If you enjoyed this article, we have a proposition for you: "
         "join ...', 'If you liked this post, share it', 'Dir hat der Artikel gefallen? Jetzt teilen', 'Sie lesen "
         "gerne die Zeitung? Dann werden Sie Mitglied', 'Support our award-winning journalism by becoming a member', "
         "'Support local journalism.'), or to follow the site ('Síguenos en Google News', 'Add X to your Google News "
         "feed.', 'Our website is the place for the latest breaking news ...', 'For more stories like this, check our "
         "news page.', 'Stay informed with X – your source for credible journalism.'): a membership, sharing or "
         "following appeal, not the article.",
         max_chars=500),
    Rule("image_viewer_hint", "chrome",
         r"(?:tap|click|touch|pinch) (?:on )?(?:the )?(?:image|photo|picture|graphic)s? to "
         r"(?:zoom|enlarge|view|expand).*|(?:사진|이미지) 확대(?:보기)?|(?:view|see|open)(?: all)?(?: \d{1,3})? "
         r"(?:images|photos|pictures)|(?:view|open) (?:the )?(?:photo |image )?gallery",
         "Instructions and buttons of a picture viewer ('Tap the image to zoom in', '이미지 확대보기', 'View 6 "
         "Images', 'View gallery'): page furniture."),
    Rule("gallery_counter", "chrome",
         r"\(?(?:(?:slides?|" + PICTURE_LABELS + r")\s+)?\d{1,3}"
         r"(?:\s+(?:of|de|von|di|van|sur|z|av|af|från)\s+|\s/\s)\d{1,3}\)?\s*[|:]?",
         "A picture gallery's counter alone on a line ('1 of 12 |', 'Photo 3 of 8', 'Bild 2 von 5', '4 / 10'; not "
         "'11/3', a date): printed over each of the gallery's captions, wherever the gallery stands on the page."),
    Rule("call_to_action", "chrome",
         r"(?:click|tap) (?:here )?(?:to|for) .+|(?:klicken|tippen)(?: sie)?(?: hier)?,? um .+|"
         r"cliquez (?:ici )?pour .+|haga clic (?:aquí )?para .+|clicca (?:qui )?per .+|"
         r"(?:.*[^\w])?(?:opens?|will open) in (?:a )?new (?:window|tab)\)?\.?|"
         r"(?:.*[^\w])?(?:öffnet (?:sich )?(?:in einem|im) neuen (?:fenster|tab)|"
         r"wird in (?:einem )?neue[mn] (?:fenster|tab) geöffnet|s'ouvre dans une nouvelle fenêtre|"
         r"s'ouvre dans un nouvel onglet|se abre en una (?:nueva )?(?:ventana|pestaña)(?: nueva)?|"
         r"si apre in una nuova (?:finestra|scheda)|abre (?:em|numa) nova (?:janela|aba|guia)|"
         r"opent in een nieuw (?:venster|tabblad))\)?\.?|"
         r"add [^.]+ as a preferred source(?: on google)?(?: to [^.]{1,60})?\.?|"
         r"[^.\s]+(?:을|를) 선호 출처로 추가(?:하기|하세요)?|"
         r"sign up here\.?|"
         r"continue reading(?: the (?:main )?(?:story|article))?|follow (?:the|this) (?:author|writer|reporter)"
         r"(?: of this (?:article|story))?|subscribe(?: now)? to .+|"
         r"(?:.*[.!?] )?we(?:'d|’d| would)? (?:want|like|love) to hear (?:from you|what you think)(?:[^\w].*)?|"
         r"(?:.*[^\w])?(?:have|got) a (?:news )?tip[?,].*|(?:do you )?have a story to (?:tell|share)\?.*|"
         r"(?:mehr|alles|weiteres) (?:über|zu|zum|zur) .{1,80} lesen sie hier\.?|"
         r"(?:submit|write|send) (?:your|a|us a) letter to the editor(?:\s+(?:via|here|at|using)\b.*|[:.].*)?|"
         r"(?:for (?:further|more|additional) (?:information|details)|for (?:media |press )?(?:inquiries|enquiries))"
         r"(?: (?:on|about|regarding) [^,]{1,60})?,? (?:please )?(?:contact|call|e-?mail|reach) .+|"
         r"(?:media|press|investor) (?:contacts?|inquiries|enquiries|relations)\s*:?",
         "A button or link label that tells the reader what to do ('Click to share on X (Opens in new window)', "
         "'Continue reading the main story', 'Follow the author of this article', 'Subscribe to The Daily', '... if "
         "you have a news tip, correction or comment, let us know at: ...', 'Have a tip? X may be reached at ...', "
         "'Do you have a story to tell? Email: ...', '... letters to the editor. We'd like to hear what you think "
         "...', 'Add X as a preferred source on Google', 'X를 선호 출처로 추가', 'Mehr über X lesen Sie hier.', "
         "'Submit a letter to the editor', a newsletter's 'Sign up here.' between paragraphs, a press release's "
         "'For further information, please contact X at ...' and 'Media Contact' over it): page furniture shaped like "
         "a headline.",
         max_chars=280),
    Rule("save_prompt", "chrome",
         r"(?:you can )?save this (?:article|story)(?:[^\w].*)?|(?:to revisit|to see) (?:this article|your saved).*|"
         r"(?:.*[^\w])?to bookmark this (?:article|story)(?:[^\w].*)?|add to (?:your )?saved (?:stories|articles)|"
         r"save (?:it )?for later|(?:blog)?artikel (?:merken|speichern)|sauvegarder cet article.*|"
         r"(?:story|article) saved|you can find this (?:story|article) in (?:my|your) (?:bookmarks|saved).*|"
         r"記事を(?:マイページに)?保存.*|"
         r"salva questo articolo.*|(?:suscr[ií]bete|suscribite|reg[ií]strate) para guardar .*|"
         r"(?:.*[^\w])?para poder guardar art[ií]culos\.?|guardar (?:este )?art[ií]culo|"
         r"esta funcionalidad es (?:s[oó]lo|exclusiva) para (?:usuarios )?(?:registrados|suscriptores)\.?|"
         r"gem (?:på (?:min )?læseliste|artiklen)|lagre (?:artikkelen|saken)|spara artikeln",
         "A reading list's prompt ('You can save this article by registering for free here', 'Artikel merken', "
         "'Gem på læseliste', "
         "'To revisit this article, visit My Profile'), or the notice on its button that only members may use it "
         "('Esta funcionalidad es sólo para registrados'): the page's feature, never the article's text.",
         max_chars=200),
    Rule("tag_list", "chrome",
         r"(?:tags?|labels|keywords?|topics?|in this article|schlagw(?:örter|orte)|themen|kategorien?|catégories?|"
         r"categorías?|etiquetas)"
         r"\s*[:#]\s*.*|"
         r"(?:filed under|abgelegt unter|tagged(?: with)?|markiert mit|verschlagwortet mit)(?:[^\w].{0,200})?|"
         r"(?:veröffentlicht in|publié dans|publicado en|pubblicato in)\s*:\s*.*|"
         r"(?:más temas|ämnen i artikeln|relaterte emner|lees meer over|related topics)\s*:?|"
         r"#[\w-]+(?:[\s,]+#[\w-]+)+",
         "Tag lists ('Tags: exports, chips', 'Filed under: Ports, Shipping', a blog's 'Labels: travel, food', "
         "hashtags alone on a line: '#HarborDaily #tidalpower', "
         "headers: 'Related Topics', and abroad 'Más temas:', 'Ämnen i artikeln', 'Lees meer over'): site navigation "
         "printed under articles."),
    Rule("full_article_pointer", "end",
         r"(?:\(?for (?:the )?full (?:article|story|text)|read the full (?:article|story)|the full (?:article|story) "
         r"(?:is|can be)|more information (?:about|on) .+ (?:can be found|is available)).*",
         "Pointers to the full text elsewhere ('For full article, see ...', 'More information about X can be found "
         "at ...'): end a syndicated excerpt."),
    Rule("disclaimer", "end",
         r"(?:disclaimer\s*:|the (?:views|opinions)(?: and (?:views|opinions))? expressed (?:in|here)|opinions "
         r"expressed by .{1,60} are their own|this (?:article|story) (?:is|was) "
         r"(?:auto-generated|generated from a syndicated feed)|"
         r"\(?[^()]{0,120}(?:has not been|may have been) (?:edited|reworked)[^()]{0,120}(?:syndicated|news agency) "
         r"feed|"
         r"(?:the )?(?:information|content|material)s? (?:provided |contained |published )?(?:on|in) this "
         r"(?:web ?site|site|blog|page)\W.{0,200}(?:informational|educational|general information) purposes only|"
         r"\W?these statements have not been evaluated by the food and drug administration).*",
         "Publisher disclaimers printed after syndicated articles ('(This story has not been edited by X staff and "
         "is auto-generated from a syndicated feed.)'), and a site's disclaimers under every page ('The "
         "information on this website is for informational purposes only', the FDA's 'These statements have not been "
         "evaluated').", max_chars=600),
    Rule("affiliate_disclosure", "chrome",
         r"(?:.*(?:we(?: may)?|[\w.]+ may) (?:earn|receive|get) (?:a )?(?:small )?(?:affiliate )?(?:commission|"
         r"compensation|share of (?:the )?sales?)(?:[^\w]|$)|advertis(?:ing|er) disclosure(?:[^\w]|$)|"
         r"this (?:post|article|page|story) (?:contains|may contain|includes) (?:affiliate links|references to "
         r"products)(?:[^\w]|$)|hinweis zu affiliate-links|"
         r".*(?:erhalten|bekommen) wir (?:ggf\.? |gegebenenfalls |unter umständen )?eine (?:kleine )?provision|"
         r".*nous (?:pouvons )?(?:percevoir|toucher|recevoir) une (?:petite )?commission|"
         r".*(?:podemos )?(?:recibir|obtener|ganar) una (?:pequeña )?comisión).*",
         "An affiliate disclosure ('If you buy something through this post, we may earn a commission', 'Advertiser "
         "Disclosure', 'Hinweis zu Affiliate-Links: ...'): printed above the article as often as below it, so it "
         "ends nothing.", max_chars=400),
    Rule("caption_marker", "caption",
         r"(?:▲|△|▶|■|\||(?:view larger|enlarge this) image\b|pictured(?: here| above| below)?\s*:|"
         r"(?:image|media|video) caption\b|"
         r"(?:photo|image|picture)s?\s*(?:by|credits?|courtesy)?\s*[:=]|"
         r"\[photo|\((?:photo|image)|\[caption\b|this photo (?:shows|was taken)|shown in this (?:file )?photo|"
         r"file photo\b).*|"
         # In other languages a credit, short: a longer line after 'Fotos:' is as often a gallery's headline.
         r"\(?(?:" + PICTURE_LABELS + r"|credits?)\s*[:=]\s*(?:\S+(?:\s+\S+){0,7})?",
         "Photo-caption lead-ins used by news CMSs ('▲', '|', 'view larger image', 'Enlarge this image', 'Pictured "
         "here:', 'Image caption'), and a photo's credit under its label in other languages ('Foto: dpa', "
         "'Bildquelle: X', 'Bildrechte: X'), in parentheses or not ('(Foto: REUTERS)'), or under 'Credit:'."),
    Rule("caption_this_photo", "caption",
         r"this (?:file )?(?:photo|picture|image)s?(?:,? (?:provided|released|taken|distributed) | shows? |,).*|"
         r"(?:.*[^\w])?in this (?:[\w,.]+ ){0,4}(?:file )?(?:photo|picture|image)"
         r"(?:,? (?:provided|released|taken|distributed) by [^.]{2,60})?\.?(?:\s*\([^()]{2,40}\))?",
         "A wire photo caption opens with 'This file photo, taken ..., shows' or closes with '..., in this May 22, "
         "2023, file photo.': it describes the picture, not the story.", max_chars=400),
    Rule("caption_source", "caption", r"\(source\s*:\s*[^()]{1,60}\)",
         "A parenthesised source alone on a line ('(Source: Riverside Archive)'): an image's credit, printed between "
         "the article's paragraphs, not its end."),
    Rule("caption_image_source", "caption", r".*\[(?:image|photo)\s*(?:source|credit)?\s*[=:][^\]]*\]\s*",
         "'[Image source=...]' credits end photo captions."),
    Rule("caption_credit_tail", "caption",
         r".{10,}?[\s.)](?-i:(?:Photo |Image |Main image )?[Cc]redits?|Photograph|Photo|Foto|Bild(?:rechte)?):\s+"
         r"[^\s.][^.]+|"
         r".{10,}?[.!?)”\"]\s+(?-i:Photo|Photograph|Image|Picture) by\s+[^\s.][^.]+",
         "A photo caption closed by its credit ('... during the cruise phase. Credit: ESA', '... to help. "
         "Photograph: Dana Whitfield/Harbor Daily', '... am Hafen. Bild: Mira Holm/dpa', '... on May 7. Photo by Dana "
         "Whitfield / AFP via Getty Images'); a capital 'Credit:' or 'Photo by' after a sentence starts no "
         "sentence of prose.", max_chars=480),
    Rule("caption_east_asian_credit", "caption",
         r".{2,}＝(?:[^＝「」]*?(?:で|日|月|分)(?:[（(][^（）()]+[）)])?|"
         r"[^＝「」]*[（(][^（）()]*撮影[）)]|[A-ZＡ-Ｚ]{2,6}|ロイター|共同|時事)|"
         r".{2,}[\[(]\s*사진\s*(?:출처|제공)?\s*=\s*[^\])]+[\])]",
         "A Japanese photo caption closes with '＝' and when, where or by whom the photo was taken "
         "('... の国旗＝同国で2019年5月', '...＝13日、東京で（X撮影）', '...＝ＡＰ'); a Korean one with its credit "
         "in brackets ('... 모습. [사진 출처 = 연합뉴스]', '[사진 = X 기자]').", max_chars=400),
    Rule("caption_courtesy", "caption", r"(?:.*[^a-z0-9])?courtesy of [a-z0-9 .&'-]{2,60}",
         "'Courtesy of X' ends photo captions.", max_chars=400),
    Rule("caption_position_cue", "caption",
         r".*\((?:left|right|centre|center|front|back|top|bottom|\w+ from (?:left|right)|"
         r"von (?:links|li\.?)(?: nach (?:rechts|re\.?))?|v\.\s?l\.(?:\s?n\.\s?r\.)?|de (?:izquierda|gauche) [aà] "
         r"(?:derecha|droite)|da sinistra(?: a destra)?|왼쪽부터|오른쪽부터|왼쪽|오른쪽)\).*",
         "Position cues like '(right)', '(sixth from left)', '(von links)', '(de izquierda a derecha)' or "
         "'(왼쪽부터)' identify people in a photo.", max_chars=620),
    Rule("caption_wire_photo", "caption",
         r".*\s(?-i:[A-Z][A-Za-z]+(?: Photo)?/[A-Z][\w.'’-]+(?:\s[A-Z][\w.'’-]+){0,3}"
         r"(?:/(?:Files?|File Photo|Pool))?)\.?|"
         r".*[\s.)](?-i:[A-Z][\w.'’-]+(?:\s[A-Z][\w.'’-]+){0,3})\s?/\s?(?:" + PHOTO_AGENCY + r")|"
         r".*\((?-i:(?:[A-Z][A-Za-z]+ )?Photo/[A-Z][\w.'’-]+(?:\s[A-Z][\w.'’-]+){0,3}(?:/(?:Files?|Pool))?)\)\.?",
         "A wire photo caption ends with the agency and photographer ('... July 20, 2016. REUTERS/Name/File Photo', "
         "'AP Photo/Name', '... on November 19, 2031. Dana WHITFIELD / AFP', '... Monday. (AP Photo/Name)').",
         max_chars=700),
    Rule("caption_present_tense", "caption",
         r"(?:.*[^a-z])?(?:(?:is|are) (?:pictured|sworn in)|poses? (?:for|with)|shak(?:e|es) hands|"
         r"(?:is|are) seen (?:during|with|inside|outside|in front of|before|after|walking|speaking|arriving|leaving)|"
         r"(?:logo|sign|signboard|flag)s? (?:of .* )?(?:is|are) (?:seen|displayed|pictured))(?:[^a-z].*)?",
         "A photo caption describes what the picture shows in the present tense ('X is sworn in ...', 'X poses "
         "with ...', 'The logo of X is seen ...'); news prose reports in the past tense.", max_chars=300),
    Rule("caption_name_role", "caption",
         r"(?-i:[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){1,3}),\s+(?:the\s+)?(?:(?-i:[A-Z][\w&'’.-]*)\s+)*"
         r"(?:ceo|chief(?: executive)?(?: officer)?|chair(?:man|woman|person)?|(?:vice )?president|(?:vice )?minister|"
         r"director(?: general)?|head|governor|ambassador|spokes(?:man|woman|person)|professor|analyst|secretary|"
         r"commissioner|founder|executive|managing director|official|mayor|lawmaker|senator|researcher)"
         r"(?:\s+(?:of|at|for)\s+[^,;.!?]*)?",
         "A person's name and role alone on a line ('Kim Min-su, CEO of Hanbit Marine'): a photo caption, not a "
         "headline.", max_chars=100),
    Rule("photo_agency_line", "caption",
         # After a photographer's name, letters as short as 'AP' name the agency too (alone, they may be anything).
         PHOTO_AGENCY + r"|(?-i:[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})"
         r"(?:\s?[|/]\s?(?-i:[A-Z][\w.'’&-]*(?:\s+[A-Z][\w.'’&-]*){0,3}))?\s?[|/]\s?"
         r"(?:" + PHOTO_AGENCY + r"|ap|dpa|imago(?: images)?|picture alliance)",
         "A stock-photo or agency name alone on a line is an image credit ('123rf'), and so is a photographer's name "
         "before it and a bar or slash ('Dana Whitfield | Getty Images', 'Ara Kwon / AP'), the outlet they shot "
         "for between them ('Dana Whitfield | Harbor Daily | Getty Images')."),
    Rule("credit_line", "caption",
         r"[\[(](?:photo\s*[:=]?\s*)?"
         r"(?-i:[A-Z][\w&'./-]*(?:,?\s+(?:[A-Z][\w&'./-]*|of|and|&|for))*)[\])]|"
         r"(?:graphic|illustration|photo|image|video) by [\w .&'-]{2,}|"
         r"source\s*[:=]\s*[\w .,&/'-]{2,}|[\w .&'-]{2,} (?:file photo|db)|"
         r"[\w .&'-]{2,}\s[-–/|]\s(?:[\w-]+\.)+(?:com|net|org|co\.kr|kr)",
         "A credit alone on a line ('[Yonhap]', '(Korea Herald DB)', 'Graphic by X', 'Source: Y, Z', 'Name - "
         "stockphotos.com'): belongs to a picture or chart, not to the text.", max_chars=120),
    Rule("caption_credit_suffix", "caption", None,
         "A single sentence ending in a parenthesised credit ('... Province. (Posco)') with more prose after it, or "
         "under the last paragraph a line closed by a photo's credit ('X CEO Y (X)')."),
    Rule("caption_shortcode", "caption", None,
         "A line between a CMS's caption shortcodes left unrendered ('[caption id=...]' over it, '[/caption]' "
         "under it): the caption they wrap."),
    Rule("caption_doubled", "caption", None,
         "A caption printed twice (same sentence twice on a line, or the same line twice in a row)."),
    Rule("foreign_script_line", "chrome", None,
         "A short line in another script than the page's own (user names, skip links, channel banners)."),
    Rule("repeated_across_documents", "chrome", None,
         "Learned from the corpus (CCNet-style): a short line printed in several distinct articles is template."),
    Rule("header_residue", "chrome", None,
         "Text above the headline that is neither category, masthead, date nor byline (menus, sidebars)."),
    Rule("title_repeated", "chrome", None, "The headline printed a second time (page templates repeat it)."),
    Rule("masthead_date", "chrome", None,
         "A date above the headline when the page prints the article's own date below it (crawl-day banner)."),
    Rule("updated_timestamp", "chrome", None,
         "'Updated' stamps are not publication dates, where the page prints one ('Published ...' over 'Updated "
         "...'); a story whose header prints only the update is dated by it."),
    Rule("metadata_field", "chrome", None,
         "A page's metadata printed as a table, each field's label alone on its line over its value ('Date' / "
         "'2031-11-18' / 'Division' / 'Trade Policy Division' / 'Contact' / '+82-44-203-5612'): under the date "
         "stamp, a byline or another field, the label and its value are the page's fields, never the headline."),
    Rule("tail_widget", "chrome", None, "Everything after an end marker (most-viewed lists, tag lists, footers)."),
    Rule("detached_text", "chrome", None,
         "Paragraphs after the page's main run of paragraphs, parted from it by lines of other text (teaser blurbs "
         "under their headlines, comments, a footer's 'about us'): not the article."),
    Rule("inline_widget", "chrome", None,
         "Headlines between an end marker printed inside the article (a 'Read more' box) and the paragraphs that "
         "resume the article: links to other stories."),
    Rule("separator", "chrome", None, "Separator lines ('-') between listing entries."),
    Rule("deck", "chrome", None,
         "Subtitle/deck between headline and lead: neither body nor chrome by the labelling policy; kept here."),
    Rule("image_name_residue", "chrome", None, "Image file names glued to the first word ('HSH_0218I'm')."),
    Rule("gallery_index_residue", "chrome", None, "A gallery index digit glued to a paragraph ('2The team')."),
    Rule("stray_date", "chrome", None,
         "An unlabelled date stamp below the lead (footer registration date): not the publication date."),
    Rule("date_prefix", "chrome", None, "The crawler's ' date YYYY-MM-DD' prefix (kept as published_date)."),
    Rule("date_marker", "chrome", None, "A 'dateYYYY-MM-DD' marker glued to text (kept as published_date)."),
    Rule("broadcast_cue", "chrome", None,
         "A speaker cue glued to the start of a transcript's lead ('Anchor: ...'): who speaks, not what is said."),
    Rule("signoff_agency", "chrome", None, "An inline agency sign-off '(Yonhap)' ending the body (kept as byline)."),
    Rule("body_repeated", "chrome", None,
         "The lead printed again below the article (a print or mobile copy of the same text): from there on, a copy."),
    Rule("headline_list", "chrome", None,
         "Headline-shaped lines after the article's last paragraph: other stories (trending, most read, more from "
         "this section), with or without a header."),
    Rule("listing_residue", "chrome", None,
         "A line between the items of a teaser listing that is neither an item's headline, teaser nor metadata."),
)  # fmt: skip


@cache
def _compiled() -> tuple[tuple[Rule, re.Pattern[str]], ...]:
    return tuple(
        (rule, re.compile(rf"(?:{rule.pattern})", re.IGNORECASE)) for rule in RULES if rule.pattern is not None
    )


def inline_too(name: str | None) -> bool:
    """Whether the end rule of this name is also printed inside articles."""
    return any(rule.name == name and rule.inline_too for rule in RULES)


def match_line(text: str, kinds: tuple[str, ...] = KINDS) -> Rule | None:
    """The first pattern rule of these kinds matching the whole stripped line (up to the rule's max_chars), in
    table order."""
    stripped = text.strip()
    if not stripped:
        return None
    for rule, regex in _compiled():
        if rule.kind not in kinds:
            continue
        if (rule.max_chars is None or len(stripped) <= rule.max_chars) and regex.fullmatch(stripped):
            return rule
    return None


def whole_line_regex(kinds: tuple[str, ...] = ("chrome", "end"), names: tuple[str, ...] | None = None) -> str:
    """One regex (Python and polars/Rust syntax alike) matching a whole line that any selected pattern rule matches."""
    patterns = [
        r.pattern for r in RULES if r.pattern is not None and r.kind in kinds and (names is None or r.name in names)
    ]
    return "(?i)^\\s*(?:" + "|".join(f"(?:{p})" for p in patterns) + ")\\s*$"


# Polars compiles a regex on the thread that runs it, and keeps each thread's last 32 compiled (an LRU): the table's
# 57 pattern rules, run in turn on one thread, compiled every one of them again on every call (~0.35 s of each of
# parse's shards and of validate's paragraph slices), and pushed out every other regex that thread runs. So every
# RULES_PER_THREAD of them run on a thread of their own (polars' Series methods run on the calling thread), which keeps
# them compiled for the life of the process.
RULES_PER_THREAD = 24


@cache
def _rule_thread(index: int) -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"rules-{index}")


def first_rule(texts: pl.Series, kinds: tuple[str, ...] = KINDS) -> pl.Series:
    """'kind:name' of the first pattern rule of these kinds (table order) matching each whole text, tried up to its
    max_chars, null where none does: `match_line` on a column (strings; a null text matches none).

    Each rule runs once, on the texts no longer than its max_chars (a when/then guard would not spare the regex
    the longer texts: polars runs it on every row, then picks): the rules of one max_chars share a cut of the
    texts. One regex per rule: a single alternation of every rule overflows the Rust engine's lazy-DFA cache and
    runs 7x slower on article bodies, and alternations of a few rules ran 4x slower than the rules one by one.
    """
    patterned = [rule for rule in RULES if rule.pattern is not None]
    chars = texts.str.strip_chars().str.len_chars()
    threads: dict[int, list[Rule]] = {}
    for index, rule in enumerate(patterned):
        if rule.kind in kinds:
            threads.setdefault(index // RULES_PER_THREAD, []).append(rule)
    running = [_rule_thread(thread).submit(_matches, texts, chars, rules) for thread, rules in threads.items()]
    matches = [match for future in running for match in future.result()]  # in table order
    named = pl.repeat(None, texts.len(), dtype=pl.String, eager=True).alias("rule")
    for rule, rows in reversed(matches):
        named.scatter(rows, f"{rule.kind}:{rule.name}")  # the first rule in table order is written last
    return named


def _matches(texts: pl.Series, chars: pl.Series, rules: list[Rule]) -> list[tuple[Rule, pl.Series]]:
    """Each rule with the positions of the texts it matches, tried on those up to its max_chars."""
    cuts: dict[int | None, tuple[pl.Series | None, pl.Series]] = {}  # max_chars: (positions of the cut, its texts)
    found = []
    for rule in rules:
        if rule.max_chars not in cuts:
            within = None if rule.max_chars is None else (chars <= rule.max_chars).fill_null(False).arg_true()
            cuts[rule.max_chars] = within, texts if within is None else texts.gather(within)
        within, cut = cuts[rule.max_chars]
        hits = cut.str.contains(whole_line_regex(names=(rule.name,), kinds=(rule.kind,))).fill_null(False).arg_true()
        found.append((rule, hits if within is None else within.gather(hits)))
    return found
