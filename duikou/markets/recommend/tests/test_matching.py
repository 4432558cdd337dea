"""Pairing recommendation: a hand-worked example (terms, scores, ranking, assignment checked by brute force), the
shipped example data (reproducible, expected top 3 for 信阳), import errors and scoping."""

import itertools

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from duikou import testing
from duikou.geo.models import Region
from duikou.markets import engine
from duikou.markets.models import CityProfile, DataSource, EconomicTie
from duikou.markets.recommend import matching, services, tables

pytestmark = pytest.mark.django_db

# ---- hand-worked example -------------------------------------------------------------------------------------------
# Three old-area cities and three candidates, all on the meridian 114°E so that distances are whole degrees of latitude
# (1° = 6371 km × π / 180 = 111.195 km).
#
#   old  shares (1:2:3)  named industries        lat      candidate  shares    industries                   lat  load
#   A    20:40:40        电子信息、农产品加工     30       X          0:40:60   电子信息、清洁能源            30   0
#   B    10:50:40        清洁能源、有色金属       25       Y          5:45:50   农产品加工、电子信息、有色金属  40   1
#   C    15:45:40        商贸物流                 35       Z          2:48:50   清洁能源、有色金属            25   2
#   ties: A–Y strength 5, B–X strength 2.
#
# structure (30): D = ½ Σ|Δshare|, value = min(1, D / 30)
#   A–X ½(20+0+20)=20 → 20.00   A–Y ½(15+5+10)=15 → 15.00   A–Z ½(18+8+10)=18 → 18.00
#   B–X ½(10+10+20)=20 → 20.00  B–Y ½(5+5+10)=10 → 10.00    B–Z ½(8+2+10)=10 → 10.00
#   C–X ½(15+5+20)=20 → 20.00   C–Y ½(10+0+10)=10 → 10.00   C–Z ½(13+3+10)=13 → 13.00
# special (30): named ∩ candidate / named
#   A–X 1/2 → 15   A–Y 2/2 → 30   A–Z 0 → 0   B–X 1/2 → 15   B–Y 1/2 → 15   B–Z 2/2 → 30   C–* 0
# ties (15): strength / 5: A–Y 5/5 → 15.00, B–X 2/5 → 6.00, others 0
# distance (15): value = clamp((2000 − d) / 1500, 0, 1)
#   0°: 0 km → 15.00;  5°: 555.98 km → 0.962683 → 14.44;  10°: 1111.95 km → 0.592033 → 8.88;  15°: 1667.93 km → 3.32
#   A–X 0° 15.00  A–Y 10° 8.88  A–Z 5° 14.44   B–X 5° 14.44  B–Y 15° 3.32  B–Z 0° 15.00
#   C–X 5° 14.44  C–Y 5° 14.44  C–Z 10° 8.88
# load (10): 1 / (1 + load): X 10.00, Y 5.00, Z 3.33
# scores:
#   A–X 20+15+0+15+10 = 60.00     A–Y 15+30+15+8.88+5 = 73.88     A–Z 18+0+0+14.44+3.33 = 35.77
#   B–X 20+15+6+14.44+10 = 65.44  B–Y 10+15+0+3.32+5 = 33.32      B–Z 10+30+0+15+3.33 = 58.33
#   C–X 20+0+0+14.44+10 = 44.44   C–Y 10+0+0+14.44+5 = 29.44      C–Z 13+0+0+8.88+3.33 = 25.21
OLD = [
    {"code": "100001", "name": "A", "shares": (20, 40, 40), "named": ["电子信息", "农产品加工"], "lat": 30, "lng": 114},
    {"code": "100002", "name": "B", "shares": (10, 50, 40), "named": ["清洁能源", "有色金属"], "lat": 25, "lng": 114},
    {"code": "100003", "name": "C", "shares": (15, 45, 40), "named": ["商贸物流"], "lat": 35, "lng": 114},
]
CANDIDATE_FIELDS = ("code", "name", "shares", "industries", "lat", "load")
CANDIDATES = [
    dict(zip(CANDIDATE_FIELDS, row, strict=True))
    for row in (
        ("200001", "X", (0, 40, 60), ["电子信息", "清洁能源"], 30, 0),
        ("200002", "Y", (5, 45, 50), ["农产品加工", "电子信息", "有色金属"], 40, 1),
        ("200003", "Z", (2, 48, 50), ["清洁能源", "有色金属"], 25, 2),
    )
]
TIES = {("100001", "200002"): 5, ("100002", "200001"): 2}
EXPECTED = [[6000, 7388, 3577], [6544, 3332, 5833], [4444, 2944, 2521]]


