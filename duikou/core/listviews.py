"""List pages: one page of a query with the query string that keeps the filters across pages."""

from django.conf import settings
from django.shortcuts import render

from .views import paginate


def page_context(request, queryset, per_page: int | None = None, **extra) -> dict:
    """The context every list template reads (``page_obj``, ``querystring``) for the page asked for, with ``extra``."""
    page, querystring = paginate(request, queryset, per_page or settings.PAGE_SIZE)
    return {"page_obj": page, "querystring": querystring, **extra}


def render_list(request, template: str, queryset, *, per_page: int | None = None, **extra):
    """The list page ``template`` showing one page of ``queryset`` (``settings.PAGE_SIZE`` rows unless ``per_page``)."""
    return render(request, template, page_context(request, queryset, per_page, **extra))
