"""Permission-matrix cases of the red-culture platform: the editors' and reviewers' pages (a resource is its region's,
a route its pairing's) and the public catalogue (anyone; only published items, never a draft)."""

import datetime

from duikou import testing
from duikou.accounts.scoping import Action
from duikou.culture import services
from duikou.culture import testing as ct
from duikou.culture.models import Route
from duikou.permission_matrix import ANYONE, Case, by_pk, form_post, listing
from duikou.projects.models import Activity


def world(w):
    """On each side a draft resource with a PDF, a draft route with that resource as its stop, a study trip; on the
    信阳 side also a published resource and route (what the public pages show)."""
    xy = testing.user("xy_culture_editor", "信阳市人民政府", "editor")
    xy_approver = testing.user("xy_culture_approver", "信阳市人民政府", "approver")
    ya = testing.user("ya_culture_editor", "延安市人民政府", "editor")
    part = {}
    for side, editor, region, pairing in (
        ("inside", xy, ct.XINXIAN, w["inside"]),
        ("outside", ya, ct.YANAN, w["outside"]),
    ):
        resource = ct.resource(editor, f"矩阵{side}资源", region=region)
        medium = services.add_medium(
            editor, resource, ct.upload("a.pdf", b"%PDF-1.4\n"), caption=f"矩阵{side}档案", credit="馆藏"
        )
        route = services.create(
            editor,
            Route,
            {"pairing": pairing, "name": f"矩阵{side}线路", "days": 2, "description": "简介", "sources": "来源"},
        )
        stop = services.add_stop(editor, route, resource=resource, day=1)
        trip = Activity.objects.create(
            pairing=pairing, kind=Activity.Kind.STUDY_TRIP, key_task_id="KT1", date=datetime.date(2026, 5, 1),
            title=f"矩阵{side}研学", participants=10,
        )  # fmt: skip
        visit = services.link_visit(editor, resource, trip)
        part |= {
            f"{side}_resource": resource,
            f"{side}_medium": medium,
            f"{side}_route": route,
            f"{side}_stop": stop,
            f"{side}_trip": trip,
            f"{side}_study_visit": visit,
        }
    shown = ct.publish(ct.resource(xy, "矩阵已发布资源"), xy, xy_approver)
    shown_medium = services.step(xy, shown, "revise", version=shown.version)
    shown_medium = services.add_medium(
        xy, shown_medium, ct.upload("b.pdf", b"%PDF-1.4\n"), caption="矩阵公开档案", credit="馆藏"
    )
    shown = ct.publish(shown_medium.resource, xy, xy_approver)
    shown_route = services.create(
        xy, Route, {"pairing": w["inside"], "name": "矩阵公开线路", "days": 1, "description": "简", "sources": "源"}
    )
    services.add_stop(xy, shown_route, resource=shown, day=1)
    shown_route = ct.publish(shown_route, xy, xy_approver)
    return part | {"shown_resource": shown, "shown_medium": shown_medium, "shown_route": shown_route}


