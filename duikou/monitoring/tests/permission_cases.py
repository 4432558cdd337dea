"""Permission-matrix cases of household monitoring (duikou.monitoring.testing.matrix_world)."""

from auditlog.context import disable_auditlog
from django.core.files.uploadedfile import SimpleUploadedFile

from duikou.accounts import scoping
from duikou.monitoring import services as monitoring_services
from duikou.monitoring import testing as monitoring_testing
from duikou.permission_matrix import LOCAL, SUPERVISOR, Case, api, api_write, by_pk, form_post, listing


def world(w) -> dict:
    return monitoring_testing.matrix_world(w["users"]["editor"], w["stranger"]) | notice_world()


def cases(w) -> dict[str, Case]:
    """Household monitoring: the 信阳侧 household (a 潢川县 village) is in scope, the 延安侧 one is not; ID and phone
    numbers appear only masked, except in the approvers' audited export."""
    A = scoping.Action
    h_in, h_out = w["inside_household"], w["outside_household"]
    plain = monitoring_testing.id_number(1, area="411526")
    masked = f"4115**********{plain[-4:]}"
    households = {"present": ["信阳侧户主"], "absent": ["延安侧户主"]}
    household, household_api = "/monitoring/households/{}/", "/api/monitoring/households/{}"
    report = "/monitoring/dashboard/{}/report.xlsx"
    screen = {"data": {"ruleset": w["inside_ruleset"].pk}, "data_out": {"ruleset": w["outside_ruleset"].pk}}
    members = {"present": ["信阳侧成员", masked, "138****0001"], "absent": [plain, "13800000001"]}
    return {
        "monitoring:alerts": Case("/monitoring/", **households, scoped=("Alert",)),
        "monitoring:households": Case("/monitoring/households/", **households, scoped=("Household",)),
        # the registry is kept by the county and township governments: a city's roles are refused the form
        "monitoring:household_add": Case("/monitoring/households/new/", action=LOCAL, scoped=("may:change",)),
        "monitoring:household": Case(*by_pk(household, h_in, h_out), **members, scoped=("Household", "Member")),
        "monitoring:member_export": Case(
            *by_pk(f"{household}members.csv", h_in, h_out), action=A.APPROVE, present=[plain], scoped=("Household",)
        ),
        # 信阳市 sees its counties (潢川县), never 延安's 宝塔区
        "monitoring:dashboard": Case(
            "/monitoring/dashboard/", present=["潢川县"], absent=["宝塔区"], scoped=("Alert",)
        ),
        # 潢川县 is not a 专栏1 county: sent back to the dashboard with a message; 宝塔区 is out of scope
        "monitoring:county_report": Case(
            report.format(411526), report.format(610602), ok=302, scoped=("Region", "may:view")
        ),
        "monitoring:screen": form_post("/monitoring/screen/", "/monitoring/screen/", **screen, scoped=("RuleSet",)),
        "api:list_alerts": api("/api/monitoring/alerts", **households, scoped=("Alert",)),
        "api:get_household": api(
            *by_pk(household_api, h_in, h_out),
            present=members["present"][:2],
            absent=members["absent"],
            scoped=("Household", "Member"),
        ),
        **monitoring_case_cases(w, plain, masked),
        **ruleset_cases(w),
        **notice_cases(w),
    }


def ruleset_cases(w) -> dict[str, Case]:
    """Rule sets: every user in 河南 reads 河南's (the 信阳侧 one), none reads 陕西's; only the province or the nation
    writes them, so every 信阳 city role is refused the forms."""
    rs_in, rs_out = w["inside_ruleset"], w["outside_ruleset"]
    rulesets = "/monitoring/rulesets/{}/"
    shown = {"present": ["河南省 2025 年监测规则"], "absent": ["陕西省"]}
    return {
        "monitoring:rulesets": Case("/monitoring/rulesets/", **shown, scoped=("RuleSet",)),
        "monitoring:ruleset": Case(*by_pk(rulesets, rs_in, rs_out), **shown, scoped=("RuleSet",)),
        "monitoring:ruleset_new": Case("/monitoring/rulesets/new/", action=SUPERVISOR, scoped=("may:change",)),
        "monitoring:ruleset_revise": Case(
            *by_pk(f"{rulesets}revise/", rs_in, rs_out), action=SUPERVISOR, scoped=("RuleSet",)
        ),
        "monitoring:ruleset_edit": Case(
            *by_pk(f"{rulesets}edit/", rs_in, rs_out), action=SUPERVISOR, scoped=("RuleSet",)
        ),
    }


