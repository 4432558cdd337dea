"""The request id: one short token per request, in every log line, in the response and in the audit entries.

A reverse proxy in front (nginx: ``proxy_set_header X-Request-ID $request_id``) sends its own id, so that its access
log and ours name a request the same way; the id is taken only when it is a short token of letters, digits and
hyphens (a header is client input: no newline, no markup, no personal data reaches the logs through it), otherwise a
new one is made. The id is kept in a context variable for the request's duration: the logging filter below writes it
into every record, django-auditlog reads it as the correlation id of each entry (``AUDITLOG_CID_GETTER``), and work
started outside a request (a job, a command) may bind one with ``bound``.
"""

import logging
import re
import uuid
from contextlib import contextmanager
from contextvars import ContextVar

HEADER = "X-Request-ID"
VALID = re.compile(r"[A-Za-z0-9-]{8,64}")

_request_id: ContextVar[str | None] = ContextVar("duikou_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request (or the work) being handled in this context, None outside any."""
    return _request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted(value: str | None) -> str | None:
    """``value`` if it is a request id we take from a proxy, else None."""
    return value if value and VALID.fullmatch(value) else None


@contextmanager
def bound(request_id: str | None):
    """Run the block under ``request_id`` (a job carrying the id of the request that started it)."""
    token = _request_id.set(accepted(request_id) or new_request_id())
    try:
        yield current_request_id()
    finally:
        _request_id.reset(token)


class RequestIdMiddleware:
    """Binds the request id for the request's duration and answers it in the ``X-Request-ID`` header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with bound(request.headers.get(HEADER)) as request_id:
            request.request_id = request_id
            response = self.get_response(request)
            response[HEADER] = request_id
            return response


class RequestIdFilter(logging.Filter):
    """Gives every record a ``request_id`` attribute ("-" outside a request) for the formatters, unless it has one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or "-"
        return True
