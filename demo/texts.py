"""Language resources: labels for business documents and sentence templates for letters/e-mails.

Languages: de (primary), en, es, tr, pl. Templates are plain ``str.format`` strings over a
context dict prepared by :mod:`demo.generate` (see ``Ctx`` keys in the docstrings below).
"""

from __future__ import annotations

import random

LANGS = ("de", "en", "es", "tr", "pl")

# --------------------------------------------------------------------------- document labels

LABELS: dict[str, dict[str, str]] = {
    "de": {
        "offer": "Angebot",
        "order_confirmation": "Auftragsbestätigung",
        "delivery_note": "Lieferschein",
        "invoice": "Rechnung",
        "credit_note": "Gutschrift",
        "order": "Bestellung",
        "service": "Servicebericht",
        "no_offer": "Angebots-Nr.",
        "no_order": "Auftrags-Nr.",
        "no_oc": "AB-Nr.",
        "no_dn": "Lieferschein-Nr.",
        "no_inv": "Rechnungs-Nr.",
        "no_cn": "Gutschrift-Nr.",
        "no_po": "Bestell-Nr.",
        "no_rk": "Reklamations-Nr.",
        "no_contract": "Vertrags-Nr.",
        "date": "Datum",
        "customer_no": "Kundennummer",
        "contact": "Ihr Ansprechpartner",
        "your_order": "Ihre Bestellung",
        "your_offer": "Ihr Angebot",
        "of": "vom",
        "delivery_date": "Liefertermin",
        "service_date": "Leistungsdatum",
        "valid_until": "Gültig bis",
        "page": "Seite {p} von {n}",
        "pos": "Pos.",
        "sku": "Art.-Nr.",
        "desc": "Bezeichnung",
        "qty": "Menge",
        "unit": "Einheit",
        "unit_price": "Einzelpreis",
        "total": "Gesamt",
        "net": "Nettobetrag",
        "vat": "zzgl. {rate} % USt.",
        "gross": "Gesamtbetrag",
        "carry": "Übertrag",
        "delivery_address": "Lieferanschrift",
        "invoice_address": "Rechnungsanschrift",
        "bank": "Bankverbindung",
        "vat_id": "USt-IdNr.",
        "tax_no": "St.-Nr.",
        "md": "Geschäftsführer",
        "phone": "Tel.",
        "email": "E-Mail",
        "received": "Ware vollständig und unbeschädigt erhalten:",
        "signature": "Datum, Unterschrift, Firmenstempel",
        "packages": "Packstücke",
        "weight": "Gesamtgewicht",
        "shipping": "Versandart",
        "shipping_val": "Spedition, frei Haus",
        "ref": "Bezug",
        "reason": "Grund der Gutschrift",
        "version": "Version",
        "version_note": "Überarbeitete Fassung – ersetzt die Version vom {d}",
        "regards": "Mit freundlichen Grüßen",
        "rc_eu": "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge, Art. 196 MwStSystRL). "
        "USt-IdNr. des Leistungsempfängers: {vat}",
        "rc_export": "Steuerfreie Ausfuhrlieferung gemäß § 4 Nr. 1a i. V. m. § 6 UStG.",
        "received_stamp": "Eingegangen am {d} – erfasst unter {au}",
        "technician": "Techniker",
        "findings": "Befund und durchgeführte Arbeiten",
        "customer_sig": "Unterschrift Kunde",
    },
    "en": {
        "offer": "Quotation",
        "order_confirmation": "Order Confirmation",
        "delivery_note": "Delivery Note",
        "invoice": "Invoice",
        "credit_note": "Credit Note",
        "order": "Purchase Order",
        "service": "Service Report",
        "no_offer": "Quotation no.",
        "no_order": "Order no.",
        "no_oc": "Confirmation no.",
        "no_dn": "Delivery note no.",
        "no_inv": "Invoice no.",
        "no_cn": "Credit note no.",
        "no_po": "PO no.",
        "no_rk": "Complaint no.",
        "no_contract": "Contract no.",
        "date": "Date",
        "customer_no": "Customer no.",
        "contact": "Your contact",
        "your_order": "Your order",
        "your_offer": "Your quotation",
        "of": "of",
        "delivery_date": "Delivery date",
        "service_date": "Date of supply",
        "valid_until": "Valid until",
        "page": "Page {p} of {n}",
        "pos": "Item",
        "sku": "Part no.",
        "desc": "Description",
        "qty": "Qty",
        "unit": "Unit",
        "unit_price": "Unit price",
        "total": "Amount",
        "net": "Net amount",
        "vat": "VAT {rate} %",
        "gross": "Total amount",
        "carry": "Carried forward",
        "delivery_address": "Delivery address",
        "invoice_address": "Invoice address",
        "bank": "Bank details",
        "vat_id": "VAT ID",
        "tax_no": "Tax no.",
        "md": "Managing directors",
        "phone": "Phone",
        "email": "Email",
        "received": "Goods received complete and undamaged:",
        "signature": "Date, signature, company stamp",
        "packages": "Packages",
        "weight": "Total weight",
        "shipping": "Shipping",
        "shipping_val": "Freight forwarder, DAP",
        "ref": "Reference",
        "reason": "Reason for credit",
        "version": "Version",
        "version_note": "Revised version – supersedes the version of {d}",
        "regards": "Kind regards",
        "rc_eu": "Reverse charge – VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC). "
        "Recipient VAT ID: {vat}",
        "rc_export": "VAT-exempt export delivery (outside the EU).",
        "received_stamp": "Received on {d} – registered as {au}",
        "technician": "Technician",
        "findings": "Findings and work carried out",
        "customer_sig": "Customer signature",
    },
    "es": {
        "offer": "Oferta",
        "order_confirmation": "Confirmación de pedido",
        "delivery_note": "Albarán de entrega",
        "invoice": "Factura",
        "credit_note": "Nota de abono",
        "order": "Pedido de compra",
        "service": "Informe de servicio",
        "no_offer": "N.º de oferta",
        "no_order": "N.º de pedido",
        "no_oc": "N.º de confirmación",
        "no_dn": "N.º de albarán",
        "no_inv": "N.º de factura",
        "no_cn": "N.º de abono",
        "no_po": "N.º de pedido de compra",
        "no_rk": "N.º de reclamación",
        "no_contract": "N.º de contrato",
        "date": "Fecha",
        "customer_no": "N.º de cliente",
        "contact": "Persona de contacto",
        "your_order": "Su pedido",
        "your_offer": "Su oferta",
        "of": "del",
        "delivery_date": "Fecha de entrega",
        "service_date": "Fecha de prestación",
        "valid_until": "Válida hasta",
        "page": "Página {p} de {n}",
        "pos": "Pos.",
        "sku": "Ref.",
        "desc": "Descripción",
        "qty": "Cantidad",
        "unit": "Unidad",
        "unit_price": "Precio unit.",
        "total": "Importe",
        "net": "Base imponible",
        "vat": "IVA {rate} %",
        "gross": "Total",
        "carry": "Suma anterior",
        "delivery_address": "Dirección de entrega",
        "invoice_address": "Dirección de facturación",
        "bank": "Datos bancarios",
        "vat_id": "N.º IVA",
        "tax_no": "N.º fiscal",
        "md": "Administradores",
        "phone": "Tel.",
        "email": "Correo",
        "received": "Mercancía recibida completa y sin daños:",
        "signature": "Fecha, firma y sello",
        "packages": "Bultos",
        "weight": "Peso total",
        "shipping": "Envío",
        "shipping_val": "Transportista, DAP",
        "ref": "Referencia",
        "reason": "Motivo del abono",
        "version": "Versión",
        "version_note": "Versión revisada – sustituye a la versión del {d}",
        "regards": "Atentamente",
        "rc_eu": "Inversión del sujeto pasivo – entrega intracomunitaria (art. 196 Directiva 2006/112/CE). "
        "NIF-IVA del destinatario: {vat}",
        "rc_export": "Entrega de exportación exenta de IVA.",
        "received_stamp": "Recibido el {d} – registrado como {au}",
        "technician": "Técnico",
        "findings": "Diagnóstico y trabajos realizados",
        "customer_sig": "Firma del cliente",
    },
    "tr": {
        "offer": "Teklif",
        "order_confirmation": "Sipariş Onayı",
        "delivery_note": "İrsaliye",
        "invoice": "Fatura",
        "credit_note": "Alacak Dekontu",
        "order": "Satın Alma Siparişi",
        "service": "Servis Raporu",
        "no_offer": "Teklif No.",
        "no_order": "Sipariş No.",
        "no_oc": "Onay No.",
        "no_dn": "İrsaliye No.",
        "no_inv": "Fatura No.",
        "no_cn": "Dekont No.",
        "no_po": "Satın alma sipariş No.",
        "no_rk": "Şikâyet No.",
        "no_contract": "Sözleşme No.",
        "date": "Tarih",
        "customer_no": "Müşteri No.",
        "contact": "İlgili kişi",
        "your_order": "Siparişiniz",
        "your_offer": "Teklifiniz",
        "of": "tarih",
        "delivery_date": "Teslim tarihi",
        "service_date": "Hizmet tarihi",
        "valid_until": "Geçerlilik",
        "page": "Sayfa {p} / {n}",
        "pos": "Sıra",
        "sku": "Ürün kodu",
        "desc": "Açıklama",
        "qty": "Miktar",
        "unit": "Birim",
        "unit_price": "Birim fiyat",
        "total": "Tutar",
        "net": "Ara toplam",
        "vat": "KDV %{rate}",
        "gross": "Genel toplam",
        "carry": "Nakli yekûn",
        "delivery_address": "Teslimat adresi",
        "invoice_address": "Fatura adresi",
        "bank": "Banka bilgileri",
        "vat_id": "Vergi No.",
        "tax_no": "Vergi dairesi No.",
        "md": "Genel müdür",
        "phone": "Tel.",
        "email": "E-posta",
        "received": "Mallar eksiksiz ve hasarsız teslim alınmıştır:",
        "signature": "Tarih, imza, kaşe",
        "packages": "Koli sayısı",
        "weight": "Toplam ağırlık",
        "shipping": "Sevkiyat",
        "shipping_val": "Nakliye firması, DAP",
        "ref": "İlgi",
        "reason": "Dekont nedeni",
        "version": "Versiyon",
        "version_note": "Revize edilmiş versiyon – {d} tarihli versiyonun yerine geçer",
        "regards": "Saygılarımızla",
        "rc_eu": "Ters ibraz (reverse charge) – KDV alıcı tarafından beyan edilir. Alıcı vergi no.: {vat}",
        "rc_export": "KDV'den muaf ihracat teslimatı (AB dışı).",
        "received_stamp": "{d} tarihinde alındı – {au} olarak kaydedildi",
        "technician": "Teknisyen",
        "findings": "Tespitler ve yapılan işler",
        "customer_sig": "Müşteri imzası",
    },
    "pl": {
        "offer": "Oferta",
        "order_confirmation": "Potwierdzenie zamówienia",
        "delivery_note": "Dowód dostawy",
        "invoice": "Faktura",
        "credit_note": "Faktura korygująca",
        "order": "Zamówienie",
        "service": "Raport serwisowy",
        "no_offer": "Nr oferty",
        "no_order": "Nr zlecenia",
        "no_oc": "Nr potwierdzenia",
        "no_dn": "Nr dowodu dostawy",
        "no_inv": "Nr faktury",
        "no_cn": "Nr korekty",
        "no_po": "Nr zamówienia",
        "no_rk": "Nr reklamacji",
        "no_contract": "Nr umowy",
        "date": "Data",
        "customer_no": "Nr klienta",
        "contact": "Osoba kontaktowa",
        "your_order": "Państwa zamówienie",
        "your_offer": "Państwa oferta",
        "of": "z dnia",
        "delivery_date": "Termin dostawy",
        "service_date": "Data wykonania usługi",
        "valid_until": "Ważna do",
        "page": "Strona {p} z {n}",
        "pos": "Lp.",
        "sku": "Nr art.",
        "desc": "Nazwa",
        "qty": "Ilość",
        "unit": "J.m.",
        "unit_price": "Cena jedn.",
        "total": "Wartość",
        "net": "Wartość netto",
        "vat": "VAT {rate}%",
        "gross": "Wartość brutto",
        "carry": "Z przeniesienia",
        "delivery_address": "Adres dostawy",
        "invoice_address": "Adres do faktury",
        "bank": "Dane bankowe",
        "vat_id": "NIP UE",
        "tax_no": "Nr podatkowy",
        "md": "Zarząd",
        "phone": "Tel.",
        "email": "E-mail",
        "received": "Towar odebrano w komplecie i bez uszkodzeń:",
        "signature": "Data, podpis, pieczątka",
        "packages": "Liczba paczek",
        "weight": "Waga całkowita",
        "shipping": "Wysyłka",
        "shipping_val": "Spedycja, DAP",
        "ref": "Dotyczy",
        "reason": "Przyczyna korekty",
        "version": "Wersja",
        "version_note": "Wersja poprawiona – zastępuje wersję z dnia {d}",
        "regards": "Z poważaniem",
        "rc_eu": "Odwrotne obciążenie – podatek rozlicza nabywca (art. 196 dyrektywy 2006/112/WE). NIP nabywcy: {vat}",
        "rc_export": "Eksport towarów zwolniony z VAT.",
        "received_stamp": "Wpłynęło {d} – zarejestrowano jako {au}",
        "technician": "Technik",
        "findings": "Ustalenia i wykonane prace",
        "customer_sig": "Podpis klienta",
    },
}


