"""The routes every kind of record in matching has (listings, demands, postings, seekers): under
``<subject>/<kind>s/``, named ``<subject>_<kind>_<page>`` (the list ``<subject>_<kind>s``)."""

from django.urls import path

PAGES = (  # page, where under the kind's path, how its name ends
    ("list", "", "s"),
    ("export", "export.xlsx", "_export"),
    ("template", "template.xlsx", "_template"),
    ("import", "import/", "_import"),
    ("create", "new/", "_create"),
    ("detail", "<int:pk>/", "_detail"),
    ("edit", "<int:pk>/edit/", "_edit"),
    ("close", "<int:pk>/close/", "_close"),
)


def record_paths(subject: str, kind: str, views: dict, kwargs: dict | None = None) -> list:
    """The paths of the pages in ``views`` (page → view); ``kwargs`` go to every view (produce's ``kind``), or a
    view is given as (view, its kwargs)."""
    at, name, found = f"{subject}/{kind}s/", f"{subject}_{kind}", []
    for page, suffix, ending in PAGES:
        if page in views:
            view, extra = views[page] if isinstance(views[page], tuple) else (views[page], kwargs or {})
            found.append(path(at + suffix, view, extra, name=name + ending))
    return found
