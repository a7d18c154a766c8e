"""The WSGI app gunicorn serves in ``tests.bench.load``: the app over ``QUY_DATABASE_URL``."""

from __future__ import annotations

import os

from ledger.db import Database
from web.app import create_app

app = create_app(Database(os.environ["QUY_DATABASE_URL"]),
                 {"SECRET_KEY": os.environ.get("QUY_SECRET_KEY") or "bench-only-secret-key"})
