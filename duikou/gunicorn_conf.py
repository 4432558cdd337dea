"""gunicorn's configuration for `duikou web`, from duikou's settings (DUIKOU_WEB_*; docs/deploy.md).

gthread workers: each process serves several requests at once on threads, which suits Django with psycopg (a
request mostly waits on the database) and keeps one connection per thread. The application is loaded once in the
master before the workers fork (``preload_app``): a configuration error stops the start-up at once, and the workers
share the loaded code's memory. Workers are not replaced after a number of requests unless DUIKOU_WEB_MAX_REQUESTS says
so: a replaced worker closes its clients' idle keep-alive connections, and a client that sends on one at that moment
gets a connection reset (the load benchmark saw 3 in 1,653 requests with 1,000). The access log goes to standard
output and gunicorn's own log to standard error, one JSON object per line, with the request id and with identifiers in
paths and query strings masked (duikou/core/logs.py).
"""

import copy
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duikou.settings")

from django.conf import settings  # noqa: E402 - the settings module needs the variable above


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


wsgi_app = "duikou.wsgi:application"
bind = [settings.DUIKOU_WEB_BIND]
workers = settings.DUIKOU_WEB_WORKERS or 2 * _cores() + 1
worker_class = "gthread"
threads = settings.DUIKOU_WEB_THREADS
timeout = settings.DUIKOU_WEB_TIMEOUT
graceful_timeout = 30
keepalive = 5
preload_app = True
max_requests = settings.DUIKOU_WEB_MAX_REQUESTS  # 0: never (set it only against a memory leak)
max_requests_jitter = max_requests // 10
proc_name = "duikou-web"
# Only the proxy on the same machine may say the scheme (Django decides what it believes: DUIKOU_TRUSTED_PROXY).
forwarded_allow_ips = "127.0.0.1,::1"
accesslog = "-"
errorlog = "-"

# Django's own logging (settings.LOGGING): the same formatters, filters and console handler, and beside it the
# access log with its fields.
_django = copy.deepcopy(settings.LOGGING)
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {**_django["filters"], "access_fields": {"()": "duikou.core.logs.AccessFields"}},
    "formatters": _django["formatters"],
    "handlers": {
        "console": {**_django["handlers"]["console"], "stream": "ext://sys.stderr"},
        "access": {
            "class": "logging.StreamHandler",
            "formatter": settings.DUIKOU_LOG_FORMAT,
            "filters": ["access_fields", "request_id", "personal_data"],
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
    },
}


def when_ready(server):
    """The master loaded the application; it holds no database connection its workers would inherit."""
    from django.db import connections

    connections.close_all()
