"""The red-culture spreadsheets: a city loads its resources from the template (drafts, all-or-nothing, refused with
row and column), loads them again or loads its export back without a change, and loads routes stop by stop. Every
file is a real .xlsx, written with openpyxl and read back."""

import io
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from openpyxl import Workbook, load_workbook

from duikou import testing as base
from duikou.accounts.models import User
from duikou.core.errors import UserFacingError
from duikou.culture import tables
from duikou.culture import testing as ct
from duikou.culture.models import Resource, Route, Status, Stop
from duikou.geo.models import OldArea
from duikou.plans.tests.factories import people

pytestmark = pytest.mark.django_db

PAIRING = "N09 信阳市—苏州市"


@pytest.fixture
def who():
    return people()


@pytest.fixture
def editor(who):
    return who["xy_editor"]


@pytest.fixture
def w():
    """信阳–苏州 with published, draft and taken-down resources and a published route (``culture.testing.world``)."""
    return ct.world()


def fill(template: bytes, rows: list[dict]) -> bytes:
    """The downloaded template with ``rows`` (dicts by header) written under its header, saved as a new file."""
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    for number, row in enumerate(rows, start=2):
        for index, header in enumerate(headers, start=1):
            sheet.cell(row=number, column=index, value=row.get(header))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def workbook(sheet: str, headers: list[str], rows: list[dict]) -> bytes:
    book = Workbook()
    book.active.title = sheet
    book.active.append(headers)
    for row in rows:
        book.active.append([row.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def resource_row(**overrides) -> dict:
    row = {
        "类别": "革命旧址、纪念设施",
        "名称": "导入旧址",
        "英文名称": "Imported former site",
        "所在地区代码": "411523 新县",
        "所属革命老区": "大别山革命老区",
        "纬度": 31.64012,
        "经度": 114.87953,
        "保护级别": "全国重点文物保护单位",
        "简介": "导入的旧址简介",
        "英文简介": "",
        "资料来源": "《新县志》，1990 年\n县档案馆藏档案",
    }
    return row | overrides


def import_resources(user, data: bytes, **kw) -> dict:
    return tables.import_resources(user=user, data=data, filename="resources.xlsx", **kw)


def errors_of(run, *args, **kw) -> dict[tuple[int, str], dict]:
    with pytest.raises(UserFacingError) as exc:
        run(*args, **kw)
    assert "未写入任何数据" in str(exc.value)
    return {(e["row"], e["column"]): e for e in exc.value.details["errors"]}


def snapshot(model) -> list[dict]:
    return list(model.objects.order_by("pk").values())


# --- resources ----------------------------------------------------------------------------------------------


def test_the_template_filled_in_creates_drafts_without_a_creator_in_the_importers_audit_entry(editor):
    template = tables.resource_template(editor)
    book = load_workbook(io.BytesIO(template))
    assert book.sheetnames == ["红色文化资源", "选项", "填写说明"] and book["选项"].sheet_state == "hidden"
    assert [c.value for c in book["红色文化资源"][1]] == [c.header for c in tables.RESOURCE_COLUMNS]
    options = [[c.value for c in column] for column in book["选项"].iter_cols()]
    assert ["old_area", "大别山革命老区"] == options[0][:1] + [v for v in options[0] if v == "大别山革命老区"]
    guide = "\n".join(str(c.value) for row in book["填写说明"].iter_rows() for c in row if c.value)
    assert "新导入的资源是草稿" in guide

    rows = [resource_row(), resource_row(名称="导入口述史", 类别="口述史", 所属革命老区=None, 保护级别=None, 纬度=31.6)]
    result = import_resources(editor, fill(template, rows))
    assert (result["created"], result["updated"], result["unchanged"]) == (2, 0, 0)
    site = Resource.objects.get(name="导入旧址")
    assert (site.status, site.created_by, site.region_id, site.kind) == (Status.DRAFT, None, "411523", "site")
    assert (site.latitude, site.longitude) == (Decimal("31.64012"), Decimal("114.87953"))
    assert site.old_area == OldArea.objects.get(name="大别山革命老区") and site.protection == "national"
    assert site.source_lines == ["《新县志》，1990 年", "县档案馆藏档案"] and site.name_en == "Imported former site"
    oral = Resource.objects.get(name="导入口述史")
    assert (oral.kind, oral.old_area, oral.protection, oral.latitude) == ("oral", None, "", Decimal("31.6"))
    assert LogEntry.objects.get_for_object(site).get().actor == editor


def test_the_same_file_again_changes_nothing_and_a_changed_draft_is_updated(editor):
    data = fill(tables.resource_template(editor), [resource_row()])
    import_resources(editor, data)
    before, entries = snapshot(Resource), LogEntry.objects.count()
    again = import_resources(editor, data)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    assert snapshot(Resource) == before and LogEntry.objects.count() == entries

    changed = import_resources(editor, fill(tables.resource_template(editor), [resource_row(简介="改过的简介")]))
    assert changed["updated"] == 1
    site = Resource.objects.get(name="导入旧址")
    assert (site.description, site.version, site.status) == ("改过的简介", 2, Status.DRAFT)
    assert LogEntry.objects.get_for_object(site).latest("timestamp").actor == editor


def test_the_export_imports_back_without_a_change(client, w):
    world, editor = w, w["who"]["xy_editor"]  # published, draft and taken-down resources in 新县, one in 常熟
    ct.resource(editor, "=公式样的名称", description="-以减号开头", sources="第一行\n第二行")
    client.force_login(editor)
    response = client.get("/culture/export.xlsx")
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(response.content))["红色文化资源"]
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {world["site"].name, world["draft"].name, world["gone"].name} <= names
    assert world["memorial"].name not in names  # 常熟 is not 信阳's

    before, entries = snapshot(Resource), LogEntry.objects.count()
    result = import_resources(editor, response.content)
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, len(names))
    assert snapshot(Resource) == before and LogEntry.objects.count() == entries


