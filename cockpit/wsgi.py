"""WSGI entry point: `gunicorn cockpit.wsgi:server`."""

from cockpit.app import create_app

server = create_app().server