# --------------------------------------------------------------------------- customer number phrases

#: variant -> per language format. ``{n}`` = "K-10234", ``{d}`` = "10234".
CUSTNO_VARIANTS = {
    "std": {
        "de": "Kundennummer: {n}",
        "en": "Customer no.: {n}",
        "es": "N.º de cliente: {n}",
        "tr": "Müşteri No.: {n}",
        "pl": "Nr klienta: {n}",
    },
    "kdnr": {
        "de": "Kd.-Nr. {d}",
        "en": "Cust. no. {d}",
        "es": "Cliente n.º {d}",
        "tr": "Müşteri No {d}",
        "pl": "Nr kl. {d}",
    },
    "compact": {
        "de": "Kunden-Nr. K{d}",
        "en": "Customer K{d}",
        "es": "Cliente K{d}",
        "tr": "Müşteri K{d}",
        "pl": "Klient K{d}",
    },
    "spaced": {
        "de": "Kundennr. K {d}",
        "en": "Account K {d}",
        "es": "Cliente K {d}",
        "tr": "Müşteri K {d}",
        "pl": "Klient K {d}",
    },
}

#: inline forms (used inside sentences) per variant
CUSTNO_INLINE = {"std": "{n}", "kdnr": "{d}", "compact": "K{d}", "spaced": "K {d}"}