def test_a_bad_file_is_refused_whole_naming_row_and_column(editor):
    import_resources(editor, fill(tables.resource_template(editor), [resource_row(名称="已有的草稿")]))
    before, entries = snapshot(Resource), LogEntry.objects.count()
    rows = [
        resource_row(名称="好的一行"),
        resource_row(名称="三", 所在地区代码="419999"),  # no such region
        resource_row(名称="四", 所在地区代码="610602 宝塔区"),  # 延安, outside 信阳
        resource_row(名称="五", 纬度=60),  # north of China
        resource_row(名称="六", 类别="博物馆"),  # not a kind
        resource_row(名称=None),  # no name
        resource_row(名称="八", 所在地区代码="411500 信阳市"),  # a city, not a county or below
        resource_row(名称="好的一行"),  # twice in the file
        resource_row(名称="已有的草稿", 纬度=31.123456),  # six decimal places
        resource_row(名称="十一", 所属革命老区="不存在老区"),
    ]
    found = errors_of(import_resources, editor, fill(tables.resource_template(editor), rows))
    assert found[(3, "D 所在地区代码")]["reason"] == "区划代码「419999」不存在"
    assert found[(4, "D 所在地区代码")]["reason"] == "「宝塔区」（610602）不在您负责的地区内，不能导入这里的资源"
    assert found[(5, "F 纬度")]["value"] == "60.00000" and "53.6" in found[(5, "F 纬度")]["reason"]
    assert found[(6, "A 类别")]["reason"].startswith("不是可选值（可选：革命旧址、纪念设施、革命文物")
    assert found[(7, "B 名称")]["reason"] == "必填，不能为空"
    assert found[(8, "D 所在地区代码")]["reason"].endswith("须填写县级或乡镇、村级区划代码")
    assert found[(9, "B 名称")]["reason"] == "与第 2 行重复（同一地区的同名资源）"
    assert found[(10, "F 纬度")]["reason"] == "最多 5 位小数"
    assert found[(11, "E 所属革命老区")]["reason"].startswith("「不存在老区」不是革命老区")
    assert len(found) == 9
    assert snapshot(Resource) == before and LogEntry.objects.count() == entries


