"""Permission-matrix cases of the policy library: documents, clauses and key tasks every signed-in user reads; a
clause's page lists only the pairings in the caller's scope."""

from duikou.permission_matrix import Case, api


def cases(w) -> dict[str, Case]:
    pout = f"/pairings/{w['outside'].pk}/"
    doc, documents = "fgzx-2022-766", "/api/policy/documents"
    clauses = (f"{documents}/{doc}/clauses", f"{documents}/nope/clauses")
    return {
        "policy:index": Case("/policy/", present=[doc], scoped=("Document", "Task")),
        "policy:document": Case(
            f"/policy/{doc}/", "/policy/no-such-doc/", present=["发改振兴〔2022〕766号"], scoped=("Document", "Box")
        ),
        "policy:clause": Case(
            f"/policy/clause/{doc}/2/6/",
            "/policy/clause/no/such/",
            present=["延安市"],
            absent=[pout],
            scoped=("Clause", "Pairing"),
        ),
        "policy:search": Case("/policy/search/?q=延安", present=["fgzx-2022-766/2/6"], scoped=("Clause", "Document")),
        "api:list_documents": api(documents, present=[doc], scoped=("Document",)),
        "api:get_document": api(f"{documents}/{doc}", f"{documents}/nope", present=["发改振兴"], scoped=("Document",)),
        "api:list_document_clauses": api(*clauses, present=[f"{doc}/3/5"], scoped=("Document", "Clause")),
        "api:get_clause": api(
            f"/api/policy/clauses/{doc}/3/5",
            "/api/policy/clauses/x/9/9",
            present=["共同建设产业合作平台载体"],
            scoped=("Clause",),
        ),
        "api:search": api("/api/policy/search?q=省域副中心城市", present=["省域副中心城市"], scoped=("Clause",)),
        "api:list_tasks": api("/api/policy/tasks", present=["KT1"], scoped=("Task",)),
    }
