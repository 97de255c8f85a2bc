"""WSGI entry point: `gunicorn web.wsgi:server` — the cockpit and the REST API."""

from web.app import create_app

server = create_app().server
