"""Sending a short message to one address over one channel: e-mail, an SMS gateway, a 企业微信（政务微信） or 钉钉 group
robot. Knows no domain: the notifications app decides what to say and to whom; this module only carries it.

Which channels exist is the deployment's choice (settings, docs/notifications.md):

* ``email`` is always there; ``DUIKOU_MESSAGING_BACKEND`` says where its messages go.
* ``sms``, ``wecom`` and ``dingtalk`` exist when named in ``DUIKOU_MESSAGING_CHANNELS``; each posts JSON to the URL of
  its own setting (``DUIKOU_SMS_URL`` …), in the format documented below and in docs/notifications.md.

``DUIKOU_MESSAGING_BACKEND`` is ``file`` (the default, for development: every message is appended to
``var/outbox/<channel>.jsonl`` and e-mail written by Django's file backend to ``var/outbox/mail``), ``console`` (printed
to standard output) or ``live`` (SMTP and the HTTP gateways). A channel that fails raises ``DeliveryError`` with a
message saying what went wrong and never the address or a token.
"""

import base64
import hmac
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext_lazy as _


class DeliveryError(Exception):
    """A message could not be handed over; the text names why (never the address or a secret)."""


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    link: str = ""  # the full address of the page the message is about, when there is one

    def text(self) -> str:
        """The message as one text, for the channels that carry no subject."""
        parts = [f"【{settings.DUIKOU_MESSAGING_SIGNATURE}】{self.subject}", self.body]
        if self.link:
            parts.append(self.link)
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Channel:
    name: str  # email, sms, wecom, dingtalk
    label: str
    address_label: str  # what the user gives for it: 电子邮箱, 手机号码
    kind: str  # "email" or "phone"

    def check_address(self, address: str) -> str | None:
        """An error text for an address this channel cannot take, None when it can."""
        if self.kind == "email":
            return None if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address) else str(_("电子邮箱格式不正确"))
        return None if re.fullmatch(r"1\d{10}", address) else str(_("手机号码应为 11 位数字，以 1 开头"))


ALL = {
    "email": Channel("email", _("电子邮件"), _("电子邮箱"), "email"),
    "sms": Channel("sms", _("短信"), _("手机号码"), "phone"),
    "wecom": Channel("wecom", _("政务微信（企业微信）群机器人"), _("手机号码（群内 @ 提醒）"), "phone"),
    "dingtalk": Channel("dingtalk", _("钉钉群机器人"), _("手机号码（群内 @ 提醒）"), "phone"),
}
HTTP_CHANNELS = ("sms", "wecom", "dingtalk")


def channels() -> dict[str, Channel]:
    """The channels this deployment offers, e-mail first."""
    return {name: ALL[name] for name in ("email", *settings.DUIKOU_MESSAGING_CHANNELS)}


def send(channel: str, address: str, message: Message) -> None:
    """Hand ``message`` to ``channel`` for ``address``; raises ``DeliveryError`` when it cannot."""
    if channel not in channels():
        raise DeliveryError(f"渠道 {channel} 未启用")
    backend = settings.DUIKOU_MESSAGING_BACKEND
    if channel == "email":
        _send_email(address, message, backend)
    elif backend == "live":
        _post(channel, _payload(channel, address, message))
    else:
        _record(channel, {"to": address, **_payload(channel, address, message)}, backend)


# ---- e-mail ------------------------------------------------------------------------------------------------------

EMAIL_BACKENDS = {
    "live": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
}


def _send_email(address: str, message: Message, backend: str) -> None:
    options = {"timeout": settings.EMAIL_TIMEOUT} if backend == "live" else {}
    if backend == "file":
        options["file_path"] = str(outbox() / "mail")
    body = message.body + (f"\n\n{message.link}" if message.link else "")
    try:
        connection = get_connection(EMAIL_BACKENDS[backend], fail_silently=False, **options)
        EmailMessage(
            subject=f"【{settings.DUIKOU_MESSAGING_SIGNATURE}】{message.subject}",
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            connection=connection,
        ).send()
    except (TimeoutError, OSError) as exc:  # smtplib's errors are OSErrors
        raise DeliveryError(f"邮件服务器 {settings.EMAIL_HOST}:{settings.EMAIL_PORT} 未接收：{_reason(exc)}") from exc


# ---- the HTTP gateways -------------------------------------------------------------------------------------------


def _payload(channel: str, address: str, message: Message) -> dict:
    """The JSON body each gateway takes (docs/notifications.md)."""
    if channel == "sms":
        return {"to": address, "text": message.text()}
    if channel == "wecom":
        return {"msgtype": "text", "text": {"content": message.text(), "mentioned_mobile_list": [address]}}
    return {"msgtype": "text", "text": {"content": message.text()}, "at": {"atMobiles": [address], "isAtAll": False}}


def _url(channel: str) -> str:
    url = getattr(settings, f"DUIKOU_{channel.upper()}_URL")
    if channel == "dingtalk" and settings.DUIKOU_DINGTALK_SECRET:
        # 钉钉 加签: HMAC-SHA256 of "timestamp\nsecret" under the secret, in the query string
        stamp = str(int(time.time() * 1000))
        digest = hmac.new(
            settings.DUIKOU_DINGTALK_SECRET.encode(), f"{stamp}\n{settings.DUIKOU_DINGTALK_SECRET}".encode(), "sha256"
        ).digest()
        sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
        url += ("&" if "?" in url else "?") + f"timestamp={stamp}&sign={sign}"
    return url


def _post(channel: str, payload: dict) -> None:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if channel == "sms" and settings.DUIKOU_SMS_TOKEN:
        headers["Authorization"] = f"Bearer {settings.DUIKOU_SMS_TOKEN}"
    request = urllib.request.Request(
        _url(channel), data=json.dumps(payload, ensure_ascii=False).encode(), headers=headers, method="POST"
    )
    where = f"{ALL[channel].label}网关 {_host(channel)}"
    try:
        with urllib.request.urlopen(request, timeout=settings.DUIKOU_MESSAGING_TIMEOUT) as response:  # noqa: S310
            answer = response.read(10_000)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"{where} 拒绝：HTTP {exc.code}") from exc
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"{where} 无法连接：{_reason(exc)}") from exc
    if channel in ("wecom", "dingtalk"):  # the robots answer 200 with an error code in the body
        try:
            code = json.loads(answer or b"{}").get("errcode", 0)
        except (ValueError, AttributeError):
            code = "?"
        if code != 0:
            raise DeliveryError(f"{where} 拒绝：errcode {code}")


def _host(channel: str) -> str:
    """The gateway's host, for an error text: never its path or query, where robots keep their key."""
    return urllib.parse.urlsplit(getattr(settings, f"DUIKOU_{channel.upper()}_URL")).netloc


def _reason(exc: BaseException) -> str:
    """Why, without what an error may carry of the message or its addressee (a refused recipient's address)."""
    if code := getattr(exc, "smtp_code", None):
        return f"{exc.__class__.__name__} {code}"
    reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc.__class__.__name__
    return str(reason)[:200]


# ---- development -------------------------------------------------------------------------------------------------


def outbox() -> Path:
    path = settings.DUIKOU_MESSAGING_OUTBOX
    path.mkdir(parents=True, exist_ok=True)
    return path


def _record(channel: str, payload: dict, backend: str) -> None:
    line = json.dumps({"channel": channel, **payload}, ensure_ascii=False)
    if backend == "console":
        sys.stdout.write(line + "\n")
        return
    with (outbox() / f"{channel}.jsonl").open("a", encoding="utf-8") as out:
        out.write(line + "\n")
