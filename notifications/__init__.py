"""Subscriptions to saved views, matching of new documents, the in-app inbox and notification e-mails.

Above `views` (it compiles views for each subscriber) and below `app` (whose use cases check capabilities and
audit). Reads go through `search.repository` with the bodies of `search.saved`; writes through
`indexing.records`.
"""