def test_a_row_that_would_change_a_published_resource_is_refused(who, editor):
    published = ct.publish(ct.resource(editor, "已发布旧址"), editor, who["xy_approver"])
    template = tables.resource_template(editor)
    same = {
        "名称": published.name,
        "英文名称": "",
        "所属革命老区": None,
        "保护级别": None,
        "纬度": 31.64,
        "经度": 114.88,
        "简介": "旧址简介",
        "资料来源": "测试来源：某年某报",
    }
    assert import_resources(editor, fill(template, [resource_row(**same)]))["unchanged"] == 1
    rows = [resource_row(名称="新的一行"), resource_row(**same | {"简介": "导入想改的简介"})]
    found = errors_of(import_resources, editor, fill(template, rows))
    assert found[(3, "B 名称")]["reason"] == "「已发布旧址」已提交审核或已发布，须先在其页面「修改（退回草稿）」"
    assert len(found) == 1
    published.refresh_from_db()
    assert published.description == "旧址简介" and not Resource.objects.filter(name="新的一行").exists()


def test_a_dry_run_reports_and_writes_nothing(editor):
    entries = LogEntry.objects.count()
    result = import_resources(editor, fill(tables.resource_template(editor), [resource_row()]), dry_run=True)
    assert result["dry_run"] and result["created"] == 1 and "未写入任何数据" in result["summary"]
    assert not Resource.objects.exists() and LogEntry.objects.count() == entries


# --- routes ---------------------------------------------------------------------------------------------------


def stop_row(resource: Resource, day: int, order: int, **overrides) -> dict:
    row = {
        "结对编号": PAIRING,
        "线路名称": "导入的两日线路",
        "英文名称": "",
        "天数": 2,
        "线路简介": "从新县到常熟",
        "英文简介": "",
        "资料来源": "测试来源",
        "第几天": day,
        "当天顺序": order,
        "资源所在地区代码": f"{resource.region_id} {resource.region.name}",
        "资源名称": resource.name,
        "站点说明": "",
    }
    return row | overrides


def import_routes(user, data: bytes, **kw) -> dict:
    return tables.import_routes(user=user, data=data, filename="routes.xlsx", **kw)


def test_routes_load_with_their_stops_day_by_day_and_again_change_nothing(w):
    editor = w["who"]["xy_editor"]
    template = tables.route_template(editor)
    book = load_workbook(io.BytesIO(template))
    assert book.sheetnames == ["精品线路", "选项", "填写说明"]
    assert PAIRING in [c.value for c in book["选项"]["A"]]
    rows = [
        stop_row(w["oral"], 1, 2),
        stop_row(w["site"], 1, 1, 站点说明="参观旧址"),
        stop_row(w["memorial"], 2, 1),  # 常熟: the partner city's published resource
        stop_row(w["draft"], 1, 1, 线路名称="只有草稿的一日线路", 天数=1),  # a draft the editor may see
    ]
    data = fill(template, rows)
    entries, stop_entries = LogEntry.objects.count(), LogEntry.objects.filter(content_type__model="stop").count()
    dry = import_routes(editor, data, dry_run=True)
    assert (dry["created"], dry["routes"], dry["rows"]) == (2, 2, 4) and "未写入任何数据" in dry["summary"]
    assert not Route.objects.filter(name="导入的两日线路").exists() and LogEntry.objects.count() == entries

    result = import_routes(editor, data)
    assert (result["created"], result["updated"], result["unchanged"]) == (2, 0, 0)
    route = Route.objects.get(name="导入的两日线路")
    assert (route.status, route.created_by, route.days, route.pairing) == (Status.DRAFT, None, 2, w["pairing"])
    stops = [(s.day, s.order, s.resource.name, s.note) for s in route.stops.order_by("day", "order")]
    assert stops == [(1, 1, "测试旧址", "参观旧址"), (1, 2, "测试口述史", ""), (2, 1, "测试纪念馆", "")]
    assert LogEntry.objects.get_for_object(route).get().actor == editor
    assert LogEntry.objects.filter(content_type__model="stop", actor=editor).count() == stop_entries + 4

    before, entries = (snapshot(Route), snapshot(Stop)), LogEntry.objects.count()
    again = import_routes(editor, data)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert (snapshot(Route), snapshot(Stop)) == before and LogEntry.objects.count() == entries


