"""nlp.reasons: complaint reasons from rule patterns in five languages — the demo complaints, hand-written
sentences per language and reason, negatives and odd input."""

from __future__ import annotations

import re
import string
import time

import pytest

from demo import texts
from nlp.reasons import MAX_CHARS, PATTERNS, PRIORITY, REASONS, complaint_reason, reason_scores


class _Dummy(dict):
    def __missing__(self, key: str) -> str:
        return "X"


def _fill(template: str) -> str:
    return string.Formatter().vformat(template, (), _Dummy())


DEMO_VARIANTS = [
    pytest.param(reason, lang, i, subject, body, id=f"{reason}-{lang}-{i}")
    for reason, by_lang in texts.COMPLAINT.items()
    for lang, variants in by_lang.items()
    for i, (subject, body) in enumerate(variants)
]


@pytest.mark.parametrize(("reason", "lang", "i", "subject", "body"), DEMO_VARIANTS)
def test_demo_complaint_variants(reason: str, lang: str, i: int, subject: str, body: str) -> None:
    subject, body = _fill(subject), _fill(body)
    assert complaint_reason(body, lang, title=subject) == reason
    assert complaint_reason(body, None, title=subject) == reason  # the language only breaks ties
    assert complaint_reason(subject + "\n\n" + body, lang) == reason  # PDF: no title, subject in the text
    assert complaint_reason(body, lang) == reason  # the body alone says it too


@pytest.mark.parametrize("lang", sorted(texts.COMPLAINT_REPLY))
@pytest.mark.parametrize("reason", ["late", "damaged", "wrong_amount"])
def test_demo_reply_in_thread(lang: str, reason: str) -> None:
    """A reply quoting the complaint keeps the complaint's reason."""
    tpl = texts.COMPLAINT_REPLY[lang]
    reply = _fill(tpl["intro"] + " " + tpl[reason])
    for subject, body in texts.COMPLAINT[reason][lang]:
        quoted = reply + "\n\n> " + _fill(body).replace("\n", "\n> ")
        assert complaint_reason(quoted, lang, title="Re: " + _fill(subject)) == reason


@pytest.mark.parametrize("lang", sorted(texts.COMPLAINT_REPLY))
@pytest.mark.parametrize("reason", ["damaged", "wrong_amount"])
def test_demo_reply_alone(lang: str, reason: str) -> None:
    tpl = texts.COMPLAINT_REPLY[lang]
    assert complaint_reason(_fill(tpl["intro"] + " " + tpl[reason]), lang) == reason


