"""Complaint reasons: why a customer complains (late, damaged, wrong amount, wrong item, quality) — for the
`complaint_reason` keyword field and the manager dashboard's "most frequent complaint reasons".

Rules, not a model: per reason and language a list of word-stem regexes, written folded (lower case, no
diacritics, see `nlp.folding`; German umlauts as `ae?`/`oe?`/`ue?` so that "beschädigt" and "beschaedigt"
both match). Every pattern only counts at a word start (as if it began with `\\b`); a leading `\\w*` lets it end a
German compound ("Preisdifferenz"). All languages' patterns are matched on every text — complaints quote
each other and mix languages —, the document language only breaks ties.

Score of a reason = the number of its distinct patterns found; a pattern found in the title / e-mail subject
counts 2. A hit right after a negation ("keine Beschädigung", "without delay", "sin daños", "bez
uszkodzeń"; one word may lie between) does not count, except "nicht nur" / "not only" / "no solo" / "nie
tylko". Highest score wins; ties go to the reason with more hits among the document language's own
patterns, then to the fixed order damaged > late > wrong_amount > wrong_item > quality. No hit: "other".

"wrong_amount" is about money (price, invoice total, billed twice); a wrong or missing delivered
quantity is a picking error and counts as "wrong_item". Only the first `MAX_CHARS` characters of the text
(and of the title) are looked at.
"""

from __future__ import annotations

import re
from functools import lru_cache

from nlp.folding import fold

REASONS = ("late", "damaged", "wrong_amount", "wrong_item", "quality", "other")
PRIORITY = ("damaged", "late", "wrong_amount", "wrong_item", "quality")  # tie order
LANGS = ("de", "en", "es", "tr", "pl")
MAX_CHARS = 5000

