from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def highlight(text: str, words) -> str:
    """Escape ``text`` and wrap each occurrence of the search words in <mark>."""
    html = escape(text)
    for word in sorted(words or [], key=len, reverse=True):
        word = escape(word)
        if word:
            html = html.replace(word, f"\x00{word}\x01")
    return mark_safe(html.replace("\x00", "<mark>").replace("\x01", "</mark>"))
