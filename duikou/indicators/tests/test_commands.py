import json

import pytest
from django.core.management import CommandError, call_command

from duikou import testing
from duikou.indicators import analytics
from duikou.indicators.models import DataValue, Indicator

pytestmark = pytest.mark.django_db


def test_seed_indicators_is_repeatable(capsys):
    call_command("seed-indicators")
    call_command("seed-indicators")
    assert "指标 12" in capsys.readouterr().out and Indicator.objects.count() == 12


def test_import_and_export_commands_round_trip(tmp_path, capsys):
    testing.user("xy", "信阳市人民政府", "editor")
    code = testing.pairing("信阳市", "苏州市").code
    source = tmp_path / "in.json"
    source.write_text(
        json.dumps(
            {"dataValues": [{"dataElement": "signed_projects", "period": "2025Q3", "orgUnit": code, "value": "4"}]}
        )
    )
    call_command("import-indicators", str(source), "--user", "xy", "--dry-run", verbosity=0)
    assert not DataValue.objects.exists()
    call_command("import-indicators", str(source), "--user", "xy", verbosity=0)
    out = tmp_path / "out.json"
    call_command("export-indicators", str(out), "--user", "xy")
    assert json.loads(out.read_text())["dataValues"][0]["value"] == "4"


def test_import_command_lists_conflicts_and_fails(tmp_path, capsys):
    testing.user("xy", "信阳市人民政府", "editor")
    bad = tmp_path / "bad.csv"
    bad.write_text("dataElement,period,orgUnit,value\nnope,2025Q3,N01,1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("import-indicators", str(bad), "--user", "xy", verbosity=0)
    assert "未知指标「nope」" in capsys.readouterr().err
    with pytest.raises(CommandError, match="不存在"):
        call_command("import-indicators", str(tmp_path / "missing.csv"), "--user", "xy")
    with pytest.raises(CommandError, match="用户"):
        call_command("import-indicators", str(bad), "--user", "nobody")


def test_large_refresh_goes_through_the_bulk_path():
    pairing = testing.pairing("信阳市", "苏州市")
    periods = [f"{y}{m:02d}" for y in range(2000, 2060) for m in range(1, 13)][:700]
    DataValue.objects.bulk_create(
        DataValue(pairing=pairing, indicator_id="signed_projects", period=p, value=2) for p in periods
    )
    assert analytics.refresh(full=True) == 700
    ndrc = testing.user("ndrc", "国家发展改革委（振兴司）", "viewer")
    result = analytics.pivot(ndrc, indicator="signed_projects", rows="pairing", cols="year")
    assert result["total"] == 1400