INLINE_LABEL = {
    "de": "unsere Kundennummer",
    "en": "our customer number",
    "es": "nuestro número de cliente",
    "tr": "müşteri numaramız",
    "pl": "nasz numer klienta",
}


def custno_phrase(variant: str, lang: str, number: str) -> str:
    return CUSTNO_VARIANTS[variant][lang].format(n=number, d=number[2:])


def custno_inline(variant: str, number: str) -> str:
    return CUSTNO_INLINE[variant].format(n=number, d=number[2:])


# --------------------------------------------------------------------------- salutations


def salutation(lang: str, gender: str, first: str, last: str) -> str:
    if lang == "de":
        return f"Sehr geehrter Herr {last}," if gender == "m" else f"Sehr geehrte Frau {last},"
    if lang == "en":
        return f"Dear Mr {last}," if gender == "m" else f"Dear Ms {last},"
    if lang == "es":
        return f"Estimado Sr. {last}:" if gender == "m" else f"Estimada Sra. {last}:"
    if lang == "tr":
        return f"Sayın {first} {last},"
    return "Szanowny Panie," if gender == "m" else "Szanowna Pani,"


def salutation_generic(lang: str) -> str:
    return {
        "de": "Sehr geehrte Damen und Herren,",
        "en": "Dear Sir or Madam,",
        "es": "Estimados señores:",
        "tr": "Sayın Yetkili,",
        "pl": "Szanowni Państwo,",
    }[lang]


def salutation_informal(lang: str, first: str) -> str:
    return {
        "de": f"Hallo {first},",
        "en": f"Hi {first},",
        "es": f"Hola {first}:",
        "tr": f"Merhaba {first},",
        "pl": f"Dzień dobry {first},",
    }[lang]


REGARDS = {lang: LABELS[lang]["regards"] for lang in LANGS}
REGARDS_MAIL = {
    "de": ["Mit freundlichen Grüßen", "Viele Grüße", "Freundliche Grüße", "Beste Grüße"],
    "en": ["Kind regards", "Best regards", "Regards", "Many thanks and best regards"],
    "es": ["Un saludo", "Saludos cordiales", "Atentamente"],
    "tr": ["Saygılarımızla", "İyi çalışmalar", "Saygılarımla"],
    "pl": ["Z poważaniem", "Pozdrawiam", "Z wyrazami szacunku"],
}

# --------------------------------------------------------------------------- business letter texts

OFFER_INTRO = {
    "de": [
        "vielen Dank für Ihre Anfrage vom {d_inquiry}. Gerne unterbreiten wir Ihnen folgendes Angebot:",
        "wir bedanken uns für Ihr Interesse an unseren Produkten und bieten Ihnen wie folgt an:",
        "wie telefonisch besprochen erhalten Sie nachstehend unser Angebot für {project}.",
    ],
    "en": [
        "Thank you for your enquiry of {d_inquiry}. We are pleased to submit the following quotation:",
        "Further to our telephone conversation, please find below our quotation for {project}.",
    ],
    "es": [
        "Le agradecemos su consulta del {d_inquiry} y nos complace presentarle la siguiente oferta:",
        "Tal como acordamos por teléfono, le enviamos nuestra oferta para {project}.",
    ],
    "tr": [
        "{d_inquiry} tarihli talebiniz için teşekkür ederiz. Teklifimizi aşağıda bilgilerinize sunarız:",
        "Telefon görüşmemize istinaden {project} için teklifimizi aşağıda bulabilirsiniz.",
    ],
    "pl": [
        "Dziękujemy za zapytanie z dnia {d_inquiry}. Przedstawiamy Państwu następującą ofertę:",
        "Zgodnie z rozmową telefoniczną przesyłamy ofertę dotyczącą {project}.",
    ],
}

OFFER_REVISION_INTRO = {
    "de": "wie besprochen erhalten Sie unser überarbeitetes Angebot. Gegenüber der Fassung vom {d_prev} "
    "haben wir Positionen und Mengen angepasst.",
    "en": "As discussed, please find our revised quotation. Compared with the version of {d_prev} we have "
    "adjusted items and quantities.",
    "es": "Según lo acordado, le enviamos nuestra oferta revisada. Respecto a la versión del {d_prev} hemos "
    "ajustado posiciones y cantidades.",
    "tr": "Görüştüğümüz üzere revize teklifimizi ekte bulabilirsiniz. {d_prev} tarihli versiyona göre "
    "kalemler ve miktarlar güncellenmiştir.",
    "pl": "Zgodnie z ustaleniami przesyłamy poprawioną ofertę. W porównaniu z wersją z dnia {d_prev} "
    "zmieniliśmy pozycje i ilości.",
}

OFFER_OUTRO = {
    "de": "Die Lieferzeit beträgt ca. {weeks} Wochen nach Auftragseingang. Das Angebot ist freibleibend und "
    "gültig bis {valid}. Es gelten unsere Allgemeinen Geschäftsbedingungen. Wir freuen uns auf Ihren Auftrag.",
    "en": "Delivery time is approx. {weeks} weeks after receipt of order. This quotation is valid until {valid}. "
    "Our general terms and conditions apply. We look forward to receiving your order.",
    "es": "El plazo de entrega es de aprox. {weeks} semanas desde la recepción del pedido. La oferta es válida "
    "hasta el {valid}. Se aplican nuestras condiciones generales. Quedamos a la espera de su pedido.",
    "tr": "Teslim süresi sipariş tarihinden itibaren yaklaşık {weeks} haftadır. Teklif {valid} tarihine kadar "
    "geçerlidir. Genel satış koşullarımız geçerlidir. Siparişinizi bekler, iyi çalışmalar dileriz.",
    "pl": "Czas dostawy wynosi ok. {weeks} tygodni od otrzymania zamówienia. Oferta jest ważna do {valid}. "
    "Obowiązują nasze ogólne warunki handlowe. Czekamy na Państwa zamówienie.",
}

OC_INTRO = {
    "de": "vielen Dank für Ihre Bestellung {po} vom {d_order}. Wir bestätigen Ihren Auftrag {au} auf Basis "
    "unseres Angebots {an} wie folgt:",
    "en": "Thank you for your purchase order {po} of {d_order}. We confirm your order {au} based on our "
    "quotation {an} as follows:",
    "es": "Le agradecemos su pedido {po} del {d_order}. Confirmamos su pedido {au} según nuestra oferta {an}:",
    "tr": "{d_order} tarihli {po} numaralı siparişiniz için teşekkür ederiz. {an} numaralı teklifimize "
    "dayanarak {au} numaralı siparişinizi aşağıdaki şekilde onaylıyoruz:",
    "pl": "Dziękujemy za zamówienie {po} z dnia {d_order}. Potwierdzamy zlecenie {au} na podstawie naszej oferty {an}:",
}