def test_a_draft_routes_stops_are_replaced_and_a_published_route_is_not_changed(w):
    editor = w["who"]["xy_editor"]
    rows = [stop_row(w["site"], 1, 1), stop_row(w["memorial"], 2, 1)]
    import_routes(editor, fill(tables.route_template(editor), rows))
    rows = [stop_row(w["memorial"], 1, 1, 天数=1, 线路简介="改为一日")]
    result = import_routes(editor, fill(tables.route_template(editor), rows))
    assert result["updated"] == 1
    route = Route.objects.get(name="导入的两日线路")
    assert (route.days, route.description, route.version) == (1, "改为一日", 2)
    assert [(s.day, s.resource.name) for s in route.stops.all()] == [(1, "测试纪念馆")]

    published = w["route"]  # 测试精品线路: 测试旧址 and 测试口述史 on day 1, 测试纪念馆 on day 2
    same = {"线路名称": published.name, "线路简介": "线路简介"}
    rows = [stop_row(w["site"], 1, 1, **same), stop_row(w["oral"], 1, 2, **same), stop_row(w["memorial"], 2, 1, **same)]
    assert import_routes(editor, fill(tables.route_template(editor), rows))["unchanged"] == 1
    rows = rows[:2]  # without its second day's stop
    found = errors_of(import_routes, editor, fill(tables.route_template(editor), rows))
    assert found == {
        (2, "B 线路名称"): {
            "row": 2,
            "column": "B 线路名称",
            "value": "测试精品线路",
            "reason": "「测试精品线路」已提交审核或已发布，须先在其页面「修改（退回草稿）」",
        }
    }
    assert published.stops.count() == 3


def test_a_bad_routes_file_is_refused_whole_naming_row_and_column(w):
    who = w["who"]
    editor = who["xy_editor"]
    yanan = base.user("ya_culture_approver", "延安市人民政府", "approver")
    elsewhere = ct.publish(ct.resource(who["yanan_editor"], "延安旧址", region=ct.YANAN), who["yanan_editor"], yanan)
    secret = ct.resource(User.objects.get(username="sz_editor"), "苏州草稿", region=ct.CHANGSHU)
    rows = [
        stop_row(w["site"], 1, 1),
        stop_row(elsewhere, 1, 2),  # 3: 延安 is not in 信阳–苏州
        stop_row(w["oral"], 3, 1),  # 4: a 2-day route has no day 3
        stop_row(w["memorial"], 2, 1, 天数=3, 线路简介="另一个简介"),  # 5: disagrees with row 2
        stop_row(w["oral"], 1, 1),  # 6: day 1 already has order 1
        stop_row(secret, 2, 2),  # 7: a draft of 苏州 the 信阳 editor may not see
        stop_row(w["gone"], 2, 3),  # 8: taken down
        stop_row(w["site"], 1, 1, 结对编号="N01 延安市—无锡市", 线路名称="别人的线路"),  # 9
        stop_row(w["site"], 1, 1, 线路名称="三十一天", 天数=31),  # 10
    ]
    before, entries = (snapshot(Route), snapshot(Stop)), LogEntry.objects.count()
    found = errors_of(import_routes, editor, fill(tables.route_template(editor), rows))
    assert found[(3, "K 资源名称")]["reason"] == "「延安旧址」不在该结对关系的两市"
    assert found[(4, "H 第几天")]["reason"] == "线路共 2 天，第 3 天不在其中"
    assert found[(5, "D 天数")]["reason"] == "与同一线路的第 2 行（2）不一致：同一线路的各行须填写相同的值"
    assert found[(5, "E 线路简介")]["value"] == "另一个简介"
    assert found[(6, "I 当天顺序")]["reason"] == "与第 2 行重复：同一线路第 1 天已有顺序为 1 的站点"
    assert found[(7, "K 资源名称")]["reason"] == "常熟市（320581）没有名为「苏州草稿」的资源，或它是您无权查看的草稿"
    assert found[(8, "K 资源名称")]["reason"] == "「已下架资源不得公开」已下架，不能加入线路。"
    assert found[(9, "A 结对编号")]["reason"] == "结对编号「N01」不存在，或您无权为该结对关系填报"
    assert "30" in found[(10, "D 天数")]["reason"]
    assert len(found) == 9
    assert (snapshot(Route), snapshot(Stop)) == before and LogEntry.objects.count() == entries


