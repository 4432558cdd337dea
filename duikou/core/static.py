"""Whether the collected static files (`duikou collectstatic`, STATIC_ROOT) are there and as new as their sources.

Pages name static files by the hash of their content, read from the manifest that `collectstatic` writes: without
it every page fails, and with one older than the code a page may name a file that was never collected.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders

MANIFEST = "staticfiles.json"


def manifest_path() -> Path:
    return Path(settings.STATIC_ROOT) / MANIFEST


def stale_sources() -> list[str]:
    """The static files changed since they were last collected (every one when none were), by their static name."""
    manifest = manifest_path()
    collected_at = manifest.stat().st_mtime if manifest.exists() else None
    changed = []
    for finder in get_finders():
        for name, storage in finder.list(["CVS", ".*", "*~"]):
            if collected_at is None or Path(storage.path(name)).stat().st_mtime > collected_at:
                changed.append(name)
    return changed
