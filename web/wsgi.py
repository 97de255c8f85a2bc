"""WSGI entry point: `gunicorn web.wsgi:server` — the cockpit and the REST API."""

import os

from indexing.archive import PROCESS_UMASK
from web.app import create_app

os.umask(PROCESS_UMASK)  # also when gunicorn is started without `cockpit serve`: files are the service user's
server = create_app().server
