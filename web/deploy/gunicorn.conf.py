"""gunicorn's settings for Quỹ (``gunicorn -c web/deploy/gunicorn.conf.py web.wsgi:app``).

Workers: 2 × cores + 1, or ``QUY_WORKERS``. Bind: ``QUY_BIND`` (default the socket nginx proxies to,
``unix:/run/quy/gunicorn.sock``; ``127.0.0.1:8000`` for a TCP port). No access log: Quỹ writes its own
request log (``QUY_REQUEST_LOG``), one JSON line per request without query strings.
"""

import multiprocessing
import os

bind = os.environ.get("QUY_BIND", "unix:/run/quy/gunicorn.sock")
workers = int(os.environ.get("QUY_WORKERS") or 2 * multiprocessing.cpu_count() + 1)
worker_class = "sync"
timeout = 120  # a big import or a 1,000-receipt PDF batch may take a while
graceful_timeout = 30
max_requests = 2000  # recycle workers now and then; the jitter keeps them from restarting together
max_requests_jitter = 200
accesslog = None
errorlog = "-"
loglevel = os.environ.get("QUY_LOG_LEVEL", "info").lower()
forwarded_allow_ips = "127.0.0.1"  # Quỹ itself decides what to trust (QUY_PROXY_FIX)
preload_app = False  # each worker opens its own database pool
