import uuid

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .modelbits import created_field, user_fk


class Job(models.Model):
    """A piece of long work (import, export, report, screening) run in the background with visible progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        RETRYING = "retrying", _("等待重试")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    ACTIVE = (Status.QUEUED, Status.RUNNING, Status.RETRYING)
    FINAL = (Status.DONE, Status.FAILED, Status.CANCELLED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("类型"), max_length=60)
    title = models.CharField(_("标题"), max_length=200)
    user = user_fk(_("发起人"), optional=True, related_name="jobs", help_text=_("空：系统任务（定时任务）"))
    function = models.CharField(_("执行函数"), max_length=200, blank=True, help_text=_("可导入的函数路径"))
    params = models.JSONField(_("参数"), default=dict, blank=True)
    input_file = models.FileField(_("输入文件"), upload_to="jobs/inputs/%Y/%m/", blank=True)
    input_name = models.CharField(_("输入文件名"), max_length=255, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(_("已完成"), default=0)
    total = models.PositiveIntegerField(_("总量"), default=0)
    message = models.TextField(_("进度说明"), blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    result_file = models.FileField(_("结果文件"), upload_to="jobs/%Y/%m/", blank=True)
    created = created_field()
    started = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished = models.DateTimeField(_("结束时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("已执行次数"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("最多执行次数"), default=3)
    retry_at = models.DateTimeField(_("重试时间"), null=True, blank=True)
    heartbeat = models.DateTimeField(_("心跳"), null=True, blank=True)
    worker = models.CharField(_("执行进程"), max_length=64, blank=True)
    request_id = models.CharField(
        _("请求编号"), max_length=64, blank=True, help_text=_("发起任务的请求的编号：任务的日志与审计记录沿用它")
    )
    cancel_requested = models.BooleanField(_("已请求取消"), default=False)

    class Meta:
        verbose_name = verbose_name_plural = _("后台任务")
        ordering = ["-created"]
        indexes = [models.Index(fields=["status", "heartbeat"], name="core_job_status_heartbeat")]

    def __str__(self) -> str:
        return self.title

    @property
    def display_message(self) -> str:
        """The message in the reader's language where it is one of the fixed ones (已完成, 正在保存结果 …, stored as
        written); a message composed while the job ran is in its owner's language."""
        return gettext(self.message) if self.message else ""

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        # 100 % only once the work is done: a job still saving its result shows 99 % and says so
        return min(99, int(self.done * 100 / self.total)) if self.total else 0

    @property
    def finished_work(self) -> bool:
        return self.status in self.FINAL


class ScheduleRun(models.Model):
    """One run of a scheduled piece of work for one slot (a day, a month). The unique (name, slot) pair is what makes
    a schedule run exactly once however many workers tick at the same time: the worker whose insert wins runs it."""

    name = models.CharField(_("定时任务"), max_length=60)
    slot = models.CharField(_("时段"), max_length=20, help_text=_("如 2026-05-20（每日）、2026-05（每月）"))
    started = created_field(_("开始时间"))
    job = models.ForeignKey(
        Job, verbose_name=_("后台任务"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    worker = models.CharField(_("执行进程"), max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("定时任务执行")
        ordering = ["-started"]
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="core_schedulerun_once")]

    def __str__(self) -> str:
        return f"{self.name} {self.slot}"


class CalendarDay(models.Model):
    """A day the official holiday schedule sets apart from the plain week: a day off (a holiday, or a weekday given
    off in exchange) or a weekend day that is worked (调休). Every other Monday to Friday is a working day. National
    rows have no province; a province's own rows (a 2-digit code) take precedence for that province."""

    class Kind(models.TextChoices):
        OFF = "off", _("休息日")
        WORKDAY = "workday", _("调休上班日")

    day = models.DateField(_("日期"))
    province = models.CharField(_("省份"), max_length=2, blank=True, help_text=_("区划代码前 2 位；空为全国"))
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=60, help_text=_("如 国庆节"))
    source = models.CharField(_("来源"), max_length=200)
    created_by = user_fk(_("录入人"), optional=True)

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["day", "province"]
        constraints = [models.UniqueConstraint(fields=["day", "province"], name="core_calendarday_once")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.name}（{self.get_kind_display()}）"


class RateCounter(models.Model):
    """How many hits one key (an address, an ID number, a village…) made in one fixed window of time, for the rate
    limits of the pages open to the public (``core.public.check_rate``). The key is stored only as a keyed digest
    (``core.pii.digest`` of scope, name, window length and value): the table holds no address or ID number. The
    unique (key, window) pair is what lets concurrent first hits from several processes count once each."""

    key = models.CharField(_("键摘要"), max_length=64)
    window = models.DateTimeField(_("时段开始"))
    expires = models.DateTimeField(_("时段结束"), db_index=True)
    count = models.PositiveIntegerField(_("次数"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("访问频次计数")
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="core_ratecounter_once")]

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.window:%Y-%m-%d %H:%M} ×{self.count}"
