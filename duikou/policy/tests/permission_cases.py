"""Permission-matrix cases of the policy library: documents, clauses and key tasks every signed-in user reads; a
clause's page lists only the pairings in the caller's scope."""

from duikou.core.permission_matrix import Case


def cases(w) -> dict[str, Case]:
    pout = f"/pairings/{w['outside'].pk}/"
    return {
        "policy:index": Case("/policy/", present=["fgzx-2022-766"], scoped=("Document", "Task")),
        "policy:document": Case(
            "/policy/fgzx-2022-766/",
            "/policy/no-such-doc/",
            present=["发改振兴〔2022〕766号"],
            scoped=("Document", "Box"),
        ),
        "policy:clause": Case(
            "/policy/clause/fgzx-2022-766/2/6/",
            "/policy/clause/no/such/",
            present=["延安市"],
            absent=[pout],
            scoped=("Clause", "Pairing"),
        ),
        "policy:search": Case("/policy/search/?q=延安", present=["fgzx-2022-766/2/6"], scoped=("Clause", "Document")),
        "api:list_documents": Case("/api/policy/documents", api=True, present=["fgzx-2022-766"], scoped=("Document",)),
        "api:get_document": Case(
            "/api/policy/documents/fgzx-2022-766",
            "/api/policy/documents/nope",
            api=True,
            present=["发改振兴"],
            scoped=("Document",),
        ),
        "api:list_document_clauses": Case(
            "/api/policy/documents/fgzx-2022-766/clauses",
            "/api/policy/documents/nope/clauses",
            api=True,
            present=["fgzx-2022-766/3/5"],
            scoped=("Document", "Clause"),
        ),
        "api:get_clause": Case(
            "/api/policy/clauses/fgzx-2022-766/3/5",
            "/api/policy/clauses/x/9/9",
            api=True,
            present=["共同建设产业合作平台载体"],
            scoped=("Clause",),
        ),
        "api:search": Case(
            "/api/policy/search?q=省域副中心城市", api=True, present=["省域副中心城市"], scoped=("Clause",)
        ),
        "api:list_tasks": Case("/api/policy/tasks", api=True, present=["KT1"], scoped=("Task",)),
    }
