"""Permission-matrix cases of the seconded-people register: a secondment is its pairing's, so the 信阳 users reach
信阳–苏州's and never 延安–无锡's; the ID number shows masked only, on every page, file and answer."""

import datetime

from duikou.accounts.scoping import Action
from duikou.permission_matrix import Case, by_pk, form_post, listing
from duikou.secondments import services
from duikou.secondments import testing as st


def world(w):
    xy = w["users"]["editor"]
    inside = st.secondment(xy, pairing=w["inside"], serial=501, name="矩阵信阳挂职")
    outside = st.secondment(w["stranger"], pairing=w["outside"], serial=502, name="矩阵延安挂职")
    services.add_report(user=xy, secondment=inside, date=datetime.date(2026, 4, 1), title="矩阵工作报告", text="内容")
    return {"inside_secondment": inside, "outside_secondment": outside}


def cases(w):
    s_in, s_out = w["inside_secondment"], w["outside_secondment"]
    mine, theirs = s_in.name, s_out.name
    full = st.id_number(501)
    private = {"absent": [full, theirs]}
    base, api = "/secondments", "/api/secondments"
    fields = {
        "direction": "east_to_old",
        "kind": "professional",
        "home_org": "苏州大学附属第一医院",
        "host_org": "信阳市中心医院",
        "post": "副院长",
        "field": "health",
        "start_date": "2026-05-01",
    }
    edit = fields | {"name": mine, "end_date": "", "phone": "", "version": "SECONDMENT_VERSION"}
    counts = "counts?since=2026-01-01&until=2026-12-31&pairing={}"
    return {
        # first: the writes below add people to the pairing
        "api:secondment_counts": Case(
            f"{api}/{counts.format(w['inside'].pk)}",
            f"{api}/{counts.format(w['outside'].pk)}",
            api=True,
            present=['"total": 1'],
            scoped=("Pairing", "Secondment"),
        ),
        "secondments:list": listing(f"{base}/", mine, theirs, scoped=("may:view", "Secondment")),
        "secondments:export": listing(f"{base}/export.xlsx", mine, theirs, scoped=("may:view", "Secondment")),
        "secondments:detail": Case(
            *by_pk(f"{base}/{{}}/", s_in, s_out),
            present=[mine, s_in.id_number_masked, "矩阵工作报告"],
            **private,
            scoped=("Secondment", "SecondmentReport"),
        ),
        "secondments:pairing": Case(
            *by_pk(f"{base}/pairings/{{}}/", w["inside"], w["outside"]),
            present=["挂职人员汇总"],
            scoped=("may:view", "Pairing", "Secondment"),
        ),
        "secondments:import": Case(
            f"{base}/import/",
            action=Action.CHANGE,
            present=[w["inside"].code],
            absent=["延安市—无锡市"],
            scoped=("may:change", "Pairing"),
        ),
        "secondments:template": Case(
            f"{base}/import/template.xlsx",
            action=Action.CHANGE,
            present=["身份证号", f"{w['inside'].code} 信阳市—苏州市"],
            absent=["延安市—无锡市"],
            scoped=("may:change", "Pairing"),
        ),
        "secondments:new": form_post(
            f"{base}/new/",
            data=fields | {"pairing": w["inside"].pk, "name": "矩阵新挂职", "id_number": st.id_number(503)},
            scoped=("may:change", "Pairing"),
        ),
        "secondments:edit": form_post(*by_pk(f"{base}/{{}}/edit/", s_in, s_out), data=edit, scoped=("Secondment",)),
        "secondments:report_add": form_post(
            *by_pk(f"{base}/{{}}/reports/", s_in, s_out),
            data={"date": "2026-06-01", "title": "矩阵月报", "text": "内容"},
            scoped=("Secondment",),
        ),
        "api:list_secondments": Case(api, api=True, present=[mine], **private, scoped=("Secondment",)),
        "api:get_secondment": Case(
            *by_pk(f"{api}/{{}}", s_in, s_out),
            api=True,
            present=[mine, s_in.id_number_masked],
            **private,
            scoped=("Secondment",),
        ),  # fmt: skip
        "api:list_secondment_reports": Case(
            *by_pk(f"{api}/{{}}/reports", s_in, s_out), api=True, present=["矩阵工作报告"], scoped=("Secondment",)
        ),
        "api:create_secondment": Case(
            api,
            api=True,
            method="post_json",
            data=fields | {"pairing_id": w["inside"].pk, "name": "矩阵接口挂职", "id_number": st.id_number(504)},
            action=Action.CHANGE,
            ok=201,
            scoped=("may:change", "Pairing"),
        ),
        "api:update_secondment": Case(
            *by_pk(f"{api}/{{}}", s_in, s_out),
            api=True,
            method="put",
            data={**fields, "name": mine, "version": "SECONDMENT_VERSION"},
            action=Action.CHANGE,
            present=["信阳市中心医院"],
            absent=[full],
            scoped=("Secondment",),
        ),
        "api:add_secondment_report": Case(
            *by_pk(f"{api}/{{}}/reports", s_in, s_out),
            api=True,
            method="post_json",
            data={"date": "2026-06-02", "title": "矩阵接口报告", "text": "内容"},
            action=Action.CHANGE,
            ok=201,
            scoped=("Secondment",),
        ),
        # last: ending changes what the edits above may do
        "api:end_secondment": Case(
            *by_pk(f"{api}/{{}}/end", s_in, s_out),
            api=True,
            method="post_json",
            data={"version": "SECONDMENT_VERSION", "on": "2026-09-30", "early": False},
            action=Action.CHANGE,
            present=['"status": "completed"'],
            scoped=("Secondment",),
        ),
        "secondments:end": form_post(
            *by_pk(f"{base}/{{}}/end/", s_in, s_out),
            data={"version": "SECONDMENT_VERSION", "on": "2026-09-30", "early": "0"},
            scoped=("Secondment",),
        ),
    }


__all__ = ["Action", "cases", "world"]