OC_OUTRO = {
    "de": "Voraussichtlicher Liefertermin: KW {week} ({d_delivery}). Bitte prüfen Sie diese Bestätigung und "
    "teilen Sie uns Abweichungen umgehend mit.",
    "en": "Expected delivery: week {week} ({d_delivery}). Please check this confirmation and inform us "
    "immediately of any discrepancies.",
    "es": "Entrega prevista: semana {week} ({d_delivery}). Le rogamos revise esta confirmación y nos comunique "
    "cualquier discrepancia.",
    "tr": "Tahmini teslim: {week}. hafta ({d_delivery}). Lütfen onayı kontrol ediniz ve olası farklılıkları "
    "bize hemen bildiriniz.",
    "pl": "Przewidywany termin dostawy: tydzień {week} ({d_delivery}). Prosimy o sprawdzenie potwierdzenia i "
    "niezwłoczne zgłoszenie rozbieżności.",
}

DN_INTRO = {
    "de": "Wir liefern Ihnen gemäß Auftrag {au} (Ihre Bestellung {po}) folgende Positionen:",
    "en": "We deliver the following items according to order {au} (your PO {po}):",
    "es": "Le entregamos las siguientes posiciones según el pedido {au} (su pedido {po}):",
    "tr": "{au} numaralı sipariş (satın alma siparişiniz {po}) kapsamında aşağıdaki ürünleri teslim ediyoruz:",
    "pl": "Dostarczamy następujące pozycje zgodnie ze zleceniem {au} (Państwa zamówienie {po}):",
}

INV_INTRO = {
    "de": "für unsere Lieferung gemäß Lieferschein {ls} vom {d_delivery} zu Auftrag {au} berechnen wir Ihnen:",
    "en": "For our delivery according to delivery note {ls} of {d_delivery} (order {au}) we invoice as follows:",
    "es": "Por nuestra entrega según el albarán {ls} del {d_delivery} (pedido {au}) le facturamos:",
    "tr": "{d_delivery} tarihli {ls} numaralı irsaliye ({au} numaralı sipariş) kapsamındaki teslimatımız için "
    "aşağıdaki tutarı fatura ediyoruz:",
    "pl": "Za dostawę zgodnie z dowodem dostawy {ls} z dnia {d_delivery} (zlecenie {au}) wystawiamy fakturę:",
}

INV_PAYMENT = {
    "de": [
        "Zahlbar innerhalb von 14 Tagen ohne Abzug bis zum {due}. Bitte geben Sie bei Zahlung die "
        "Rechnungsnummer {re} an.",
        "Zahlungsziel: 30 Tage netto ({due}), bei Zahlung innerhalb von 10 Tagen 2 % Skonto. Verwendungszweck: {re}",
    ],
    "en": ["Payment due within 30 days net ({due}). Please quote invoice number {re} with your payment."],
    "es": ["Pago a 30 días fecha factura ({due}) mediante transferencia. Indique el número de factura {re}."],
    "tr": ["Ödeme vadesi: 30 gün ({due}). Lütfen ödemede fatura numarası {re} belirtiniz."],
    "pl": ["Termin płatności: 30 dni ({due}). Prosimy o podanie numeru faktury {re} w tytule przelewu."],
}

CN_INTRO = {
    "de": "bezugnehmend auf Ihre Reklamation {rk} und unsere Rechnung {re} vom {d_invoice} erteilen wir Ihnen "
    "folgende Gutschrift:",
    "en": "With reference to your complaint {rk} and our invoice {re} of {d_invoice} we issue the following "
    "credit note:",
    "es": "En relación con su reclamación {rk} y nuestra factura {re} del {d_invoice} emitimos el siguiente abono:",
    "tr": "{rk} numaralı şikâyetiniz ve {d_invoice} tarihli {re} numaralı faturamız ile ilgili olarak aşağıdaki "
    "alacak dekontunu düzenliyoruz:",
    "pl": "W nawiązaniu do reklamacji {rk} oraz naszej faktury {re} z dnia {d_invoice} wystawiamy następującą korektę:",
}

CN_REASONS = {
    "damaged": {
        "de": "Transportschaden – Preisnachlass",
        "en": "Transport damage – price reduction",
        "es": "Daños de transporte – descuento",
        "tr": "Nakliye hasarı – fiyat indirimi",
        "pl": "Uszkodzenie w transporcie – obniżka ceny",
    },
    "wrong_amount": {
        "de": "Korrektur Rechnungsbetrag (falscher Preis berechnet)",
        "en": "Correction of invoice amount (wrong price charged)",
        "es": "Corrección del importe facturado (precio erróneo)",
        "tr": "Fatura tutarı düzeltmesi (yanlış fiyat)",
        "pl": "Korekta kwoty faktury (błędna cena)",
    },
    "late": {
        "de": "Kulanz wegen Lieferverzug",
        "en": "Goodwill credit for late delivery",
        "es": "Abono de cortesía por retraso en la entrega",
        "tr": "Geç teslimat nedeniyle iyi niyet indirimi",
        "pl": "Rabat za opóźnienie dostawy",
    },
}

CN_PAYOUT = {
    "de": "Den Betrag überweisen wir in den nächsten Tagen auf Ihr Konto {cust_iban}.",
    "en": "The amount will be transferred to your account {cust_iban} within the next few days.",
    "es": "Transferiremos el importe a su cuenta {cust_iban} en los próximos días.",
    "tr": "Tutar önümüzdeki günlerde {cust_iban} numaralı hesabınıza aktarılacaktır.",
    "pl": "Kwotę przelejemy w najbliższych dniach na Państwa konto {cust_iban}.",
}

PO_INTRO = {
    "de": "auf Grundlage Ihres Angebots {an} bestellen wir verbindlich die folgenden Positionen. "
    "Bitte liefern Sie an die unten angegebene Lieferanschrift.",
    "en": "Based on your quotation {an} we hereby order the following items. Please deliver to the delivery "
    "address stated below.",
    "es": "Según su oferta {an} les pedimos en firme las siguientes posiciones. Rogamos entreguen en la "
    "dirección indicada.",
    "tr": "{an} numaralı teklifinize istinaden aşağıdaki ürünleri sipariş ediyoruz. Lütfen belirtilen teslimat "
    "adresine gönderiniz.",
    "pl": "Na podstawie Państwa oferty {an} zamawiamy następujące pozycje. Prosimy o dostawę na podany adres.",
}

PO_OUTRO = {
    "de": "Bitte senden Sie uns eine Auftragsbestätigung mit verbindlichem Liefertermin. Gewünschter Liefertermin: "
    "{d_delivery}.",
    "en": "Please send us an order confirmation with a binding delivery date. Requested delivery date: {d_delivery}.",
    "es": "Rogamos nos envíen una confirmación de pedido con fecha de entrega. Fecha deseada: {d_delivery}.",
    "tr": "Lütfen kesin teslim tarihini içeren bir sipariş onayı gönderiniz. İstenen teslim tarihi: {d_delivery}.",
    "pl": "Prosimy o potwierdzenie zamówienia z wiążącym terminem dostawy. Żądany termin dostawy: {d_delivery}.",
}