# reason -> language -> folded pattern sources, each matched only at a word start
PATTERNS: dict[str, dict[str, tuple[str, ...]]] = {
    "late": {
        "de": (
            r"(?:liefer|termin)?verzug", r"verzugs\w*", r"verspae?t\w*", r"\w*verzoe?ger\w*", r"ue?berfae?llig\w*",
            r"zu spae?t\b", r"spae?ter als (?:vereinbart|zugesagt|bestae?tigt|vereinbart)",
            r"nicht (?:bei uns |bei ihnen |hier )?(?:geliefert|eingegangen|eingetroffen|angekommen|zugestellt)",
            r"noch nicht (?:erhalten|versandt|verschickt|ausgeliefert)",
            r"nicht (?:rechtzeitig|fristgerecht|termingerecht|pue?nktlich)",
            r"(?:liefer)?termin\w* [^.!?\n]{0,60}?(?:ue?berschritten|nicht eingehalten|verstrichen|verpasst)",
            r"\w*terminue?berschreitung", r"ue?berschreitung de[rs] (?:liefer)?termin",
            r"warten (?:\w+ ){0,3}auf (?:\w+ )?(?:ware|lieferung|bestellung|sendung|teile|artikel)",
            r"lieferrue?ckstand", r"rue?ckstae?ndig\w*",
        ),
        "en": (
            r"late\b", r"lateness", r"delay\w*", r"overdue", r"behind schedule", r"past due",
            r"not (?:yet )?(?:been )?(?:arrived|delivered|shipped|dispatched)",
            r"\w+n't (?:yet )?(?:been )?(?:arrived|delivered|shipped|dispatched)",
            r"never (?:been )?(?:arrived|delivered|received)", r"(?:yet|still) to (?:arrive|be delivered)",
            r"(?:still |are )waiting (?:for|on) (?:the |our |your )?(?:goods|delivery|shipment|order|parts|consignment)",
            r"missed (?:the |our |your )?(?:\w+ )?(?:date|deadline)",
            r"(?:deadline|delivery date|due date) (?:has |had |was )?(?:been )?(?:missed|exceeded|passed)",
        ),
        "es": (
            r"retras\w*", r"atrasad\w*", r"demora\w*", r"no (?:nos )?ha (?:llegado|sido entregad\w*)",
            r"no (?:nos )?han (?:llegado|sido entregad\w*)",
            r"no hemos recibido (?:todavia |aun )?(?:la |el |los |las )?(?:mercancia|pedido|entrega|envio|material)",
            r"(?:seguimos|estamos) esperando (?:la |el |los |las )?(?:mercancia|pedido|entrega|envio|material)",
            r"sin (?:haber )?recibir (?:la |el )?(?:mercancia|pedido|entrega|envio|material)", r"fuera de plazo",
            r"(?:plazo|fecha) de entrega [^.!?\n]{0,40}?(?:vencid|superad|incumplid|sobrepasad|pasad)\w*",
        ),
        "tr": (
            r"gecik\w*", r"gec (?:kal|teslim|gel|ulas|gonder)\w*", r"teslim edilme(?:di|mis)\w*",
            r"ulasma(?:di|mis)\w*", r"gelme(?:di|mis)\w*",
            r"(?:teslim|termin) tarihi\w* [^.!?\n]{0,40}?(?:gecti|gecmis|asildi|asilmis)\w*",
        ),
        "pl": (
            r"opozni\w*", r"spozni\w*", r"zwlok\w*", r"nie dotarl\w*", r"nie doszl\w*",
            r"nie (?:zostal\w*|zostaly) (?:jeszcze )?dostarczon\w*", r"nadal nie (?:otrzymal|dostal|dotarl)\w*",
            r"czekamy (?:nadal |wciaz |jeszcze |ciagle )?na (?:\w+ )?(?:towar|dostaw|przesylk)\w*",
            r"przekroczon\w* termin\w*", r"termin\w* [^.!?\n]{0,40}?przekroczon\w*", r"po terminie",
        ),
    },
    "damaged": {
        "de": (
            r"beschae?dig\w*", r"(?:transport|bruch|wasser|nae?sse|feuchtigkeits)schae?d\w*", r"kaputt\w*",
            r"zerbrochen\w*", r"gebrochen\w*", r"abgebrochen\w*", r"zerkratzt\w*", r"verkratzt\w*", r"kratzer\w*",
            r"eingedrue?ckt\w*", r"zerdrue?ckt\w*", r"gequetscht\w*", r"verbeult\w*", r"dellen?\b",
            r"durchnae?sst\w*", r"zerstoe?rt\w*", r"gesplittert\w*", r"zerrissen\w*",
        ),
        "en": (
            r"damaged", r"(?:transport|transit|shipping|freight|visible|water) damage",
            r"damage (?:to|on|in) (?:the )?(?:\w+ )?(?:goods|housing|packaging|package|parts?|products?|items?"
            r"|shipment|devices?|units?|box|boxes|pallets?|casing|delivery|transit)",
            r"broken", r"dent(?:ed|s)?\b", r"crack(?:ed|s)?\b", r"smashed", r"crushed", r"scratch(?:ed|es)?\b",
            r"shattered", r"torn\b", r"bent\b", r"soaked", r"water-?logged", r"in (?:poor|bad) condition",
        ),
        "es": (
            r"danad\w*", r"danos?\b(?! y perjuicios)", r"rot[oa]s?\b", r"rompi\w*", r"abollad\w*", r"golpead\w*",
            r"rayad\w*", r"aranad\w*", r"aplastad\w*", r"quebrad\w*", r"agrietad\w*", r"grietas?\b",
            r"desperfecto\w*", r"mojad\w*", r"en mal estado",
        ),
        "tr": (
            r"hasar(?!siz)\w*+(?! yok\b)", r"kirik\w*", r"kiril\w*", r"ezik\w*", r"ezil\w*", r"catla\w*",
            r"cizik\w*", r"cizil\w*", r"parcalan\w*", r"paramparca\w*", r"islak\w*", r"islanmis\w*", r"yirti\w*",
            r"bukulmus\w*",
        ),
        "pl": (
            r"uszkodz\w*", r"zniszcz\w*", r"pekniet\w*", r"peknie\w*", r"rozbit\w*", r"zgniec\w*", r"zgniot\w*",
            r"wgniec\w*", r"wgniot\w*", r"porysowan\w*", r"zarysowan\w*", r"polaman\w*", r"zlaman\w*",
            r"przemoczon\w*", r"zamoczon\w*",
            r"szkod\w* (?:transportow|w transporcie|w czasie transportu|podczas transportu)\w*",
        ),
    },
    "wrong_amount": {
        "de": (
            r"falsche[nmrs]? \w*(?:betrag|preis|summe)\w*", r"falsch (?:berechnet|abgerechnet|fakturiert|ausgepreist)",
            r"\w*(?:betrag|preis)\w* (?:ist |sind |war |wurde )?(?:falsch|nicht korrekt|zu hoch|fehlerhaft)",
            r"fehlerhafte[nmrs]? (?:rechnung|abrechnung|berechnung|\w*betrag|\w*preis)\w*",
            r"zu ?viel (?:berechnet|abgerechnet|in rechnung)", r"zu hoch (?:berechnet|abgerechnet|angesetzt)",
            r"ue?berhoe?ht\w*", r"\w*differenz\w*",
            r"doppelt (?:berechnet|fakturiert|abgerechnet|in rechnung|belastet|abgebucht)",
            r"(?:preis|preise|betrag|rechnung|summe) (?:stimmt|stimmen) nicht",
            r"(?:preis|betrags|rechnungs)abweichung\w*",
            r"abweich\w* (?:vom|von dem|von den|zum|zu dem|gegenue?ber dem) (?:vereinbarten|angebot|angebotenen"
            r"|bestae?tigten|vertrag)\w*",
            r"nicht (?:dem|den) (?:vereinbarten|angebotenen|bestae?tigten) (?:preis|betrag|konditionen)\w*",
            r"rechnungskorrektur\w*", r"korrigierte rechnung\w*",
        ),
        "en": (
            r"(?:wrong|incorrect|erroneous)(?:ly)? (?:amount|price|prices|pricing|total|sum|invoice|invoiced|charged"
            r"|billed|calculated|unit price|rate|discount)",
            r"overcharg\w*", r"overbill\w*", r"over-?invoic\w*",
            r"(?:billed|charged|invoiced) (?:us )?twice", r"double[- ]?(?:billed|charged|invoiced|billing|charge)",
            r"duplicate (?:invoice|charge|billing|payment)", r"price difference\w*",
            r"difference (?:of|in (?:the )?(?:price|amount|total))", r"discrepanc\w*",
            r"(?:price|prices|amount|total|invoice) (?:does|do)(?: not|n't) (?:match|correspond)",
            r"(?:charged|billed|invoiced) too (?:much|high)", r"too (?:much|high) (?:was )?(?:charged|billed|invoiced)",
            r"correct (?:the |your )?invoice", r"corrected invoice",
        ),
        "es": (
            r"(?:importe|precio|total|factura|cargo)s? (?:es |son |esta )?(?:incorrect|erron|equivocad|mal calculad)\w*",
            r"cobrad\w* de mas", r"cobro de mas", r"cobrad\w* (?:dos veces|doble)", r"facturad\w* de mas",
            r"facturad\w* (?:dos veces|doble)", r"doble (?:cobro|factura|cargo)",
            r"(?:factura|cargo|cobro) duplicad\w*", r"diferencia\w*", r"discrepancia\w*",
            r"no (?:coincide|corresponde) con (?:el |lo |la )?(?:precio|importe|acordad|pactad|ofert)\w*",
            r"(?:corri\w*|rectifi\w*) (?:la |su )?factura", r"factura rectificativa",
        ),
        "tr": (
            r"(?:yanlis|hatali) (?:tutar|fiyat|fatura|hesap|birim fiyat|ucret|toplam)\w*",
            r"fazla (?:fatura|ucret|tutar|odeme|tahsil|fiyat)\w*", r"fazladan (?:fatura|ucret|tahsil|odeme)\w*",
            r"(?:fiyat|tutar) fark\w*", r"fark(?:i|in|ini)? (?:icin|kadar|tutari|olan)", r"aradaki fark\w*",
            r"iki kez (?:fatura|tahsil|ucret)\w*", r"mukerrer (?:fatura|tahsil|kayit)\w*",
            r"fatura\w* duzelt\w*", r"duzeltilmis fatura\w*",
        ),
        "pl": (
            r"bledn\w* (?:kwot|cen|faktur|nalicz|zafakturow|wylicz|stawk|sum|wartos)\w*",
            r"(?:niepoprawn|nieprawidlow)\w* (?:kwot|cen|faktur|nalicz)\w*", r"zawyzon\w*", r"roznic\w*",
            r"(?:podwojn|dwukrotn)\w* (?:nalicz|zafakturow|obciaz|faktur)\w*",
            r"za duzo (?:nalicz|zaplac|zafakturow)\w*", r"zbyt wysok\w* (?:kwot|cen)\w*",
            r"korekt\w* faktur\w*", r"faktur\w* korygujac\w*",
        ),
    },
    "wrong_item": {
        "de": (
            r"falsche[nmrs]? (?:\w+ )?(?:artikel|ware|teile?|produkt|modell|typ|ausfue?hrung|farbe|groe?(?:ß|ss)e"
            r"|material|lieferung|sendung)\w*",
            r"falsch (?:geliefert|kommissioniert|verschickt|versandt|etikettiert)", r"verwechselt\w*",
            r"vertauscht\w*", r"nicht bestellt\w*", r"nicht (?:dem|der|unserer) (?:bestellten|bestellung)\w*",
            r"andere[nmrs]? (?:artikel|ware|teile?|modell|typ|produkt)\w* als (?:bestellt|die bestellten)",
            r"(?:an)?statt (?:des|der|dem) bestellten", r"anstelle (?:des|der|dem) bestellten",
            r"\w*fehlmenge\w*", r"mindermenge\w*", r"minderlieferung\w*",
            r"unvollstae?ndig\w* (?:geliefert|lieferung|sendung|angekommen|eingetroffen)",
            r"(?:lieferung|sendung) (?:ist |war |kam )?unvollstae?ndig",
            r"zu wenig geliefert", r"fehlende (?:teile|artikel|ware|positionen|stue?ck)",
        ),
        "en": (
            r"wrong (?:\w+ )?(?:items?|articles?|products?|parts?|goods|models?|sizes?|colou?rs?|types?|versions?"
            r"|materials?|delivery|shipment|components?|quantity|quantities)\b",
            r"incorrect (?:items?|articles?|products?|parts?|goods|models?|delivery|shipment|quantity)\b",
            r"not what we (?:had )?ordered",
            r"(?:different|other) (?:\w+ )?(?:items?|products?|articles?|parts?|models?) (?:than|from|to) "
            r"(?:what |the ones )?(?:was |we |we had )?ordered",
            r"instead of the (?:\w+ )?(?:ordered|we ordered)", r"mix-?up", r"mixed up",
            r"(?:items?|parts?|pieces|units|articles?) (?:are |were |is |was )?missing",
            r"missing (?:items?|parts?|pieces|units|articles?)\b", r"short (?:delivery|shipment|shipped)",
            r"incomplete (?:delivery|shipment|order)",
        ),
        "es": (
            r"(?:articulo|producto|material|pieza|referencia|mercancia|modelo)s? (?:equivocad|incorrect|erron"
            r"|distint|diferente|cambiad)\w*",
            r"no (?:corresponde|coincide) con (?:lo |el |nuestro |lo que )?(?:pedid|solicitad|hemos pedido)\w*",
            r"no es (?:lo|el|la) que (?:pedimos|hemos pedido|solicitamos)",
            r"en (?:lugar|vez) de(?:l| la| los| las)? (?:\w+ )?(?:pedid|solicitad)\w*",
            r"entrega incompleta", r"(?:cantidad|cantidades) (?:incorrect|equivocad|erron)\w*",
            r"falta(?:n|ban)? (?:\w+ )?(?:unidades|piezas|articulos|bultos)",
        ),
        "tr": (
            r"(?:yanlis|farkli) (?:urun|mal|parca|artikel|model|malzeme|renk|boyut|sevkiyat|teslimat|gonderi)\w*",
            r"siparis (?:ettigimiz|edilen)\w* farkli", r"siparis etmedigimiz\w*", r"siparis\w* uyusm\w*",
            r"eksik (?:urun|parca|teslim|gonderi|sevkiyat|miktar|mal)\w*",
        ),
        "pl": (
            r"(?:zl|bledn|niewlasciw|nieprawidlow)\w* (?:towar|produkt|artykul|czesc|model|material|element)\w*",
            r"niezgodn\w* z (?:zamowieniem|zamowionym)\w*", r"zamiast zamowion\w*",
            r"pomylk\w* (?:w|przy) (?:dostawie|kompletacji|wysylce)", r"niekompletn\w*",
            r"brakuj\w* (?:\w+ )?(?:sztuk|czesci|element|pozycj)\w*", r"za malo (?:sztuk|towaru)",
        ),
    },
    "quality": {
        "de": (
            r"qualitae?t(?!smanagement|ssicherung|spolitik)\w*", r"mangelhaft\w*",
            r"(?:sach|qualitae?ts|verarbeitungs|fertigungs|produktions)?mae?ngel(?:n|rue?ge\w*|anzeige)?\b", r"defekt\w*", r"funktioniert (?:\w+ )?nicht", r"funktionsunfae?hig\w*",
            r"fehlfunktion\w*", r"ausgefallen",
            r"fehlerhaft\w*+(?! (?:rechnung|abrechnung|berechnung|\w*betrag|\w*preis))",
            r"(?:au(?:ß|ss)erhalb|ausserhalb) der toleranz\w*", r"toleranz\w* (?:ue?berschritten|nicht eingehalten)",
            r"undicht\w*", r"rostig\w*", r"korrodiert\w*", r"nacharbeit\w*", r"ausschuss(?:teile|quote|rate)\w*",
            r"entspricht nicht (?:der|den) (?:spezifikation|anforderung|zeichnung|norm)\w*",
        ),
        "en": (
            r"quality(?! management| policy| system| manager)", r"faulty", r"defect\w*",
            r"(?:does|do|did)(?: not|n't) (?:work|function)", r"not working", r"stopped working", r"malfunction\w*",
            r"poor (?:workmanship|finish|quality|performance)", r"substandard", r"sub-standard",
            r"out of (?:spec\w*|tolerance)",
            r"(?:does|do|did)(?: not|n't) meet (?:the |our )?(?:spec\w*|requirement\w*|standard\w*|tolerance\w*)",
            r"leak\w*", r"rust(?:y|ed)?\b", r"corro(?:ded|sion)", r"flaw(?:s|ed)?\b",
            r"fail(?:s|ed)? (?:after|during|under|within)",
        ),
        "es": (
            r"calidad\w*", r"defectuos\w*", r"defecto\w*", r"no funciona\w*", r"deja de funcionar",
            r"dejo de funcionar", r"mal funcionamiento", r"averi(?:a|as|ad\w*)\b", r"falla\b", r"fallo\b",
            r"fuera de (?:especificacion|tolerancia)\w*",
            r"no cumple (?:con )?(?:las |la |los )?(?:especificacion|norma|requisito)\w*", r"oxidad\w*",
            r"corrosion\w*", r"fuga\w*",
        ),
        "tr": (
            r"kalite\w*", r"ariza\w*", r"calism(?:iyor|adi|amakta|amiyor)\w*", r"bozuk\w*", r"bozul\w*",
            r"kusurlu\w*", r"defo\w*", r"hatali (?:urun|parca|mal|uretim|malzeme)\w*", r"(?:uretim|imalat) hata\w*",
            r"tolerans\w*", r"spesifikasyon\w* (?:uygun degil|disinda)", r"paslan\w*", r"sizinti\w*", r"sizdir\w*",
        ),
        "pl": (
            r"jakosc\w*", r"wadliw\w*", r"wad(?:a|y|e|ami)\b", r"usterk\w*", r"nie dziala\w*",
            r"przestal\w* dzialac", r"niesprawn\w*", r"awari\w*", r"niezgodn\w* ze specyfikacj\w*",
            r"poza toleranc\w*", r"korozj\w*", r"rdz(?:a|y|e)\b", r"zardzewia\w*", r"przeciek\w*", r"nieszczeln\w*",
        ),
    },
}  # fmt: skip

