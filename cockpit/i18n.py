"""The UI string catalogue (German first, English second). Every visible string comes from here.

`t(key, lang=None, **fmt)`: without `lang` the current request's language is used (the user's choice kept in
the session, else German). Missing keys show the key itself (a test checks that every key used by the cockpit
exists in both languages). Formatting helpers for dates, months, numbers and money live here too, so a page
never formats by hand.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

DEFAULT_LANG = "de"
LANGS = ("de", "en")

_C: dict[str, tuple[str, str]] = {
    # --- shell
    "app.title": ("Dossier Cockpit", "Dossier Cockpit"),
    "app.tagline": ("Alle Kundendokumente an einem Ort", "Every customer document in one place"),
    "nav.home": ("Start", "Home"),
    "nav.search": ("Suche", "Search"),
    "nav.review": ("Klärfälle", "Review queue"),
    "nav.views": ("Ansichten", "Views"),
    "nav.inbox": ("Posteingang", "Inbox"),
    "nav.status": ("Systemstatus", "System status"),
    "nav.main": ("Hauptnavigation", "Main navigation"),
    "header.search.placeholder": ("Volltextsuche in allen Dokumenten …", "Search all documents …"),
    "header.search.label": ("Volltextsuche", "Full-text search"),
    "header.search.button": ("Suchen", "Search"),
    "header.finder.placeholder": ("Kunde finden (Name oder Nummer) …", "Find a customer (name or number) …"),
    "header.finder.label": ("Kundenakte öffnen", "Open a customer dossier"),
    "header.finder.none": ("Kein Kunde gefunden", "No customer found"),
    "lang.switch": ("English", "Deutsch"),
    "lang.switch.title": ("Switch to English", "Auf Deutsch umschalten"),
    "user.logout": ("Abmelden", "Log out"),
    "user.menu": ("Benutzer", "User"),
    "user.tenants": ("Mandant", "Tenant"),
    "user.role": ("Rolle", "Role"),
    "user.department": ("Abteilung", "Department"),
    "role.agent": ("Sachbearbeitung", "Agent"),
    "role.analyst": ("Analyse", "Analyst"),
    "role.manager": ("Leitung", "Manager"),
    "role.admin": ("Administration", "Administrator"),
    "footer.text": (
        "Dossier Cockpit · Daten nur innerhalb Ihrer Berechtigungen",
        "Dossier Cockpit · data within your permissions only",
    ),
    # --- login
    "login.title": ("Anmelden", "Sign in"),
    "login.intro": ("Melden Sie sich mit Ihrem Benutzernamen an.", "Sign in with your user name."),
    "login.user": ("Benutzername", "User name"),
    "login.password": ("Passwort", "Password"),
    "login.submit": ("Anmelden", "Sign in"),
    "login.failed": ("Benutzername oder Passwort ist falsch.", "Wrong user name or password."),
    "login.throttled": (
        "Zu viele Fehlversuche. Bitte warten Sie einige Minuten.",
        "Too many failed attempts. Please wait a few minutes.",
    ),
    "login.csrf": (
        "Das Formular ist abgelaufen. Bitte erneut anmelden.",
        "The form has expired. Please sign in again.",
    ),
    "login.logged_out": ("Sie wurden abgemeldet.", "You have been logged out."),
    # --- generic
    "common.loading": ("Lädt …", "Loading …"),
    "common.none": ("—", "—"),
    "common.more": ("mehr", "more"),
    "common.all": ("Alle", "All"),
    "common.show_all": ("Alle {n} anzeigen", "Show all {n}"),
    "common.back_search": ("Zur Suche", "Back to search"),
    "common.home": ("Zur Startseite", "Go to the start page"),
    "common.error": (
        "Diese Seite konnte gerade nicht geladen werden. Bitte versuchen Sie es erneut.",
        "This page could not be loaded right now. Please try again.",
    ),
    "common.unknown_customer": ("(ohne Kundenzuordnung)", "(no customer)"),
    "common.close": ("Schließen", "Close"),
    "notfound.title": ("Nicht gefunden", "Not found"),
    "notfound.page": (
        "Diese Seite gibt es nicht. Prüfen Sie die Adresse oder starten Sie eine Suche.",
        "This page does not exist. Check the address or start a search.",
    ),
    "notfound.customer": (
        "Zu dieser Kundennummer gibt es keine Akte, die Sie sehen dürfen.",
        "There is no dossier with this customer id that you may see.",
    ),
    "notfound.document": (
        "Dieses Dokument gibt es nicht oder Sie dürfen es nicht sehen.",
        "This document does not exist or you may not see it.",
    ),
    # --- home
    "home.title": ("Start", "Home"),
    "home.greeting": ("Guten Tag, {name}", "Hello, {name}"),
    "home.intro": (
        "Suchen Sie in allen Dokumenten Ihrer Kunden oder öffnen Sie eine Kundenakte.",
        "Search every document of your customers or open a customer dossier.",
    ),
    "home.latest": ("Neueste Dokumente", "Latest documents"),
    "home.my_customers": ("Meine Kunden", "My customers"),
    "home.my_customers.none": ("Ihnen sind keine Kunden zugeordnet.", "No customers are assigned to you."),
    "home.open_complaints": ("Offene Reklamationen", "Open complaints"),
    "home.review": ("Klärfälle", "Review queue"),
    "home.documents": ("Dokumente", "Documents"),
    "home.customers": ("Kunden", "Customers"),
    "home.goto_review": ("Klärfälle bearbeiten", "Work on the review queue"),
    # --- search
    "search.title": ("Suche", "Search"),
    "search.placeholder": (
        "Suchbegriffe, Nummern, „Phrase“, kunde:…, typ:rechnung, datum:2026-03 …",
        'Search terms, numbers, "phrase", customer:…, type:invoice, date:2026-03 …',
    ),
    "search.placeholder.short": ("Begriffe, Kunden- oder Rechnungsnummer …", "Terms, customer or invoice number …"),
    "search.syntax_hint": (
        "Tipp: „genaue Phrase“ · kunde:K-10234 · typ:rechnung · nr:RE-2026-0042 · datum:2026-03 oder datum:01.01.2026..31.03.2026",
        'Tip: "exact phrase" · customer:K-10234 · type:invoice · no:RE-2026-0042 · date:2026-03 or date:2026-01-01..2026-03-31',
    ),
    "search.submit": ("Suchen", "Search"),
    "search.mode": ("Suchart", "Search mode"),
    "mode.hybrid": ("Hybrid", "Hybrid"),
    "mode.keyword": ("Stichwort", "Keyword"),
    "mode.semantic": ("Semantisch", "Semantic"),
    "mode.hybrid.help": ("Stichwort- und Bedeutungssuche kombiniert", "Keyword and meaning combined"),
    "mode.keyword.help": ("Exakte Begriffe und Nummern", "Exact terms and numbers"),
    "mode.semantic.help": ("Findet Passagen mit ähnlicher Bedeutung", "Finds passages with a similar meaning"),
    "search.sort": ("Sortierung", "Sort"),
    "sort.relevance": ("Relevanz", "Relevance"),
    "sort.date_desc": ("Neueste zuerst", "Newest first"),
    "sort.date_asc": ("Älteste zuerst", "Oldest first"),
    "sort.customer": ("Kunde A–Z", "Customer A–Z"),
    "search.group": ("Gruppierung", "Group by"),
    "group.none": ("Keine", "None"),
    "group.customer": ("Kunde", "Customer"),
    "group.register": ("Register", "Register"),
    "group.month": ("Monat", "Month"),
    "search.total": ("{n} Treffer", "{n} results"),
    "search.total_about": ("mehr als {n} Treffer", "more than {n} results"),
    "search.total_one": ("1 Treffer", "1 result"),
    "search.groups_total": ("{n} Gruppen", "{n} groups"),
    "search.groups_one": ("1 Gruppe", "1 group"),
    "search.took": ("in {ms} ms", "in {ms} ms"),
    "search.none": ("Keine Treffer.", "No results."),
    "search.none_hint": (
        "Versuchen Sie andere Begriffe, entfernen Sie Filter oder wechseln Sie zur hybriden Suche.",
        "Try other terms, remove filters or switch to hybrid search.",
    ),
    "search.browse": ("Alle Dokumente", "All documents"),
    "search.filters": ("Filter", "Filters"),
    "search.clear_filters": ("Alle Filter entfernen", "Clear all filters"),
    "search.remove_filter": ("Filter entfernen: {label}", "Remove filter: {label}"),
    "search.page": ("Seite {page}", "Page {page}"),
    "search.prev": ("Zurück", "Previous"),
    "search.next": ("Weiter", "Next"),
    "search.pagination": ("Seitennavigation", "Pagination"),
    "search.export": ("Exportieren", "Export"),
    "search.export.csv": ("CSV", "CSV"),
    "search.export.xlsx": ("Excel (XLSX)", "Excel (XLSX)"),
    "search.export.title": (
        "Trefferliste exportieren (nur Dokumente, die Sie sehen dürfen)",
        "Export the hit list (only documents you may see)",
    ),
    "search.export.denied": ("Ihre Rolle darf keine Listen exportieren.", "Your role may not export lists."),
    "search.export.failed": (
        "Der Export ist fehlgeschlagen. Bitte erneut versuchen.",
        "The export failed. Please try again.",
    ),
    "search.export.truncated": ("Export auf {n} Zeilen begrenzt.", "Export limited to {n} rows."),
    "search.save_view": ("Als Ansicht speichern", "Save as view"),
    "search.save_view.name": ("Name der Ansicht", "Name of the view"),
    "search.save_view.saved": ("Ansicht „{name}“ gespeichert.", 'View "{name}" saved.'),
    "search.save_view.failed": (
        "Die Ansicht konnte nicht gespeichert werden: {error}",
        "The view could not be saved: {error}",
    ),
    "search.save_view.noname": ("Bitte einen Namen eingeben.", "Please enter a name."),
    "search.save": ("Speichern", "Save"),
    "search.older_version": ("ältere Version", "older version"),
    "search.version": ("Version {v}", "Version {v}"),
    "search.all_versions": ("Alle Versionen zeigen", "Show all versions"),
    "search.latest_only": ("Nur neueste Versionen", "Latest versions only"),
    "search.open_dossier": ("Akte öffnen", "Open dossier"),
    "search.in_dossier": ("Suche in der Akte {name}", "Search in the dossier of {name}"),
    "search.group_key_none": ("(ohne Wert)", "(no value)"),
    "search.groups_more": ("Weitere Gruppen", "More groups"),
    # search messages (parameters and service messages, translated)
    "msg.bad_mode": (
        "Unbekannte Suchart „{value}“ – es wird hybrid gesucht.",
        'Unknown search mode "{value}" – using hybrid.',
    ),
    "msg.bad_sort": (
        "Unbekannte Sortierung „{value}“ – es wird nach Relevanz sortiert.",
        'Unknown sort "{value}" – sorting by relevance.',
    ),
    "msg.bad_group": (
        "Unbekannte Gruppierung „{value}“ – ohne Gruppierung.",
        'Unknown grouping "{value}" – not grouped.',
    ),
    "msg.bad_page": (
        "Ungültige Seitenzahl „{value}“ – Seite 1 wird gezeigt.",
        'Invalid page "{value}" – showing page 1.',
    ),
    "msg.page_too_far": (
        "Es können höchstens {n} Seiten geblättert werden.",
        "At most {n} pages can be paged through.",
    ),
    "msg.bad_facet": ("Unbekannter Filter „{value}“ wurde ignoriert.", 'Unknown filter "{value}" was ignored.'),
    "msg.too_many_values": (
        "Zu viele Filterwerte – nur die ersten {n} werden verwendet.",
        "Too many filter values – only the first {n} are used.",
    ),
    "msg.query_too_long": (
        "Die Suchanfrage war sehr lang und wurde auf {n} Zeichen gekürzt.",
        "The query was very long and was shortened to {n} characters.",
    ),
    "msg.bad_value": ("Ungültiger Wert für „{value}“ wurde ignoriert.", 'An invalid value for "{value}" was ignored.'),
    "msg.unknown_type": (
        "Unbekannter Dokumenttyp „{value}“ – als Text gesucht.",
        'Unknown document type "{value}" – searched as text.',
    ),
    "msg.not_a_number": ("„{value}“ ist keine Nummer – ignoriert.", '"{value}" is not a number – ignored.'),
    "msg.bad_date": (
        "„{value}“ ist kein gültiges Datum oder Zeitraum (z. B. 31.01.2026 oder 01.01.2026..31.03.2026) – die Datumsbedingung wurde ignoriert.",
        '"{value}" is not a valid date or range (e.g. 2026-01-31 or 2026-01-01..2026-03-31) – the date condition was ignored.',
    ),
    "msg.too_many_words": (
        "Nur die ersten {value} Wörter wurden gesucht.",
        "Only the first {value} words were searched.",
    ),
    "msg.no_access": ("Sie haben keinen Zugriff auf Dokumente.", "You have no access to any documents."),
    "msg.semantic_unavailable": (
        "Die semantische Suche ist gerade nicht verfügbar; es werden Stichwort-Treffer gezeigt.",
        "Semantic search is unavailable right now; showing keyword results.",
    ),
    "msg.search_failed": (
        "Die Suche konnte nicht ausgeführt werden. Bitte vereinfachen Sie die Anfrage oder versuchen Sie es erneut.",
        "The search could not be completed. Please simplify the query or try again.",
    ),
    "msg.beyond": ("Keine weiteren Treffer auf dieser Seite.", "No more results on this page."),
    "msg.window": (
        "Es können nur die ersten 10.000 Treffer geblättert werden; bitte Filter verwenden.",
        "Only the first 10,000 results can be paged through; please use a filter.",
    ),
    # --- facets
    "facet.register": ("Register", "Register"),
    "facet.customer_ids": ("Kunde", "Customer"),
    "facet.year_month": ("Monat", "Month"),
    "facet.language": ("Sprache", "Language"),
    "facet.source_kind": ("Quelle", "Source"),
    "facet.status": ("Status", "Status"),
    "facet.entity_facets": ("Nummern & Kontakte", "Numbers & contacts"),
    "facet.filing.status": ("Zuordnung", "Filing"),
    "facet.tenant": ("Mandant", "Tenant"),
    "facet.more": ("Weitere {n}", "{n} more"),
    "facet.select": ("Filter {facet}: {value}", "Filter {facet}: {value}"),
    "source.file": ("Datei", "File"),
    "source.email": ("E-Mail", "E-mail"),
    "source.attachment": ("Anhang", "Attachment"),
    "source.erp": ("ERP", "ERP"),
    "source.upload": ("Upload", "Upload"),
    "status.open": ("offen", "open"),
    "status.closed": ("erledigt", "closed"),
    "status.n/a": ("ohne Status", "no status"),
    "filing.auto": ("automatisch", "automatic"),
    "filing.review": ("zu prüfen", "to review"),
    "filing.manual": ("manuell", "manual"),
    "language.de": ("Deutsch", "German"),
    "language.en": ("Englisch", "English"),
    "language.es": ("Spanisch", "Spanish"),
    "language.tr": ("Türkisch", "Turkish"),
    "language.pl": ("Polnisch", "Polish"),
    "language.und": ("unbestimmt", "undetermined"),
    "entity.customer_number": ("Kundennr.", "Customer no."),
    "entity.order_number": ("Auftragsnr.", "Order no."),
    "entity.invoice_number": ("Rechnungsnr.", "Invoice no."),
    "entity.delivery_number": ("Lieferscheinnr.", "Delivery no."),
    "entity.offer_number": ("Angebotsnr.", "Offer no."),
    "entity.iban": ("IBAN", "IBAN"),
    "entity.vat_id": ("USt-IdNr.", "VAT id"),
    "entity.email": ("E-Mail", "E-mail"),
    "entity.phone": ("Telefon", "Phone"),
    "entity.amount": ("Betrag", "Amount"),
    "entity.date": ("Datum", "Date"),
    "entity.person": ("Person", "Person"),
    "entity.org": ("Organisation", "Organisation"),
    # --- registers
    "register.offer": ("Angebote", "Offers"),
    "register.order": ("Aufträge", "Orders"),
    "register.order_confirmation": ("Auftragsbestätigungen", "Order confirmations"),
    "register.delivery_note": ("Lieferscheine", "Delivery notes"),
    "register.invoice": ("Rechnungen", "Invoices"),
    "register.credit_note": ("Gutschriften", "Credit notes"),
    "register.complaint": ("Reklamationen", "Complaints"),
    "register.correspondence": ("Korrespondenz", "Correspondence"),
    "register.contract": ("Verträge", "Contracts"),
    "register.service": ("Service", "Service"),
    "register.other": ("Sonstiges", "Other"),
    "register.review": ("Klärfälle", "Review"),
    # --- dossier
    "dossier.title": ("Kundenakte", "Customer dossier"),
    "dossier.master": ("Stammdaten", "Master data"),
    "dossier.number": ("Kundennummer", "Customer number"),
    "dossier.name": ("Name", "Name"),
    "dossier.segment": ("Segment", "Segment"),
    "dossier.account_manager": ("Kundenbetreuung", "Account manager"),
    "dossier.department": ("Abteilung", "Department"),
    "dossier.tenant": ("Mandant", "Tenant"),
    "dossier.emails": ("E-Mail", "E-mail"),
    "dossier.phones": ("Telefon", "Phone"),
    "dossier.vat_id": ("USt-IdNr.", "VAT id"),
    "dossier.address.billing": ("Rechnungsadresse", "Billing address"),
    "dossier.address.delivery": ("Lieferadresse", "Delivery address"),
    "dossier.address": ("Adresse", "Address"),
    "dossier.kpi.open_complaints": ("Offene Reklamationen", "Open complaints"),
    "dossier.kpi.last_order": ("Letzter Auftrag", "Last order"),
    "dossier.kpi.last_delivery": ("Letzte Lieferung", "Last delivery"),
    "dossier.kpi.revenue": ("Umsatz 12 Monate", "Revenue 12 months"),
    "dossier.kpi.revenue.help": (
        "Summe der Rechnungsbeträge der letzten 12 Monate",
        "Sum of invoice totals of the last 12 months",
    ),
    "dossier.kpi.documents": ("Dokumente", "Documents"),
    "dossier.overview": ("Übersicht", "Overview"),
    "dossier.timeline": ("Dokumente im Zeitverlauf", "Documents over time"),
    "dossier.timeline.empty": ("Noch keine datierten Dokumente.", "No dated documents yet."),
    "dossier.latest": ("Neueste Dokumente", "Latest documents"),
    "dossier.contacts": ("Kontakte & Nummern", "Contacts & numbers"),
    "dossier.contacts.none": ("Keine Kontakte erkannt.", "No contacts recognised."),
    "dossier.map": ("Standorte", "Locations"),
    "dossier.map.none": ("Keine Koordinaten hinterlegt.", "No coordinates on file."),
    "dossier.search.placeholder": ("In dieser Akte suchen …", "Search in this dossier …"),
    "dossier.search.label": ("Suche in dieser Akte", "Search in this dossier"),
    "dossier.register.empty": ("Keine Dokumente in diesem Register.", "No documents in this register."),
    "dossier.register.all": ("Alle {n} in der Suche öffnen", "Open all {n} in the search"),
    "dossier.views": ("Ansichten", "Views"),
    "dossier.no_master": ("Keine Stammdaten vorhanden.", "No master data on file."),
    "dossier.registers": ("Register", "Registers"),
    "dossier.documents_count": ("{n} Dokumente", "{n} documents"),
    # --- document
    "document.title": ("Dokument", "Document"),
    "document.meta": ("Eigenschaften", "Properties"),
    "document.text": ("Text", "Text"),
    "document.text.empty": ("Kein Text extrahiert.", "No text extracted."),
    "document.text.truncated": (
        "Der Text ist gekürzt ({n} von {total} Zeichen).",
        "The text is shortened ({n} of {total} characters).",
    ),
    "document.highlight_for": ("Hervorgehoben: {q}", "Highlighted: {q}"),
    "document.entities": ("Erkannte Angaben", "Recognised details"),
    "document.entities.none": ("Keine Angaben erkannt.", "No details recognised."),
    "document.filing": ("Warum in dieser Akte?", "Why in this dossier?"),
    "document.filing.status": ("Zuordnung", "Filing"),
    "document.filing.confidence": ("Sicherheit", "Confidence"),
    "document.filing.register_reason": ("Register", "Register"),
    "document.filing.reasons": ("Gründe", "Reasons"),
    "document.filing.candidates": ("Kandidaten", "Candidates"),
    "document.versions": ("Versionen", "Versions"),
    "document.versions.latest": ("aktuell", "latest"),
    "document.versions.this": ("diese", "this one"),
    "document.dossiers": ("Kundenakten", "Customer dossiers"),
    "document.dossiers.none": ("Noch keiner Akte zugeordnet.", "Not filed to any dossier yet."),
    "document.download": ("Original herunterladen", "Download the original"),
    "document.similar": ("Ähnliche Dokumente", "Similar documents"),
    "document.similar.none": ("Keine ähnlichen Dokumente gefunden.", "No similar documents found."),
    "document.field.register": ("Register", "Register"),
    "document.field.date": ("Dokumentdatum", "Document date"),
    "document.field.received": ("Eingang", "Received"),
    "document.field.indexed": ("Indiziert", "Indexed"),
    "document.field.file": ("Datei", "File"),
    "document.field.type": ("Dateityp", "File type"),
    "document.field.size": ("Größe", "Size"),
    "document.field.pages": ("Seiten", "Pages"),
    "document.field.language": ("Sprache", "Language"),
    "document.field.source": ("Quelle", "Source"),
    "document.field.status": ("Status", "Status"),
    "document.field.amount": ("Betrag", "Amount"),
    "document.field.from": ("Von", "From"),
    "document.field.to": ("An", "To"),
    "document.field.subject": ("Betreff", "Subject"),
    "document.field.version": ("Version", "Version"),
    "document.field.customer": ("Kunde", "Customer"),
    "document.field.id": ("Dokument-ID", "Document id"),
    "document.older": ("Dies ist eine ältere Version.", "This is an older version."),
    "document.open_latest": ("Aktuelle Version öffnen", "Open the latest version"),
    "document.attachments": ("Anhänge", "Attachments"),
    "document.parent": ("Gehört zur E-Mail", "Belongs to the e-mail"),
    # --- review
    "review.title": ("Klärfälle", "Review queue"),
    "review.intro": (
        "Dokumente, die nicht sicher zugeordnet werden konnten. Kandidat anklicken oder Kunde suchen, Register prüfen, zuordnen.",
        "Documents the pipeline could not file with confidence. Click a candidate or find a customer, check the register, file it.",
    ),
    "review.empty": ("Keine offenen Klärfälle – alles zugeordnet.", "No open review items – everything is filed."),
    "review.count": ("{n} offene Klärfälle", "{n} open review items"),
    "review.count_one": ("1 offener Klärfall", "1 open review item"),
    "review.candidates": ("Vorschläge", "Suggestions"),
    "review.no_candidates": ("Keine Vorschläge", "No suggestions"),
    "review.customer": ("Anderer Kunde", "Other customer"),
    "review.customer.placeholder": (
        "Anderen Kunden suchen (Name oder Nummer) …",
        "Find another customer (name or number) …",
    ),
    "review.register": ("Register", "Register"),
    "review.assign": ("Zuordnen", "File"),
    "review.assign_to": ("Zuordnen zu {name}", "File to {name}"),
    "review.done": ("Zugeordnet zu {name} ({register}).", "Filed to {name} ({register})."),
    "review.reason": ("manuell zugeordnet von {user}", "manuell zugeordnet von {user}"),
    "review.error.pick": ("Bitte zuerst einen Kunden wählen.", "Please choose a customer first."),
    "review.error.gone": (
        "Dieses Dokument ist nicht mehr in der Klärung (bereits zugeordnet?).",
        "This document is no longer in review (already filed?).",
    ),
    "review.error.customer": (
        "Diesen Kunden gibt es in Ihrem Mandanten nicht.",
        "This customer does not exist in your tenant.",
    ),
    "review.error.register": ("Ungültiges Register.", "Invalid register."),
    "review.error.conflict": (
        "Jemand anderes hat das Dokument gerade geändert. Bitte Seite neu laden.",
        "Someone else has just changed this document. Please reload the page.",
    ),
    "review.error.denied": ("Ihre Rolle darf keine Dokumente zuordnen.", "Your role may not file documents."),
    "review.error.failed": (
        "Die Zuordnung ist fehlgeschlagen. Bitte erneut versuchen.",
        "Filing failed. Please try again.",
    ),
    "review.received": ("Eingang", "Received"),
    "review.why": ("Warum in Klärung", "Why in review"),
    # --- status page
    "status.heading": ("Systemstatus", "System status"),
    "status.intro": (
        "Zustand aller Komponenten, wie `cockpit doctor` ihn meldet.",
        "State of every component as reported by `cockpit doctor`.",
    ),
    "status.loading": ("Prüfe Komponenten …", "Checking components …"),
    "status.component": ("Komponente", "Component"),
    "status.state": ("Zustand", "State"),
    "status.version": ("Version", "Version"),
    "status.detail": ("Details", "Details"),
    "status.ok": ("bereit", "ready"),
    "status.missing": ("fehlt", "missing"),
    "status.optional": ("fehlt (optional)", "missing (optional)"),
    "status.error": ("Statusprüfung fehlgeschlagen", "Status check failed"),
    "status.denied": ("Der Systemstatus ist Administratoren vorbehalten.", "The system status is for administrators."),
    # === views and inbox pages (message codes of views.compile.ViewMessage are views.msg.<code>)
    # --- views page
    "views.title": ("Ansichten", "Views"),
    "views.intro": (
        "Gespeicherte Sichten auf Ihre Dokumente – mit relativen Zeiträumen, Filtern und Gruppierung.",
        "Saved views of your documents – with relative date ranges, filters and grouping.",
    ),
    "views.section.mine": ("Meine Ansichten", "My views"),
    "views.section.department": ("Meiner Abteilung / Gruppen", "My department / groups"),
    "views.section.tenant": ("Mandantenweit", "Tenant-wide"),
    "views.section.admin": ("Weitere (Administration)", "Others (administration)"),
    "views.section.empty": ("Keine Ansichten.", "No views."),
    "views.new": ("Neue Ansicht", "New view"),
    "views.edit": ("Bearbeiten", "Edit"),
    "views.delete": ("Löschen", "Delete"),
    "views.delete.confirm": ("Diese Ansicht wirklich löschen?", "Really delete this view?"),
    "views.deleted": ("Ansicht gelöscht.", "View deleted."),
    "views.saved": ("Ansicht „{name}“ gespeichert.", 'View "{name}" saved.'),
    "views.save": ("Speichern", "Save"),
    "views.cancel": ("Abbrechen", "Cancel"),
    "views.back": ("Alle Ansichten", "All views"),
    "views.count": ("{n} Dokumente", "{n} documents"),
    "views.count.one": ("1 Dokument", "1 document"),
    "views.count.dossier": ("in der Kundenakte", "in a dossier"),
    "views.count.unavailable": ("Anzahl nicht verfügbar", "count unavailable"),
    "views.readonly": ("Nur lesen – geteilt von {owner}", "Read-only – shared by {owner}"),
    "views.owner": ("Erstellt von {owner}", "Created by {owner}"),
    "views.notfound": (
        "Diese Ansicht gibt es nicht oder sie ist nicht mit Ihnen geteilt.",
        "This view does not exist or is not shared with you.",
    ),
    "views.results.none": ("Keine Dokumente in dieser Ansicht.", "No documents in this view."),
    "views.dossier_only": (
        "Diese Ansicht gilt für eine Kundenakte: öffnen Sie sie über die Schaltfläche auf dem Aktendeckel.",
        "This view runs inside a customer dossier: open it with its button on the dossier cover.",
    ),
    "views.in_dossier": ("In der Akte von {customer}", "In the dossier of {customer}"),
    "views.range": ("Zeitraum", "Date range"),
    "views.prev": ("Zurück", "Previous"),
    "views.next": ("Weiter", "Next"),
    "views.page": ("Seite {page} von {pages}", "Page {page} of {pages}"),
    "views.no_permission": ("Sie dürfen keine Ansichten anlegen.", "You may not create views."),
    # sharing / scope badges
    "views.sharing.private": ("Privat", "Private"),
    "views.sharing.tenant": ("Ganzer Mandant", "Whole tenant"),
    "views.sharing.group": ("Gruppe {group}", "Group {group}"),
    "views.scope.portfolio": ("Alle Kunden", "All customers"),
    "views.scope.dossier": ("Kundenakte", "Customer dossier"),
    "views.my_customers": ("Meine Kunden", "My customers"),
    "views.my_department": ("Meine Abteilung", "My department"),
    # subscriptions
    "views.subscribe": ("Benachrichtigen", "Notify me"),
    "views.subscription": ("Benachrichtigung", "Notification"),
    "views.subscription.none": ("Keine", "None"),
    "views.subscription.immediate": ("Sofort", "Immediately"),
    "views.subscription.daily": ("Täglich (Zusammenfassung)", "Daily (digest)"),
    "views.subscription.saved": ("Benachrichtigung: {what}", "Notifications: {what}"),
    "views.subscribed": ("Abonniert", "Subscribed"),
    # editor
    "views.editor.new": ("Neue Ansicht", "New view"),
    "views.editor.edit": ("Ansicht bearbeiten", "Edit view"),
    "views.f.name": ("Name", "Name"),
    "views.f.description": ("Beschreibung", "Description"),
    "views.f.query": ("Suchbegriffe (optional)", "Search terms (optional)"),
    "views.f.mode": ("Suchart", "Search mode"),
    "views.f.filters": ("Filter", "Filters"),
    "views.f.register": ("Register", "Registers"),
    "views.f.status": ("Status", "Status"),
    "views.f.language": ("Sprache", "Language"),
    "views.f.source_kind": ("Quelle", "Source"),
    "views.f.customer_ids": ("Kunden-IDs (kommagetrennt)", "Customer ids (comma-separated)"),
    "views.f.viewer": ("Für den Betrachter", "For the viewer"),
    "views.f.date": ("Zeitraum", "Date range"),
    "views.f.date_field": ("Datumsfeld", "Date field"),
    "views.f.date_kind": ("Art", "Kind"),
    "views.f.n": ("Anzahl", "Number"),
    "views.f.unit": ("Einheit", "Unit"),
    "views.f.start": ("Von", "From"),
    "views.f.end": ("Bis", "To"),
    "views.f.group_by": ("Gruppieren nach", "Group by"),
    "views.f.sort": ("Sortierung", "Sort"),
    "views.f.columns": ("Spalten", "Columns"),
    "views.f.scope": ("Gültig für", "Applies to"),
    "views.f.sharing": ("Teilen mit", "Share with"),
    "views.f.group": ("Gruppe / Abteilung", "Group / department"),
    "views.date.none": ("Kein Zeitraum", "No date range"),
    "views.date.last": ("Letzte …", "Last …"),
    "views.date.today": ("Heute", "Today"),
    "views.date.yesterday": ("Gestern", "Yesterday"),
    "views.date.this": ("Diese(r) …", "This …"),
    "views.date.previous": ("Vorige(r) …", "Previous …"),
    "views.date.since": ("Seit Datum", "Since a date"),
    "views.date.between": ("Zwischen zwei Daten", "Between two dates"),
    "views.unit.day": ("Tage", "days"),
    "views.unit.week": ("Wochen", "weeks"),
    "views.unit.month": ("Monate", "months"),
    "views.unit.quarter": ("Quartale", "quarters"),
    "views.unit.year": ("Jahre", "years"),
    "views.field.doc_date": ("Dokumentdatum", "Document date"),
    "views.field.received_at": ("Eingangsdatum", "Received"),
    "views.field.indexed_at": ("Erfasst am", "Indexed"),
    "views.col.doc_id": ("ID", "Id"),
    "views.col.family_id": ("Familie", "Family"),
    "views.col.title": ("Titel", "Title"),
    "views.col.customer_ids": ("Kunden-ID", "Customer id"),
    "views.col.customer_names": ("Kunde", "Customer"),
    "views.col.primary_customer_id": ("Hauptkunde", "Main customer"),
    "views.col.register": ("Register", "Register"),
    "views.col.doc_date": ("Datum", "Date"),
    "views.col.language": ("Sprache", "Language"),
    "views.col.version": ("Version", "Version"),
    "views.col.is_latest": ("Aktuell", "Latest"),
    "views.col.tenant": ("Mandant", "Tenant"),
    "views.col.source_kind": ("Quelle", "Source"),
    "views.col.status": ("Status", "Status"),
    "views.col.file_name": ("Datei", "File"),
    "views.col.mime_type": ("Dateityp", "File type"),
    "views.col.subject": ("Betreff", "Subject"),
    "views.col.year_month": ("Monat", "Month"),
    "views.group.none": ("Keine", "None"),
    "views.status.open": ("offen", "open"),
    "views.status.closed": ("erledigt", "closed"),
    "views.status.n/a": ("—", "—"),
    "views.range.last": ("letzte {n} {unit}", "last {n} {unit}"),
    "views.range.today": ("heute", "today"),
    "views.range.yesterday": ("gestern", "yesterday"),
    "views.range.this": ("diese(r) {unit}", "this {unit}"),
    "views.range.previous": ("vorige(r) {unit}", "previous {unit}"),
    "views.range.since": ("seit {start}", "since {start}"),
    "views.range.between": ("{start} – {end}", "{start} – {end}"),
    "views.unit1.week": ("Woche", "week"),
    "views.unit1.month": ("Monat", "month"),
    "views.unit1.quarter": ("Quartal", "quarter"),
    "views.unit1.year": ("Jahr", "year"),
    "views.error": ("Bitte prüfen: {error}", "Please check: {error}"),
    # compile messages (views.compile.ViewMessage codes)
    "views.msg.group_left": (
        "Diese Ansicht ist mit der Gruppe „{group}“ geteilt, der Sie nicht mehr angehören.",
        'This view is shared with the group "{group}", which you no longer belong to.',
    ),
    "views.msg.field_removed": (
        "Der Filter auf „{field}“ wurde ignoriert: dieses Feld gibt es nicht mehr. Bitte die Ansicht bearbeiten.",
        'The filter on "{field}" was ignored: that field no longer exists. Please edit the view.',
    ),
    "views.msg.value_removed": (
        "Filter {field}: {values} gibt es nicht mehr – dafür wird nichts gefunden.",
        "Filter {field}: {values} no longer exist(s) and match(es) nothing.",
    ),
    "views.msg.no_customers": (
        "Sie betreuen keine Kunden: diese Ansicht ist für Sie leer.",
        "You are not account manager of any customer: this view is empty for you.",
    ),
    "views.msg.no_department": (
        "Sie gehören keiner Abteilung an: diese Ansicht ist für Sie leer.",
        "You belong to no department: this view is empty for you.",
    ),
    "views.msg.department_empty": (
        "Ihre Abteilung „{department}“ betreut keine Kunden: diese Ansicht ist für Sie leer.",
        'Your department "{department}" looks after no customers: this view is empty for you.',
    ),
    "views.msg.date_field_removed": (
        "Der Zeitraum auf „{field}“ wurde ignoriert: dieses Datumsfeld gibt es nicht mehr.",
        'The date range on "{field}" was ignored: that date field no longer exists.',
    ),
    "views.msg.group_removed": (
        "Gruppierung nach „{group_by}“ gibt es nicht mehr.",
        'Grouping by "{group_by}" is no longer available.',
    ),
    "views.msg.sort_removed": (
        "Sortierung „{sort}“ gibt es nicht mehr.",
        'Sorting by "{sort}" is no longer available.',
    ),
    "views.msg.columns_removed": ("Spalte(n) {columns} gibt es nicht mehr.", "Column(s) {columns} no longer exist."),
    "views.msg.dossier_required": (
        "Diese Ansicht gilt für eine Kundenakte: öffnen Sie sie aus einer Akte.",
        "This view runs inside a customer dossier: open it from one.",
    ),
    # --- inbox page
    "inbox.title": ("Posteingang", "Inbox"),
    "inbox.intro": (
        "Neue Dokumente zu Ansichten, die Sie abonniert haben.",
        "New documents in views you subscribed to.",
    ),
    "inbox.unread": ("{n} ungelesen", "{n} unread"),
    "inbox.only_unread": ("Nur ungelesene", "Unread only"),
    "inbox.show_all": ("Alle anzeigen", "Show all"),
    "inbox.mark_all": ("Alle als gelesen markieren", "Mark all as read"),
    "inbox.mark_read": ("Gelesen", "Mark read"),
    "inbox.marked": ("{n} als gelesen markiert.", "{n} marked as read."),
    "inbox.empty": ("Keine Benachrichtigungen.", "No notifications."),
    "inbox.unavailable": (
        "Dokument nicht mehr verfügbar (keine Berechtigung).",
        "Document no longer available (no permission).",
    ),
    "inbox.subscriptions": ("Meine Abonnements", "My subscriptions"),
    "inbox.subscriptions.none": (
        "Sie haben keine Ansichten abonniert. Öffnen Sie eine Ansicht und wählen Sie „Benachrichtigen“.",
        'You have not subscribed to any view. Open a view and choose "Notify me".',
    ),
    "inbox.view": ("Ansicht", "View"),
    "inbox.received": ("Benachrichtigt {when}", "Notified {when}"),
    "inbox.email.queued": ("E-Mail ausstehend", "e-mail pending"),
    "inbox.email.sent": ("per E-Mail gesendet", "sent by e-mail"),
    "inbox.email.no_address": ("keine E-Mail-Adresse", "no e-mail address"),
}

MONTHS = {
    "de": (
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
MONTHS_SHORT = {
    "de": ("Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}

CATALOGUE: dict[str, dict[str, str]] = {k: {"de": de, "en": en} for k, (de, en) in _C.items()}


def current_lang() -> str:
    """The request's UI language: the session's choice, else German. Outside a request: German."""
    try:
        from flask import has_request_context, session

        if has_request_context():
            lang = session.get("lang")
            if lang in LANGS:
                return str(lang)
    except Exception:  # noqa: BLE001, S110 - no session (no secret key in a bare test app): default
        pass
    return DEFAULT_LANG


def has(key: str) -> bool:
    return key in CATALOGUE


def t(key: str, lang: str | None = None, **fmt: Any) -> str:
    lang = lang or current_lang()
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT_LANG]
    if fmt:
        try:
            return text.format(**fmt)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def t_or(key: str, fallback: str, lang: str | None = None) -> str:
    """A catalogue label when the key exists (register, facet value), else the raw value."""
    return t(key, lang) if key in CATALOGUE else fallback


# ------------------------------------------------------------------------------------------- formatting


def fmt_int(n: int | float | None, lang: str | None = None) -> str:
    if n is None:
        return t("common.none", lang)
    s = f"{int(n):,}"
    return s.replace(",", ".") if (lang or current_lang()) == "de" else s


def fmt_money(amount: float | None, currency: str | None = "EUR", lang: str | None = None) -> str:
    if amount is None:
        return t("common.none", lang)
    lang = lang or current_lang()
    s = f"{amount:,.2f}"
    if lang == "de":
        s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    sym = {"EUR": "€", "GBP": "£", "USD": "$", "PLN": "zł", "TRY": "₺"}.get((currency or "EUR").upper(), currency or "")
    return f"{s} {sym}" if lang == "de" else f"{sym} {s}" if sym in ("€", "£", "$") else f"{s} {sym}"


def parse_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def fmt_date(value: str | dt.date | None, lang: str | None = None) -> str:
    d = value if isinstance(value, dt.date) else parse_date(value)
    if d is None:
        return t("common.none", lang)
    return d.strftime("%d.%m.%Y") if (lang or current_lang()) == "de" else d.isoformat()


def fmt_datetime(value: str | None, lang: str | None = None) -> str:
    if not value:
        return t("common.none", lang)
    try:
        d = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return fmt_date(value, lang)
    return d.strftime("%d.%m.%Y %H:%M") if (lang or current_lang()) == "de" else d.strftime("%Y-%m-%d %H:%M")


def fmt_month(ym: str | None, lang: str | None = None, short: bool = False) -> str:
    """ "2026-03" -> "März 2026" / "March 2026"."""
    lang = lang or current_lang()
    try:
        year, month = str(ym).split("-")[:2]
        names = (MONTHS_SHORT if short else MONTHS)[lang if lang in MONTHS else DEFAULT_LANG]
        return f"{names[int(month) - 1]} {int(year)}"
    except (ValueError, IndexError, AttributeError):
        return str(ym or t("common.none", lang))


def fmt_size(n: int | None, lang: str | None = None) -> str:
    if n is None:
        return t("common.none", lang)
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            s = f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
            return s.replace(".", ",") if (lang or current_lang()) == "de" else s
        value /= 1024
    return str(n)
