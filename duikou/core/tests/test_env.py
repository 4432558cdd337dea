"""Settings from the environment are read by typed readers that refuse what they cannot read (duikou/core/env.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from duikou.core.env import env_decimal, env_hex, env_int, env_list, env_path, env_str

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("raw", "expected"), [("50", 50), (" 7 ", 7), ("", 12)])
def test_env_int_reads_whole_numbers(monkeypatch, raw, expected):
    monkeypatch.setenv("DUIKOU_EXAMPLE", raw)
    assert env_int("DUIKOU_EXAMPLE", 12) == expected


@pytest.mark.parametrize(
    ("raw", "reason"), [("50MB", "应为整数"), ("1.5", "应为整数"), ("0", "不能小于 1"), ("999", "不能大于 100")]
)
def test_env_int_refuses_what_it_cannot_read_naming_the_variable(monkeypatch, raw, reason):
    monkeypatch.setenv("DUIKOU_EXAMPLE", raw)
    with pytest.raises(ImproperlyConfigured, match=f"DUIKOU_EXAMPLE.*{reason}"):
        env_int("DUIKOU_EXAMPLE", 10, minimum=1, maximum=100)


@pytest.mark.parametrize(("raw", "expected"), [("0.35", "0.35"), ("", "0.2")])
def test_env_decimal_reads_a_share_exactly(monkeypatch, raw, expected):
    monkeypatch.setenv("DUIKOU_EXAMPLE", raw)
    assert str(env_decimal("DUIKOU_EXAMPLE", "0.2", minimum="0")) == expected


@pytest.mark.parametrize(("raw", "reason"), [("20%", "应为数字"), ("nan", "应为数字"), ("-0.1", "不能小于 0")])
def test_env_decimal_refuses_what_it_cannot_read_naming_the_variable(monkeypatch, raw, reason):
    monkeypatch.setenv("DUIKOU_EXAMPLE", raw)
    with pytest.raises(ImproperlyConfigured, match=f"DUIKOU_EXAMPLE.*{reason}"):
        env_decimal("DUIKOU_EXAMPLE", "0.2", minimum="0")


def test_env_str_refuses_a_value_outside_its_choices(monkeypatch):
    monkeypatch.setenv("DUIKOU_EXAMPLE", "verbose")
    with pytest.raises(ImproperlyConfigured, match="DUIKOU_EXAMPLE.*INFO"):
        env_str("DUIKOU_EXAMPLE", "INFO", choices=("INFO", "WARNING"))
    monkeypatch.setenv("DUIKOU_EXAMPLE", "WARNING")
    assert env_str("DUIKOU_EXAMPLE", "INFO", choices=("INFO", "WARNING")) == "WARNING"


@pytest.mark.parametrize("raw", ["0011", "zz112233445566778899aabbccddeeff", "00112233445566778899aabbccddeeff00"])
def test_env_hex_refuses_a_key_of_the_wrong_length_or_not_hexadecimal(monkeypatch, raw):
    monkeypatch.setenv("DUIKOU_EXAMPLE", raw)
    with pytest.raises(ImproperlyConfigured, match="DUIKOU_EXAMPLE.*32 位十六进制"):
        env_hex("DUIKOU_EXAMPLE", nbytes=16)


def test_env_hex_reads_a_key_and_leaves_an_unset_one_empty(monkeypatch):
    monkeypatch.setenv("DUIKOU_EXAMPLE", " 00112233445566778899AABBCCDDEEFF ")
    assert env_hex("DUIKOU_EXAMPLE", nbytes=16) == "00112233445566778899AABBCCDDEEFF"
    monkeypatch.delenv("DUIKOU_EXAMPLE")
    assert env_hex("DUIKOU_EXAMPLE", nbytes=16) == ""


def test_env_list_and_path(monkeypatch, tmp_path):
    monkeypatch.setenv("DUIKOU_EXAMPLE", " a, ,b ,")
    assert env_list("DUIKOU_EXAMPLE") == ["a", "b"]
    monkeypatch.setenv("DUIKOU_EXAMPLE", str(tmp_path / "x" / ".." / "y"))
    assert env_path("DUIKOU_EXAMPLE", "/nowhere") == tmp_path / "y"


def test_settings_refuse_to_start_on_a_value_they_cannot_read():
    """The whole start-up stops, naming the variable, rather than running with something the operator did not mean."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUIKOU_")}
    env.update(DUIKOU_UPLOAD_MAX_MB="50MB", DJANGO_SETTINGS_MODULE="duikou.settings", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DUIKOU_UPLOAD_MAX_MB" in result.stderr and "应为整数" in result.stderr


def test_every_setting_read_from_the_environment_is_documented():
    import re

    names = set(re.findall(r'env_\w+\(\s*"(DUIKOU_\w+)"', (ROOT / "duikou" / "settings.py").read_text()))
    documented = (ROOT / "docs" / "operations.md").read_text()
    assert names, "no setting found: has settings.py stopped using the readers of core/env.py?"
    missing = sorted(n for n in names if f"`{n}`" not in documented)
    assert not missing, f"settings missing from the table in docs/operations.md (配置项): {missing}"
