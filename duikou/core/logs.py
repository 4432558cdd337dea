"""What goes to the logs never carries a personal identifier: a filter on every handler of settings.LOGGING masks
anything shaped like an ID card number or a mobile phone number — in the message, in a traceback, in the request
line of the built-in server's access log (a job seeker is searched by ID number through the query string).

The platform's own log calls pass no personal data (ids, paths, counts); this is the net under what it cannot
choose: exception texts that quote a value, and the URLs people type.
"""

import logging
import re

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
