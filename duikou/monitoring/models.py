"""Household return-to-poverty monitoring (防止返贫动态监测和帮扶): registry, rule sets, screening runs, alerts.

Seed 004 二(一) (clause ``ssw-2021-xczx/2/1``) asks for a 防止返贫动态监测帮扶机制 that follows income changes and
the 两不愁三保障 outcomes with a 快速发现和响应机制. Money here is in 元 (household incomes), not 万元.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from duikou.geo.models import Region

MONEY = {"max_digits": 14, "decimal_places": 2}
POLICY_CLAUSE = "ssw-2021-xczx/2/1"  # seed 004 二(一) 健全防止返贫动态监测和帮扶机制


class Household(models.Model):
    class Category(models.TextChoices):
        # Seed 004 does not name the monitoring categories (二(三) speaks only of 易返贫致贫监测对象). These three are
        # the categories of the national 防止返贫动态监测 rules; they are kept as plain choices so that a
        # deployment can change them without touching the screening rules.
        NONE = "", _("非监测对象")
        UNSTABLE = "unstable", _("脱贫不稳定户")
        MARGINAL = "marginal", _("边缘易致贫户")
        SUDDEN = "sudden", _("突发严重困难户")

    township = models.ForeignKey(
        Region,
        verbose_name=_("乡镇"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "township"},
    )
    village = models.ForeignKey(
        Region,
        verbose_name=_("行政村"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "village"},
    )
    number = models.CharField(_("户编号"), max_length=40, help_text=_("本村内唯一"))
    head_name = models.CharField(_("户主姓名"), max_length=60)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    category = models.CharField(_("监测类别"), max_length=20, choices=Category.choices, blank=True)
    # 两不愁三保障 and safe drinking water: True when the check holds
    food_clothing_ok = models.BooleanField(_("不愁吃、不愁穿"), default=True)
    education_ok = models.BooleanField(_("义务教育有保障"), default=True)
    medical_ok = models.BooleanField(_("基本医疗有保障"), default=True)
    housing_ok = models.BooleanField(_("住房安全有保障"), default=True)
    water_ok = models.BooleanField(_("饮水安全有保障"), default=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    CHECKS = ("food_clothing_ok", "education_ok", "medical_ok", "housing_ok", "water_ok")

    class Meta:
        verbose_name = _("监测户")
        verbose_name_plural = _("监测户")
        ordering = ["village_id", "number"]
        constraints = [models.UniqueConstraint(fields=["village", "number"], name="monitoring_household_number")]

    def __str__(self) -> str:
        return f"{self.head_name}户（{self.number}）"

    def clean(self) -> None:
        errors = {}
        if self.township_id and self.township.level != Region.Level.TOWNSHIP:
            errors["township"] = _("须为乡级区划")
        if self.village_id and self.village.level != Region.Level.VILLAGE:
            errors["village"] = _("须为村级区划")
        elif self.village_id and self.township_id and self.village.parent_id != self.township_id:
            errors["village"] = _("该村不属于所选乡镇")
        if errors:
            raise ValidationError(errors)

    def failed_checks(self) -> list[str]:
        return [str(self._meta.get_field(f).verbose_name) for f in self.CHECKS if not getattr(self, f)]


class Member(models.Model):
    """A household member. ID and phone are stored only encrypted (SM4-GCM), as a keyed digest and masked."""

    household = models.ForeignKey(Household, verbose_name=_("所属户"), on_delete=models.PROTECT, related_name="members")
    name = models.CharField(_("姓名"), max_length=60)
    relation = models.CharField(_("与户主关系"), max_length=20, blank=True)
    id_number_enc = models.BinaryField(_("身份证号（密文）"), editable=False)
    id_number_digest = models.CharField(_("身份证号摘要"), max_length=64, editable=False, db_index=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    phone_enc = models.BinaryField(_("电话（密文）"), editable=False, null=True)
    phone_digest = models.CharField(_("电话摘要"), max_length=64, editable=False, blank=True, db_index=True)
    phone_masked = models.CharField(_("电话"), max_length=20, editable=False, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    ENCRYPTED = ("id_number_enc", "id_number_digest", "phone_enc", "phone_digest")

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["household_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["id_number_digest"], name="monitoring_member_id_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"


class IncomeRecord(models.Model):
    """One household's income and rigid expenditure for one year, in 元."""

    household = models.ForeignKey(Household, verbose_name=_("所属户"), on_delete=models.PROTECT, related_name="incomes")
    year = models.PositiveSmallIntegerField(_("年度"))
    persons = models.PositiveSmallIntegerField(_("家庭人口"), help_text=_("计算人均收入所用的人数"))
    net_income = models.DecimalField(_("家庭纯收入（元）"), **MONEY)
    wage_income = models.DecimalField(_("工资性收入（元）"), default=0, **MONEY)
    business_income = models.DecimalField(_("生产经营性收入（元）"), default=0, **MONEY)
    transfer_income = models.DecimalField(_("转移性收入（元）"), default=0, **MONEY)
    property_income = models.DecimalField(_("财产性收入（元）"), default=0, **MONEY)
    medical_expense = models.DecimalField(_("刚性支出：医疗（元）"), default=0, **MONEY)
    education_expense = models.DecimalField(_("刚性支出：教育（元）"), default=0, **MONEY)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("收支记录")
        verbose_name_plural = _("收支记录")
        ordering = ["household_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="monitoring_income_year"),
            models.CheckConstraint(condition=Q(persons__gte=1), name="monitoring_income_persons"),
            models.CheckConstraint(
                condition=Q(medical_expense__gte=0, education_expense__gte=0), name="monitoring_income_expense"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.year}"

    @property
    def per_capita(self):
        return (self.net_income / self.persons).quantize(self.net_income) if self.persons else None


class RuleSet(models.Model):
    """The screening rules of one province for one year; a change is a new version, never an overwrite."""

    province = models.ForeignKey(
        Region,
        verbose_name=_("省份"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "province"},
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    note = models.TextField(_("说明"), blank=True)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("监测规则集")
        verbose_name_plural = _("监测规则集")
        ordering = ["province_id", "-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["province", "year", "version"], name="monitoring_ruleset_version")
        ]

    def __str__(self) -> str:
        return f"{self.province.name} {self.year} 年监测规则（第 {self.version} 版）"

    def values(self) -> dict:
        return {t.key: t.value for t in self.thresholds.all()}


class Threshold(models.Model):
    """A figure a rule uses, with where it comes from. Unconfirmed figures are settings, marked official=False."""

    class Key(models.TextChoices):
        INCOME_LINE = "income_line", _("监测收入标准（元/人·年）")
        MARGIN = "margin_share", _("收入标准上浮比例")
        FALL = "income_fall_share", _("收入同比下降比例")
        RIGID = "rigid_share", _("刚性支出占收入比例")
        RESPONSE_DAYS = "response_days", _("响应时限（天）")

    ruleset = models.ForeignKey(RuleSet, verbose_name=_("规则集"), on_delete=models.CASCADE, related_name="thresholds")
    key = models.CharField(_("参数"), max_length=30, choices=Key.choices)
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=4)
    official = models.BooleanField(_("官方数据"), default=False)
    source = models.CharField(_("来源"), max_length=300)

    class Meta:
        verbose_name = _("阈值")
        verbose_name_plural = _("阈值")
        ordering = ["ruleset_id", "key"]
        constraints = [models.UniqueConstraint(fields=["ruleset", "key"], name="monitoring_threshold_key")]

    def __str__(self) -> str:
        return f"{self.get_key_display()} = {self.value}"


class Rule(models.Model):
    class Code(models.TextChoices):
        INCOME_LOW = "income_low", _("人均纯收入低于监测标准（含上浮）")
        INCOME_FALL = "income_fall", _("收入同比大幅下降")
        RIGID_EXPENSE = "rigid_expense", _("刚性支出超过收入一定比例")
        CHECK_FAILED = "check_failed", _("两不愁三保障或饮水安全未达标")

    ruleset = models.ForeignKey(RuleSet, verbose_name=_("规则集"), on_delete=models.CASCADE, related_name="rules")
    code = models.CharField(_("规则"), max_length=30, choices=Code.choices)
    clause = models.ForeignKey(
        "policy.Clause", verbose_name=_("依据条款"), on_delete=models.PROTECT, related_name="monitoring_rules"
    )
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("监测规则")
        verbose_name_plural = _("监测规则")
        ordering = ["ruleset_id", "code"]
        constraints = [models.UniqueConstraint(fields=["ruleset", "code"], name="monitoring_rule_code")]

    def __str__(self) -> str:
        return self.get_code_display()


class ScreeningRun(models.Model):
    ruleset = models.ForeignKey(RuleSet, verbose_name=_("规则集"), on_delete=models.PROTECT, related_name="runs")
    ruleset_version = models.PositiveIntegerField(_("规则集版本"))
    year = models.PositiveSmallIntegerField(_("年度"))
    engine = models.CharField(_("计算引擎"), max_length=20)
    snapshot_digest = models.CharField(_("数据快照 SM3 摘要"), max_length=64)
    households = models.PositiveIntegerField(_("筛查户数"), default=0)
    flagged = models.PositiveIntegerField(_("命中户数"), default=0)
    alerts_created = models.PositiveIntegerField(_("新增预警"), default=0)
    started_by = models.CharField(_("发起人"), max_length=150)
    created = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("筛查批次")
        verbose_name_plural = _("筛查批次")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.ruleset} · {self.engine} · {self.created:%Y-%m-%d %H:%M}"


class Alert(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待核实")
        CLOSED = "closed", _("已关闭")

    household = models.ForeignKey(Household, verbose_name=_("监测户"), on_delete=models.PROTECT, related_name="alerts")
    run = models.ForeignKey(ScreeningRun, verbose_name=_("筛查批次"), on_delete=models.PROTECT, related_name="alerts")
    rules = models.JSONField(_("命中规则"), default=list)
    values = models.JSONField(_("命中数值"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    deadline = models.DateField(_("响应期限"))
    created = models.DateTimeField(_("预警时间"), auto_now_add=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("返贫风险预警")
        verbose_name_plural = _("返贫风险预警")
        ordering = ["deadline", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(status="open"), name="monitoring_alert_one_open_per_household"
            )
        ]

    def __str__(self) -> str:
        return f"{self.household} 预警"

    def rule_labels(self) -> list[str]:
        labels = dict(Rule.Code.choices)
        return [str(labels.get(code, code)) for code in self.rules]
