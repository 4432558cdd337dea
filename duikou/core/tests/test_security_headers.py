"""Headers and cookies for a real deployment: a Content-Security-Policy without inline script on every response,
the other protective headers, Secure cookies and HSTS switched on by DUIKOU_HTTPS=yes, and `check --deploy`
clean with production settings. No template may bring back what the policy refuses."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from duikou import testing
from duikou.accounts.services import issue_token
from duikou.core.env import env_bool

ROOT = Path(django_settings.BASE_DIR)


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in policy.split(";")) if d}


def assert_protective_headers(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_a_page_carries_the_policy_and_the_protective_headers(client):
    client.force_login(testing.user("xy_viewer", "信阳市人民政府", "viewer"))
    response = client.get("/pairings/")
    assert response.status_code == 200
    assert_protective_headers(response)


@pytest.mark.django_db
def test_an_api_response_carries_the_policy_and_the_protective_headers(client):
    _token, key = issue_token(user=testing.user("ndrc", "国家发展改革委（振兴司）", "viewer"), name="test")
    response = client.get("/api/pairings?level=national", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert_protective_headers(response)


def test_no_template_has_inline_script_event_handler_javascript_url_or_inline_style():
    """What the policy refuses, found in the templates before a browser does (report.html is the PDF report's
    template: WeasyPrint reads its <style>, no browser ever gets it)."""
    found = []
    for path in sorted(ROOT.glob("duikou/**/templates/**/*.html")):
        if path.name == "report.html" and "evaluation" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (
            r"<script(?![^>]*\bsrc=)[^>]*>",  # a script element without src (json_script is made by a filter)
            r"\son[a-z]+\s*=",  # onclick=, onsubmit= ...
            r"javascript:",
            r"\bhx-on",  # htmx evaluates these with eval
            r"\sstyle\s*=",
            r"<style",
        ):
            found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in re.finditer(pattern, text, re.IGNORECASE)]
    assert found == []


@pytest.mark.parametrize(
    "value, expected", [("yes", True), ("TRUE", True), ("1", True), ("no", False), ("false", False), ("0", False)]
)
def test_env_bool_reads_the_six_words(monkeypatch, value, expected):
    monkeypatch.setenv("DUIKOU_EXAMPLE", value)
    assert env_bool("DUIKOU_EXAMPLE", not expected) is expected


@pytest.mark.parametrize("value", ["on", "y", "2", "enabled", "nein"])
def test_env_bool_refuses_anything_else_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("DUIKOU_EXAMPLE", value)
    with pytest.raises(ImproperlyConfigured, match=f"DUIKOU_EXAMPLE='{value}' 无效：只能是 yes/no、true/false 或 1/0"):
        env_bool("DUIKOU_EXAMPLE", False)


def run_with(tmp_path, code: list[str], **env) -> subprocess.CompletedProcess:
    """``python -m django ...`` in a fresh process, so settings.py reads the given environment."""
    # the browser tests' modules set DJANGO_ALLOW_ASYNC_UNSAFE in this process: no deployment has it
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("DUIKOU_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    environment |= {"DUIKOU_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "duikou.settings", **env}
    environment["PYTHONPATH"] = os.pathsep.join([str(ROOT), environment.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, *code], cwd=ROOT, env=environment, capture_output=True, text=True)


PRODUCTION = {
    "DUIKOU_HTTPS": "yes",
    "DUIKOU_DEBUG": "no",
    "DUIKOU_ALLOWED_HOSTS": "duikou.example.gov.cn",
}


PRODUCTION = """
from django.core.management import call_command
from django.test import Client
call_command("check", deploy=True, fail_level="WARNING")
# the pages here are rendered without collectstatic: plain static names (test_web_server checks the hashed ones)
from django.test import override_settings
files = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
override_settings(STORAGES={"default": files, "staticfiles": plain}).enable()
host = {"HTTP_HOST": "duikou.example.gov.cn"}
response = Client().get("/accounts/login/", secure=True, **host)
print(response.status_code, response["Strict-Transport-Security"])
cookie = response.cookies["csrftoken"]
print("csrftoken", "secure" if cookie["secure"] else "not secure", cookie["samesite"])
from django.conf import settings
print("session", settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY)
print("proxy", getattr(settings, "SECURE_PROXY_SSL_HEADER", None))
print("plain", Client().get("/accounts/login/", **host).status_code)
print("forwarded", Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https", **host).status_code)
"""


@pytest.mark.parametrize("proxy", ["no", "yes"])
def test_production_settings_pass_the_deploy_checks_with_secure_cookies_hsts_and_a_trusted_proxy_only_if_said(
    tmp_path, proxy
):
    """DUIKOU_HTTPS=yes, debug off, a real secret key and the host set: `check --deploy` has nothing to say (but
    for security.W021, HSTS preload, silenced with its reason in settings.py); cookies are Secure, HSTS is sent,
    plain HTTP is redirected; X-Forwarded-Proto is believed only with DUIKOU_TRUSTED_PROXY=yes."""
    done = run_with(
        tmp_path,
        ["-c", f"import django; django.setup(); exec({PRODUCTION!r})"],
        DUIKOU_HTTPS="yes",
        DUIKOU_DEBUG="no",
        DUIKOU_SECRET_KEY=secrets.token_urlsafe(50),
        DUIKOU_ALLOWED_HOSTS="duikou.example.gov.cn",
        DUIKOU_TRUSTED_PROXY=proxy,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == [
        "System check identified no issues (2 silenced).",
        "200 max-age=31536000; includeSubDomains",
        "csrftoken secure Lax",
        "session True True",
        f"proxy {('HTTP_X_FORWARDED_PROTO', 'https') if proxy == 'yes' else None}",
        "plain 301",
        f"forwarded {200 if proxy == 'yes' else 301}",
    ]


def test_https_is_off_by_default_and_a_vague_value_is_refused(tmp_path):
    assert django_settings.HTTPS is False and django_settings.SESSION_COOKIE_SECURE is False
    refused = run_with(tmp_path, ["-c", "import django; django.setup()"], DUIKOU_HTTPS="on")
    assert refused.returncode != 0 and "DUIKOU_HTTPS='on' 无效" in refused.stderr
