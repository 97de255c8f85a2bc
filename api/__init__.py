"""The REST API for ERP/CRM systems (`/api/v1`): a thin adapter over the application layer."""
