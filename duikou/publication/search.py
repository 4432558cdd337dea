"""The public site's search: the query cut into words by the platform's one tokenizer (``core.search.terms``, jieba
in search mode), matched against the title and text of every entry of the site (``entries.all_entries``) in the
current language. The entries are read once per cache generation (``cache.cached``), so a withdrawn item is out of
the results from the next request on, on every process.

Ranking: an entry with more of the words in its title comes first (a title hit counts above a text hit), then the one
that matches more distinct words anywhere, then by title. An entry matching none of the words is not a result."""

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from duikou.core.search import longest, terms

from . import entries
from .cache import cached

MAX_QUERY = 100  # characters: a longer query is refused with a message
EXCERPT = 60  # characters of the text shown around its first hit


class BadQuery(ValueError):
    """The query cannot be searched: the message says why, in the visitor's language."""


@dataclass(frozen=True)
class Hit:
    entry: entries.Entry
    in_title: int  # how many of the words are in the title
    matched: int  # how many of the words are in the title or the text
    words: tuple[str, ...]  # the words that matched

    @property
    def title(self) -> SafeString:
        return mark(self.entry.title, self.words)

    @property
    def excerpt(self) -> SafeString:
        title = self.entry.title.lower()
        around = [w for w in self.words if w not in title] or self.words  # the text's own hits first
        return mark(excerpt(self.entry.text, around), self.words)


def words_of(query: str) -> list[str]:
    """The words searched for: the query's words, the longest where search mode gives a word and its parts, and
    single characters only when the query has nothing longer (信阳的项目 searches 信阳 and 项目, not 的)."""
    query = query.strip()
    if not query:
        raise BadQuery(_("请输入要搜索的词。"))
    if len(query) > MAX_QUERY:
        raise BadQuery(
            _("搜索词太长（%(n)d 个字符），请不超过 %(most)d 个字符。") % {"n": len(query), "most": MAX_QUERY}
        )
    words = longest([w.lower() for w in terms(query)])
    if any(len(w) > 1 for w in words):
        words = [w for w in words if len(w) > 1]
    if not words:
        raise BadQuery(_("搜索词中没有可查找的字或词，请输入中文、英文或数字。"))
    return list(dict.fromkeys(words))


def search(query: str) -> list[Hit]:
    """The site's entries matching ``query``, best first (``BadQuery`` for an empty, too long or wordless query)."""
    words = words_of(query)
    hits = []
    for entry in cached("entries", entries.all_entries):
        title, text = entry.title.lower(), entry.text.lower()
        found = [w for w in words if w in title or w in text]
        if found:
            hits.append(Hit(entry, sum(1 for w in found if w in title), len(found), tuple(found)))
    hits.sort(key=lambda h: (-h.in_title, -h.matched, h.entry.title, h.entry.key))
    return hits


def excerpt(text: str, words) -> str:
    """About ``EXCERPT`` characters of ``text`` around the first of ``words`` it holds ("" when it holds none)."""
    folded = text.lower()
    at = min((i for i in (folded.find(w) for w in words) if i >= 0), default=-1)
    if at < 0:
        return ""
    start = max(0, at - EXCERPT // 3)
    end = min(len(text), start + EXCERPT)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def mark(text: str, words) -> SafeString:
    """``text`` escaped, with each occurrence of ``words`` in ``<mark>``."""
    folded, pieces, i = text.lower(), [], 0
    while i < len(text):
        found = [(folded.find(w, i), w) for w in words]
        found = [(at, w) for at, w in found if at >= 0]
        if not found:
            break
        at, word = min(found, key=lambda f: (f[0], -len(f[1])))
        pieces += [(text[i:at], False), (text[at : at + len(word)], True)]
        i = at + len(word)
    pieces.append((text[i:], False))
    return format_html_join("", "{}", ((format_html("<mark>{}</mark>", p) if hit else p,) for p, hit in pieces if p))
