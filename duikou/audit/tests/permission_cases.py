"""Permission-matrix cases of the audit trail: the 信阳 change of the pairing profile is in scope, the 延安 one is not
(pairings' part of the world makes both)."""

from duikou.accounts import scoping
from duikou.permission_matrix import Case


def cases(w) -> dict[str, Case]:
    A = scoping.Action
    return {
        "audit:log": Case(
            "/audit/",
            action=A.AUDIT,
            present=["信阳侧机制说明"],
            absent=["延安侧机制说明"],
            scoped=("may:audit", "LogEntry"),
        ),
        "audit:export": Case(
            "/audit/export.xlsx",
            action=A.AUDIT,
            present=["信阳侧机制说明"],
            absent=["延安侧机制说明"],
            scoped=("may:audit", "LogEntry"),
        ),
    }
