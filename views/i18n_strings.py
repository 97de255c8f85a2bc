"""UI strings of the views and inbox pages, to be merged into `cockpit.i18n.CATALOGUE` ({key: {"de", "en"}}).

Until they are merged, `tr()` looks a key up in the cockpit catalogue first and here second, so the pages
work either way. Message codes of `views.compile.ViewMessage` are "views.msg.<code>" with the same params.
"""

from __future__ import annotations

from typing import Any

_S: dict[str, tuple[str, str]] = {
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

VIEWS_STRINGS: dict[str, dict[str, str]] = {k: {"de": de, "en": en} for k, (de, en) in _S.items()}


def tr(key: str, lang: str | None = None, **fmt: Any) -> str:
    """The cockpit catalogue's text when it has the key, else ours (German fallback)."""
    try:
        from cockpit.i18n import CATALOGUE, current_lang

        if key in CATALOGUE:
            from cockpit.i18n import t

            return t(key, lang, **fmt)
        lang = lang or current_lang()
    except Exception:  # noqa: BLE001 - outside the cockpit
        lang = lang or "de"
    entry = VIEWS_STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["de"]
    if fmt:
        try:
            return text.format(**fmt)
        except (KeyError, IndexError, ValueError):
            return text
    return text