def hand_world():
    for c in CANDIDATES:
        c.setdefault("lng", 114)
    scorer = matching.recommend_scorer(TIES, set())
    return scorer, matching.side(OLD), matching.side(CANDIDATES)


def test_hand_example_scores_match_the_hand_computation():
    scorer, old, cand = hand_world()
    assert engine.points(scorer, old, cand).tolist() == EXPECTED


def test_hand_example_terms_add_up_to_the_score():
    scorer, old, cand = hand_world()
    explained = engine.explain(scorer, old, 0, cand, 1)  # A–Y
    assert [t["points"] for t in explained["terms"]] == [15.0, 30.0, 15.0, 8.88, 5.0]
    assert explained["score"] == 73.88
    assert "1,112 公里" in explained["terms"][3]["reason"]


def test_hand_example_ranking():
    scorer, old, cand = hand_world()
    top = engine.top_k(scorer, old, cand, k=3)
    assert top.left_index.tolist() == [[1, 0, 2], [0, 2, 1], [0, 1, 2]]


def brute_force(scores, capacity):
    """The best total over every way of giving each row one column or none, within the column capacities."""
    n, m = scores.shape
    best = (0, ())
    for choice in itertools.product([None, *range(m)], repeat=n):
        used = [sum(1 for c in choice if c == j) for j in range(m)]
        if any(u > cap for u, cap in zip(used, capacity, strict=True)):
            continue
        total = sum(int(scores[i, c]) for i, c in enumerate(choice) if c is not None)
        if total > best[0]:
            best = (total, choice)
    return best


@pytest.mark.parametrize(
    "cap, expected, total",
    [
        # cap 1: only X has room (Y carries 1, Z 2): B–X 65.44 beats A–X 60.00 and C–X 44.44
        (1, [(1, 0, 6544)], 6544),
        # cap 2: X takes 2, Y 1: A–Y 73.88 + B–X 65.44 + C–X 44.44 = 183.76 (A–X + B–X + C–Y = 154.88)
        (2, [(0, 1, 7388), (1, 0, 6544), (2, 0, 4444)], 18376),
        # cap 3: Z has room for one, but B–Z + C–X = 102.77 < B–X + C–X = 109.88 with A on Y
        (3, [(0, 1, 7388), (1, 0, 6544), (2, 0, 4444)], 18376),
    ],
)
def test_hand_example_assignment_is_the_brute_force_optimum(cap, expected, total):
    scores = np.array(EXPECTED, dtype=np.int64)
    capacity = np.array([max(cap - c["load"], 0) for c in CANDIDATES])
    got = matching.solve(scores, capacity)
    assert got == expected
    assert sum(s for _i, _j, s in got) == total == brute_force(scores, capacity)[0]


def test_assignment_ties_go_to_the_lower_indices():
    scores = np.array([[5000, 5000], [5000, 5000]], dtype=np.int64)
    assert matching.solve(scores, np.array([1, 1])) == [(0, 0, 5000), (1, 1, 5000)]
    assert matching.solve(scores[:1], np.array([1, 1])) == [(0, 0, 5000)]


# ---- the shipped example data --------------------------------------------------------------------------------------


@pytest.fixture
def shipped():
    services.load_shipped()


def _summary(ranking):
    return [(r["candidate"].code, r["score"], [t["points"] for t in r["terms"]]) for r in ranking.rows]


def test_shipped_ranking_is_reproducible(shipped):
    user = testing.user("xy_viewer", "信阳市人民政府", "viewer")
    xinyang = Region.objects.get(code="411500")
    first = matching.rank_candidates(user, xinyang, 0)
    assert first.candidates == 21
    assert _summary(first) == _summary(matching.rank_candidates(user, xinyang, 0))
    for row in first.rows:
        assert round(sum(t["points"] for t in row["terms"]), 2) == row["score"]


def test_shipped_expected_top_three_for_xinyang(shipped):
    # a change of data, weights or formulas shows here first (see docs/matching.md ## 结对推荐)
    user = testing.user("xy_viewer", "信阳市人民政府", "viewer")
    ranking = matching.rank_candidates(user, Region.objects.get(code="411500"), 3)
    assert [(r["candidate"].name, r["score"]) for r in ranking.rows] == [
        ("郑州市", 69.0),
        ("苏州市", 66.24),
        ("上海市", 58.76),
    ]
    assert ranking.rows[1]["current"]  # 苏州 is 信阳's partner (发改振兴〔2022〕766号 二 9)
    assert ranking.old.named == ("电子信息", "农产品加工", "清洁能源", "绿色产业")


