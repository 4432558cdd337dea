"""The messaging settings refuse what they cannot use, at start-up, naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def start(**env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DUIKOU_")}
    environment |= {"DJANGO_SETTINGS_MODULE": "duikou.settings", "PYTHONPATH": str(ROOT), **env}
    code = "import django; django.setup(); from django.conf import settings; print(settings.DUIKOU_MESSAGING_CHANNELS)"
    return subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DUIKOU_MESSAGING_CHANNELS": "fax"}, "没有渠道「fax」"),
        ({"DUIKOU_MESSAGING_CHANNELS": "sms", "DUIKOU_MESSAGING_BACKEND": "live"}, "未设置 DUIKOU_SMS_URL"),
        ({"DUIKOU_MESSAGING_BACKEND": "smtp"}, "DUIKOU_MESSAGING_BACKEND"),
        ({"DUIKOU_EMAIL_USE_TLS": "on"}, "DUIKOU_EMAIL_USE_TLS"),
    ],
)
def test_bad_messaging_settings_stop_the_start(env, message, tmp_path):
    result = start(DUIKOU_VAR_DIR=str(tmp_path), **env)
    assert result.returncode != 0 and message in result.stderr


def test_a_configured_gateway_starts(tmp_path):
    result = start(
        DUIKOU_VAR_DIR=str(tmp_path),
        DUIKOU_MESSAGING_BACKEND="live",
        DUIKOU_MESSAGING_CHANNELS="sms,dingtalk",
        DUIKOU_SMS_URL="https://sms.example.gov.cn/send",
        DUIKOU_DINGTALK_URL="https://oapi.dingtalk.com/robot/send?access_token=x",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['sms', 'dingtalk']"
