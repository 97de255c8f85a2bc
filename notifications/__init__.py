"""Subscriptions to saved views, matching of new documents, the in-app inbox and notification e-mails; the weekly
dashboard digest's subscription and outbox records (`notifications.digests`) and its e-mail (`digest_mail`).

Above `views` (it compiles views for each subscriber) and below `app` (whose use cases check capabilities and
audit). Reads go through `search.repository` with the bodies of `search.saved`; writes through
`indexing.records`.
"""
