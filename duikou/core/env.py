"""Typed readers of the settings that come from the environment (``DUIKOU_*``).

Each refuses a value it cannot read with an error naming the variable, instead of falling back to a default:
``DUIKOU_DEBUG=on`` or ``DUIKOU_UPLOAD_MAX_MB=50MB`` stops the start-up, never silently means something else.
Used only by ``duikou/settings.py``, where every setting is read.
"""

import os
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE, FALSE = ("yes", "true", "1"), ("no", "false", "0")


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None or not value.strip() else value.strip()


def _refuse(name: str, why: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"环境变量 {name}={os.environ.get(name)!r} 无效：{why}")


def env_bool(name: str, default: bool) -> bool:
    """An on/off setting: yes/no, true/false or 1/0; anything else ("on", "y", "2") is refused, never read as off."""
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise _refuse(name, "只能是 yes/no、true/false 或 1/0")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number, within ``minimum`` and ``maximum`` when given."""
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _refuse(name, "应为整数") from None
    if minimum is not None and number < minimum:
        raise _refuse(name, f"不能小于 {minimum}")
    if maximum is not None and number > maximum:
        raise _refuse(name, f"不能大于 {maximum}")
    return number


def env_decimal(name: str, default: str, *, minimum: str | None = None, maximum: str | None = None) -> Decimal:
    """A decimal number (a share such as 0.2), within ``minimum`` and ``maximum`` when given; read exactly, never as
    a float."""
    value = _raw(name) or default
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise _refuse(name, "应为数字，如 0.2") from None
    if not number.is_finite():
        raise _refuse(name, "应为数字，如 0.2")
    if minimum is not None and number < Decimal(minimum):
        raise _refuse(name, f"不能小于 {minimum}")
    if maximum is not None and number > Decimal(maximum):
        raise _refuse(name, f"不能大于 {maximum}")
    return number


def env_str(name: str, default: str = "", *, choices: tuple[str, ...] | None = None) -> str:
    """Text, one of ``choices`` when given."""
    value = _raw(name)
    if value is None:
        return default
    if choices is not None and value not in choices:
        raise _refuse(name, "只能是 " + "、".join(choices))
    return value


def env_hex(name: str, *, nbytes: int) -> str:
    """A key written as hexadecimal: exactly ``nbytes`` bytes (2 × ``nbytes`` hex digits), "" when unset."""
    value = _raw(name)
    if value is None:
        return ""
    try:
        ok = len(bytes.fromhex(value)) == nbytes
    except ValueError:
        ok = False
    if not ok:
        raise _refuse(name, f"须为 {2 * nbytes} 位十六进制字符（{nbytes} 字节）")
    return value


def env_origin(name: str) -> str:
    """The address of a site as a browser reaches it, ``https://host[:port]``: http or https, a host, no path (other
    than "/"), query, fragment or user name; "" when unset. Returned without a trailing slash."""
    value = _raw(name)
    if value is None:
        return ""
    try:
        parts = urlsplit(value)
        ok = (
            parts.scheme in ("http", "https")
            and bool(parts.hostname)
            and parts.path in ("", "/")
            and not (parts.query or parts.fragment or parts.username or parts.password)
            and " " not in value
        )
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in 0–65535
    except ValueError:
        ok = False
    if not ok:
        raise _refuse(name, "须为 http:// 或 https:// 开头的完整地址（主机名，可带端口），不含路径、参数或用户名")
    return f"{parts.scheme}://{parts.netloc}"


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list, without blanks."""
    value = os.environ.get(name, default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_path(name: str, default: Path | str) -> Path:
    """A file or folder path; relative paths are taken from the working directory at start-up."""
    value = _raw(name)
    return Path(value if value is not None else default).expanduser().resolve()