_NEGATION = re.compile(
    r"(?<!\w)(?:kein\w*|nicht|ohne|no|not|without|never|sin|ningun\w*|nie|bez|brak\w*)"
    r"\s+(?!(?:nur|only|solo|tylko)\b)(?:[^\W\d_]+\s+)?$"
)
_NEG_WINDOW = 40  # characters before a hit searched for a negation
_WORD = re.compile(r"\w")
_WORD_RUN = re.compile(r"\w*")


def _compile(src: str) -> re.Pattern[str]:
    # `\b` only where the pattern has no literal start anyway (else `_found` checks the word start)
    return re.compile(rf"\b(?:{src})" if src.startswith("\\w") else f"(?:{src})")


@lru_cache(maxsize=1)
def _compiled() -> dict[str, dict[str, tuple[re.Pattern[str], ...]]]:
    return {
        reason: {lang: tuple(_compile(src) for src in srcs) for lang, srcs in by_lang.items()}
        for reason, by_lang in PATTERNS.items()
    }


def _prepare(text: str | None) -> str:
    """Folded copy of the first MAX_CHARS characters with whitespace runs collapsed to one space."""
    if not text:
        return ""
    return re.sub(r"\s+", " ", fold(text[:MAX_CHARS]))


def _found(pattern: re.Pattern[str], text: str) -> bool:
    """True if the pattern occurs at a word start without a negation right before it.

    The word start is checked here rather than with a leading `\\b`: a pattern beginning with a literal lets
    the regex engine skip ahead to candidates, which makes the whole classification ~10x faster."""
    m = pattern.search(text)
    while m is not None:
        start = m.start()
        if (start == 0 or not _WORD.match(text, start - 1)) and not _NEGATION.search(
            text, max(0, start - _NEG_WINDOW), start
        ):
            return True
        run = _WORD_RUN.match(text, start)  # a hit must start a word: go on after this one
        m = pattern.search(text, max(start + 1, run.end() if run else 0))
    return False


