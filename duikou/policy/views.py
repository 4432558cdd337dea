from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from duikou.pairings.queries import pairings_for
from duikou.plans.queries import items_for

from . import queries


@login_required
def index(request):
    return render(
        request,
        "policy/index.html",
        {
            "documents": queries.documents_for(request.user),
            "tasks": queries.tasks_for(request.user),
        },
    )


@login_required
def document(request, doc_id: str):
    doc = queries.document_for(request.user, doc_id)
    sections = doc.sections.prefetch_related("clauses")
    return render(
        request,
        "policy/document.html",
        {
            "document": doc,
            "sections": sections,
            "boxes": queries.boxes_for(request.user).filter(document=doc),
            "decomposed": doc.decomposed.prefetch_related("responsible_units").select_related("key_task"),
        },
    )


@login_required
def clause(request, clause_id: str):
    item = queries.clause_for(request.user, clause_id)
    return render(
        request,
        "policy/clause.html",
        {
            "clause": item,
            "document": item.section.document,
            "tasks": item.tasks.all(),
            "pairings": pairings_for(request.user).filter(source_clause=item),
            "plan_items": items_for(request.user).filter(clauses=item),
        },
    )


@login_required
def search(request):
    q = request.GET.get("q", "").strip()[:100]
    doc = request.GET.get("doc", "")
    hits = queries.search_clauses(request.user, q, document=doc) if q else []
    return render(
        request,
        "policy/search.html",
        {
            "q": q,
            "doc": doc,
            "hits": hits,
            "phrase": [q],
            "terms": queries.terms(q) if q else [],
            "documents": queries.documents_for(request.user),
        },
    )
