"""Permission-matrix cases of the audit trail: the 信阳 change of the pairing profile is in scope, the 延安 one is not
(pairings' part of the world makes both)."""

from duikou.accounts import scoping
from duikou.permission_matrix import Case, listing


def cases(w) -> dict[str, Case]:
    A = scoping.Action
    trail = ("信阳侧机制说明", "延安侧机制说明", ("may:audit", "LogEntry"))
    return {
        # the pairings' entries only: the first page holds the latest 50 entries, and other apps' worlds write many
        "audit:log": listing("/audit/?model=pairing", *trail, action=A.AUDIT),
        "audit:export": listing("/audit/export.xlsx", *trail, action=A.AUDIT),
    }
