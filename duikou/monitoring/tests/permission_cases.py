"""Permission-matrix cases of household monitoring (duikou.monitoring.testing.matrix_world)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from duikou.accounts import scoping
from duikou.monitoring import services as monitoring_services
from duikou.monitoring import testing as monitoring_testing
from duikou.permission_matrix import Case, api, form_post


def world(w) -> dict:
    return monitoring_testing.matrix_world(w["users"]["editor"], w["stranger"])


def cases(w) -> dict[str, Case]:
    """Household monitoring: the 信阳侧 household (a 潢川县 village) is in scope, the 延安侧 one is not; ID and phone
    numbers appear only masked, except in the approvers' audited export."""
    A = scoping.Action
    h_in, h_out = w["inside_household"].pk, w["outside_household"].pk
    plain = monitoring_testing.id_number(1, area="411526")
    masked = f"4115**********{plain[-4:]}"
    households = {"present": ["信阳侧户主"], "absent": ["延安侧户主"]}
    return {
        "monitoring:alerts": Case("/monitoring/", **households, scoped=("Alert",)),
        "monitoring:household": Case(
            f"/monitoring/households/{h_in}/",
            f"/monitoring/households/{h_out}/",
            present=["信阳侧成员", masked, "138****0001"],
            absent=[plain, "13800000001"],
            scoped=("Household", "Member"),
        ),
        "monitoring:member_export": Case(
            f"/monitoring/households/{h_in}/members.csv",
            f"/monitoring/households/{h_out}/members.csv",
            action=A.APPROVE,
            present=[plain],
            scoped=("Household",),
        ),
        # 信阳市 sees its counties (潢川县), never 延安's 宝塔区
        "monitoring:dashboard": Case(
            "/monitoring/dashboard/", present=["潢川县"], absent=["宝塔区"], scoped=("Alert",)
        ),
        # 潢川县 is not a 专栏1 county: sent back to the dashboard with a message; 宝塔区 is out of scope
        "monitoring:county_report": Case(
            "/monitoring/dashboard/411526/report.xlsx",
            "/monitoring/dashboard/610602/report.xlsx",
            ok=302,
            scoped=("Region", "may:view"),
        ),
        "monitoring:screen": form_post(
            "/monitoring/screen/",
            "/monitoring/screen/",
            data={"ruleset": w["inside_ruleset"].pk},
            data_out={"ruleset": w["outside_ruleset"].pk},
            scoped=("RuleSet",),
        ),
        "api:list_alerts": api("/api/monitoring/alerts", **households, scoped=("Alert",)),
        "api:get_household": api(
            f"/api/monitoring/households/{h_in}",
            f"/api/monitoring/households/{h_out}",
            present=["信阳侧成员", masked],
            absent=[plain, "13800000001"],
            scoped=("Household", "Member"),
        ),
        **monitoring_case_cases(w, plain, masked),
    }