SERVICE_FINDINGS = {
    "de": [
        "Jährliche Inspektion gemäß Wartungsvertrag {vt} durchgeführt.",
        "Sichtprüfung aller Baugruppen, Funktionstest Not-Aus-Kreis: in Ordnung.",
        "Verschleißteile an der Förderanlage getauscht (Ersatzteilset).",
        "Frequenzumrichter ausgelesen, Fehlerspeicher gelöscht, Parameter gesichert.",
        "Druckluftfilter ersetzt, Leckage an Verschraubung beseitigt.",
        "Lager am Antriebsmotor zeigt erhöhte Laufgeräusche – Austausch bei nächster Wartung empfohlen.",
        "Anlage nach Abschluss der Arbeiten an den Betreiber übergeben, Probelauf ohne Befund.",
    ],
    "en": [
        "Annual inspection carried out according to maintenance agreement {vt}.",
        "Visual inspection of all assemblies, emergency stop circuit tested: OK.",
        "Wear parts on the conveyor replaced (spare parts kit).",
        "Frequency inverter read out, fault memory cleared, parameters backed up.",
        "Compressed air filter replaced, leak at fitting repaired.",
        "Drive motor bearing shows increased running noise – replacement recommended at next service.",
        "System handed back to the operator, test run without findings.",
    ],
}

PROJECTS = {
    "de": [
        "die Modernisierung Ihrer Förderanlage",
        "die Erweiterung Ihrer Halle 3",
        "die neue Abfülllinie",
        "den Austausch der Antriebstechnik",
        "die Steuerungsumrüstung Ihrer Presse",
    ],
    "en": [
        "the modernisation of your conveyor system",
        "the extension of hall 3",
        "the new filling line",
        "the replacement of the drive technology",
    ],
    "es": ["la modernización de su cinta transportadora", "la ampliación de la nave 3", "la nueva línea de envasado"],
    "tr": ["konveyör sisteminizin modernizasyonu", "3 numaralı holün genişletilmesi", "yeni dolum hattı"],
    "pl": ["modernizacji Państwa przenośnika", "rozbudowy hali nr 3", "nowej linii rozlewniczej"],
}


# --------------------------------------------------------------------------- e-mail templates
#
# Context keys: cust, cust_short, first, last, full, gender, kn (phrase like "Kundennummer: K-10234"),
# kni (inline number), staff, staff_first, own, an, au, ab, ls, re, gs, rk, po, vt, product, product2,
# qty, d_order, d_delivery, d_invoice, d_promised, amount, amount_expected, diff, weeks, city

INQUIRY = {
    "de": [
        (
            "Anfrage {product}",
            "wir planen {project_de} und benötigen ein Angebot über {qty} Stück {product}. "
            "Bitte nennen Sie uns auch die aktuelle Lieferzeit und Ihre Konditionen für Montage und "
            "Inbetriebnahme vor Ort.{kn_sentence}",
        ),
        (
            "Preisanfrage {product} / {product2}",
            "könnten Sie uns bitte kurzfristig ein Angebot für {qty} x {product} sowie passende {product2} "
            "zukommen lassen? Die Lieferung sollte an unseren Standort in {city} erfolgen.{kn_sentence}",
        ),
        (
            "Rückfrage zu Ersatzteilen",
            "an unserer Anlage ist ein {product} ausgefallen. Haben Sie das Teil vorrätig und wie schnell "
            "könnten Sie liefern? Ein Techniker-Einsatz wäre ebenfalls interessant.{kn_sentence}",
        ),
    ],
    "en": [
        (
            "Enquiry {product}",
            "we are planning {project_en} and would need a quotation for {qty} units of {product}. "
            "Could you also let us know the current lead time and your rates for on-site commissioning?{kn_sentence}",
        ),
        (
            "Request for quotation – spare parts",
            "one {product} on our line has failed. Do you have it in stock and how quickly could you ship it to "
            "{city}?{kn_sentence}",
        ),
    ],
    "es": [
        (
            "Solicitud de oferta {product}",
            "estamos planificando un nuevo proyecto y necesitaríamos una oferta para {qty} unidades de {product}. "
            "Les rogamos nos indiquen también el plazo de entrega actual y el coste de la puesta en marcha."
            "{kn_sentence}",
        ),
        (
            "Consulta repuestos",
            "se ha averiado un {product} en nuestra línea de producción. ¿Lo tienen en stock y en cuánto tiempo "
            "podrían enviarlo a {city}?{kn_sentence}",
        ),
    ],
    "tr": [
        (
            "Fiyat talebi {product}",
            "yeni bir proje planlıyoruz ve {qty} adet {product} için fiyat teklifi rica ediyoruz. Güncel teslim "
            "süresini ve yerinde devreye alma ücretini de bildirebilir misiniz?{kn_sentence}",
        ),
        (
            "Yedek parça sorusu",
            "hattımızdaki {product} arızalandı. Stokta var mı ve {city} adresimize ne kadar sürede "
            "gönderebilirsiniz?{kn_sentence}",
        ),
    ],
    "pl": [
        (
            "Zapytanie ofertowe {product}",
            "planujemy nową inwestycję i prosimy o ofertę na {qty} szt. {product}. Prosimy również o podanie "
            "aktualnego terminu dostawy oraz kosztów uruchomienia na miejscu.{kn_sentence}",
        ),
        (
            "Pytanie o części zamienne",
            "w naszej linii uległ awarii {product}. Czy mają Państwo tę część na stanie i jak szybko mogą ją "
            "Państwo wysłać do {city}?{kn_sentence}",
        ),
    ],
}

KN_SENTENCE = {
    "de": [" Unsere Kundennummer lautet {kni}.", " ({kn})", " Kundennummer bei Ihnen: {kni}."],
    "en": [" Our customer number is {kni}.", " ({kn})"],
    "es": [" Nuestro número de cliente es {kni}.", " ({kn})"],
    "tr": [" Müşteri numaramız {kni}.", " ({kn})"],
    "pl": [" Nasz numer klienta to {kni}.", " ({kn})"],
}

INQUIRY_REPLY = {
    "de": "vielen Dank für Ihre Anfrage. Den {product} haben wir vorrätig, die Lieferzeit beträgt ca. {weeks} "
    "Wochen. Ein ausführliches Angebot erhalten Sie in den nächsten Tagen von uns. Für Rückfragen "
    "stehe ich Ihnen gerne zur Verfügung.",
    "en": "Thank you for your enquiry. The {product} is in stock; lead time is approx. {weeks} weeks. "
    "You will receive a detailed quotation within the next few days.",
    "es": "Muchas gracias por su consulta. Tenemos el {product} en stock; el plazo de entrega es de aprox. "
    "{weeks} semanas. En los próximos días le enviaremos una oferta detallada.",
    "tr": "Talebiniz için teşekkür ederiz. {product} stoklarımızda mevcuttur, teslim süresi yaklaşık {weeks} "
    "haftadır. Ayrıntılı teklifimizi önümüzdeki günlerde göndereceğiz.",
    "pl": "Dziękujemy za zapytanie. {product} mamy na stanie, czas dostawy wynosi ok. {weeks} tygodni. "
    "Szczegółową ofertę prześlemy w najbliższych dniach.",
}