SENTENCES = [  # (reason, lang, text) — hand-written, not from the demo
    # late
    ("late", "de", "Die bestellten Ventile sind bis heute nicht eingetroffen, der Liefertermin wurde deutlich überschritten."),
    ("late", "de", "Wir mahnen hiermit die verspätete Lieferung an, Sie befinden sich seit zwei Wochen in Verzug."),
    ("late", "en", "The pumps we ordered in March are now three weeks overdue."),
    ("late", "en", "Our shipment hasn't arrived yet and the site is idle because of the delay."),
    ("late", "es", "El material sigue sin llegar: no ha llegado nada y el retraso ya es de dos semanas."),
    ("late", "es", "Seguimos esperando la mercancía; la demora nos está causando problemas."),
    ("late", "tr", "Siparişimiz iki haftadır gecikiyor, ürünler hâlâ teslim edilmedi."),
    ("late", "tr", "Malzemeler geç teslim edildi ve üretimimiz durdu."),
    ("late", "pl", "Towar nadal nie został dostarczony, termin dostawy został przekroczony o tydzień."),
    ("late", "pl", "Przesyłka jest spóźniona, czekamy na towar już od poniedziałku."),
    # damaged
    ("damaged", "de", "Beim Auspacken stellten wir fest, dass zwei Schaltschränke verbeult und die Türen zerkratzt sind."),
    ("damaged", "de", "Die Palette kam mit einem Transportschaden an, mehrere Kartons waren kaputt."),
    ("damaged", "de", "Das Display ist beschaedigt (Glas gesplittert)."),
    ("damaged", "en", "Three of the ten valves arrived with cracked flanges and the crate was smashed."),
    ("damaged", "en", "The control cabinet has visible transport damage on the left door."),
    ("damaged", "es", "La caja llegó aplastada y dos piezas están rotas."),
    ("damaged", "es", "El motor presenta desperfectos y la carcasa está rayada."),
    ("damaged", "tr", "Paletteki kolilerin ikisi ezilmiş, içindeki parçalar kırılmış."),
    ("damaged", "tr", "Cihazın ekranı çatlak geldi, nakliye sırasında hasar görmüş."),
    ("damaged", "pl", "Dwie skrzynie zostały zniszczone, a pompy mają pęknięte obudowy."),
    ("damaged", "pl", "Przesyłka dotarła z uszkodzeniami, karton był rozbity."),
    # wrong amount
    ("wrong_amount", "de", "In Ihrer Rechnung wurde die Montagepauschale doppelt berechnet."),
    ("wrong_amount", "de", "Der Rechnungsbetrag ist zu hoch, die Preise stimmen nicht mit dem Angebot überein."),
    ("wrong_amount", "en", "We have been overcharged: the unit price on the invoice does not match the quotation."),
    ("wrong_amount", "en", "It seems we were billed twice for the same service visit."),
    ("wrong_amount", "es", "Nos han cobrado de más: el precio unitario de la factura es incorrecto."),
    ("wrong_amount", "es", "Hay una discrepancia entre el pedido y la factura; les rogamos rectifiquen la factura."),
    ("wrong_amount", "tr", "Faturada yanlış fiyat uygulanmış, bize fazla fatura kesilmiş."),
    ("wrong_amount", "tr", "İki kez fatura edildi, lütfen mükerrer faturayı iptal ediniz."),
    ("wrong_amount", "pl", "Na fakturze naliczono zawyżoną cenę jednostkową, prosimy o fakturę korygującą."),
    ("wrong_amount", "pl", "Usługa została podwójnie zafakturowana."),
    # wrong item
    ("wrong_item", "de", "Statt der bestellten Kugelhähne DN50 wurden DN40 geliefert — offenbar falsch kommissioniert."),
    ("wrong_item", "de", "Sie haben uns den falschen Artikel geschickt, wir hatten die Edelstahl-Ausführung bestellt."),
    ("wrong_item", "en", "You sent us the wrong part: we ordered model B but received model C."),
    ("wrong_item", "en", "The delivery is not what we ordered, two items are missing as well."),
    ("wrong_item", "es", "Nos enviaron un artículo equivocado, no corresponde con lo pedido."),
    ("wrong_item", "tr", "Bize yanlış ürün gönderilmiş, sipariş ettiğimiz modelden farklı."),
    ("wrong_item", "pl", "Otrzymaliśmy zły towar, dostawa jest niezgodna z zamówieniem."),
    # quality
    ("quality", "de", "Die gelieferten Dichtungen sind mangelhaft und undicht, die Pumpe funktioniert nicht."),
    ("quality", "de", "Mängelrüge: das Steuergerät ist nach zwei Tagen defekt."),
    ("quality", "en", "The sensors are faulty and do not work after installation; the quality is unacceptable."),
    ("quality", "es", "Los rodamientos son defectuosos y la calidad del acabado es mala."),
    ("quality", "tr", "Gelen motorlar arızalı, kalite beklentimizi karşılamıyor."),
    ("quality", "pl", "Czujniki są wadliwe i nie działają, jakość jest niezadowalająca."),
]  # fmt: skip


@pytest.mark.parametrize(("reason", "lang", "text"), SENTENCES)
def test_sentences(reason: str, lang: str, text: str) -> None:
    assert complaint_reason(text, lang) == reason
    assert complaint_reason(text) == reason