def monitoring_case_cases(w, plain: str, masked: str) -> dict[str, Case]:
    """Cases of alerts (workflow steps, assistance measures) and departmental imports: 信阳侧 in scope, 延安侧 not.
    A 信阳 city user is above the township level, so may take every step; the web step verifies the alert awaiting
    verification, the API one rechecks the monitored household (a step that keeps its status)."""
    A = scoping.Action
    a_in, a_out = w["inside_alert"].pk, w["outside_alert"].pk
    m_in, m_out = w["inside_monitored_alert"], w["outside_monitored_alert"]
    i_in, i_out = w["inside_import"].pk, w["outside_import"].pk
    j_in, j_out = w["inside_import_api"].pk, w["outside_import_api"].pk
    h_in, h_out = w["inside_household"].pk, w["outside_household"].pk
    unit_in, unit_out = (monitoring_services.responsible_units(a.household).first().pk for a in (m_in, m_out))
    measure = {
        "version": "MONITORED_ALERT_VERSION",
        "kind": "education",
        "description": "矩阵措施",
        "start_date": "2026-01-01",
    }
    upload = monitoring_testing.department_csv(
        [(plain, "2025-06-01", "", ""), ("410105198001011234", "2025-06-01", "", "")]
    )
    return {
        "monitoring:alert": Case(
            f"/monitoring/alerts/{m_in.pk}/",
            f"/monitoring/alerts/{m_out.pk}/",
            present=["信阳侧帮扶户", "信阳侧帮扶措施"],
            absent=["延安侧"],
            scoped=("Alert", "AlertStep", "AssistanceMeasure"),
        ),
        "monitoring:alert_step": form_post(
            f"/monitoring/alerts/{a_in}/step/",
            f"/monitoring/alerts/{a_out}/step/",
            data={"step": "verify", "version": "ALERT_VERSION", "note": "矩阵核实"},
            scoped=("Alert",),
        ),
        "monitoring:measure_add": Case(
            f"/monitoring/alerts/{m_in.pk}/measures/new/",
            f"/monitoring/alerts/{m_out.pk}/measures/new/",
            action=A.CHANGE,
            present=["信阳侧帮扶户", "信阳市人民政府"],
            absent=["延安侧"],
            scoped=("Alert",),
        ),
        "monitoring:income_add": Case(
            f"/monitoring/households/{h_in}/incomes/new/",
            f"/monitoring/households/{h_out}/incomes/new/",
            action=A.CHANGE,
            present=["信阳侧户主"],
            scoped=("Household",),
        ),
        "monitoring:imports": Case(
            "/monitoring/imports/",
            action=A.CHANGE,
            present=["信阳侧部门数据-import.csv"],
            absent=["延安侧部门数据"],
            scoped=("may:change", "DepartmentImport"),
        ),
        "monitoring:import_detail": Case(
            f"/monitoring/imports/{i_in}/",
            f"/monitoring/imports/{i_out}/",
            present=["信阳侧成员", masked],
            absent=[plain, "延安侧"],
            scoped=("DepartmentImport",),
        ),
        "monitoring:import_confirm": form_post(
            f"/monitoring/imports/{i_in}/confirm/",
            f"/monitoring/imports/{i_out}/confirm/",
            scoped=("DepartmentImport",),
        ),
        "api:get_alert": api(
            f"/api/monitoring/alerts/{m_in.pk}",
            f"/api/monitoring/alerts/{m_out.pk}",
            present=["信阳侧帮扶户", "信阳侧帮扶措施"],
            absent=["延安侧"],
            scoped=("Alert", "AlertStep", "AssistanceMeasure"),
        ),
        "api:take_alert_step": Case(
            f"/api/monitoring/alerts/{m_in.pk}/steps/recheck",
            f"/api/monitoring/alerts/{m_out.pk}/steps/recheck",
            api=True,
            method="post_json",
            action=A.CHANGE,
            data={"version": "MONITORED_ALERT_VERSION", "checks": {"water_ok": True}, "note": "矩阵复核"},
            present=["矩阵复核"],
            scoped=("Alert",),
        ),
        "api:add_alert_measure": Case(
            f"/api/monitoring/alerts/{m_in.pk}/measures",
            f"/api/monitoring/alerts/{m_out.pk}/measures",
            api=True,
            method="post_json",
            action=A.CHANGE,
            ok=201,
            data={**measure, "responsible_unit_id": unit_in},
            data_out={**measure, "responsible_unit_id": unit_out},
            scoped=("Alert",),
        ),
        "api:check_department_import": Case(
            "/api/monitoring/imports",
            api=True,
            method="post",
            action=A.CHANGE,
            ok=201,
            data={"kind": "disability", "file": SimpleUploadedFile("矩阵.csv", upload)},
            scoped=("may:change", "Member"),
        ),
        "api:get_department_import": api(
            f"/api/monitoring/imports/{j_in}",
            f"/api/monitoring/imports/{j_out}",
            present=["信阳侧成员", masked],
            absent=[plain, "延安侧"],
            scoped=("DepartmentImport",),
        ),
        "api:confirm_department_import": Case(
            f"/api/monitoring/imports/{j_in}/confirm",
            f"/api/monitoring/imports/{j_out}/confirm",
            api=True,
            method="post",
            action=A.CHANGE,
            present=['"status": "loaded"'],
            scoped=("DepartmentImport",),
        ),
    }