def monitoring_case_cases(w, plain: str, masked: str) -> dict[str, Case]:
    """Cases of alerts (workflow steps, assistance measures) and departmental imports: 信阳侧 in scope, 延安侧 not.
    A 信阳 city user is above the township level, so may take every step; the web step verifies the alert awaiting
    verification, the API one rechecks the monitored household (a step that keeps its status)."""
    A = scoping.Action
    a_in, a_out = w["inside_alert"], w["outside_alert"]
    m_in, m_out = w["inside_monitored_alert"], w["outside_monitored_alert"]
    i_in, i_out = w["inside_import"], w["outside_import"]
    j_in, j_out = w["inside_import_api"], w["outside_import_api"]
    h_in, h_out = w["inside_household"], w["outside_household"]
    unit_in, unit_out = (
        {"responsible_unit_id": monitoring_services.responsible_units(a.household).first().pk} for a in (m_in, m_out)
    )
    measure = {
        "version": "MONITORED_ALERT_VERSION",
        "kind": "education",
        "description": "矩阵措施",
        "start_date": "2026-01-01",
    }
    upload = monitoring_testing.department_csv(
        [(plain, "2025-06-01", "", ""), ("410105198001011234", "2025-06-01", "", "")]
    )
    alert, alert_api = "/monitoring/alerts/{}/", "/api/monitoring/alerts/{}"
    imports, imports_api = "/monitoring/imports/{}/", "/api/monitoring/imports/{}"
    alert_shown = {"present": ["信阳侧帮扶户", "信阳侧帮扶措施"], "absent": ["延安侧"]}
    import_shown = {"present": ["信阳侧成员", masked], "absent": [plain, "延安侧"]}
    measure_form = {"present": ["信阳侧帮扶户", "信阳市人民政府"], "absent": ["延安侧"]}
    alert_scope = ("Alert", "AlertStep", "AssistanceMeasure")
    verify = {"step": "verify", "version": "ALERT_VERSION", "note": "矩阵核实"}
    recheck = {"version": "MONITORED_ALERT_VERSION", "checks": {"water_ok": True}, "note": "矩阵复核"}
    household = "/monitoring/households/{}/"
    departmental, import_scope = ("信阳侧部门数据-import.csv", "延安侧部门数据"), ("may:change", "DepartmentImport")
    measure_at, confirm_at = by_pk(f"{alert_api}/measures", m_in, m_out), by_pk(f"{imports_api}/confirm", j_in, j_out)
    recheck_at = by_pk(f"{alert_api}/steps/recheck", m_in, m_out)
    department_file = {"kind": "disability", "file": SimpleUploadedFile("矩阵.csv", upload)}
    return {
        "monitoring:alert": Case(*by_pk(alert, m_in, m_out), **alert_shown, scoped=alert_scope),
        "monitoring:alert_step": form_post(*by_pk(f"{alert}step/", a_in, a_out), data=verify, scoped=("Alert",)),
        "monitoring:measure_add": Case(
            *by_pk(f"{alert}measures/new/", m_in, m_out), action=A.CHANGE, **measure_form, scoped=("Alert",)
        ),
        "monitoring:income_add": Case(
            *by_pk(f"{household}incomes/new/", h_in, h_out),
            action=A.CHANGE,
            present=["信阳侧户主"],
            scoped=("Household",),
        ),
        "monitoring:imports": listing("/monitoring/imports/", *departmental, import_scope, action=A.CHANGE),
        "monitoring:import_detail": Case(*by_pk(imports, i_in, i_out), **import_shown, scoped=("DepartmentImport",)),
        "monitoring:import_confirm": form_post(*by_pk(f"{imports}confirm/", i_in, i_out), scoped=("DepartmentImport",)),
        "api:get_alert": api(*by_pk(alert_api, m_in, m_out), **alert_shown, scoped=alert_scope),
        "api:take_alert_step": api_write(
            *recheck_at, "post_json", recheck, ok=200, present=["矩阵复核"], scoped=("Alert",)
        ),
        "api:add_alert_measure": api_write(
            *measure_at, "post_json", measure | unit_in, data_out=measure | unit_out, scoped=("Alert",)
        ),
        "api:check_department_import": api_write(
            "/api/monitoring/imports", None, "post", department_file, scoped=("may:change", "Member")
        ),
        "api:get_department_import": api(
            *by_pk(imports_api, j_in, j_out), **import_shown, scoped=("DepartmentImport",)
        ),
        "api:confirm_department_import": api_write(
            *confirm_at, "post", {}, ok=200, present=['"status": "loaded"'], scoped=("DepartmentImport",)
        ),
    }