ORDER_MAIL = {
    "de": [
        (
            "Bestellung zu Ihrem Angebot {an}",
            "hiermit bestellen wir gemäß Ihrem Angebot {an} {qty} x {product}. Unsere Bestellnummer lautet {po}. "
            "Bitte liefern Sie an unser Werk in {city} und senden Sie uns eine Auftragsbestätigung.{kn_sentence}",
        ),
        (
            "Auftrag {po} – Angebot {an}",
            "vielen Dank für das Angebot {an}. Wir erteilen Ihnen hiermit den Auftrag über die angebotenen "
            "Positionen (Bestell-Nr. {po}). Gewünschter Liefertermin ist der {d_delivery}.{kn_sentence}",
        ),
    ],
    "en": [
        (
            "Purchase order {po} – your quotation {an}",
            "please accept our order {po} for {qty} x {product} as per your quotation {an}. Delivery to our "
            "site in {city}, requested date {d_delivery}.{kn_sentence}",
        ),
    ],
    "es": [
        (
            "Pedido {po} – oferta {an}",
            "por la presente les confirmamos el pedido {po} de {qty} x {product} según su oferta {an}. Entrega en "
            "nuestras instalaciones de {city}, fecha deseada {d_delivery}.{kn_sentence}",
        ),
    ],
    "tr": [
        (
            "Sipariş {po} – teklif {an}",
            "{an} numaralı teklifinize istinaden {qty} x {product} siparişimizi ({po}) iletiyoruz. Teslimat {city} "
            "tesisimize, istenen tarih {d_delivery}.{kn_sentence}",
        ),
    ],
    "pl": [
        (
            "Zamówienie {po} – oferta {an}",
            "na podstawie oferty {an} zamawiamy {qty} x {product} (nr zamówienia {po}). Dostawa do naszego "
            "zakładu w {city}, żądany termin {d_delivery}.{kn_sentence}",
        ),
    ],
}

COMPLAINT = {
    "late": {
        "de": [
            (
                "Reklamation Lieferverzug Auftrag {au}",
                "leider ist die Lieferung zu Ihrem Auftrag {au} (unsere Bestellung {po}) bis heute nicht bei uns "
                "eingegangen, obwohl uns der {d_promised} fest zugesagt war. Unsere Montage steht still. Bitte "
                "teilen Sie uns umgehend einen verbindlichen Liefertermin mit.{kn_sentence}",
            ),
            (
                "Dringend: Lieferung {au} überfällig",
                "wir warten weiterhin auf die Ware aus Auftrag {au}; die Lieferung ist deutlich verspätet. "
                "Zugesagter Termin war der {d_promised}. Sollte die Lieferung nicht bis Ende der Woche erfolgen, "
                "müssen wir uns Schritte vorbehalten.{kn_sentence}",
            ),
        ],
        "en": [
            (
                "Complaint – late delivery order {au}",
                "the delivery for order {au} (our PO {po}) has still not arrived although {d_promised} was "
                "confirmed. Our installation team is waiting. Please send us a binding delivery date "
                "immediately.{kn_sentence}",
            )
        ],
        "es": [
            (
                "Reclamación – retraso en la entrega del pedido {au}",
                "lamentablemente la entrega del pedido {au} (nuestro pedido {po}) todavía no ha llegado, a pesar de "
                "que nos confirmaron el {d_promised}. Les rogamos nos indiquen de inmediato una nueva fecha "
                "de entrega.{kn_sentence}",
            )
        ],
        "tr": [
            (
                "Şikâyet – {au} siparişinde gecikme",
                "{au} numaralı siparişimizin ({po}) teslimatı, {d_promised} tarihi kesin olarak teyit edilmesine "
                "rağmen hâlâ ulaşmadı. Montaj ekibimiz bekliyor. Lütfen acilen kesin bir teslim tarihi "
                "bildiriniz.{kn_sentence}",
            )
        ],
        "pl": [
            (
                "Reklamacja – opóźnienie dostawy zlecenia {au}",
                "niestety dostawa do zlecenia {au} (nasze zamówienie {po}) nadal do nas nie dotarła, mimo że "
                "potwierdzono termin {d_promised}. Prosimy o pilne podanie wiążącego terminu dostawy."
                "{kn_sentence}",
            )
        ],
    },
    "damaged": {
        "de": [
            (
                "Reklamation beschädigte Ware – Lieferschein {ls}",
                "bei der Warenannahme am {d_delivery} haben wir festgestellt, dass {product} aus Lieferschein {ls} "
                "beschädigt ist. Das Gehäuse ist eingedrückt, die Verpackung war durchnässt. Fotos haben wir "
                "angefertigt. Bitte veranlassen Sie eine Ersatzlieferung.{kn_sentence}",
            ),
            (
                "Transportschaden Lieferung {ls}",
                "die heutige Lieferung ({ls}) ist leider teilweise beschädigt angekommen: {qty} x {product} "
                "sind unbrauchbar. Wir bitten um schnellstmöglichen Ersatz oder eine Gutschrift.{kn_sentence}",
            ),
        ],
        "en": [
            (
                "Complaint – damaged goods, delivery note {ls}",
                "on receipt of the goods on {d_delivery} we found that the {product} from delivery note {ls} is "
                "damaged. The housing is dented and the packaging was soaked. Please arrange a replacement "
                "delivery.{kn_sentence}",
            )
        ],
        "es": [
            (
                "Reclamación – mercancía dañada, albarán {ls}",
                "al recibir la mercancía el {d_delivery} comprobamos que el {product} del albarán {ls} está "
                "dañado. La carcasa está abollada y el embalaje estaba mojado. Les rogamos un envío de "
                "sustitución.{kn_sentence}",
            )
        ],
        "tr": [
            (
                "Şikâyet – hasarlı ürün, irsaliye {ls}",
                "{d_delivery} tarihinde teslim aldığımız {ls} numaralı irsaliyedeki {product} hasarlı çıktı. "
                "Gövde ezik, ambalaj ıslaktı. Lütfen yeni ürün gönderimi yapınız.{kn_sentence}",
            )
        ],
        "pl": [
            (
                "Reklamacja – uszkodzony towar, dowód dostawy {ls}",
                "przy odbiorze towaru w dniu {d_delivery} stwierdziliśmy, że {product} z dowodu dostawy {ls} jest "
                "uszkodzony. Obudowa jest wgnieciona, a opakowanie było przemoczone. Prosimy o wymianę."
                "{kn_sentence}",
            )
        ],
    },
    "wrong_amount": {
        "de": [
            (
                "Reklamation Rechnung {re} – falscher Betrag",
                "Ihre Rechnung {re} vom {d_invoice} weist einen Betrag von {amount} aus. Laut Angebot {an} und "
                "Auftragsbestätigung wurde ein Gesamtbetrag von {amount_expected} vereinbart. Bitte korrigieren Sie "
                "die Rechnung bzw. senden Sie uns eine Gutschrift über die Differenz von {diff}.{kn_sentence}",
            ),
            (
                "Rechnung {re} – Preisdifferenz",
                "bei der Prüfung Ihrer Rechnung {re} ist uns aufgefallen, dass der Einzelpreis für {product} nicht "
                "dem vereinbarten Preis entspricht. Die Differenz beträgt {diff}, Sie haben uns also zu viel "
                "berechnet. Wir haben die Rechnung bis zur Klärung angehalten.{kn_sentence}",
            ),
        ],
        "en": [
            (
                "Invoice {re} – incorrect amount",
                "your invoice {re} of {d_invoice} shows a total of {amount}, whereas {amount_expected} was agreed "
                "in quotation {an}, so we have been overcharged. Please correct the invoice or issue a credit note "
                "for the difference of {diff}.{kn_sentence}",
            )
        ],
        "es": [
            (
                "Reclamación factura {re} – importe incorrecto",
                "su factura {re} del {d_invoice} indica un importe de {amount}, pero según la oferta {an} se acordó "
                "un total de {amount_expected}. Les rogamos corrijan la factura o emitan un abono por la "
                "diferencia de {diff}.{kn_sentence}",
            )
        ],
        "tr": [
            (
                "Fatura {re} – hatalı tutar",
                "{d_invoice} tarihli {re} numaralı faturanızda yanlış tutar var: {amount} tutarı yer alıyor, oysa "
                "{an} numaralı teklifte {amount_expected} üzerinde anlaşılmıştı. Lütfen faturayı düzeltiniz veya "
                "{diff} tutarındaki fark için alacak dekontu düzenleyiniz.{kn_sentence}",
            )
        ],
        "pl": [
            (
                "Reklamacja faktury {re} – błędna kwota",
                "Państwa faktura {re} z dnia {d_invoice} opiewa na kwotę {amount}, natomiast w ofercie {an} "
                "uzgodniono {amount_expected}. Prosimy o korektę faktury lub wystawienie korekty na różnicę "
                "{diff}.{kn_sentence}",
            )
        ],
    },
}

