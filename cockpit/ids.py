"""Component ids, in one place (tests and callbacks refer to these)."""

# status page
STATUS_TABLE = "status-table"
STATUS_REFRESH = "status-refresh"
STATUS_TRIGGER = "status-trigger"

# shell
HEADER_Q = "header-q"
HEADER_Q_GO = "header-q-go"
CUSTOMER_FINDER = "customer-finder"
SHELL_NAV_SEARCH = "shell-nav-search"
SHELL_NAV_FINDER = "shell-nav-finder"
INBOX_BADGE = "nav-inbox-badge"  # unread notifications next to the inbox link

# search page
SEARCH_NAV = "search-nav"
SEARCH_Q = "search-q"
SEARCH_GO = "search-go"
SEARCH_STATE = "search-state"
SEARCH_RESULTS = "search-results"
SEARCH_SUMMARY = "search-summary"
SEARCH_MODE = "search-mode"
SEARCH_GROUP = "search-group"
SEARCH_SORT = "search-sort"
EXPORT_CSV = "export-csv"
EXPORT_XLSX = "export-xlsx"
EXPORT_DOWNLOAD = "export-download"
EXPORT_STATUS = "export-status"
SAVE_VIEW_OPEN = "save-view-open"
SAVE_VIEW_NAME = "save-view-name"
SAVE_VIEW_SAVE = "save-view-save"
SAVE_VIEW_MODAL = "save-view-modal"
SAVE_VIEW_STATUS = "save-view-status"

# dossier
DOSSIER_NAV = "dossier-nav"
DOSSIER_Q = "dossier-q"
DOSSIER_Q_GO = "dossier-q-go"
DOSSIER_CUSTOMER = "dossier-customer-id"
DOSSIER_TABS = "dossier-tabs"
DOSSIER_TIMELINE = "dossier-timeline"
DOSSIER_MAP = "dossier-map"

# document
DOCUMENT_SIMILAR = "document-similar"
DOCUMENT_ID = "document-id"
DOCUMENT_TEXT = "document-text"
DOCUMENT_DOWNLOAD = "document-download"

# review queue (pattern-matching ids: {"type": ..., "index": doc_id})
REVIEW_CUSTOMER = "review-customer"
REVIEW_REGISTER = "review-register"
REVIEW_ASSIGN = "review-assign"
REVIEW_CANDIDATE = "review-candidate"
REVIEW_STATUS = "review-status"
REVIEW_LIST = "review-list"

# intake: the upload widget (/neu and the dossier's "add documents"); pattern-matching ids
# {"type": ..., "scope": "page" | "dossier"}, one set of callbacks (cockpit/pages/upload.py) serves both
INTAKE_DROP = "intake-drop"
INTAKE_REGISTER = "intake-register"
INTAKE_TENANT = "intake-tenant"
INTAKE_CUSTOMER = "intake-customer"
INTAKE_ROWS = "intake-rows"  # dcc.Store (memory): the page's job ids and refusals, in drop order
INTAKE_TICK = "intake-tick"
INTAKE_TABLE = "intake-table"
INTAKE_RECENT = "intake-recent"

# status page: the queue panel (retry buttons: {"type": QUEUE_RETRY, "job": job_id})
QUEUE_PANEL = "queue-panel"
QUEUE_REFRESH = "queue-refresh"
QUEUE_RETRY = "queue-retry"
QUEUE_RETRY_RESULT = "queue-retry-result"

# dashboard page (panel ids are pattern-matching dicts: cockpit.components.dashboard)
DASH_STATE = "dash-state"
DASH_PERIOD = "dash-period-select"
DASH_RANGE = "dash-range"
DASH_SEGMENT = "dash-segment"
DASH_MANAGER = "dash-manager"
DASH_DEPARTMENT = "dash-department"
DASH_REGISTER = "dash-register"
DASH_TENANT = "dash-tenant"
DASH_DIGEST = "dash-digest"
DASH_DIGEST_STATUS = "dash-digest-status"

# audit page (/audit) and the document page's "Verlauf" card
AUDIT_NAV = "audit-nav"
AUDIT_STATE = "audit-state"  # dcc.Store: the page's query string (filters and page)
AUDIT_USER = "audit-user"
AUDIT_DOC = "audit-doc"
AUDIT_CUSTOMER = "audit-customer"
AUDIT_ACTION = "audit-action"
AUDIT_PERIOD = "audit-period"
AUDIT_TENANT = "audit-tenant"
AUDIT_APPLY = "audit-apply"
AUDIT_TABLE = "audit-table"
AUDIT_EXPORT = "audit-export"
AUDIT_DOWNLOAD = "audit-download"
AUDIT_EXPORT_STATUS = "audit-export-status"
HISTORY_CARD = "document-history"

