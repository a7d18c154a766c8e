"""The WSGI entry point for a production server: ``gunicorn -w 4 'web.wsgi:app'`` (reads the same
``QUY_DATABASE_URL`` and ``QUY_SECRET_KEY`` as ``quy serve``)."""

from __future__ import annotations

from .app import create_app

app = create_app()