COMPLAINT_REPLY = {
    "de": {
        "intro": "vielen Dank für Ihre Nachricht. Wir haben Ihre Reklamation unter der Nummer {rk} erfasst und "
        "bedauern die Unannehmlichkeiten sehr.",
        "late": "Die Ware verlässt unser Lager am {d_new}; die Zustellung erfolgt per Express. Die "
        "Verzögerung lag an einem Lieferengpass bei unserem Vorlieferanten.",
        "damaged": "Eine Ersatzlieferung ist bereits veranlasst. Die beschädigte Ware wird bei Anlieferung "
        "von unserer Spedition wieder mitgenommen.",
        "wrong_amount": "Sie haben recht, bei der Fakturierung wurde ein falscher Preis hinterlegt. Sie "
        "erhalten in den nächsten Tagen eine Gutschrift über {diff}.",
    },
    "en": {
        "intro": "Thank you for your message. We have registered your complaint under number {rk} and "
        "apologise for the inconvenience.",
        "late": "The goods will leave our warehouse on {d_new} and will be shipped by express.",
        "damaged": "A replacement delivery has already been arranged; our carrier will collect the damaged "
        "goods on delivery.",
        "wrong_amount": "You are right, an incorrect price was used. You will receive a credit note for "
        "{diff} within the next few days.",
    },
    "es": {
        "intro": "Muchas gracias por su mensaje. Hemos registrado su reclamación con el número {rk} y "
        "lamentamos las molestias.",
        "late": "La mercancía saldrá de nuestro almacén el {d_new} y se enviará por servicio urgente.",
        "damaged": "Ya hemos organizado un envío de sustitución; el transportista recogerá la mercancía dañada.",
        "wrong_amount": "Tienen razón, se aplicó un precio incorrecto. En los próximos días recibirán un abono "
        "por {diff}.",
    },
    "tr": {
        "intro": "Mesajınız için teşekkür ederiz. Şikâyetinizi {rk} numarasıyla kaydettik; yaşanan aksaklıktan "
        "dolayı özür dileriz.",
        "late": "Ürünler {d_new} tarihinde depomuzdan ekspres kargo ile çıkacaktır.",
        "damaged": "Yeni ürün gönderimi başlatıldı; hasarlı ürünler teslimat sırasında nakliye firması "
        "tarafından geri alınacaktır.",
        "wrong_amount": "Haklısınız, faturada yanlış fiyat kullanılmış. Önümüzdeki günlerde {diff} tutarında "
        "alacak dekontu alacaksınız.",
    },
    "pl": {
        "intro": "Dziękujemy za wiadomość. Reklamację zarejestrowaliśmy pod numerem {rk} i przepraszamy za "
        "niedogodności.",
        "late": "Towar opuści nasz magazyn w dniu {d_new} i zostanie wysłany kurierem ekspresowym.",
        "damaged": "Wysyłka zastępcza została już zlecona; przewoźnik odbierze uszkodzony towar przy dostawie.",
        "wrong_amount": "Mają Państwo rację, zastosowano błędną cenę. W najbliższych dniach otrzymają Państwo "
        "korektę na kwotę {diff}.",
    },
}

COVER_MAIL = {
    # kind -> lang -> (subject, body)
    "offer": {
        "de": (
            "Ihr Angebot {an}",
            "anbei erhalten Sie wie besprochen unser Angebot {an} für {cust}. "
            "Bei Fragen melden Sie sich gerne jederzeit.",
        ),
        "en": (
            "Your quotation {an}",
            "please find attached our quotation {an} for {cust}. Do not hesitate "
            "to contact me if you have any questions.",
        ),
        "es": (
            "Su oferta {an}",
            "adjunto le enviamos nuestra oferta {an} para {cust}. Quedamos a su disposición para cualquier consulta.",
        ),
        "tr": (
            "Teklifiniz {an}",
            "{cust} için hazırladığımız {an} numaralı teklifimizi ekte bulabilirsiniz. "
            "Sorularınız için her zaman ulaşabilirsiniz.",
        ),
        "pl": (
            "Oferta {an}",
            "w załączeniu przesyłamy ofertę {an} dla {cust}. W razie pytań pozostajemy do dyspozycji.",
        ),
    },
    "order_confirmation": {
        "de": (
            "Auftragsbestätigung {ab} zu Ihrer Bestellung {po}",
            "vielen Dank für Ihren Auftrag. Anbei erhalten Sie die Auftragsbestätigung {ab} zu Ihrer "
            "Bestellung {po} (unser Auftrag {au}).",
        ),
        "en": (
            "Order confirmation {ab} – your PO {po}",
            "thank you for your order. Please find attached order confirmation {ab} for your PO {po} (our order {au}).",
        ),
        "es": (
            "Confirmación de pedido {ab} – su pedido {po}",
            "gracias por su pedido. Adjuntamos la confirmación {ab} de su pedido {po} (nuestro pedido {au}).",
        ),
        "tr": (
            "Sipariş onayı {ab} – siparişiniz {po}",
            "siparişiniz için teşekkür ederiz. {po} numaralı siparişinize ait {ab} numaralı onayı (dahili "
            "sipariş {au}) ekte bulabilirsiniz.",
        ),
        "pl": (
            "Potwierdzenie zamówienia {ab} – zamówienie {po}",
            "dziękujemy za zamówienie. W załączeniu potwierdzenie {ab} do Państwa zamówienia {po} (nasze "
            "zlecenie {au}).",
        ),
    },
    "invoice": {
        "de": (
            "Rechnung {re}",
            "anbei erhalten Sie unsere Rechnung {re} zu Auftrag {au} als PDF. "
            "Bitte leiten Sie diese an Ihre Buchhaltung weiter.",
        ),
        "en": ("Invoice {re}", "please find attached our invoice {re} for order {au} as a PDF file."),
        "es": ("Factura {re}", "adjunto le enviamos nuestra factura {re} correspondiente al pedido {au}."),
        "tr": ("Fatura {re}", "{au} numaralı siparişe ait {re} numaralı faturamızı ekte PDF olarak bulabilirsiniz."),
        "pl": ("Faktura {re}", "w załączeniu przesyłamy fakturę {re} do zlecenia {au} w formacie PDF."),
    },
    "contract": {
        "de": (
            "Vertragsentwurf {vt}",
            "wie besprochen sende ich Ihnen den Entwurf des Vertrags {vt} zur "
            "Durchsicht. Bitte senden Sie uns ein unterschriebenes Exemplar zurück.",
        ),
        "en": (
            "Draft agreement {vt}",
            "as discussed, please find attached the draft agreement {vt} for your review. Kindly return a signed copy.",
        ),
    },
}