def reason_scores(text: str, title: str | None = None) -> dict[str, dict[str, int]]:
    """reason -> language -> score (distinct patterns found; a title hit counts 2) — the evidence of
    `complaint_reason`, reasons and languages without any hit left out."""
    body, head = _prepare(text), _prepare(title)
    scores: dict[str, dict[str, int]] = {}
    if not body and not head:
        return scores
    for reason, by_lang in _compiled().items():
        for lang, patterns in by_lang.items():
            score = 0
            for pattern in patterns:
                if head and _found(pattern, head):
                    score += 2
                elif body and _found(pattern, body):
                    score += 1
            if score:
                scores.setdefault(reason, {})[lang] = score
    return scores


def complaint_reason(text: str, lang: str | None = None, title: str | None = None) -> str:
    """The reason key of REASONS for a complaint's text (and title / subject); "other" when nothing matches.

    `lang` (de, en, es, tr, pl; anything else is ignored) only breaks ties between equally scored reasons."""
    scores = reason_scores(text or "", title)
    if not scores:
        return "other"
    totals = {reason: sum(by_lang.values()) for reason, by_lang in scores.items()}
    return max(
        PRIORITY,
        key=lambda r: (totals.get(r, 0), scores.get(r, {}).get(lang or "", 0), -PRIORITY.index(r)),
    )