def notice_world() -> dict:
    """On each side a case in its 村内公示 (西关社区 in scope, 杨家岭社区 not) with an objection awaiting an answer.
    Made without audit entries: the audit trail's cases look for the pairings' entries on the first page."""
    with disable_auditlog():
        return _notice_world()


def _notice_world() -> dict:
    out = {}
    for side, key, label in (("inside", "xinyang", "信阳侧"), ("outside", "yanan", "延安侧")):
        hands = monitoring_testing.procedure_users(key)
        home = monitoring_testing.household(hands["county"], key, number=f"{side}-notice", head_name=f"{label}公示户")
        case, _opened = monitoring_services.open_case(household=home, channel="visit", user=hands["village"])
        case = monitoring_testing.walk(case, "publicising")
        out[f"{side}_notice_case"] = case
        out[f"{side}_notice_objection"] = monitoring_services.lodge_objection(
            case=case, kind="objection", subject="inclusion", text=f"{label}异议"
        )
    return out


def notice_cases(w) -> dict[str, Case]:
    """公示, 公告 and objections for staff: a 信阳 city user sees 西关社区's notice and objection, never 杨家岭社区's;
    recording an objection taken by phone is for county and township staff only (every city role is refused);
    answering is the township's or the county's (a city editor is sent back to the case with the refusal)."""
    c_in, c_out = w["inside_notice_case"], w["outside_notice_case"]
    o_in, o_out = w["inside_notice_objection"], w["outside_notice_objection"]
    v_in, v_out = c_in.household.village_id, c_out.household.village_id
    record = {"kind": "objection", "text": "矩阵电话异议"}
    return {
        "monitoring:notices": Case(
            "/monitoring/notices/", present=["西关社区居民委员会"], absent=["杨家岭社区"], scoped=("Alert",)
        ),
        "monitoring:notice_document": Case(
            f"/monitoring/notices/{v_in}.docx",
            f"/monitoring/notices/{v_out}.docx",
            present=["西关社区居民委员会防止返贫动态监测公示"],
            absent=["杨家岭社区"],
            scoped=("Region", "Alert"),
        ),
        "monitoring:objections": Case(
            "/monitoring/objections/", present=["信阳侧异议"], absent=["延安侧异议"], scoped=("Objection",)
        ),
        "monitoring:objection_record": form_post(
            *by_pk("/monitoring/alerts/{}/objections/new/", c_in, c_out), action=LOCAL, data=record, scoped=("Alert",)
        ),
        "monitoring:objection_answer": form_post(
            *by_pk("/monitoring/objections/{}/answer/", o_in, o_out),
            data={"answer": "矩阵答复", "version": "1"},
            scoped=("Objection",),
        ),
    }
