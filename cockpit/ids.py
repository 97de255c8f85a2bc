"""Component ids, in one place."""

STATUS_TABLE = "status-table"
STATUS_REFRESH = "status-refresh"
STATUS_TRIGGER = "status-trigger"
