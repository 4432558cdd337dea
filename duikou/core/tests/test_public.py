"""What the pages open to the public share (duikou/core/public.py): the client's address no client can forge, the
public address posters point at, the headers and template of a page without sign-in, and rate limits kept in the
database as digests. The page here is a form added for these tests only, the way a public page is written."""

import datetime
import re

import pytest
from django.db import connection
from django.http import HttpResponse
from django.template import engines
from django.test import Client, RequestFactory, override_settings
from django.urls import include, path

import duikou.schedules
from duikou import testing
from duikou.core import public
from duikou.core.errors import UserFacingError
from duikou.core.models import RateCounter
from duikou.core.public import RateLimited, check_rate, client_address, public_url, purge_rate_counters
from duikou.core.tests.test_env import ROOT

pytestmark = pytest.mark.django_db

PAGE = engines["django"].from_string(
    """{% extends "public_base.html" %}{% load i18n %}
{% block title %}困难申报{% endblock %}
{% block content %}<h1>困难申报</h1>
<form method="post">{% csrf_token %}
  <label for="id_name" class="form-label">户主姓名</label>
  <input id="id_name" name="name" class="form-control" required>
  <button class="btn btn-primary">提交</button>
</form>{% endblock %}
{% block footer %}村委会电话 0376-0000000{% endblock %}"""
)


DONE = engines["django"].from_string(
    """{% extends "public_base.html" %}{% block title %}已收到{% endblock %}
{% block content %}<p>已收到 {{ name }}（{{ code }}）</p>{% endblock %}"""
)


def declare(request, code: str):
    if request.method == "POST":
        return HttpResponse(DONE.render({"name": request.POST["name"], "code": code}, request=request))
    return HttpResponse(PAGE.render(request=request))


@pytest.fixture
def public_form():
    patterns = [path("declare/<str:code>/", public.public_page(declare)), path("", include("duikou.urls"))]
    with override_settings(ROOT_URLCONF=type("URLs", (), {"urlpatterns": patterns})):
        yield "/declare/411502001001/"


# ---- the client's address ---------------------------------------------------------------------------------------


def request_from(peer: str, forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=peer, **headers)


def test_without_a_trusted_proxy_the_address_is_the_peers_whatever_the_header_says(settings):
    settings.DUIKOU_TRUSTED_PROXY = False
    assert client_address(request_from("198.51.100.7", "1.2.3.4")) == "198.51.100.7"
    assert client_address(request_from("198.51.100.7")) == "198.51.100.7"


def test_behind_a_trusted_proxy_the_address_is_the_one_the_proxy_appended(settings):
    settings.DUIKOU_TRUSTED_PROXY = True
    # the client wrote 1.2.3.4 itself; the proxy appended the address it saw
    assert client_address(request_from("127.0.0.1", "1.2.3.4, 203.0.113.9")) == "203.0.113.9"
    assert client_address(request_from("127.0.0.1", " 203.0.113.9 ")) == "203.0.113.9"
    assert client_address(request_from("127.0.0.1")) == "127.0.0.1"  # no header: the peer


def test_the_audit_trail_takes_the_same_address(settings):
    from duikou.audit.middleware import AuditMiddleware

    settings.DUIKOU_TRUSTED_PROXY = False
    assert AuditMiddleware._get_remote_addr(request_from("198.51.100.7", "1.2.3.4")) == "198.51.100.7"
    settings.DUIKOU_TRUSTED_PROXY = True
    assert AuditMiddleware._get_remote_addr(request_from("127.0.0.1", "1.2.3.4, 203.0.113.9")) == "203.0.113.9"


# ---- the public address ------------------------------------------------------------------------------------------


def test_public_url_starts_with_the_setting_or_else_the_requests_own_address(settings):
    settings.ALLOWED_HOSTS = ["10.0.0.5"]  # the host is checked, as for every absolute address Django makes
    request = RequestFactory().get("/", HTTP_HOST="10.0.0.5:8000")
    settings.DUIKOU_PUBLIC_BASE_URL = ""
    assert public_url(request, "/declare/411502001001/") == "http://10.0.0.5:8000/declare/411502001001/"
    settings.DUIKOU_PUBLIC_BASE_URL = "https://duikou.example.gov.cn"
    assert public_url(request, "/declare/411502001001/") == "https://duikou.example.gov.cn/declare/411502001001/"
    with pytest.raises(ValueError):
        public_url(request, "declare/411502001001/")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://duikou.example.gov.cn/", "https://duikou.example.gov.cn"),
        ("http://10.0.0.5:8080", "http://10.0.0.5:8080"),
    ],
)
def test_the_public_base_url_setting_reads_a_sites_address(monkeypatch, raw, expected):
    from duikou.core.env import env_origin

    monkeypatch.setenv("DUIKOU_PUBLIC_BASE_URL", raw)
    assert env_origin("DUIKOU_PUBLIC_BASE_URL") == expected


