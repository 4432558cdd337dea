"""The published mode: one writer (analytics-sync) keeps the store in step and publishes copies; pages read the
latest copy read-only, never wait on the writer's lock, and say how many committed values are not in it yet."""

import json
import subprocess
import sys
import textwrap
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from duikou import testing
from duikou.indicators import analytics
from duikou.indicators.models import DataValue

from .test_analytics import d, fixed  # noqa: F401  (the fixed data set and its hand-computed totals)

pytestmark = pytest.mark.django_db

PIVOT = {"indicator": "signed_amount_wan", "rows": "province", "cols": "year"}


@pytest.fixture
def published(settings):
    settings.DUIKOU_ANALYTICS_MODE = "published"


def test_before_the_first_publication_the_page_says_so(fixed, published, client):  # noqa: F811
    with pytest.raises(ValidationError, match="首次建立"):
        analytics.pivot(fixed["ndrc"], **PIVOT)
    client.force_login(fixed["ndrc"])
    page = client.get("/indicators/analytics/?indicator=signed_amount_wan&rows=province&cols=year")
    assert page.status_code == 200 and "首次建立" in page.content.decode()


def test_a_published_copy_gives_the_hand_computed_totals(fixed, published):  # noqa: F811
    assert analytics.sync() is True
    result = analytics.pivot(fixed["ndrc"], **PIVOT)
    assert result["total"] == d("360") and result["row_totals"] == [d("160"), d("200")]
    assert result["pending"] == 0 and result["as_of"] is not None
    assert analytics.sync() is False  # nothing changed: no new copy


def test_a_value_committed_after_the_copy_is_pending_until_the_next_sync(fixed, published, client):  # noqa: F811
    analytics.sync()
    value = DataValue.objects.get(indicator="signed_amount_wan", period="2026Q1")
    value.value = Decimal("30")
    value.save()
    DataValue.objects.create(
        pairing=testing.pairing("延安市", "无锡市"), indicator_id="signed_amount_wan", period="2026Q2", value=5
    )
    stale = analytics.pivot(fixed["ndrc"], **PIVOT)
    assert stale["total"] == d("360") and stale["pending"] == 2
    client.force_login(fixed["ndrc"])
    text = client.get("/indicators/analytics/?indicator=signed_amount_wan&rows=province&cols=year").content.decode()
    assert 'data-pending="2"' in text and "另有 2 个数值待计入" in text

    assert analytics.sync() is True
    fresh = analytics.pivot(fixed["ndrc"], **PIVOT)
    assert fresh["total"] == d("385") and fresh["pending"] == 0
    text = client.get("/indicators/analytics/?indicator=signed_amount_wan&rows=province&cols=year").content.decode()
    assert 'data-pending="0"' in text and "已含全部已提交数值" in text


def test_services_leave_the_store_to_the_writer(fixed, published, monkeypatch):  # noqa: F811
    from duikou.indicators import transfer

    analytics.sync()
    monkeypatch.setattr(analytics, "_connect", lambda: pytest.fail("a web process opened the store for writing"))
    editor = testing.user("xy_editor_pub", "信阳市人民政府", "editor")
    row = {
        "dataElement": "signed_amount_wan",
        "period": "2027Q1",
        "orgUnit": testing.pairing("信阳市", "苏州市").code,
        "value": "1000",
    }
    transfer.import_values(user=editor, data=json.dumps({"dataValues": [row]}).encode(), filename="v.json")
    result = analytics.pivot(fixed["ndrc"], **PIVOT)
    assert result["total"] == d("360") and result["pending"] == 1


def test_readers_do_not_wait_on_a_writer_holding_the_store(fixed, published):  # noqa: F811
    """Another process holds the store open for writing (as analytics-sync does while it catches up): the pivot
    still answers from the published copy instead of waiting for the lock and giving up."""
    analytics.sync()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time, duckdb
                con = duckdb.connect({str(analytics.store_path())!r})
                print("holding", flush=True)
                sys.stdin.readline()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        import duckdb

        with pytest.raises(duckdb.IOException):  # the store really is locked against this process
            duckdb.connect(str(analytics.store_path()))
        assert analytics.pivot(fixed["ndrc"], **PIVOT)["total"] == d("360")
    finally:
        holder.communicate("\n", timeout=30)


def test_old_copies_are_pruned_and_the_pointer_names_the_newest(fixed, published):  # noqa: F811
    for period in ("2027Q1", "2027Q2", "2027Q3", "2027Q4", "2028Q1"):
        DataValue.objects.create(
            pairing=testing.pairing("信阳市", "苏州市"), indicator_id="signed_amount_wan", period=period, value=1
        )
        assert analytics.sync() is True
    copies = sorted(p.name for p in analytics.published_dir().glob("facts-*.duckdb"))
    assert len(copies) == analytics.KEEP_COPIES and analytics.latest()["file"] == copies[-1]
    assert analytics.pivot(fixed["ndrc"], **PIVOT)["total"] == d("365")


def test_the_sync_command_publishes_once(fixed, published, capsys):  # noqa: F811
    call_command("analytics-sync", "--once")
    assert "分析库已发布" in capsys.readouterr().out
    assert analytics.pivot(fixed["ndrc"], **PIVOT)["total"] == d("360")
