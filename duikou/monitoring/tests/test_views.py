import pytest

from duikou import testing
from duikou.monitoring import services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    editor = testing.user("xy_editor", "信阳市人民政府", "editor")
    stranger = testing.user("yanan_editor", "延安市人民政府", "editor")
    return {"editor": editor, **mt.matrix_world(editor, stranger)}


def test_alert_list_filters_by_rule_and_area(client, world):
    client.force_login(world["editor"])
    assert "信阳侧户主" in client.get("/monitoring/?rule=income_low&area=411526").content.decode()
    assert "信阳侧户主" not in client.get("/monitoring/?rule=check_failed").content.decode()
    assert "信阳侧户主" not in client.get("/monitoring/?area=411502").content.decode()


def test_overdue_filter(client, world):
    Alert.objects.update(deadline="2020-01-01")
    client.force_login(world["editor"])
    assert "信阳侧户主" in client.get("/monitoring/?overdue=1").content.decode()


def test_household_page_shows_only_masked_numbers(client, world):
    client.force_login(world["editor"])
    page = client.get(f"/monitoring/households/{world['inside_household'].pk}/").content.decode()
    assert mt.id_number(1)[-4:] in page and mt.id_number(1) not in page
    assert "导出完整证件号" not in page


def test_plain_id_numbers_never_reach_the_log(caplog, settings):
    import logging

    caplog.set_level(logging.DEBUG)
    editor = testing.user("xy_editor2", "信阳市人民政府", "editor")
    number = mt.id_number(42)
    services.add_member(user=editor, household=mt.household(editor), name="日志", id_number=number)
    assert number not in caplog.text


def test_the_screening_engine_is_the_operators_setting_not_a_choice_on_the_page(client, world, settings):
    from duikou.core.models import Job

    settings.DUIKOU_JOBS_INLINE = False  # the job is only queued: what it would run on is in its parameters
    settings.DUIKOU_SCREENING_ENGINE = "spark"
    client.force_login(world["editor"])
    page = client.get("/monitoring/").content.decode()
    assert "开始筛查" in page and 'name="engine"' not in page
    client.post("/monitoring/screen/", {"ruleset": world["inside_ruleset"].pk, "engine": "postgres"})  # a stray field
    assert Job.objects.get(kind="screening").params["engine_name"] == "spark"
