"""Permission-matrix cases of household monitoring (duikou.monitoring.testing.matrix_world)."""

from auditlog.context import disable_auditlog
from django.core.files.uploadedfile import SimpleUploadedFile

from duikou.accounts import scoping
from duikou.monitoring import services as monitoring_services
from duikou.monitoring import testing as monitoring_testing
from duikou.permission_matrix import ANYONE, LOCAL, SUPERVISOR, Case, api, api_write, by_pk, form_post, listing


def world(w) -> dict:
    base = monitoring_testing.matrix_world(w["users"]["editor"], w["stranger"])
    return base | front_world(base) | notice_world()


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
        **front_cases(w),
        **registry_cases(w),
    }


def monitoring_case_cases(w, plain: str, masked: str) -> dict[str, Case]:
    """Cases of alerts (workflow steps, assistance measures, objections) and departmental imports: 信阳侧 in scope,
    延安侧 not. Each step of a case is taken at its own level only (village, township or county): a 信阳 city user
    takes none. The web step (verify) and the objection's answer come back to the case page with the refusal as a
    message; the API's recheck and measure are refused 403 to every city role (LOCAL); viewers are refused before the
    step is looked at, and the 延安 objects are not found."""
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
        "monitoring:responsible_assign": form_post(
            *by_pk(f"{alert}responsible/", a_in, a_out),
            data={"responsible": "", "version": "ALERT_VERSION"},
            scoped=("Alert",),
        ),
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
        "api:take_alert_step": api_write(*recheck_at, "post_json", recheck, action=LOCAL, scoped=("Alert",)),
        "api:add_alert_measure": api_write(
            *measure_at, "post_json", measure | unit_in, data_out=measure | unit_out, action=LOCAL, scoped=("Alert",)
        ),
        "monitoring:objection_answer": form_post(
            *by_pk("/monitoring/objections/{}/answer/", w["inside_objection"], w["outside_objection"]),
            data={"answer": "矩阵答复", "version": "OBJECTION_VERSION"},
            scoped=("Objection",),
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


def front_world(base: dict) -> dict:
    """On each side, a household's own declaration (a household the registry does not know) and a cadre's visit. Made
    without audit entries, so that the audit pages' cases still find the pairings' on their first page."""
    import datetime

    from auditlog.context import disable_auditlog

    from duikou.monitoring.testing import PLACES, id_number, local_user, place

    out = {}
    with disable_auditlog():
        for side, key, serial in (("inside", "xinyang", 31), ("outside", "yanan", 32)):
            label = "信阳侧" if side == "inside" else "延安侧"
            out[f"{side}_declaration"] = monitoring_services.declare(
                village=place(key)[1],
                head_name=f"{label}申报人",
                id_number=id_number(serial, area=PLACES[key][0]),
                phone=f"1390000{serial:04d}",
                difficulty="illness",
                description=f"{label}申报说明",
                consent=True,
            )
            out[f"{side}_visit"] = monitoring_services.record_visit(
                user=local_user(f"{side}_front_cadre", key, "village"),
                household=base[f"{side}_household"],
                date=datetime.date(2026, 1, 5),
                situation=f"{label}走访情况",
            )
    return out


def front_cases(w) -> dict[str, Case]:
    """The ways in from the front line. The self-declaration page and its status page are public (anyone, signed in
    or not); the status page shows the case's stage and nothing personal. The 信阳 city roles are refused the
    county/township/village pages (LOCAL): declarations by hotline or counter, visits, the villages' QR posters."""
    inside = w["inside_declaration"]
    h_in, h_out = w["inside_household"], w["outside_household"]
    ack = {"ack_number": inside.ack_number}
    personal = ["信阳侧申报人", "信阳侧申报说明", inside.id_number_masked, "13900000031", "139****0031"]
    declared = {"present": ["信阳侧申报人", "139****0031"], "absent": ["延安侧申报人", "13900000031"]}
    visited = {"present": ["信阳侧走访情况"], "absent": ["延安侧走访情况"]}
    poster = "/monitoring/posters/{}.pdf"
    hotline = {
        "channel": "hotline",
        "village": "411526001001",
        "head_name": "矩阵热线申报人",
        "id_number": "411526198001010417",
        "phone": "13900000041",
        "difficulty": "disaster",
        "consent": True,
    }
    visit = {"household_id": h_in.pk, "date": "2026-01-06", "situation": "矩阵走访", "risk": "illness"}
    return {
        "declare": Case("/declare/411526001001/", action=ANYONE, present=["西关社区居民委员会", "承诺授权"]),
        "declare_status": Case(
            "/declare/status/", action=ANYONE, method="post", data=ack, present=["等待村里入户核实"], absent=personal
        ),
        "monitoring:declarations": Case("/monitoring/declarations/", **declared, scoped=("Declaration",)),
        "monitoring:declaration_add": Case("/monitoring/declarations/new/", action=LOCAL, scoped=("may:change",)),
        "monitoring:visits": Case("/monitoring/visits/", **visited, scoped=("Visit",)),
        "monitoring:visit_add": Case(
            *by_pk("/monitoring/households/{}/visits/new/", h_in, h_out), action=LOCAL, scoped=("Household",)
        ),
        "monitoring:posters": Case("/monitoring/posters/", action=LOCAL, scoped=("may:view",)),
        "monitoring:poster": Case(
            poster.format("411526001001"), poster.format("610602001001"), action=LOCAL, scoped=("Region",)
        ),
        "api:create_declaration": api_write(
            "/api/monitoring/declarations", None, "post_json", hotline, action=LOCAL, scoped=("Region",)
        ),
        "api:list_declarations": api("/api/monitoring/declarations", **declared, scoped=("Declaration",)),
        "api:create_visit": api_write(
            "/api/monitoring/visits", None, "post_json", visit, action=LOCAL, scoped=("Household",)
        ),
        "api:list_visits": api("/api/monitoring/visits", **visited, scoped=("Visit",)),
    }


def registry_cases(w) -> dict[str, Case]:
    """Keeping the registry (edits, members, imports) is for county and township editors of the area: every 信阳 city
    role is refused the in-scope household, and the 延安侧 one is not found."""
    h_in, h_out = w["inside_household"], w["outside_household"]
    household = "/monitoring/households/{}/"
    m_in, m_out = (h.members.order_by("pk").first() for h in (h_in, h_out))
    member_edit = (
        f"{household.format(h_in.pk)}members/{m_in.pk}/edit/",
        f"{household.format(h_out.pk)}members/{m_out.pk}/edit/",
    )
    keeper = {"action": LOCAL, "scoped": ("Household",)}
    imports = "/monitoring/households/import/households/"
    return {
        "monitoring:household_edit": Case(*by_pk(f"{household}edit/", h_in, h_out), **keeper),
        "monitoring:household_confirm": form_post(
            *by_pk(f"{household}confirm/", h_in, h_out), data={"version": "HOUSEHOLD_VERSION"}, **keeper
        ),
        "monitoring:member_add": Case(*by_pk(f"{household}members/new/", h_in, h_out), **keeper),
        "monitoring:member_edit": Case(*member_edit, **keeper),
        "monitoring:registry_import": Case(imports, action=LOCAL, scoped=("may:change",)),
        "monitoring:registry_template": Case(f"{imports}template.xlsx", action=LOCAL, scoped=("may:change",)),
        **registry_api_cases(w),
    }


def registry_api_cases(w) -> dict[str, Case]:
    """The registry's API: editing and adding members for county and township editors only; income records for
    anyone who may change the household (as the page)."""
    h_in, h_out = w["inside_household"], w["outside_household"]
    at = "/api/monitoring/households/{}"
    member = {"name": "矩阵成员", "id_number": monitoring_testing.id_number(77, area="411526"), "phone": ""}
    income = {"year": 2026, "period_kind": "quarter", "period": 1, "persons": 2, "net_income": "3000"}
    return {
        "api:edit_household": api_write(
            *by_pk(at, h_in, h_out),
            "patch",
            {"version": "HOUSEHOLD_VERSION", "address": "矩阵"},
            action=LOCAL,
            scoped=("Household",),
        ),
        "api:add_household_member": api_write(
            *by_pk(f"{at}/members", h_in, h_out), "post_json", member, action=LOCAL, scoped=("Household",)
        ),
        "api:list_household_incomes": api(
            *by_pk(f"{at}/incomes", h_in, h_out), present=['"label": "2025年"'], scoped=("Household", "IncomeRecord")
        ),
        "api:add_household_income": api_write(
            *by_pk(f"{at}/incomes", h_in, h_out), "post_json", income, present=["2026年第1季度"], scoped=("Household",)
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
    }