def cases(w):
    r_in, r_out = w["inside_resource"], w["outside_resource"]
    route_in, route_out = w["inside_route"], w["outside_route"]
    drafts = [r_in.name, r_out.name, route_in.name, route_out.name, "矩阵inside档案"]
    resource_data = {
        "kind": "site",
        "name": "矩阵新资源",
        "region": ct.XINXIAN,
        "latitude": "31.64",
        "longitude": "114.88",
        "description": "简介",
        "sources": "来源",
    }
    mine, theirs = w["inside"].code, "延安市—无锡市"
    mine_label = f"{w['inside'].code} 信阳市—苏州市"
    route_data = {"pairing": w["inside"].pk, "name": "矩阵新线路", "days": 1, "description": "简", "sources": "源"}
    return {
        "public:culture": Case(
            "/public/culture/", action=ANYONE, present=["矩阵已发布资源", "矩阵公开线路"], absent=drafts
        ),
        "public:culture_resource": Case(
            f"/public/culture/resources/{w['shown_resource'].pk}/",
            action=ANYONE,
            present=["矩阵已发布资源", "矩阵公开档案"],
            absent=drafts,
        ),
        "public:culture_route": Case(
            f"/public/culture/routes/{w['shown_route'].pk}/", action=ANYONE, present=["矩阵已发布资源"], absent=drafts
        ),
        "public:culture_medium": Case(
            f"/public/culture/media/{w['shown_medium'].pk}/", action=ANYONE, present=["%PDF-1.4"]
        ),
        "culture:resources": listing("/culture/", r_in.name, r_out.name, scoped=("may:view", "Resource")),
        "culture:routes": listing("/culture/routes/", route_in.name, route_out.name, scoped=("may:view", "Route")),
        "culture:resource": Case(
            *by_pk("/culture/resources/{}/", r_in, r_out), present=["矩阵inside档案"], scoped=("Resource",)
        ),
        "culture:route": Case(
            *by_pk("/culture/routes/{}/", route_in, route_out), present=[r_in.name], scoped=("Route",)
        ),
        "culture:medium_file": Case(
            *by_pk("/culture/media/{}/", w["inside_medium"], w["outside_medium"]),
            present=["%PDF-1.4"],
            scoped=("Medium",),
        ),
        # the spreadsheets: templates and import pages need the change right and offer only the caller's area and
        # pairings; the export is the caller's list
        "culture:resource_import": Case(
            "/culture/import/",
            action=Action.CHANGE,
            present=["/culture/import/template.xlsx", "信阳市"],
            scoped=("may:change",),
        ),
        "culture:resource_template": Case(
            "/culture/import/template.xlsx",
            action=Action.CHANGE,
            present=["所在地区代码", "大别山革命老区"],
            scoped=("may:change",),
        ),
        "culture:route_import": Case(
            "/culture/routes/import/",
            action=Action.CHANGE,
            present=[mine],
            absent=[theirs],
            scoped=("may:change", "Pairing"),
        ),
        "culture:route_template": Case(
            "/culture/routes/import/template.xlsx",
            action=Action.CHANGE,
            present=["资源名称", mine_label],
            absent=[theirs],
            scoped=("may:change", "Pairing"),
        ),
        "culture:resource_export": listing(
            "/culture/export.xlsx", r_in.name, r_out.name, scoped=("may:view", "Resource")
        ),
        "culture:resource_new": form_post("/culture/resources/new/", data=resource_data, scoped=("may:change",)),
        "culture:route_new": form_post("/culture/routes/new/", data=route_data, scoped=("may:change",)),
        "culture:resource_edit": form_post(
            *by_pk("/culture/resources/{}/edit/", r_in, r_out),
            data={**resource_data, "name": r_in.name, "version": "RESOURCE_VERSION"},
            data_out={**resource_data, "name": r_out.name, "version": "RESOURCE_VERSION"},
            scoped=("Resource",),
        ),
        "culture:route_edit": form_post(
            *by_pk("/culture/routes/{}/edit/", route_in, route_out),
            data={**route_data, "name": route_in.name, "version": "ROUTE_VERSION"},
            scoped=("Route",),
        ),
        "culture:medium_add": form_post(
            *by_pk("/culture/resources/{}/media/", r_in, r_out),
            data={"file": ct.upload("c.pdf", b"%PDF-1.4\n"), "caption": "矩阵上传", "credit": "馆藏"},
            scoped=("Resource",),
        ),
        "culture:medium_remove": form_post(
            *by_pk("/culture/media/{}/remove/", w["inside_medium"], w["outside_medium"]), scoped=("Medium",)
        ),
        "culture:visit_remove": form_post(
            *by_pk("/culture/visits/{}/remove/", w["inside_study_visit"], w["outside_study_visit"]),
            scoped=("StudyVisit",),
        ),
        "culture:visit_add": form_post(
            *by_pk("/culture/resources/{}/visits/", r_in, r_out),
            data={"activity": w["inside_trip"].pk},
            scoped=("Resource",),
        ),
        "culture:stop_remove": form_post(
            *by_pk("/culture/stops/{}/remove/", w["inside_stop"], w["outside_stop"]), scoped=("Stop",)
        ),
        "culture:stop_add": form_post(
            *by_pk("/culture/routes/{}/stops/", route_in, route_out),
            data={"resource": r_in.pk, "day": 1},
            scoped=("Route",),
        ),
        # last: the steps move the drafts on
        "culture:route_step": form_post(
            *by_pk("/culture/routes/{}/step/", route_in, route_out),
            data={"step": "submit", "version": "ROUTE_VERSION"},
            scoped=("Route",),
        ),
        "culture:resource_step": form_post(
            *by_pk("/culture/resources/{}/step/", r_in, r_out),
            data={"step": "submit", "version": "RESOURCE_VERSION"},
            scoped=("Resource",),
        ),
    }


__all__ = ["Action", "cases", "world"]
