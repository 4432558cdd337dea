import shutil

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from duikou.core.errors import DataFileError
from duikou.geo.models import Designation, OldArea, Region
from duikou.geo.services import load_regions, resolve_city
from duikou.pairings.models import Pairing

pytestmark = pytest.mark.django_db


def test_region_levels_come_from_the_data_package():
    assert Region.objects.filter(level="province").count() == 31
    assert Region.objects.filter(level="prefecture").count() == 342
    assert Region.objects.filter(level="county").count() == 2975
    assert Region.objects.get(code="411500").name == "信阳市"
    assert Region.objects.get(code="411502").parent_id == "411500"


def test_city_without_counties_keeps_one_code():
    dongguan = Region.objects.get(code="441900")
    assert dongguan.level == "prefecture" and dongguan.name == "东莞市"


def test_enshi_resolves_to_the_autonomous_prefecture():
    enshi = resolve_city("恩施州")
    assert (enshi.code, enshi.name) == ("422800", "恩施土家族苗族自治州")


def test_municipality_resolves_at_province_level():
    assert resolve_city("上海市").code == "310000"


def test_ambiguous_or_unknown_name_is_an_error():
    with pytest.raises(LookupError, match="无法唯一对应"):
        resolve_city("不存在市")


def test_twelve_old_areas_with_members():
    assert OldArea.objects.count() == 12
    dabie = OldArea.objects.get(short_name="大别山")
    assert set(dabie.members.values_list("name", flat=True)) >= {"信阳市", "六安市", "黄冈市"}


def test_designations_resolve_to_regions():
    assert Designation.objects.filter(kind="assist_county").count() > 50
    assert Designation.objects.filter(kind="assist_county", region__code="500229").exists()  # 重庆城口县
    assert Designation.objects.filter(kind="dev_zone").exists()
    assert Designation.objects.filter(kind="county_town").exists()


def test_seed_twice_changes_no_count():
    models = [Region, OldArea, Designation, Pairing]
    before = [m.objects.count() for m in models]
    call_command("seed", levels="province,prefecture,county", verbosity=0)
    assert [m.objects.count() for m in models] == before


def _broken_copy(tmp_path, filename, edits: dict[int, str]):
    """A copy of data/ where ``filename`` has the given lines replaced."""
    data = tmp_path / "data"
    shutil.copytree(settings.DATA_DIR, data)
    path = data / "geo" / filename
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for line_no, replacement in edits.items():
        lines[line_no - 1] = replacement
    path.write_text("".join(lines), encoding="utf-8")
    return data


def test_bad_line_loads_nothing_and_names_the_line(tmp_path, settings):
    # line 2 renames 东城区 (a change the loader would write), line 40 is broken: neither may land
    settings.DATA_DIR = _broken_copy(
        tmp_path, "areas.csv", {2: '110101,"改名区",1101,11\n', 40: '1301XX,"坏行",1301,13\n'}
    )
    with pytest.raises(DataFileError) as err:
        load_regions(levels=["province", "prefecture", "county"])
    assert err.value.line == 40 and err.value.path.endswith("areas.csv")
    assert "6 位数字" in err.value.reason
    assert Region.objects.get(code="110101").name == "东城区"


def test_seed_command_reports_the_broken_line(tmp_path, settings):
    settings.DATA_DIR = _broken_copy(tmp_path, "cities.csv", {2: '1101,"改名",11\n', 3: '9999,"无上级",99\n'})
    with pytest.raises(CommandError, match=r"cities\.csv:3: 上级代码 99 不存在"):
        call_command("seed", levels="province,prefecture,county", verbosity=0)
    assert Region.objects.get(code="110100").name == "市辖区"


def test_townships_and_villages_load_in_bulk():
    report = load_regions()
    assert report.created == {"township": 41352, "village": 620573}
    assert Region.objects.get(code="411502001").parent_id == "411502"
    village = Region.objects.filter(level="village", code__startswith="411502").first()
    assert village.parent.level == "township"
    assert load_regions().changed == 0