NEGATIVES = [
    "",
    "   \n\t ",
    "Sehr geehrte Damen und Herren, bitte senden Sie uns ein Angebot über 20 Kugelhähne DN50. Mit freundlichen Grüßen",
    "Please find attached our quotation AN-2026-00012. Do not hesitate to contact us.",
    "Le rogamos nos envíe una oferta para 10 bombas centrífugas.",
    "Lütfen 5 adet vana için fiyat teklifi gönderiniz.",
    "Prosimy o ofertę na 10 zaworów kulowych.",
    "Die Ware ist vollständig und ohne Beschädigung bei uns eingegangen. Vielen Dank!",
    "The goods arrived without any damage. Please deliver the next batch without delay.",
    "Nos gustaría concertar una cita para el mantenimiento anual.",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_negatives(text: str) -> None:
    assert complaint_reason(text, "de") == "other"
    assert complaint_reason(text, None, title="Anfrage") == "other"


def test_title_counts_double() -> None:
    body = "Die Lieferung ist verspätet."  # one late hit
    assert complaint_reason(body, "de", title="Transportschaden") == "damaged"  # 2 > 1
    assert complaint_reason(body + " Transportschaden", "de") == "damaged"  # 1 = 1: damaged before late


def test_ties() -> None:
    text = "The delivery is late. Las piezas están dañadas."  # late (en) 1, damaged (es) 1
    assert complaint_reason(text) == "damaged"  # fixed order
    assert complaint_reason(text, "es") == "damaged"
    assert complaint_reason(text, "en") == "late"  # the document language breaks the tie
    assert complaint_reason("The quality is poor. Das ist zu spät.", "en") == "quality"
    assert complaint_reason("The quality is poor. Das ist zu spät.", "xx") == "late"


def test_more_hits_beat_priority() -> None:
    text = "Die Lieferung ist beschädigt. Die Rechnung weist einen falschen Betrag aus, die Differenz beträgt 50 €."
    assert complaint_reason(text, "de") == "wrong_amount"


def test_negation() -> None:
    assert complaint_reason("Die Lieferung ist nicht beschädigt, aber zu spät.", "de") == "late"
    assert complaint_reason("Die Lieferung ist nicht nur zu spät, sondern auch beschädigt.", "de") == "damaged"
    assert complaint_reason("Order no 4711 arrived damaged.", "en") == "damaged"  # "no" + number is no negation
    assert complaint_reason("Towar dotarł bez uszkodzeń, ale faktura zawiera błędną kwotę.", "pl") == "wrong_amount"
    assert complaint_reason("Ürünler hasarsız geldi.", "tr") == "other"


def test_transliterated_and_mixed_case() -> None:
    assert complaint_reason("LIEFERVERZÖGERUNG", "de") == "late"
    assert complaint_reason("Lieferverzoegerung bei Auftrag AU-1", "de") == "late"
    assert complaint_reason("HASARLI ÜRÜN", "tr") == "damaged"
    assert complaint_reason("MERCANCÍA DAÑADA", "es") == "damaged"


def test_result_is_a_stable_key() -> None:
    assert REASONS[-1] == "other"
    assert set(PRIORITY) == set(REASONS) - {"other"}
    assert set(PATTERNS) == set(PRIORITY)
    for by_lang in PATTERNS.values():
        assert set(by_lang) == {"de", "en", "es", "tr", "pl"}
    for _, lang, text in SENTENCES:
        assert complaint_reason(text, lang) in REASONS


def test_patterns_are_folded_lower_case() -> None:
    for by_lang in PATTERNS.values():
        for srcs in by_lang.values():
            for src in srcs:
                assert src == src.lower(), src
                assert src.isascii() or set(src) - set(string.printable) <= {"ß"}, src
                re.compile(src)


def test_odd_input() -> None:
    binary = bytes(range(256)).decode("latin-1") * 50 + "\x00\ufffd\ud7ff" * 100
    assert complaint_reason(binary) in REASONS
    assert complaint_reason(binary, "tr", title=binary) in REASONS
    assert complaint_reason("Lieferung beschädigt" + "\x00" * 10, None) == "damaged"
    assert complaint_reason("🙂" * 1000 + " late", "en") == "late"


def test_only_the_start_of_huge_text_is_read() -> None:
    filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 20_000  # ~1 MB
    assert len(filler) > 1_000_000
    t0 = time.perf_counter()
    assert complaint_reason(filler + " Die Ware ist beschädigt.", "de") == "other"  # beyond MAX_CHARS
    assert complaint_reason("Die Ware ist beschädigt. " + filler, "de") == "damaged"
    assert complaint_reason(filler, "de", title="Transportschaden " + filler) == "damaged"
    assert time.perf_counter() - t0 < 2.0
    assert reason_scores("x" * (MAX_CHARS - 3) + " late") == {}


def test_reason_scores() -> None:
    scores = reason_scores("Die Lieferung ist verspätet und beschädigt.", title="Lieferverzug")
    assert scores["late"]["de"] == 3  # title 2 + body 1
    assert scores["damaged"]["de"] == 1
    assert reason_scores("") == {}


def test_patterns_match_at_word_starts_only() -> None:
    assert complaint_reason("Please translate the chocolate manual.", "en") == "other"  # "late" inside words
    assert complaint_reason("Die Ware kam unbeschädigt an.", "de") == "other"
    assert complaint_reason("Zahlungsverzug", "de") == "other"  # not a delivery delay
    assert complaint_reason("Lieferverzug", "de") == "late"
    assert complaint_reason("Die Preisdifferenz ist zu klären.", "de") == "wrong_amount"  # compound head


def test_repetitive_input_is_fast() -> None:
    t0 = time.perf_counter()
    for text in ("a" * MAX_CHARS, "delay" * 1000, "late" * 1250, "ab " * 1700, "ü" * MAX_CHARS):
        assert complaint_reason(text, "en", title=text) in REASONS
    assert time.perf_counter() - t0 < 2.0