@pytest.mark.parametrize(
    "raw",
    [
        "duikou.example.gov.cn",  # no scheme
        "/declare/",
        "ftp://duikou.example.gov.cn",
        "https://",
        "https://duikou.example.gov.cn/duikou/",  # a path: the pages' paths are added to it as they are
        "https://duikou.example.gov.cn/?x=1",
        "https://user:secret@duikou.example.gov.cn",
        "https://duikou.example.gov.cn:99999",
        "javascript:alert(1)",
    ],
)
def test_the_public_base_url_setting_refuses_what_is_not_a_sites_address(raw):
    result = start_settings_with(DUIKOU_PUBLIC_BASE_URL=raw)
    assert result.returncode != 0
    assert "DUIKOU_PUBLIC_BASE_URL" in result.stderr and "http:// 或 https://" in result.stderr


def start_settings_with(**env):
    """Load the settings in a fresh process with ``env``: settings.py reads the environment once."""
    import os
    import subprocess
    import sys

    environment = {k: v for k, v in os.environ.items() if not k.startswith("DUIKOU_")}
    environment |= {"DJANGO_SETTINGS_MODULE": "duikou.settings", "PYTHONPATH": str(ROOT), **env}
    code = "import django; django.setup(); from django.conf import settings; print(settings.DUIKOU_PUBLIC_BASE_URL)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True)