# retention page (/retention): report, legal holds, disposal
RETENTION_MONTHS = "retention-months"
RETENTION_TENANT = "retention-tenant"
RETENTION_REFRESH = "retention-refresh"  # dcc.Store: bumped after a hold or disposal changes the picture
RETENTION_REPORT = "retention-report"
RETENTION_HOLDS = "retention-holds"
RETENTION_HOLD_TARGET = "retention-hold-target"
RETENTION_HOLD_VALUE = "retention-hold-value"
RETENTION_HOLD_REASON = "retention-hold-reason"
RETENTION_HOLD_SET = "retention-hold-set"
RETENTION_LIFT_ID = "retention-lift-id"
RETENTION_LIFT_REASON = "retention-lift-reason"
RETENTION_LIFT = "retention-lift"
RETENTION_DRY_RUN = "retention-dry-run"
RETENTION_EXECUTE = "retention-execute"  # inside a confirm dialog
RETENTION_STATUS = "retention-status"
RETENTION_RESULT = "retention-result"
RETENTION_DOWNLOAD = "retention-download"

# access: the "Befristete Freigaben" card (dossier and document pages; revoke buttons are pattern-matching ids
# {"type": GRANT_REVOKE, "grant": grant_id}) and the document's confidentiality
GRANTS_CARD = "grants-card"
GRANTS_TARGET = "grants-target"  # dcc.Store: {"customer_id"} or {"doc_id", "family_id"}, with "tenant"
GRANTS_LIST = "grants-list"
GRANT_KIND = "grant-kind"
GRANT_GRANTEE = "grant-grantee"
GRANT_UNTIL = "grant-until"
GRANT_REASON = "grant-reason"
GRANT_GIVE = "grant-give"
GRANT_REVOKE = "grant-revoke"
GRANT_STATUS = "grant-status"
CONFIDENTIAL_CARD = "confidential-card"
CONFIDENTIAL_BADGE = "confidential-badge-slot"  # the header's place for the "Vertraulich" badge
CONFIDENTIAL_USERS = "confidential-users"
CONFIDENTIAL_GROUPS = "confidential-groups"
CONFIDENTIAL_MARK = "confidential-mark"
CONFIDENTIAL_LIFT = "confidential-lift"
CONFIDENTIAL_STATUS = "confidential-status"

# cases pages
# /aufgaben: claim / give back buttons are pattern-matching ids {"type": TASKS_ACT, "action": ..., "case": case_id}
TASKS_STATUS = "tasks-status"
TASKS_BODY = "tasks-body"
TASKS_ACT = "tasks-act"
# /fall/<case_id>: every action button {"type": CASE_ACT, "action": ...}, every input {"type": CASE_INPUT, "name": ...},
# the step's form fields {"type": CASE_FIELD, "field": ...}
CASE_ID = "case-id"  # dcc.Store: the case id
CASE_STEP = "case-step"  # dcc.Store: the step the page shows (complete_step's expected_step)
CASE_STATUS = "case-status"
CASE_BODY = "case-body"
CASE_HEADER = "case-header-slot"
CASE_SIDE = "case-side-slot"
CASE_ACT = "case-act"
CASE_INPUT = "case-input"
CASE_FIELD = "case-field"
CASE_DROP = "case-drop"  # the drop zone (cockpit/assets/case_drop.js fills the document input and clicks "add")
# the document page's "Fall" card
DOC_CASE_CARD = "document-case-card"
DOC_CASE_OPEN = "document-case-open"
DOC_CASE_BODY = "document-case-body"
# the "Wiedervorlage" card (case and document pages; done buttons {"type": RESUB_DONE, "id": resubmission id})
RESUB_CARD = "resub-card"
RESUB_TARGET = "resub-target"  # dcc.Store: {"doc_id"} or {"case_id"}
RESUB_DATE = "resub-date"
RESUB_NOTE = "resub-note"
RESUB_FOR = "resub-for"
RESUB_LOGIN = "resub-login"
RESUB_SET = "resub-set"
RESUB_STATUS = "resub-status"
RESUB_LIST = "resub-list"
RESUB_DONE = "resub-done"
# the dossier's "Offene Fälle" card
DOSSIER_CASES = "dossier-cases"
TASKS_PAGES = "tasks-pages"  # dcc.Store: the page of each table ({"mine": n, "queue": n})