def test_a_routes_file_without_its_columns_is_refused(editor):
    data = workbook("精品线路", ["结对编号", "线路名称", "站点"], [{"结对编号": PAIRING, "线路名称": "缺列线路"}])
    found = errors_of(import_routes, editor, data)
    assert found[(1, "C 站点")]["reason"].startswith("未知的列「站点」")
    assert found[(1, "天数")]["reason"] == "缺少列「天数」"
    assert not Route.objects.filter(name="缺列线路").exists()


# --- pages ----------------------------------------------------------------------------------------------------


def test_the_pages_run_imports_as_jobs_and_offer_templates(client, w):
    editor = w["who"]["xy_editor"]
    client.force_login(editor)
    page = client.get("/culture/")
    assert b"/culture/import/" in page.content and b"/culture/export.xlsx" in page.content
    assert b"/culture/routes/import/" in client.get("/culture/routes/").content
    page = client.get("/culture/import/")
    assert page.status_code == 200 and b"/culture/import/template.xlsx" in page.content
    template = client.get("/culture/import/template.xlsx")
    assert load_workbook(io.BytesIO(template.content)).sheetnames[0] == "红色文化资源"

    upload = ct.upload("resources.xlsx", fill(template.content, [resource_row()]))
    response = client.post("/culture/import/", {"file": upload})
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    job = client.get(response["Location"])
    assert "新增 1 条".encode() in job.content and Resource.objects.filter(name="导入旧址", status="draft").exists()

    template = client.get("/culture/routes/import/template.xlsx").content
    upload = ct.upload("routes.xlsx", fill(template, [stop_row(w["site"], 1, 1), stop_row(w["draft"], 9, 1)]))
    response = client.post("/culture/routes/import/", {"file": upload})
    job = client.get(response["Location"])
    assert "线路共 2 天，第 9 天不在其中".encode() in job.content
    assert not Route.objects.filter(name="导入的两日线路").exists()

    client.force_login(base.user("xy_culture_viewer", "信阳市人民政府", "viewer"))
    assert client.get("/culture/import/").status_code == 403
    assert client.get("/culture/routes/import/template.xlsx").status_code == 403
    assert b"/culture/import/" not in client.get("/culture/").content
    assert client.get("/culture/export.xlsx").status_code == 200


def test_an_import_never_touches_a_resource_outside_the_area(who):
    """The 延安 editor's file naming a 信阳 place is refused; 信阳's draft of that name stays as it was."""
    draft = ct.resource(who["xy_editor"], "同名旧址")
    data = fill(tables.resource_template(who["yanan_editor"]), [resource_row(名称="同名旧址", 简介="延安改的")])
    found = errors_of(import_resources, who["yanan_editor"], data)
    assert list(found) == [(2, "D 所在地区代码")]
    draft.refresh_from_db()
    assert draft.description == "旧址简介" and draft.status == Status.DRAFT