def test_the_settings_start_with_a_public_base_url():
    result = start_settings_with(DUIKOU_PUBLIC_BASE_URL="https://duikou.example.gov.cn/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://duikou.example.gov.cn"


# ---- the page ----------------------------------------------------------------------------------------------------


def test_an_anonymous_visitor_gets_the_page_kept_out_of_search_engines_and_caches(client, public_form):
    response = client.get(public_form)
    assert response.status_code == 200  # no middleware sends a visitor without an account to the sign-in page
    assert response["X-Robots-Tag"] == "noindex, nofollow, noarchive"
    cache = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache
    assert "script-src 'self'" in response["Content-Security-Policy"]
    page = response.content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert '<label for="id_name"' in page and "村委会电话" in page
    assert "navbar" not in page and "/pairings/" not in page  # none of the platform's menu
    assert "<script" not in page  # works without JavaScript
    assert 'name="language" value="en"' in page  # the language switch is a plain form button


def test_an_indexable_public_page_may_be_found_and_kept_by_the_browser_but_not_by_a_shared_cache():
    view = public.public_page(indexable=True)(lambda request: HttpResponse(PAGE.render(request=request)))
    assert view.public_page and view.indexable and not public.public_page(declare).indexable
    with override_settings(
        ROOT_URLCONF=type("URLs", (), {"urlpatterns": [path("open/", view), path("", include("duikou.urls"))]})
    ):
        response = Client().get("/open/")
    assert response.status_code == 200 and "X-Robots-Tag" not in response
    assert {part.strip() for part in response["Cache-Control"].split(",")} == {"private", "max-age=60"}
    assert 'name="robots"' not in response.content.decode()


def test_an_anonymous_post_needs_the_forms_csrf_token(public_form):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(public_form).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert browser.post(public_form, {"name": "张三"}).status_code == 403
    response = browser.post(public_form, {"name": "张三", "csrfmiddlewaretoken": token})
    assert response.status_code == 200 and "已收到 张三（411502001001）" in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow, noarchive"


def test_the_language_switch_works_without_javascript(public_form):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(public_form).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    switched = browser.post("/i18n/setlang/", {"language": "en", "next": public_form, "csrfmiddlewaretoken": token})
    assert switched.status_code == 302 and switched["Location"] == public_form
    page = browser.get(public_form).content.decode()
    assert '<html lang="en">' in page and 'name="language" value="zh-hans"' in page


def test_a_nul_in_a_public_form_is_refused_with_a_message(client, public_form):
    response = client.post(public_form, {"name": "张\x00三"})
    assert response.status_code == 400 and "空字符" in response.content.decode()


def test_a_signed_in_user_gets_the_public_page_too(client, public_form):
    client.force_login(testing.user("xy_viewer", "信阳市人民政府", "viewer"))
    assert client.get(public_form).status_code == 200


# ---- rate limits ------------------------------------------------------------------------------------------------

# 10:15 UTC: a window of one hour began at 10:00 and ends in 45 minutes
NOW = datetime.datetime(2026, 5, 20, 10, 15, tzinfo=datetime.UTC)
LIMITS = {"address": (5, 3600), "id": (2, 86400), "village": (20, 3600)}
LABELS = {"id": "该身份证号码", "village": "本村"}
VILLAGE = "411502001001"


def hit(address: str, id_number: str = "", village: str = VILLAGE, now=NOW) -> str | None:
    """One submission; the name of the limit that refused it, or None."""
    try:
        check_rate("declare", {"address": address, "id": id_number, "village": village}, LIMITS, labels=LABELS, now=now)
    except RateLimited as refused:
        return refused.name
    return None


def test_an_address_over_its_limit_is_refused_saying_which_limit_and_when_to_try_again():
    assert [hit("203.0.113.7") for _ in range(5)] == [None] * 5
    with pytest.raises(RateLimited) as refused:
        check_rate("declare", {"address": "203.0.113.7"}, LIMITS, now=NOW)
    assert isinstance(refused.value, UserFacingError)
    assert str(refused.value) == "该网络地址提交过于频繁（每 1 小时至多 5 次），请 45 分钟后再试。"
    assert refused.value.name == "address" and refused.value.retry_after == 45 * 60


def test_an_id_number_is_limited_across_addresses():
    assert hit("203.0.113.1", "411502199001011234") is None
    assert hit("203.0.113.2", "411502199001011234") is None
    with pytest.raises(RateLimited, match=r"该身份证号码提交过于频繁（每 1 天至多 2 次），请 14 小时后再试。"):
        check_rate("declare", {"address": "203.0.113.3", "id": "411502199001011234"}, LIMITS, labels=LABELS, now=NOW)
    assert hit("203.0.113.3", "411502199001015678") is None  # another person from that address


def test_a_flooding_address_does_not_lock_out_its_village():
    flood = [hit("198.51.100.66") for _ in range(200)]
    assert flood == [None] * 5 + ["address"] * 195
    # only the five hits the address was allowed counted against the village: 15 neighbours still get through
    neighbours = [hit(f"203.0.113.{n}") for n in range(1, 16)]
    assert neighbours == [None] * 15
    assert hit("203.0.113.99") == "village"  # the village's own limit holds
    assert hit("203.0.113.99", village="411502001002") is None  # another village is not affected


def test_a_refusal_lasts_until_the_window_ends():
    assert [hit("203.0.113.7") for _ in range(6)][-1] == "address"
    assert hit("203.0.113.7", now=NOW + datetime.timedelta(minutes=44)) == "address"
    assert hit("203.0.113.7", now=NOW + datetime.timedelta(minutes=45)) is None


def test_limits_of_different_scopes_count_apart():
    assert [hit("203.0.113.7") for _ in range(6)][-1] == "address"
    check_rate("status", {"address": "203.0.113.7"}, {"address": (5, 3600)}, now=NOW)


def test_an_empty_value_is_not_counted():
    for _ in range(10):
        check_rate("declare", {"village": VILLAGE, "id": ""}, LIMITS, now=NOW)  # over the ID limit if it counted
    assert list(RateCounter.objects.values_list("count", flat=True)) == [10]


def test_a_key_without_a_limit_is_a_programming_error():
    with pytest.raises(ValueError, match="phone"):
        check_rate("declare", {"phone": "13800138000"}, LIMITS, now=NOW)


def test_keys_are_stored_only_as_digests():
    address, id_number = "203.0.113.7", "411502199001011234"
    hit(address, id_number)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {RateCounter._meta.db_table}")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert RateCounter.objects.count() == 3
    assert all(re.fullmatch(r"[0-9a-f]{64}", key) for key in RateCounter.objects.values_list("key", flat=True))
    for plain in (address, id_number, VILLAGE, "203.0.113", "declare"):
        assert plain not in stored


def test_ended_windows_are_purged_and_current_ones_kept():
    hit("203.0.113.7", "411502199001011234")  # address and village: one hour; ID number: one day
    assert purge_rate_counters(now=NOW + datetime.timedelta(minutes=44)) == 0
    assert purge_rate_counters(now=NOW + datetime.timedelta(minutes=45)) == 2
    assert RateCounter.objects.count() == 1
    assert purge_rate_counters(now=NOW + datetime.timedelta(days=1)) == 1
    assert not RateCounter.objects.exists()


def test_the_daily_schedule_purges_ended_windows():
    schedule = {s.name: s for s in duikou.schedules.SCHEDULES()}["rate-counters"]
    assert schedule.every == "day"
    hit("203.0.113.7", now=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))  # the address and the village
    check_rate("declare", {"address": "203.0.113.7"}, LIMITS)  # now
    result = duikou.schedules.purge_rate_counts(user=None, progress=lambda done, total: None)
    assert result["summary"] == "删除已结束时段的访问频次计数 2 条"
    assert RateCounter.objects.count() == 1


def test_the_refusal_reads_in_english_too():
    from django.utils import translation

    hit("203.0.113.7")
    with translation.override("en"), pytest.raises(RateLimited) as refused:
        check_rate("declare", {"address": "203.0.113.7"}, {"address": (1, 3600)}, now=NOW)
    assert str(refused.value) == (
        "This network address has submitted too often (limit: 1 per 1 hour); please try again in 45 minutes."
    )


def test_a_refusal_is_logged_without_the_value(caplog):
    for _ in range(3):
        hit("203.0.113.7", "411502199001011234")
    assert "rate limit of declare refused a hit: id over 2 per 86400 s" in caplog.text
    assert "203.0.113.7" not in caplog.text and "411502199001011234" not in caplog.text