FORWARD_NOTE = {
    "de": [
        "bitte übernimm das, der Kunde wartet auf Rückmeldung. Danke!",
        "zur Info und mit der Bitte um Klärung bis Freitag.",
        "kannst Du dich darum kümmern? Ich bin ab morgen im Urlaub.",
    ],
    "en": [
        "please take care of this, the customer is waiting for an answer. Thanks!",
        "FYI – can you sort this out by Friday?",
    ],
}

CONFLICT_MAIL = {
    "de": (
        "Rückfrage zu Lieferung und Rechnung",
        "wir haben Ware erhalten, die wir nicht zuordnen können. Auf dem Lieferschein steht {kn_other}, "
        "das ist nicht unsere Kundennummer. Handelt es sich um eine Lieferung für {other}? Bitte klären Sie "
        "das und melden Sie sich bei uns.",
    ),
    "en": (
        "Question regarding delivery and invoice",
        "we received goods we cannot assign. The delivery note shows {kn_other}, which is not our customer "
        "number. Is this a delivery for {other}? Please clarify and get back to us.",
    ),
}

NAME_ONLY_MAIL = {
    "de": (
        "Termin für Wartung",
        "wir möchten gerne einen Termin für die jährliche Wartung unserer Anlage vereinbaren. Passt Ihnen "
        "die übernächste Woche? Ansprechpartner vor Ort bin ich.",
    ),
    "en": (
        "Maintenance appointment",
        "we would like to schedule the annual maintenance of our system. Would the week after next suit "
        "you? I will be your contact on site.",
    ),
    "es": (
        "Cita para mantenimiento",
        "quisiéramos concertar una cita para el mantenimiento anual de nuestra instalación. ¿Les vendría "
        "bien dentro de dos semanas?",
    ),
    "tr": (
        "Bakım randevusu",
        "tesisimizin yıllık bakımı için randevu almak istiyoruz. İki hafta sonrası sizin için uygun mu?",
    ),
    "pl": (
        "Termin przeglądu",
        "chcielibyśmy umówić termin corocznego przeglądu naszej instalacji. Czy odpowiada Państwu termin "
        "za dwa tygodnie?",
    ),
}

# letters (scans)
LETTER_ADDRESS_CHANGE = {
    "de": (
        "Änderung unserer Firmenanschrift",
        "hiermit teilen wir Ihnen mit, dass sich ab dem 1. des kommenden Monats unsere Rechnungsanschrift "
        "ändert. Bitte senden Sie Rechnungen künftig an: {new_address}. Alle übrigen Daten bleiben "
        "unverändert.{kn_sentence}",
    ),
    "en": (
        "Change of our company address",
        "please note that our invoice address will change as of the first of next month. Please send "
        "invoices to: {new_address}.{kn_sentence}",
    ),
    "es": (
        "Cambio de dirección",
        "les comunicamos que a partir del próximo mes cambia nuestra dirección de facturación. Por favor, "
        "envíen las facturas a: {new_address}.{kn_sentence}",
    ),
    "tr": (
        "Adres değişikliği",
        "gelecek aydan itibaren fatura adresimiz değişmektedir. Lütfen faturaları şu adrese gönderiniz: "
        "{new_address}.{kn_sentence}",
    ),
    "pl": (
        "Zmiana adresu",
        "informujemy, że od przyszłego miesiąca zmienia się nasz adres do faktur. Prosimy przesyłać faktury "
        "na adres: {new_address}.{kn_sentence}",
    ),
}

LETTER_TERMINATION = {
    "de": (
        "Kündigung Wartungsvertrag {vt}",
        "hiermit kündigen wir den Wartungsvertrag {vt} fristgerecht zum Ende der Vertragslaufzeit. Bitte "
        "bestätigen Sie uns den Eingang dieser Kündigung und das Vertragsende schriftlich.{kn_sentence}",
    ),
    "en": (
        "Termination of maintenance agreement {vt}",
        "we hereby give notice to terminate maintenance agreement {vt} at the end of the contract term. "
        "Please confirm receipt and the end date in writing.{kn_sentence}",
    ),
}

NAME_ONLY_LETTER = {
    "de": (
        "Anfrage Schulung",
        "für unsere neuen Mitarbeiter suchen wir eine Bedienerschulung an der von Ihnen gelieferten Anlage. "
        "Bitte schicken Sie uns Terminvorschläge und die Kosten für einen Schulungstag.",
    ),
    "en": (
        "Training request",
        "we are looking for operator training for our new staff on the system you supplied. Please send "
        "us possible dates and the cost of a training day.",
    ),
}

AMBIGUOUS_NOTE_DE = (
    "Telefonnotiz\n\nDatum: {date}  {time} Uhr\nAufgenommen von: {staff}\n\n"
    "Anrufer: Herr {caller} von der Firma Müller aus Hamburg (Rückrufnummer nicht hinterlassen)\n\n"
    "Anliegen: Fragt nach dem Stand seiner Lieferung und ob die Rechnung schon unterwegs ist. "
    "Kundennummer oder Auftragsnummer hatte er nicht zur Hand. Bitte zurückrufen – welche Firma Müller "
    "ist gemeint?\n"
)

NEWSLETTER_DE = (
    '<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
    "<h1>{title}</h1><p>Sehr geehrte Damen und Herren,</p>"
    "<p>{body}</p><p>Mit freundlichen Grüßen<br>{sender}</p>"
    '<p style="font-size:small">Sie erhalten diese Nachricht, weil Sie sich für unseren Newsletter angemeldet '
    'haben. <a href="https://{domain}/abmelden">Abmelden</a></p></body></html>'
)

NO_ID_TOPICS = [
    (
        "Einladung zur Hannover Messe",
        "besuchen Sie uns auf der Hannover Messe in Halle 9, Stand D17. Wir zeigen "
        "neue Lösungen für Antriebstechnik und Automatisierung. Gerne senden wir Ihnen kostenlose Eintrittskarten.",
        "Messe-Service Nord GmbH",
        "messe-service-nord.de",
    ),
    (
        "Preisanpassung Stahlzuschläge",
        "aufgrund der gestiegenen Rohstoffpreise passen wir die Legierungszuschläge "
        "zum kommenden Quartal an. Die aktuelle Tabelle finden Sie in unserem Kundenportal.",
        "Stahlkontor Weser KG",
        "stahlkontor-weser.de",
    ),
    (
        "Ihre Domain läuft ab",
        "die Registrierung Ihrer Domain läuft in 14 Tagen ab. Verlängern Sie jetzt, um "
        "Unterbrechungen Ihrer Website und E-Mail zu vermeiden.",
        "Domainservice24",
        "domainservice24.example",
    ),
    (
        "Seminarangebot Arbeitssicherheit",
        "unsere Seminare zur Unterweisung nach DGUV Vorschrift 3 finden im "
        "kommenden Halbjahr in Hamburg, München und Köln statt. Jetzt Plätze sichern!",
        "Akademie Technik & Recht",
        "akademie-tr.de",
    ),
]


def pick(rng: random.Random, options):
    return options[rng.randrange(len(options))]