def test_shipped_assignment_is_reproducible(shipped):
    user = testing.user("xy_viewer", "信阳市人民政府", "viewer")
    regions = list(Region.objects.filter(code__in=["411500", "341500", "610600", "360700", "371300"]))
    first = matching.optimal_assignment(user, regions, 1)
    again = matching.optimal_assignment(user, list(reversed(regions)), 1)
    pairs = [(r["old"].region.code, r["candidate"].code, r["score"]) for r in first.rows]
    assert pairs == [(r["old"].region.code, r["candidate"].code, r["score"]) for r in again.rows]
    assert first.total == round(sum(r["score"] for r in first.rows), 2)
    assert len({c for _o, c, _s in pairs}) == len(pairs)  # cap 1: no candidate twice


def test_county_uses_its_city_and_says_so(shipped):
    user = testing.user("xy_viewer", "信阳市人民政府", "viewer")
    county = matching.rank_candidates(user, Region.objects.get(code="411526"), 3)
    city = matching.rank_candidates(user, Region.objects.get(code="411500"), 3)
    assert "潢川县使用所属信阳市" in county.old.note
    assert _summary(county) == _summary(city)


def test_review_shows_the_partner_rank(shipped):
    user = testing.user("xy_viewer", "信阳市人民政府", "viewer")
    review = matching.review_pairing(user, testing.pairing("信阳市", "苏州市"))
    assert review.partner_rank == 2


def test_review_of_another_citys_pairing_is_hidden(shipped):
    from django.http import Http404

    user = testing.user("xy_viewer", "信阳市人民政府", "viewer")
    with pytest.raises(Http404):
        matching.review_pairing(user, testing.pairing("延安市", "无锡市"))


def test_load_does_not_count_the_pairing_under_review(shipped):
    user = testing.user("la_viewer", "六安市人民政府", "viewer")
    review = matching.review_pairing(user, testing.pairing("六安市", "上海市"))
    shanghai = review.partner_row["terms"][-1]
    assert shanghai["value"] == 0.5  # 上海 carries 六安 and 三明: only 三明 counts in 六安's review


def test_industry_quotes_are_in_their_clauses():
    assert tables.check_industry_quotes() == []


def test_load_is_idempotent(shipped):
    counts = (DataSource.objects.count(), CityProfile.objects.count(), EconomicTie.objects.count())
    results = services.load_shipped()
    assert all(r.unchanged for r in results)
    assert counts == (DataSource.objects.count(), CityProfile.objects.count(), EconomicTie.objects.count())
    assert DataSource.objects.get(file_name="city_profiles_example.csv").official is False
    assert DataSource.objects.get(file_name="old_area_industries.csv").official is True


def test_the_platforms_own_data_sources_read_in_the_readers_language(shipped):
    example = DataSource.objects.get(file_name="city_profiles_example.csv")
    entered = DataSource(name="城市三次产业结构与优势产业（示例）2024", note="示例数据，非官方统计，仅用于演示方法。")
    with translation.override("en"):
        assert example.note_text == "Example data, not official statistics, only for demonstrating the method"
        assert example.name_text == "Cities' shares of the three sectors and leading industries (example)"
        assert (entered.name_text, entered.note_text) == (entered.name, entered.note)  # as a user entered them
    assert example.note_text == example.note == services.EXAMPLE_NOTE


# ---- imports -------------------------------------------------------------------------------------------------------

HEADER = "区划代码,年份,第一产业占比（%）,第二产业占比（%）,第三产业占比（%）,优势产业\n"


def _import(user, text, kind="profiles", **extra):
    return services.import_file(
        user=user,
        kind=kind,
        data=text.encode(),
        filename="t.csv",
        name="测试",
        publisher="测试",
        official=False,
        **extra,
    )


def test_import_reports_every_bad_cell_and_writes_nothing():
    national = testing.user("ndrc", "国家发展改革委（振兴司）", "editor")
    text = HEADER + "\n".join(
        [
            "320500,2023,1,48,51,电子信息",
            "999999,2023,1,48,51,",
            "320200,2023,10,48,51,",
            "330100,2023,2,30,68,造船",
            "320500,2023,1,48,51,",
            "330200,二〇二三,2,46,52,",
        ]
    )
    result = _import(national, text)
    assert [(e.row, e.column, e.reason[:6]) for e in result.errors] == [
        (3, "区划代码", "区划代码不存"),
        (4, "第三产业占比（%）", "三次产业占比"),
        (5, "优势产业", "不在产业词表"),
        (6, "区划代码", "与第 2 行"),
        (7, "年份", "不是有效的数"),
    ]
    assert result.errors[2].value == "造船"
    assert not DataSource.objects.filter(name="测试").exists()


