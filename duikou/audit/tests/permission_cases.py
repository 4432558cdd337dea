"""Permission-matrix cases of the audit trail: the 信阳 change of the pairing profile is in scope, the 延安 one is not
(pairings' part of the world makes both)."""

from duikou.accounts import scoping
from duikou.permission_matrix import Case, by_pk, listing


def cases(w) -> dict[str, Case]:
    A = scoping.Action
    trail = ("信阳侧机制说明", "延安侧机制说明", ("may:audit", "LogEntry"))
    return {
        # the pairings' entries only: the first page holds the latest 50 entries, and other apps' worlds write many
        "audit:log": listing("/audit/?model=pairing", *trail, action=A.AUDIT),
        "audit:export": listing("/audit/export.xlsx", *trail, action=A.AUDIT),
        # an import's value history (indicators' part of the world makes one on each side): its entry's page and its
        # export, for the audit admin whose log holds the importer's entries
        "audit:import": Case(
            *by_pk("/audit/imports/{}/", w["inside_value_import"], w["outside_value_import"]),
            action=A.AUDIT,
            present=["信阳侧导入.csv", "信阳侧导入说明"],
            absent=["延安侧导入说明"],
            scoped=("may:audit", "ValueImport", "DataValueHistory"),
        ),
        "audit:import_export": Case(
            *by_pk("/audit/imports/{}/export.xlsx", w["inside_value_import"], w["outside_value_import"]),
            action=A.AUDIT,
            present=["信阳侧导入.csv", "信阳侧导入说明"],
            absent=["延安侧导入说明"],
            scoped=("may:audit", "ValueImport", "DataValueHistory"),
        ),
    }
