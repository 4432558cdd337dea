"""Permission-matrix cases of projects and activities."""

from duikou.accounts import scoping
from duikou.permission_matrix import Case, api, api_write, by_pk, form_post, listing
from duikou.projects import testing as project_testing


def world(w) -> dict:
    return project_testing.matrix_world(w["users"]["editor"], w["stranger"], w["inside"], w["outside"])


def cases(w) -> dict[str, Case]:
    """Projects and activities: 信阳侧 objects are in scope, 延安侧 ones are not (duikou.projects.testing)."""
    A = scoping.Action
    pr_in, pr_out = w["inside_project"], w["outside_project"]
    ms_in, ms_out = w["inside_open_milestone"], w["outside_open_milestone"]
    ac_in, ac_out = w["inside_activity"], w["outside_activity"]
    p_in, p_out = f"/projects/{pr_in.pk}/", f"/projects/{pr_out.pk}/"
    a_in, a_out = f"/activities/{ac_in.pk}/", f"/activities/{ac_out.pk}/"
    project_api = by_pk("/api/projects/{}", pr_in, pr_out)
    milestones_api = by_pk("/api/projects/{}/milestones", pr_in, pr_out)
    updates_api = by_pk("/api/projects/{}/updates", pr_in, pr_out)
    activity_api = by_pk("/api/activities/{}", ac_in, ac_out)
    project_fields = {
        "name": "接口新建项目",
        "industry": "electronics",
        "key_task": "KT5",
        "location": "411526",
        "investment_planned": "100",
    }
    activity_fields = {
        "kind": "study_trip",
        "key_task": "KT1",
        "date": "2025-05-04",
        "title": "接口新建研学",
        "participants": 30,
    }
    new_fund = {"kind": "commitment", "date": "2025-03-01", "amount_wan": "10", "source": "other"}
    mine, theirs = "<li>N09 信阳市—苏州市</li>", "延安市"
    whole_project = ["信阳侧项目", "信阳侧逾期节点", "信阳侧进展", "信阳侧.txt"]
    project_parts = ("Project", "Milestone", "ProgressUpdate", "Evidence")
    milestone, evidence = (
        "/projects/milestones/{}/",
        by_pk("/projects/evidence/{}/", w["inside_evidence"], w["outside_evidence"]),
    )
    new_milestone, progress = (
        {"name": "矩阵新节点", "due_date": "2027-01-31"},
        {"date": "2025-03-01", "text": "矩阵进展"},
    )
    projects = ("/api/projects", "/api/projects")
    new_project = {
        "data": {"pairing_id": w["inside"].pk, **project_fields},
        "data_out": {"pairing_id": w["outside"].pk, **project_fields, "location": "610602"},
    }
    project_change = {**project_fields, "name": "信阳侧项目", "park": "接口修改", "version": "PROJECT_VERSION"}
    milestone_api = by_pk("/api/projects/milestones/{}", ms_in, ms_out)
    milestone_change = {"name": "信阳侧待完成节点", "due_date": "2099-07-31"}
    activities = ("/api/activities", "/api/activities")
    new_activity = {
        "data": {"pairing_id": w["inside"].pk, **activity_fields},
        "data_out": {"pairing_id": w["outside"].pk, **activity_fields},
    }
    activity_change = {
        "kind": "visit",
        "key_task": "KT5",
        "date": "2024-05-20",
        "title": "信阳侧互访",
        "delegation_size": 30,
        "delegation_level": "province",
        "version": "ACTIVITY_VERSION",
    }

    def entry_pages(base, template, imports, create, *template_shows):
        """The spreadsheet template, the import page and the new-record form of projects or of activities: each
        needs the change right and offers only the caller's pairing."""
        changing = {"action": A.CHANGE, "absent": [theirs]}
        return {
            template: Case(
                f"{base}template.xlsx",
                **changing,
                present=[*template_shows, "N09 信阳市—苏州市"],
                scoped=("may:change", "Pairing", "Task"),
            ),
            imports: Case(f"{base}import/", **changing, present=[mine], scoped=("may:change", "Pairing")),
            create: Case(f"{base}new/", **changing, present=["信阳市—苏州市</option>"], scoped=("Pairing", "Task")),
        }

    return {
        "projects:list": listing("/projects/", "信阳侧项目", "延安侧项目", ("Project",)),
        "projects:export": form_post("/projects/export/", action=A.VIEW, data={"format": "xlsx"}, scoped=("Project",)),
        **entry_pages("/projects/", "projects:project_template", "projects:import", "projects:create", "411502 浉河区"),
        "projects:overdue": listing("/projects/overdue/", "信阳侧逾期节点", "延安侧逾期节点", ("Milestone",)),
        "projects:detail": Case(p_in, p_out, present=whole_project, absent=["延安侧"], scoped=project_parts),
        "projects:edit": Case(
            f"{p_in}edit/", f"{p_out}edit/", action=A.CHANGE, present=["信阳侧项目"], scoped=("Project",)
        ),
        "projects:milestone_edit": Case(
            *by_pk(f"{milestone}edit/", ms_in, ms_out),
            action=A.CHANGE,
            present=["信阳侧待完成节点"],
            scoped=("Milestone",),
        ),
        "projects:evidence": Case(*evidence, present=["信阳侧佐证材料"], scoped=("Evidence",)),
        "projects:milestone_create": form_post(
            f"{p_in}milestones/", f"{p_out}milestones/", data=new_milestone, scoped=("Project",)
        ),
        "projects:milestone_done": form_post(*by_pk(f"{milestone}done/", ms_in, ms_out), scoped=("Milestone",)),
        "projects:progress_create": form_post(
            f"{p_in}updates/", f"{p_out}updates/", data=progress, scoped=("Project",)
        ),
        "projects:fund_list": listing("/projects/funds/", "信阳侧拨付方", "延安侧拨付方", ("FundTransaction",)),
        "projects:fund_export": form_post(
            "/projects/funds/export/", action=A.VIEW, data={"format": "xlsx"}, scoped=("FundTransaction",)
        ),
        "projects:fund_template": Case(
            "/projects/funds/template.xlsx",
            action=A.CHANGE,
            present=["N09 信阳侧项目"],
            absent=["延安侧项目", theirs],
            scoped=("may:change", "Pairing", "Project"),
        ),
        "projects:fund_import": Case(
            "/projects/funds/import/",
            action=A.CHANGE,
            present=[mine],
            absent=[theirs],
            scoped=("may:change", "Pairing"),
        ),
        "projects:fund_create": form_post(f"{p_in}funds/", f"{p_out}funds/", data=new_fund, scoped=("Project",)),
        "projects:fund_cancel": form_post(
            *by_pk("/projects/funds/{}/cancel/", w["inside_fund"], w["outside_fund"]),
            data={"version": "FUND_VERSION", "reason": "矩阵作废"},
            scoped=("FundTransaction",),
        ),
        "projects:activity_list": listing("/activities/", "信阳侧互访", "延安侧互访", ("Activity",)),
        "projects:activity_export": form_post(
            "/activities/export/", action=A.VIEW, data={"format": "csv"}, scoped=("Activity",)
        ),
        **entry_pages(
            "/activities/", "projects:activity_template", "projects:activity_import", "projects:activity_create"
        ),
        "projects:activity_detail": Case(a_in, a_out, present=["信阳侧互访"], scoped=("Activity",)),
        "projects:activity_edit": Case(
            f"{a_in}edit/", f"{a_out}edit/", action=A.CHANGE, present=["信阳侧互访"], scoped=("Activity",)
        ),
        # API
        "api:list_projects": listing("/api/projects", "信阳侧项目", "延安侧项目", ("Project",), api=True),
        "api:list_overdue_project_milestones": listing(
            "/api/projects/overdue-milestones", "信阳侧逾期节点", "延安侧逾期节点", ("Milestone",), api=True
        ),
        "api:get_project": api(*project_api, present=["信阳侧项目"], scoped=("Project",)),
        "api:create_project": api_write(*projects, "post_json", **new_project, scoped=("Pairing",)),
        "api:update_project": api_write(*project_api, "put", project_change, present=["接口修改"], scoped=("Project",)),
        "api:list_project_milestones": api(
            *milestones_api, present=["信阳侧逾期节点"], scoped=("Project", "Milestone")
        ),
        "api:create_project_milestone": api_write(
            *milestones_api, "post_json", {"name": "接口节点", "due_date": "2027-01-01"}, scoped=("Project",)
        ),
        "api:update_project_milestone": api_write(
            *milestone_api, "put", milestone_change, present=["2099-07-31"], scoped=("Milestone",)
        ),
        "api:list_project_updates": api(
            *updates_api, present=["信阳侧进展", "信阳侧.txt"], scoped=("Project", "ProgressUpdate", "Evidence")
        ),
        "api:create_project_update": api_write(
            *updates_api, "post", {"date": "2025-03-02", "text": "接口进展"}, scoped=("Project",)
        ),
        "api:list_project_funds": api(
            *by_pk("/api/projects/{}/funds", pr_in, pr_out),
            present=["信阳侧拨付方"],
            absent=["延安侧"],
            scoped=("Project", "FundTransaction"),
        ),
        "api:create_project_fund": api_write(
            *by_pk("/api/projects/{}/funds", pr_in, pr_out),
            "post_json",
            {**new_fund, "amount_wan": "11"},
            scoped=("Project",),
        ),
        "api:cancel_project_fund": api_write(
            *by_pk("/api/projects/funds/{}/cancel", w["inside_api_fund"], w["outside_api_fund"]),
            "post_json",
            {"version": "API_FUND_VERSION", "reason": "接口作废"},
            ok=200,
            present=["接口作废"],
            scoped=("FundTransaction",),
        ),
        "api:project_fund_figures": listing(
            "/api/projects/funds/figures?by=year",
            '"period": "2025"',
            '"period": "2024"',
            ("FundTransaction", "Project"),
            api=True,
        ),
        "api:list_activities": listing("/api/activities", "信阳侧互访", "延安侧互访", ("Activity",), api=True),
        "api:get_activity": api(*activity_api, present=["信阳侧互访"], scoped=("Activity",)),
        "api:create_activity": api_write(*activities, "post_json", **new_activity, scoped=("Pairing",)),
        "api:update_activity": api_write(
            *activity_api, "put", activity_change, present=["信阳侧互访", "province"], scoped=("Activity",)
        ),
    }
