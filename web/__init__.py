"""The deployment: one Flask server with both front doors — the Dash cockpit and the REST API — over one
application context. The composition root; nothing imports it but the WSGI entry point and tests."""
