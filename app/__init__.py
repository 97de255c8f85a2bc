"""The application layer: one use case per thing a person or a system can do.

Each use case takes an `AppContext` (the process's connections), a `domain.principal.Principal` and plain
request values, checks the principal's capabilities, runs the pure builders of `search/` through the one
repository, and returns typed results. Refusals are `domain.errors.AppError`s carrying message codes. The Dash
pages (`cockpit/`), the REST API (`api/`), the CLI and the workers are thin adapters over these calls.
"""
