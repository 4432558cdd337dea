"""What goes to the logs never carries a personal identifier: a filter on every handler of settings.LOGGING masks
anything shaped like an ID card number or a mobile phone number — in the message, in a traceback, in the request
line of the built-in server's access log (a job seeker is searched by ID number through the query string).

The platform's own log calls pass no personal data (ids, paths, counts); this is the net under what it cannot
choose: exception texts that quote a value, and the URLs people type.
"""

import datetime
import logging
import re
from collections.abc import Mapping

import pythonjsonlogger.json

# 18-digit (and old 15-digit) resident ID numbers; mainland mobile numbers, with +86 / 86 before them or not
ID_NUMBER = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9A-Za-z])")
PHONE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9]{9}(?![0-9])")


def redact(text: str) -> str:
    """``text`` with ID numbers shown as their first 4 and last 4 characters and phone numbers as their last 4, as
    the pages mask them."""
    text = ID_NUMBER.sub(lambda m: f"{m[0][:4]}{'*' * (len(m[0]) - 8)}{m[0][-4:]}", text)
    return PHONE.sub(lambda m: f"{'*' * (len(m[0]) - 4)}{m[0][-4:]}", text)


class RedactPersonalData(logging.Filter):
    """Masks identifiers in a record's message, traceback and stack before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonFormatter(pythonjsonlogger.json.JsonFormatter):
    """One JSON object per line: time, level, logger, request id, message, and any ``extra`` fields. A traceback is
    masked here as well: the JSON formatter writes its own from the exception, not the filter's masked text."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s")
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def formatTime(self, record, datefmt=None) -> str:  # noqa: N802 - logging's name
        """ISO 8601 in UTC with milliseconds, whatever TIME_ZONE is: lines from several machines sort as text."""
        return datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds")

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return redact(super().formatException(ei))

    def formatStack(self, stack_info) -> str:  # noqa: N802
        return redact(super().formatStack(stack_info))


class AccessFields(logging.Filter):
    """Turns a record of gunicorn's access log (its arguments: the request's "atoms") into a short message and fields
    of their own — method, path, query, status, bytes, duration, client address, request id — with identifiers in
    the path and query masked. Placed before ``RequestIdFilter`` on the access handler: the access line is written
    after the request's context is gone, so the id comes from the response's ``X-Request-ID`` header."""

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args if isinstance(record.args, Mapping) else None
        if atoms is None:
            return True
        fields = {
            "method": atoms["m"],
            "path": redact(atoms["U"] or ""),
            "query": redact(atoms["q"] or ""),
            "status": int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"],
            "bytes": atoms["B"],
            "duration_ms": atoms["M"],
            "remote_addr": atoms["h"],
            "user_agent": atoms["a"],
            "request_id": atoms["{x-request-id}o"],  # "-" when the answer has none
        }
        for name, value in fields.items():
            setattr(record, name, value)
        record.msg, record.args = f"{fields['method']} {fields['path']} {fields['status']}", None
        return True
