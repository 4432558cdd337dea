"""Scoped reads of the policy library, and Chinese full-text search over clauses."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from duikou.accounts import scoping
from duikou.core.search import longest, terms

from .models import Box, Clause, Document, Task


def documents_for(user) -> QuerySet[Document]:
    return scoping.scope(user, Document)


def document_for(user, doc_id: str) -> Document:
    return scoping.get_for(user, Document, pk=doc_id)


def clauses_for(user) -> QuerySet[Clause]:
    return scoping.scope(user, Clause).select_related("section__document")


def clause_for(user, clause_id: str) -> Clause:
    return scoping.get_for(user, Clause.objects.select_related("section__document"), pk=clause_id)


def boxes_for(user) -> QuerySet[Box]:
    return scoping.scope(user, Box)


def tasks_for(user) -> QuerySet[Task]:
    return scoping.scope(user, Task).select_related("clause")


@dataclass
class Hit:
    clause: Clause
    score: float
    phrase: bool


def search_clauses(user, query: str, *, document: str = "") -> list[Hit]:
    """Clauses containing every segmented word of the query, best first: the exact phrase ranks above
    scattered words, then by how often the words occur. Works alike on SQLite and PostgreSQL."""
    words = terms(query)
    if not words:
        return []
    widest = longest(words)  # 中心城市 covers 城市
    qs = clauses_for(user)
    if document:
        qs = qs.filter(section__document_id=document)
    condition = Q()
    for word in widest:
        condition &= Q(text__icontains=word) | Q(title__icontains=word)
    hits = []
    phrase = query.strip()
    for clause in qs.filter(condition):
        text = f"{clause.title} {clause.text}"
        exact = phrase in text
        score = (100.0 if exact else 0.0) + sum(text.count(w) * len(w) for w in widest)
        hits.append(Hit(clause=clause, score=score, phrase=exact))
    hits.sort(key=lambda h: (-h.score, h.clause.section.document.order, h.clause.section.ordinal, h.clause.ordinal))
    return hits
