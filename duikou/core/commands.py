"""What the management commands share."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import CommandError


@contextmanager
def reraised(error: type[Exception], prefix: str = "") -> Iterator[None]:
    """Turn ``error`` raised in the block into a CommandError with its text after ``prefix``: at the command line the
    user reads what went wrong, not a traceback."""
    try:
        yield
    except error as exc:
        raise CommandError(f"{prefix}{exc}") from exc
