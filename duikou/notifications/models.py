"""What a user is told and how it reaches them: the inbox item (``Notification``), each attempt to carry it over a
channel (``Delivery``), the user's choice of channels (``Preference``) and the reminders sent by hand (``Reminder``).

A notification carries no personal data beyond a masked name: its title and body name the object (a plan's title, a
pairing, a notice number) and the step, never a phone number or a full name. It is stored once per recipient and
``key`` (an event, or a day's reminder): a second write of the same event, by another worker or request at the same
moment, ends at the unique rule and is not an error.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from duikou.core import messaging
from duikou.core.modelbits import created_field, protected_fk


class Notification(models.Model):
    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("提交给您处理")
        RETURNED = "returned", _("退回给您")
        APPROVED = "approved", _("已通过/已办结")
        NOTICE_ISSUED = "notice_issued", _("整改通知下发至本单位")
        CASE_ASSIGNED = "case_assigned", _("案件分配给您")
        DUE_SOON = "due_soon", _("3 天后到期")
        DUE_TODAY = "due_today", _("今天到期")
        OVERDUE = "overdue", _("已逾期")
        REMINDER = "reminder", _("催办提醒")

    recipient = protected_fk(settings.AUTH_USER_MODEL, _("接收人"), related_name="notifications")
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)  # a path on this site: /plans/3/
    content_type = protected_fk(ContentType, _("对象类型"), optional=True, related_name="+")
    object_id = models.CharField(_("对象编号"), max_length=40, blank=True)
    key = models.CharField(_("事件键"), max_length=200)
    created_at = created_field()
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notifications_once_per_recipient_and_key"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notifications_unread")]

    def __str__(self) -> str:
        return self.title

    @property
    def unread(self) -> bool:
        return self.read_at is None


class Delivery(models.Model):
    """One message over one channel: a single notification, or a user's daily digest (``notification`` empty,
    ``digest_date`` set). Queued until sent; tried again with back-off; failed after the last attempt (the
    notification stays in the inbox either way)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    recipient = protected_fk(settings.AUTH_USER_MODEL, _("接收人"), related_name="deliveries")
    notification = models.ForeignKey(
        Notification, verbose_name=_("通知"), on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    digest_date = models.DateField(_("摘要日期"), null=True, blank=True)
    channel = models.CharField(_("渠道"), max_length=20)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(_("已尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), db_index=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = created_field()

    class Meta:
        verbose_name = verbose_name_plural = _("消息发送")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"],
                condition=Q(notification__isnull=False),
                name="notifications_delivery_once_per_channel",
            ),
            models.UniqueConstraint(
                fields=["recipient", "channel", "digest_date"],
                condition=Q(digest_date__isnull=False),
                name="notifications_digest_once_per_day",
            ),
            models.CheckConstraint(
                condition=Q(notification__isnull=False) | Q(digest_date__isnull=False),
                name="notifications_delivery_of_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk}"

    @property
    def channel_label(self) -> str:
        channel = messaging.ALL.get(self.channel)
        return str(channel.label) if channel else self.channel


class Preference(models.Model):
    """How a user wants to be told, besides the inbox, which everyone has."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email_enabled = models.BooleanField(_("电子邮件通知"), default=True)
    email = models.EmailField(_("通知邮箱"), blank=True, help_text=_("留空则使用账号的电子邮箱"))
    channels = models.JSONField(_("其他渠道"), default=list, blank=True)  # names of configured channels: sms, wecom …
    # the phone number for SMS and for @-mentions by the group robots: encrypted (core.pii), shown masked
    phone_enc = models.BinaryField(_("手机号码（密文）"), editable=False, null=True)
    phone_masked = models.CharField(_("手机号码"), max_length=20, blank=True, editable=False)
    digest = models.BooleanField(_("每日摘要"), default=False, help_text=_("每天一封汇总，代替逐条发送"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("通知偏好")

    def __str__(self) -> str:
        return str(self.user)


class Reminder(models.Model):
    """A reminder sent by hand to one organisation about one subject (a report, a notice) on one day: at most one a
    day, held by the unique rule, so two clicks at the same moment remind once."""

    content_type = protected_fk(ContentType, _("对象类型"), related_name="+")
    object_id = models.CharField(_("对象编号"), max_length=40)
    organisation = protected_fk("accounts.Organisation", _("被提醒单位"), related_name="+")
    day = models.DateField(_("日期"))
    sent_by = protected_fk(settings.AUTH_USER_MODEL, _("提醒人"), related_name="+")
    recipients = models.PositiveIntegerField(_("接收人数"), default=0)
    created_at = created_field()

    class Meta:
        verbose_name = verbose_name_plural = _("催办提醒")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "organisation", "day"], name="notifications_reminder_once_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.day}"
