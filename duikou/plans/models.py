"""Joint plans of a pairing: the five-year implementation plan, special plans and annual work plans.

A plan is structured content (goals, items, major projects, yearly targets, timeline, guarantee measures)
that goes through both cities, both provinces and the national overseer (2022 方案 四(二)). Once filed it
is frozen: every content row refuses to change, and the filing stores an SM3 digest of the canonical
content chained to the previous filing, so tampering below the application is detected by `duikou verify`.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from duikou.accounts.models import Organisation
from duikou.core.modelbits import WriteGuarded, created_field, protected_fk, user_fk, version_field
from duikou.geo.models import Region
from duikou.indicators.models import Indicator
from duikou.pairings.models import Pairing
from duikou.policy.models import Clause, Task


class FrozenPlanError(ValidationError):
    def __init__(self, plan):
        super().__init__(f"「{plan}」已备案，内容不可修改；如需调整请发起修订")


class Plan(WriteGuarded):
    class Kind(models.TextChoices):
        FIVE_YEAR = "five_year", _("对口合作五年实施方案")
        SPECIAL = "special", _("重点领域合作专项实施方案")
        ANNUAL = "annual", _("对口合作年度工作计划")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        AGREEING = "agreeing", _("双方确认中")
        AGREED = "agreed", _("双方已确认")
        ISSUED = "issued", _("两省已联合印发")
        FILED = "filed", _("已备案")

    pairing = protected_fk(Pairing, _("结对关系"), related_name="plans")
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    key_task = protected_fk(Task, _("重点领域"), optional=True, related_name="special_plans")
    start_year = models.PositiveSmallIntegerField(_("起始年份"))
    end_year = models.PositiveSmallIntegerField(_("截止年份"))
    source_plan = protected_fk("self", _("来源方案"), optional=True, related_name="derived_plans")
    revision = models.PositiveSmallIntegerField(_("修订版次"), default=1)
    previous = models.OneToOneField(
        "self", verbose_name=_("上一版"), null=True, blank=True, on_delete=models.PROTECT, related_name="next_revision"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    old_side_agreed_by = user_fk(_("老区方确认人"), optional=True)
    old_side_agreed_at = models.DateTimeField(_("老区方确认时间"), null=True, blank=True)
    partner_side_agreed_by = user_fk(_("支持方确认人"), optional=True)
    partner_side_agreed_at = models.DateTimeField(_("支持方确认时间"), null=True, blank=True)
    return_comment = models.TextField(_("退回意见"), blank=True)
    filing_receipt = models.CharField(_("备案回执号"), max_length=60, blank=True)
    filed_by = user_fk(_("备案人"), optional=True)
    filed_at = models.DateTimeField(_("备案时间"), null=True, blank=True)
    filing_digest = models.CharField(_("备案摘要(SM3)"), max_length=64, blank=True)
    filing_prev_digest = models.CharField(_("前一备案摘要"), max_length=64, blank=True)
    created_by = user_fk(_("创建人"))
    created = created_field()
    step_due = models.DateField(_("当前环节时限"), null=True, blank=True)
    version = version_field()

    class Meta:
        verbose_name = verbose_name_plural = _("方案")
        ordering = ["pairing__code", "kind", "start_year", "revision"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_year__gte=models.F("start_year")), name="plan_period"),
            models.CheckConstraint(
                condition=~models.Q(kind="annual") | models.Q(end_year=models.F("start_year")),
                name="plan_annual_is_one_year",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="special") | models.Q(key_task__isnull=False),
                name="plan_special_has_key_area",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="filed") | (~models.Q(filing_digest="") & models.Q(filed_at__isnull=False)),
                name="plan_filed_has_digest",
            ),
            # the filing chain does not fork: each filing follows another one (the first follows none: "")
            models.UniqueConstraint(
                fields=["filing_prev_digest"], condition=models.Q(status="filed"), name="plan_filing_chain_unique"
            ),
        ]

    def __str__(self) -> str:
        rev = f"（第{self.revision}版）" if self.revision > 1 else ""
        return f"{self.title}{rev}"

    def check_writable(self, *, deleting: bool) -> None:
        if deleting:
            raise ValidationError("方案不可删除；不再需要的草稿保留在历史中")
        if self.pk:
            stored = Plan.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == self.Status.FILED:
                raise FrozenPlanError(self)

    @property
    def frozen(self) -> bool:
        return self.status == self.Status.FILED

    @property
    def editable(self) -> bool:
        return self.status == self.Status.DRAFT


class PlanContent(WriteGuarded):
    """A row of a plan's content: refuses to change once its plan is filed."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "id"]

    def check_writable(self, *, deleting: bool) -> None:
        if Plan.objects.filter(pk=self.plan_id, status=Plan.Status.FILED).exists():
            raise FrozenPlanError(self.plan)
        if self.pk and not deleting:
            stored_plan = type(self).objects.filter(pk=self.pk).values_list("plan_id", flat=True).first()
            if stored_plan and Plan.objects.filter(pk=stored_plan, status=Plan.Status.FILED).exists():
                raise FrozenPlanError(self.plan)


class PlanGoal(PlanContent):
    plan = protected_fk(Plan, _("方案"), related_name="goals")
    text = models.TextField(_("目标"))

    class Meta(PlanContent.Meta):
        verbose_name = verbose_name_plural = _("目标")

    def __str__(self) -> str:
        return self.text[:40]