def test_import_of_ties_checks_the_sides():
    national = testing.user("ndrc", "国家发展改革委（振兴司）", "editor")
    text = "老区城市或县代码,候选城市代码,联系类型,强度（1–5）,说明\n"
    text += "320500,411500,贸易,3,反了\n411526,320500,贸易,7,太强\n411526,320500,合资,3,类型\n411526,320500,贸易,3,好\n"
    result = _import(national, text, kind="ties")
    assert [(e.row, e.column) for e in result.errors] == [(2, "老区城市或县代码"), (3, "强度（1–5）"), (4, "联系类型")]
    assert result.rows == 1


def test_import_of_ties_reads_the_kinds_in_chinese_whatever_the_readers_language():
    national = testing.user("ndrc", "国家发展改革委（振兴司）", "editor")
    text = (
        "老区城市或县代码,候选城市代码,联系类型,强度（1–5）,说明\n411526,320500,贸易,3,好\n411526,320500,Trade,3,英文\n"
    )
    with translation.override("en"):
        result = _import(national, text, kind="ties")
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (3, "联系类型", "Must be one of: 投资、贸易、劳务、园区合作、其他")
    ]
    assert result.rows == 1


def test_import_dry_run_then_real_then_again():
    national = testing.user("ndrc", "国家发展改革委（振兴司）", "editor")
    text = HEADER + "320500,2023,1,48,51,电子信息、新材料\n"
    assert _import(national, text, dry_run=True).rows == 1
    assert not CityProfile.objects.filter(source__name="测试").exists()
    result = _import(national, text)
    assert result.source.sm3 == result.sm3 and len(result.sm3) == 64
    assert CityProfile.objects.get(source=result.source).industries == ["电子信息", "新材料"]
    assert _import(national, text).unchanged


def test_import_missing_column():
    national = testing.user("ndrc", "国家发展改革委（振兴司）", "editor")
    result = _import(national, "区划代码,年份\n320500,2023\n")
    assert {e.column for e in result.errors} == {
        "第一产业占比（%）",
        "第二产业占比（%）",
        "第三产业占比（%）",
        "优势产业",
    }


# ---- scoping -------------------------------------------------------------------------------------------------------


def test_only_the_national_level_imports():
    for user in (
        testing.user("xy_editor", "信阳市人民政府", "editor"),
        testing.user("ha_editor", "河南省人民政府", "editor"),
        testing.user("ndrc_viewer", "国家发展改革委（振兴司）", "viewer"),
    ):
        with pytest.raises(PermissionDenied):
            _import(user, HEADER + "320500,2023,1,48,51,\n")


def test_either_side_enters_a_tie_and_a_stranger_cannot(client, shipped):
    data = {"old_region": "411500", "partner_region": "320500", "kind": "trade", "strength": 4, "description": "新联系"}
    for name, org in (("xy", "信阳市人民政府"), ("sz", "苏州市人民政府")):
        client.force_login(testing.user(name, org, "editor"))
        assert client.post("/markets/recommend/ties/new/", data).status_code == 302
    client.force_login(testing.user("ya", "延安市人民政府", "editor"))
    response = client.post("/markets/recommend/ties/new/", data)
    assert response.status_code == 200 and "只能录入本方" in response.content.decode()
    assert EconomicTie.objects.filter(description="新联系").count() == 2


def test_import_page_dry_run_then_confirm(client):
    client.force_login(testing.user("ndrc", "国家发展改革委（振兴司）", "editor"))
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("p.csv", (HEADER + "320500,2023,1,48,51,电子信息\n").encode())
    form = {"kind": "profiles", "name": "页面导入", "publisher": "测试", "file": upload}
    response = client.post("/markets/recommend/sources/import/", form)
    assert "试导入通过" in response.content.decode()
    assert not DataSource.objects.filter(name="页面导入").exists()
    sm3 = response.context["result"].sm3
    assert client.post("/markets/recommend/sources/import/", {"confirm": sm3}).status_code == 302
    assert DataSource.objects.get(name="页面导入").profiles.count() == 1


def test_load_command_reports_example_data_and_is_idempotent():
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("load-pairing-data", stdout=out)
    call_command("load-pairing-data", stdout=out)
    assert "city_profiles_example.csv：导入 41 行" in out.getvalue()
    assert "city_profiles_example.csv：未变化" in out.getvalue()
    assert CityProfile.objects.count() == 41