class PlanItem(PlanContent):
    """A plan item (重点任务): tagged with the key task(s) it serves and the clause(s) it implements."""

    plan = protected_fk(Plan, _("方案"), related_name="items")
    key_task = protected_fk(Task, _("重点任务"), related_name="plan_items")
    tasks = models.ManyToManyField(Task, verbose_name=_("其他相关任务"), blank=True, related_name="+")
    clauses = models.ManyToManyField(Clause, verbose_name=_("落实条款"), blank=True, related_name="plan_items")
    text = models.TextField(_("任务内容"))
    responsible_unit = protected_fk(Organisation, _("责任单位"), optional=True, related_name="plan_items")
    year = models.PositiveSmallIntegerField(_("实施年度"), null=True, blank=True)
    due_date = models.DateField(_("完成时限"), null=True, blank=True)
    done_date = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta(PlanContent.Meta):
        verbose_name = verbose_name_plural = _("任务事项")
        ordering = ["key_task__order", "order", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class PlanProject(PlanContent):
    plan = protected_fk(Plan, _("方案"), related_name="projects")
    name = models.CharField(_("项目名称"), max_length=200)
    key_task = protected_fk(Task, _("重点任务"), optional=True, related_name="+")
    location = protected_fk(Region, _("建设地点"), optional=True, related_name="+")
    investment_wan = models.DecimalField(_("计划投资（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    start_year = models.PositiveSmallIntegerField(_("开工年份"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("完工年份"), null=True, blank=True)
    responsible_unit = protected_fk(Organisation, _("责任单位"), optional=True, related_name="+")

    class Meta(PlanContent.Meta):
        verbose_name = verbose_name_plural = _("重大项目")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(investment_wan__gte=0) | models.Q(investment_wan__isnull=True),
                name="planproject_investment_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PlanTarget(PlanContent):
    """An indicator of the library with its target for one year.

    The indicator is a reference (``indicator``); its name and unit are also kept as written when the row is saved
    (``indicator_name``, ``unit``), because they are what the plan says and what a filing digested: a filed plan
    still reads, and verifies, as filed when the library later renames an indicator. A row written before targets
    referred to the library keeps the text it was written with (see migration 0004)."""

    plan = protected_fk(Plan, _("方案"), related_name="targets")
    indicator = protected_fk(Indicator, _("指标"), related_name="plan_targets")
    indicator_name = models.CharField(_("方案所写指标名称"), max_length=120, blank=True, editable=False)
    unit = models.CharField(_("单位"), max_length=20, blank=True, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    target = models.DecimalField(_("目标值"), max_digits=16, decimal_places=2)
    key_task = protected_fk(Task, _("重点任务"), optional=True, related_name="+")

    class Meta(PlanContent.Meta):
        verbose_name = verbose_name_plural = _("年度指标目标")
        ordering = ["indicator__order", "indicator", "year"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "indicator", "year"], name="plantarget_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_name or self.indicator_id} {self.year}"

    def save(self, *args, **kwargs):
        # the words and unit the plan states are the indicator's own at the time of writing
        if self.indicator_id:
            self.indicator_name, self.unit = self.indicator.name, self.indicator.unit
        super().save(*args, **kwargs)


class PlanMilestone(PlanContent):
    plan = protected_fk(Plan, _("方案"), related_name="milestones")
    date = models.DateField(_("时间节点"))
    text = models.CharField(_("工作安排"), max_length=300)

    class Meta(PlanContent.Meta):
        verbose_name = verbose_name_plural = _("工作时序")
        ordering = ["date", "order"]

    def __str__(self) -> str:
        return f"{self.date} {self.text}"


class PlanMeasure(PlanContent):
    plan = protected_fk(Plan, _("方案"), related_name="measures")
    text = models.TextField(_("保障措施"))

    class Meta(PlanContent.Meta):
        verbose_name = verbose_name_plural = _("保障措施")

    def __str__(self) -> str:
        return self.text[:40]


class PlanIssuance(PlanContent):
    """One province's joint issuance (联合印发) of the plan, with its document number and date."""

    plan = protected_fk(Plan, _("方案"), related_name="issuances")
    province = protected_fk(Region, _("印发省份"), related_name="+")
    doc_number = models.CharField(_("文号"), max_length=60)
    date = models.DateField(_("印发日期"))
    issued_by = user_fk(_("登记人"))

    class Meta(PlanContent.Meta):
        verbose_name = verbose_name_plural = _("联合印发")
        constraints = [models.UniqueConstraint(fields=["plan", "province"], name="planissuance_one_per_province")]

    def __str__(self) -> str:
        return self.doc_number


class PlanAttachment(PlanContent):
    plan = protected_fk(Plan, _("方案"), related_name="attachments")
    name = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(_("文件"), upload_to="plans/%Y/")
    sm3 = models.CharField(_("SM3 摘要"), max_length=64)
    uploaded_by = user_fk(_("上传人"))
    uploaded_at = created_field(_("上传时间"))

    class Meta(PlanContent.Meta):
        verbose_name = verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


PLAN_MODELS = [
    Plan,
    PlanGoal,
    PlanItem,
    PlanProject,
    PlanTarget,
    PlanMilestone,
    PlanMeasure,
    PlanIssuance,
    PlanAttachment,
]
CONTENT_MODELS = [PlanGoal, PlanItem, PlanProject, PlanTarget, PlanMilestone, PlanMeasure]
