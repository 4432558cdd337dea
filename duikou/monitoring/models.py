"""Household return-to-poverty monitoring (防止返贫动态监测和帮扶): registry, rule sets, screening runs, alerts and
their cases (verification, inclusion, assistance, risk elimination), departmental data.

Seed 004 二(一) (clause ``ssw-2021-xczx/2/1``) asks for a 多部门参与的防止返贫动态监测帮扶机制 that follows income
changes and the 两不愁三保障 outcomes with a 快速发现和响应机制. Money here is in 元 (household incomes), not 万元.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from duikou.core.modelbits import created_field, protected_fk, updated_field, user_fk, version_field
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

    township = protected_fk(Region, _("乡镇"), related_name="+", limit_choices_to={"level": "township"})
    village = protected_fk(Region, _("行政村"), related_name="+", limit_choices_to={"level": "village"})
    number = models.CharField(_("户编号"), max_length=40, help_text=_("本村内唯一"))
    head_name = models.CharField(_("户主姓名"), max_length=60)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    category = models.CharField(_("监测类别"), max_length=20, choices=Category.choices, blank=True)
    # 两不愁三保障 and safe drinking water: True when the check holds, False when it fails, None while nobody has
    # checked (a new household, a pending declaration). Only an explicit False is a failed check, on every engine.
    food_clothing_ok = models.BooleanField(_("不愁吃、不愁穿"), null=True, blank=True, default=None)
    education_ok = models.BooleanField(_("义务教育有保障"), null=True, blank=True, default=None)
    medical_ok = models.BooleanField(_("基本医疗有保障"), null=True, blank=True, default=None)
    housing_ok = models.BooleanField(_("住房安全有保障"), null=True, blank=True, default=None)
    water_ok = models.BooleanField(_("饮水安全有保障"), null=True, blank=True, default=None)
    pending = models.BooleanField(_("待村核实"), default=False, help_text=_("由农户自主申报新建、尚未经村核实登记的户"))
    labour_capacity = models.BooleanField(
        _("有劳动能力"), null=True, blank=True, default=None, help_text=_("家庭成员中有无劳动能力的人；未核实为空")
    )
    social_assistance = models.BooleanField(
        _("享受低保或特困供养"),
        default=False,
        help_text=_("无劳动能力且由社会救助兜底的户不标注风险消除，转入兜底保障"),
    )
    version = version_field()
    created = created_field()
    updated = updated_field()

    CHECKS = ("food_clothing_ok", "education_ok", "medical_ok", "housing_ok", "water_ok")

    class Meta:
        verbose_name = verbose_name_plural = _("监测户")
        ordering = ["village_id", "number"]
        constraints = [models.UniqueConstraint(fields=["village", "number"], name="monitoring_household_number")]

    def __str__(self) -> str:
        return gettext("%(head)s户（%(number)s）") % {"head": self.head_name, "number": self.number}

    @property
    def masked_label(self) -> str:
        """The household as a message names it: the head's masked name and its number (刘**户（H001）)."""
        from duikou.core.pii import mask_name

        return gettext("%(head)s户（%(number)s）") % {"head": mask_name(self.head_name), "number": self.number}

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
        return [str(self._meta.get_field(f).verbose_name) for f in self.CHECKS if getattr(self, f) is False]

    def unknown_checks(self) -> list[str]:
        return [str(self._meta.get_field(f).verbose_name) for f in self.CHECKS if getattr(self, f) is None]

    @property
    def under_safety_net(self) -> bool:
        """No labour capacity and living on social assistance: kept under 兜底保障, never marked eliminated."""
        return self.labour_capacity is False and self.social_assistance


class Member(models.Model):
    """A household member. ID and phone are stored only encrypted (SM4-GCM), as a keyed digest and masked."""

    household = protected_fk(Household, _("所属户"), related_name="members")
    name = models.CharField(_("姓名"), max_length=60)
    relation = models.CharField(_("与户主关系"), max_length=20, blank=True)
    id_number_enc = models.BinaryField(_("身份证号（密文）"), editable=False)
    id_number_digest = models.CharField(_("身份证号摘要"), max_length=64, editable=False, db_index=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    phone_enc = models.BinaryField(_("电话（密文）"), editable=False, null=True)
    phone_digest = models.CharField(_("电话摘要"), max_length=64, editable=False, blank=True, db_index=True)
    phone_masked = models.CharField(_("电话"), max_length=20, editable=False, blank=True)
    version = version_field()

    ENCRYPTED = ("id_number_enc", "id_number_digest", "phone_enc", "phone_digest")

    class Meta:
        verbose_name = verbose_name_plural = _("家庭成员")
        ordering = ["household_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["id_number_digest"], name="monitoring_member_id_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"


class IncomeRecord(models.Model):
    """One household's income and rigid expenditure for one year, quarter or month, in 元 (the period's own sum,
    not annualised). Screening reads the yearly record, or the months at a year's rate where there is none; risk
    elimination reads the months."""

    class Period(models.TextChoices):
        YEAR = "year", _("全年")
        QUARTER = "quarter", _("季度")
        MONTH = "month", _("月度")

    household = protected_fk(Household, _("所属户"), related_name="incomes")
    year = models.PositiveSmallIntegerField(_("年度"))
    period_kind = models.CharField(_("统计周期"), max_length=10, choices=Period.choices, default=Period.YEAR)
    period = models.PositiveSmallIntegerField(_("季度或月份"), default=0, help_text=_("全年为 0；季度 1–4；月份 1–12"))
    persons = models.PositiveSmallIntegerField(_("家庭人口"), help_text=_("计算人均收入所用的人数"))
    net_income = models.DecimalField(_("家庭纯收入（元）"), **MONEY)
    wage_income = models.DecimalField(_("工资性收入（元）"), default=0, **MONEY)
    business_income = models.DecimalField(_("生产经营性收入（元）"), default=0, **MONEY)
    transfer_income = models.DecimalField(_("转移性收入（元）"), default=0, **MONEY)
    property_income = models.DecimalField(_("财产性收入（元）"), default=0, **MONEY)
    medical_expense = models.DecimalField(_("刚性支出：医疗（元）"), default=0, **MONEY)
    education_expense = models.DecimalField(_("刚性支出：教育（元）"), default=0, **MONEY)
    version = version_field()

    class Meta:
        verbose_name = verbose_name_plural = _("收支记录")
        ordering = ["household_id", "-year", "period_kind", "-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year", "period_kind", "period"], name="monitoring_income_period"
            ),
            models.CheckConstraint(
                condition=Q(period_kind="year", period=0)
                | Q(period_kind="quarter", period__gte=1, period__lte=4)
                | Q(period_kind="month", period__gte=1, period__lte=12),
                name="monitoring_income_period_range",
            ),
            models.CheckConstraint(condition=Q(persons__gte=1), name="monitoring_income_persons"),
            models.CheckConstraint(
                condition=Q(medical_expense__gte=0, education_expense__gte=0), name="monitoring_income_expense"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.period_label}"

    def clean(self) -> None:
        ranges = {self.Period.YEAR: (0, 0), self.Period.QUARTER: (1, 4), self.Period.MONTH: (1, 12)}
        low, high = ranges.get(self.period_kind, (0, 0))
        if self.period is None or not low <= self.period <= high:
            raise ValidationError(
                {
                    "period": [
                        gettext("全年记录的周期填 0")
                        if high == 0
                        else gettext("%(kind)s须为 %(low)s–%(high)s")
                        % {"kind": self.get_period_kind_display(), "low": low, "high": high}
                    ]
                }
            )

    # the amounts besides the net income: components of the income, then the rigid expenditure (0 when not given)
    COMPONENTS = (
        "wage_income",
        "business_income",
        "transfer_income",
        "property_income",
        "medical_expense",
        "education_expense",
    )

    @property
    def period_label(self) -> str:
        if self.period_kind == self.Period.QUARTER:
            return gettext("%(year)s年第%(q)s季度") % {"year": self.year, "q": self.period}
        if self.period_kind == self.Period.MONTH:
            return gettext("%(year)s年%(m)s月") % {"year": self.year, "m": self.period}
        return gettext("%(year)s年") % {"year": self.year}

    @property
    def months(self) -> int:
        return {self.Period.YEAR: 12, self.Period.QUARTER: 3}.get(self.period_kind, 1)

    @property
    def annual_per_capita(self):
        """The per-capita income of the period at a year's rate (a quarter × 4, a month × 12), to compare with the
        yearly monitoring line."""
        return (self.net_income * 12 / self.months / self.persons).quantize(self.net_income) if self.persons else None

    @property
    def per_capita(self):
        return (self.net_income / self.persons).quantize(self.net_income) if self.persons else None


class RuleSet(models.Model):
    """The screening rules of one province for one year; a change is a new version, never an overwrite."""

    province = protected_fk(Region, _("省份"), related_name="+", limit_choices_to={"level": "province"})
    year = models.PositiveSmallIntegerField(_("年度"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    note = models.TextField(_("说明"), blank=True)
    created = created_field()

    class Meta:
        verbose_name = verbose_name_plural = _("监测规则集")
        ordering = ["province_id", "-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["province", "year", "version"], name="monitoring_ruleset_version")
        ]

    def __str__(self) -> str:
        return gettext("%(province)s %(year)s 年监测规则（第 %(version)s 版）") % {
            "province": self.province.display_name,
            "year": self.year,
            "version": self.version,
        }

    def values(self) -> dict:
        return {t.key: t.value for t in self.thresholds.all()}

    @property
    def in_use(self) -> bool:
        """A rule set a screening or a case has used cannot be edited, only superseded by a new version."""
        return self.runs.exists() or self.alerts.exists()


class Threshold(models.Model):
    """A figure a rule uses, with where it comes from. Unconfirmed figures are settings, marked official=False."""

    class Key(models.TextChoices):
        INCOME_LINE = "income_line", _("监测收入标准（元/人·年）")
        MARGIN = "margin_share", _("收入标准上浮比例")
        FALL = "income_fall_share", _("收入同比下降比例")
        RIGID = "rigid_share", _("刚性支出占收入比例")
        RESPONSE_DAYS = "response_days", _("入户核实时限（工作日）")
        HOSPITAL_OOP = "hospital_oop", _("住院自付费用预警线（元/年）")
        DISASTER_LOSS = "disaster_loss", _("灾害损失预警线（元/年）")
        STABLE_MONTHS = "stable_months", _("风险消除：收入持续稳定月数")
        IDENTIFY_DAYS = "identify_days", _("识别纳入办结时限（工作日）")
        PUBLICITY_DAYS = "publicity_days", _("村内公示天数（日历日）")
        ANNOUNCE_DAYS = "announce_days", _("公告天数（日历日）")
        OBJECTION_DAYS = "objection_days", _("异议答复时限（工作日）")

    ruleset = models.ForeignKey(RuleSet, verbose_name=_("规则集"), on_delete=models.CASCADE, related_name="thresholds")
    key = models.CharField(_("参数"), max_length=30, choices=Key.choices)
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=4)
    official = models.BooleanField(_("官方数据"), default=False)
    source = models.CharField(_("来源"), max_length=300)

    class Meta:
        verbose_name = verbose_name_plural = _("阈值")
        ordering = ["ruleset_id", "key"]
        constraints = [models.UniqueConstraint(fields=["ruleset", "key"], name="monitoring_threshold_key")]

    def __str__(self) -> str:
        return f"{self.get_key_display()} = {self.value}"


UNOFFICIAL = "配置值，非官方数据"
# Seed 004 gives no monitoring income line, margin, shares or periods: every default below is a local setting, marked
# as such on screen; a province's rule set replaces each with its own figure and source.
DEFAULT_THRESHOLDS = {
    Threshold.Key.INCOME_LINE: ("7000", f"{UNOFFICIAL}：种子文件未给出监测收入标准，请按本省当年公布的标准修改"),
    Threshold.Key.MARGIN: ("0.5", f"{UNOFFICIAL}：监测范围上浮比例"),
    Threshold.Key.FALL: ("0.3", f"{UNOFFICIAL}：收入同比下降比例"),
    Threshold.Key.RIGID: ("0.5", f"{UNOFFICIAL}：刚性支出占家庭纯收入比例"),
    Threshold.Key.RESPONSE_DAYS: (
        "5",  # a new rule set takes settings.DUIKOU_MONITORING_VERIFY_DAYS
        f"{UNOFFICIAL}：入户核实时限（工作日）；依据 004 二(一)「建立健全快速发现和响应机制」（{POLICY_CLAUSE}），"
        "天数为配置（甘肃「一键报贫」5 个工作日内入户核实，安徽「一码申报」2 个工作日）",
    ),
    Threshold.Key.HOSPITAL_OOP: ("10000", f"{UNOFFICIAL}：全年住院个人自付费用达到此数即预警；种子文件未给出"),
    Threshold.Key.DISASTER_LOSS: ("10000", f"{UNOFFICIAL}：全年灾害损失达到此数即预警；种子文件未给出"),
    Threshold.Key.STABLE_MONTHS: (
        "6",
        f"{UNOFFICIAL}：风险消除须最近连续若干个月人均纯收入（按年折算）高于监测范围上限；"
        "县级文件「收入持续稳定(原则上不得低于半年)」",
    ),
    Threshold.Key.IDENTIFY_DAYS: (
        "15",
        f"{UNOFFICIAL}：自发现线索起完成识别纳入的工作日数（甘肃 15 个工作日，海南原则上 20 个工作日）",
    ),
    Threshold.Key.PUBLICITY_DAYS: ("5", f"{UNOFFICIAL}：村内公示不少于 5 天（部分县为 7 天），按日历日计"),
    Threshold.Key.ANNOUNCE_DAYS: ("7", f"{UNOFFICIAL}：县级审定后公告的天数，按日历日计"),
    Threshold.Key.OBJECTION_DAYS: (
        "5",
        f"{UNOFFICIAL}：异议、申诉的答复期限（工作日），逾期上报县级；未查到统一规定",
    ),
}


def threshold(ruleset: "RuleSet | None", key: str, default=None) -> Decimal:
    """A figure of the rule set, or the installation's default where the rule set (or the case) has none."""
    if ruleset is not None:
        cache = getattr(ruleset, "_values", None)
        if cache is None:
            cache = ruleset._values = ruleset.values()
        if key in cache:
            return Decimal(cache[key])
    if default is not None:
        return Decimal(default)
    return Decimal(DEFAULT_THRESHOLDS[key][0])


def current_ruleset(province_code: str, day: datetime.date | None = None) -> "RuleSet | None":
    """The rule set a new case of the province follows: the latest version for the year, else the latest year before."""
    year = (day or timezone.localdate()).year
    return (
        RuleSet.objects.filter(province_id=province_code[:2] + "0000", year__lte=year)
        .order_by("-year", "-version")
        .first()
    )


class Rule(models.Model):
    class Code(models.TextChoices):
        INCOME_LOW = "income_low", _("人均纯收入低于监测标准（含上浮）")
        INCOME_FALL = "income_fall", _("收入同比大幅下降")
        RIGID_EXPENSE = "rigid_expense", _("刚性支出超过收入一定比例")
        CHECK_FAILED = "check_failed", _("两不愁三保障或饮水安全未达标")
        DEPARTMENT_SIGNAL = "department_signal", _("部门数据预警信号")

    ruleset = models.ForeignKey(RuleSet, verbose_name=_("规则集"), on_delete=models.CASCADE, related_name="rules")
    code = models.CharField(_("规则"), max_length=30, choices=Code.choices)
    clause = protected_fk("policy.Clause", _("依据条款"), related_name="monitoring_rules")
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("监测规则")
        ordering = ["ruleset_id", "code"]
        constraints = [models.UniqueConstraint(fields=["ruleset", "code"], name="monitoring_rule_code")]

    def __str__(self) -> str:
        return self.get_code_display()


class ScreeningRun(models.Model):
    ruleset = protected_fk(RuleSet, _("规则集"), related_name="runs")
    ruleset_version = models.PositiveIntegerField(_("规则集版本"))
    year = models.PositiveSmallIntegerField(_("年度"))
    engine = models.CharField(_("计算引擎"), max_length=20)
    snapshot_digest = models.CharField(_("数据快照 SM3 摘要"), max_length=64)
    households = models.PositiveIntegerField(_("筛查户数"), default=0)
    flagged = models.PositiveIntegerField(_("命中户数"), default=0)
    alerts_created = models.PositiveIntegerField(_("新增预警"), default=0)
    started_by = models.CharField(_("发起人"), max_length=150)
    created = created_field(_("时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("筛查批次")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.ruleset} · {self.engine} · {self.created:%Y-%m-%d %H:%M}"


def percent(share) -> str:
    """A share (0.5441) as people read it (54.4%), to one decimal at most."""
    value = (Decimal(str(share)) * 100).quantize(Decimal("0.1")).normalize()
    return f"{value:f}%"


class Alert(models.Model):
    """A screening hit and the case that follows it, step by step: verification (核实) by the village and township,
    inclusion as a monitoring object or dismissal, assistance, risk elimination (风险消除), closure.

    The steps, who may take them and their deadlines are in ``workflow.WORKFLOW``; ``deadline`` is the due date of the
    step the case is waiting for (none while a monitored household waits on its income, which no date can force)."""

    class Status(models.TextChoices):
        VERIFYING = "verifying", _("待入户核实")
        CONSENTING = "consenting", _("待承诺授权")
        DELIBERATING = "deliberating", _("待村级民主评议")
        PUBLICISING = "publicising", _("村内公示中")
        TOWNSHIP_REVIEW = "township_review", _("待乡镇审核")
        COUNTY_DECISION = "county_decision", _("待县级审定")
        MONITORED = "monitored", _("监测帮扶中")
        SAFETY_NET = "safety_net", _("兜底保障中")
        EL_DELIBERATING = "el_deliberating", _("风险消除待民主评议")
        EL_PUBLICISING = "el_publicising", _("风险消除公示中")
        EL_TOWNSHIP = "el_township", _("风险消除待乡镇审核")
        EL_COUNTY = "el_county", _("风险消除待县级确认")
        CLOSED = "closed", _("已关闭")

    class Channel(models.TextChoices):
        """The three ways a household is found (三种发现渠道), the first with its sub-channels."""

        SCREENING = "screening", _("部门筛查预警")
        SELF = "self", _("农户自主申报（扫码）")
        HOTLINE = "hotline", _("农户自主申报（12317 热线）")
        COUNTER = "counter", _("农户自主申报（窗口受理）")
        VISIT = "visit", _("基层干部排查")

    class Outcome(models.TextChoices):
        NONE = "", _("未结案")
        DISMISSED = "dismissed", _("核实排除")
        ELIMINATED = "eliminated", _("风险已消除")

    household = protected_fk(Household, _("监测户"), related_name="alerts")
    # no index of its own: nothing lists a run's alerts, and a national run writes millions of them
    run = protected_fk(ScreeningRun, _("筛查批次"), optional=True, related_name="alerts", db_index=False)
    ruleset = protected_fk(
        RuleSet, _("适用规则集"), optional=True, related_name="alerts", help_text=_("期限和风险消除标准所依据的规则集")
    )
    channel = models.CharField(_("发现渠道"), max_length=20, choices=Channel.choices, default=Channel.SCREENING)
    publicity_start = models.DateField(_("公示开始"), null=True, blank=True)
    publicity_end = models.DateField(_("公示截止"), null=True, blank=True)
    announce_start = models.DateField(_("公告开始"), null=True, blank=True)
    announce_end = models.DateField(_("公告截止"), null=True, blank=True)
    rules = models.JSONField(_("命中规则"), default=list, blank=True)  # empty for a case from a declaration or visit
    values = models.JSONField(_("命中数值"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.VERIFYING)
    deadline = models.DateField(_("当前步骤期限"), null=True, blank=True)
    overdue_flagged = models.DateField(
        _("逾期标记日期"),
        null=True,
        blank=True,
        help_text=_("当前步骤超过期限后，每日定时任务记下的日期；步骤推进后清除"),
    )
    category = models.CharField(
        _("认定监测类别"), max_length=20, choices=Household.Category.choices, blank=True, help_text=_("纳入监测时认定")
    )
    outcome = models.CharField(_("结案方式"), max_length=20, choices=Outcome.choices, blank=True)
    responsible = user_fk(
        _("帮扶联系人"),
        optional=True,
        help_text=_("对本案件负责跟进的干部：案件出现在其待办事项中，指派时收到通知"),
        db_index=False,  # indexed where set (``Meta.indexes``): a screening's new alerts have nobody yet
    )
    created = created_field(_("预警时间"))
    version = version_field()

    class Meta:
        verbose_name = verbose_name_plural = _("返贫风险预警")
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(
                fields=["responsible"], condition=Q(responsible__isnull=False), name="monitoring_alert_responsible"
            ),
        ]
        constraints = [
            # one case at a time: "open" is every status but closed
            models.UniqueConstraint(
                fields=["household"], condition=~Q(status="closed"), name="monitoring_alert_one_open_per_household"
            ),
            # only a closed case has an outcome (cases closed before the workflow existed have none)
            models.CheckConstraint(
                condition=Q(status="closed") | Q(outcome=""), name="monitoring_alert_outcome_only_when_closed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} 预警"

    def rule_labels(self) -> list[str]:
        labels = dict(Rule.Code.choices)
        return [str(labels.get(code, code)) for code in self.rules]

    def fired_details(self) -> list[tuple[str, str]]:
        """Each rule that fired with the values that made it fire, in words."""
        labels = dict(Rule.Code.choices)
        out = []
        for code in self.rules:
            v = dict(self.values.get(code) or {})
            for key in ("income_line", "threshold", "hospital_oop", "disaster_loss"):
                if key in v:  # thresholds are stored with four decimals: shown as people write them
                    v[key] = f"{Decimal(v[key]).normalize():f}"
            if code in (Rule.Code.INCOME_FALL, Rule.Code.RIGID_EXPENSE):  # shares are read as percentages
                for key in ("fall_share", "threshold"):
                    if key in v:
                        v[key] = percent(v[key])
            try:
                if code == Rule.Code.INCOME_LOW:
                    text = (
                        gettext(
                            "人均纯收入 %(per_capita)s 元，低于 %(bound)s 元（监测收入标准 %(income_line)s 元及上浮）"
                        )
                        % v
                    )
                elif code == Rule.Code.INCOME_FALL:
                    text = (
                        gettext(
                            "纯收入由 %(previous)s 元降至 %(current)s 元，降幅 %(fall_share)s（阈值 %(threshold)s）"
                        )
                        % v
                    )
                elif code == Rule.Code.RIGID_EXPENSE:
                    text = (
                        gettext("刚性支出 %(rigid_expense)s 元，纯收入 %(net_income)s 元（阈值比例 %(threshold)s）") % v
                    )
                elif code == Rule.Code.CHECK_FAILED:
                    names = [str(Household._meta.get_field(f).verbose_name) for f in v.get("failed", [])]
                    text = gettext("未达标：%(checks)s") % {"checks": "、".join(names)}
                elif code == Rule.Code.DEPARTMENT_SIGNAL:
                    parts = [
                        f"{SignalKind(kind).label}：{value}"
                        + (gettext(" 元") if kind in DepartmentSignal.AMOUNT_KINDS else gettext(" 条"))
                        for kind, value in (v.get("signals") or {}).items()
                    ]
                    text = "；".join(parts)
                else:
                    text = ""
            except (KeyError, ValueError, TypeError):
                text = str(v)
            out.append((str(labels.get(code, code)), text))
        return out

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    @property
    def overdue(self) -> bool:
        return self.is_open and self.deadline is not None and self.deadline < timezone.localdate()


class AlertStep(models.Model):
    """One step taken on a case: what, from which status to which, by whom, when, against which due date."""

    class Step(models.TextChoices):
        LEAD = "lead", _("新增线索")
        VERIFY = "verify", _("入户核实")
        CONSENT = "consent", _("记录承诺授权")
        DELIBERATE = "deliberate", _("村级民主评议并公示")
        SUBMIT = "submit", _("公示期满报乡镇审核")
        TOWNSHIP_APPROVE = "township_approve", _("乡镇审核通过")
        TOWNSHIP_DISMISS = "township_dismiss", _("乡镇审核排除")
        RETURN = "return", _("退回重新核实")
        INCLUDE = "include", _("县级审定纳入并公告")
        DISMISS = "dismiss", _("县级审定不予纳入")
        COUNTY_RETURN = "county_return", _("退回乡镇重新审核")
        ASSIST = "assist", _("登记帮扶措施")
        RECHECK = "recheck", _("复核两不愁三保障及饮水安全")
        SAFETY_NET = "safety_net", _("转入兜底保障")
        PROPOSE_ELIMINATION = "propose_elimination", _("入户核实并提出风险消除")
        EL_DELIBERATE = "el_deliberate", _("风险消除民主评议并公示")
        EL_SUBMIT = "el_submit", _("风险消除公示期满报乡镇审核")
        EL_TOWNSHIP_APPROVE = "el_township_approve", _("乡镇审核风险消除")
        REJECT_ELIMINATION = "reject_elimination", _("退回继续帮扶")
        ELIMINATE = "eliminate", _("县级确认风险消除并公告")
        EL_COUNTY_REJECT = "el_county_reject", _("县级退回继续帮扶")

    alert = protected_fk(Alert, _("预警"), related_name="steps")
    step = models.CharField(_("步骤"), max_length=30, choices=Step.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=Alert.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Alert.Status.choices)
    note = models.TextField(_("说明"), blank=True)
    details = models.JSONField(
        _("步骤记录"), default=dict, blank=True, help_text=_("评议会议、承诺授权、公示期等步骤本身的记录")
    )
    actor = user_fk(_("办理人"), optional=True)
    actor_name = models.CharField(_("办理人（机构）"), max_length=200)
    due = models.DateField(_("该步骤期限"), null=True, blank=True)
    created = created_field(_("办理时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("预警处置步骤")
        ordering = ["alert_id", "created", "pk"]

    def __str__(self) -> str:
        return f"{self.alert} · {self.get_step_display()}"

    @property
    def late(self) -> bool:
        return self.due is not None and timezone.localdate(self.created) > self.due

    DETAIL_LABELS = {
        "consent_date": _("承诺授权日期"),
        "meeting_date": _("评议会议日期"),
        "attendees": _("参加人数"),
        "opinion": _("评议意见"),
        "category": _("建议监测类别"),
        "publicity": _("公示期"),
        "announcement": _("公告期"),
        "declaration": _("申报受理编号"),
    }

    def detail_lines(self) -> list[tuple[str, str]]:
        """The step's own record in words (评议会议日期：2026-12-01 …), in the order the labels are listed."""
        out = []
        for key, label in self.DETAIL_LABELS.items():
            value = (self.details or {}).get(key)
            if value in (None, ""):
                continue
            if key == "category":
                value = dict(Household.Category.choices).get(value, value)
            elif isinstance(value, list):
                value = gettext(" 至 ").join(str(v) for v in value)
            out.append((str(label), str(value)))
        return out


# Where each kind of assistance comes from: (clause id, the seed's own words). Seed 004 二(一) names employment
# (就业优先、公益性岗位、技能培训), industry (特色产业、新型经营主体带动) and the 两不愁三保障 (education, basic
# medical care, housing); 二(三) names 易返贫致贫监测对象 as beneficiaries of 以工代赈. No seed names 社会救助:
# that kind is kept because cases need it, and cites no clause.
MEASURE_BASIS = {
    "industry": [("ssw-2021-xczx/2/1", "建立农业新型经营主体带动帮扶机制……推动特色产业可持续发展")],
    "employment": [
        ("ssw-2021-xczx/2/1", "坚持就业优先，支持革命老区统筹用好乡村公益性岗位，提供技能培训和用工信息"),
        ("ssw-2021-xczx/2/3", "以农村劳动力特别是脱贫人口、易返贫致贫监测对象和其他低收入人口为赈济对象"),
    ],
    "medical": [("ssw-2021-xczx/2/1", "重点跟踪监测收入变化和“两不愁三保障”巩固情况")],
    "education": [("ssw-2021-xczx/2/1", "重点跟踪监测收入变化和“两不愁三保障”巩固情况")],
    "housing": [("ssw-2021-xczx/2/1", "重点跟踪监测收入变化和“两不愁三保障”巩固情况")],
    "social_assistance": [],
    "other": [],
}


class AssistanceMeasure(models.Model):
    """An assistance measure (帮扶措施) of a monitored household's case, with the unit responsible for it."""

    class Kind(models.TextChoices):
        INDUSTRY = "industry", _("产业帮扶")
        EMPLOYMENT = "employment", _("就业帮扶")
        MEDICAL = "medical", _("基本医疗保障")
        EDUCATION = "education", _("义务教育保障")
        HOUSING = "housing", _("住房安全保障")
        SOCIAL_ASSISTANCE = "social_assistance", _("社会救助")
        OTHER = "other", _("其他")

    alert = protected_fk(Alert, _("预警"), related_name="measures")
    kind = models.CharField(_("措施类别"), max_length=30, choices=Kind.choices)
    responsible_unit = protected_fk("accounts.Organisation", _("责任单位"), related_name="+")
    description = models.TextField(_("措施内容"))
    start_date = models.DateField(_("开始日期"))
    created_by = user_fk(_("登记人"), optional=True)
    created = created_field(_("登记时间"))
    version = version_field()

    class Meta:
        verbose_name = verbose_name_plural = _("帮扶措施")
        ordering = ["alert_id", "start_date", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.description[:30]}"

    def basis(self) -> list[tuple[str, str]]:
        return MEASURE_BASIS.get(self.kind, [])


class SignalKind(models.TextChoices):
    """The departmental data the monitoring takes in (seed 004 二(一): 多部门参与的防止返贫动态监测帮扶机制)."""

    HOSPITAL = "hospital", _("住院（医保部门，含个人自付费用）")
    DISASTER = "disaster", _("灾害损失（应急管理部门）")
    DISABILITY = "disability", _("残疾（残联）")
    JOB_LOSS = "job_loss", _("失业 / 失去工作（人社部门）")
    EDUCATION = "education", _("教育（教育部门，如辍学）")
    HOUSING = "housing", _("住房（住建部门，如危房）")
    WATER = "water", _("饮水（水利部门，如饮水不安全）")


class DepartmentImport(models.Model):
    """One file of another department's data: checked first (the dry-run report), loaded only when confirmed.

    The file itself is never kept (it holds plain ID numbers): the report names rows by number and masked ID, and
    the matched rows are kept by member, ready to load exactly as the user saw them."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("已试导入，待确认")
        LOADED = "loaded", _("已导入")

    kind = models.CharField(_("数据类别"), max_length=20, choices=SignalKind.choices)
    filename = models.CharField(_("文件名"), max_length=200)
    source_digest = models.CharField(_("文件 SM3 摘要"), max_length=64, db_index=True)
    region = protected_fk(
        Region, _("导入单位所在地区"), optional=True, related_name="+", help_text=_("决定谁能看到这份报告；全国为空")
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.CHECKED)
    rows = models.PositiveIntegerField(_("数据行数"), default=0)
    matched = models.PositiveIntegerField(_("匹配行数"), default=0)
    unknown = models.PositiveIntegerField(_("未匹配行数"), default=0)
    malformed = models.PositiveIntegerField(_("格式错误行数"), default=0)
    report = models.JSONField(_("试导入报告"), default=dict)
    created_by = user_fk(_("试导入人"), optional=True)
    created = created_field(_("试导入时间"))
    loaded_by = user_fk(_("确认导入人"), optional=True)
    loaded_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    signals_created = models.PositiveIntegerField(_("导入信号数"), default=0)
    signals_already_loaded = models.PositiveIntegerField(
        _("已导入过的行数"),
        default=0,
        help_text=_("确认时已由其他批次导入的行（同一成员、类别、日期、金额），未重复导入"),
    )

    class Meta:
        verbose_name = verbose_name_plural = _("部门数据导入批次")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.filename}"


class DepartmentSignal(models.Model):
    """A fact about a member reported by another department (health insurance, emergency management, disability
    federation, human resources, education, housing, water), matched by ID number digest; amounts in 元.

    One fact is one row: the same member (one per ID number digest), kind (which names the department it comes
    from), date and amount — whatever file brought it — is stored once; the database holds that rule, so two
    batches of the same rows confirmed at the same moment cannot both load them."""

    Kind = SignalKind
    # kinds whose rows carry an amount (summed per year); the others count occurrences
    AMOUNT_KINDS = ("hospital", "disaster")

    member = protected_fk(Member, _("家庭成员"), related_name="signals")
    household = protected_fk(Household, _("所属户"), related_name="signals")
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    date = models.DateField(_("发生日期"))
    amount = models.DecimalField(_("金额（元）"), null=True, blank=True, **MONEY)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    source_digest = models.CharField(_("来源文件 SM3 摘要"), max_length=64)
    batch = protected_fk(DepartmentImport, _("导入批次"), related_name="signals")
    created = created_field(_("导入时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("部门数据信号")
        ordering = ["household_id", "-date", "pk"]
        indexes = [models.Index(fields=["household", "date"], name="monitoring_signal_hh_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="monitoring_signal_amount"
            ),
            # one fact once; kinds without an amount have none (NULL), which a plain unique rule would not compare
            models.UniqueConstraint(
                fields=["member", "kind", "date", "amount"],
                condition=Q(amount__isnull=False),
                name="monitoring_signal_once",
            ),
            models.UniqueConstraint(
                fields=["member", "kind", "date"],
                condition=Q(amount__isnull=True),
                name="monitoring_signal_once_no_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


class Difficulty(models.TextChoices):
    """The kind of difficulty a household declares (家庭困难情况)."""

    ILLNESS = "illness", _("因病（大病、慢性病）")
    DISABILITY = "disability", _("因残")
    ACCIDENT = "accident", _("因意外事故")
    DISASTER = "disaster", _("因自然灾害")
    JOB_LOSS = "job_loss", _("因失业或务工收入减少")
    EDUCATION = "education", _("因学")
    HOUSING = "housing", _("住房安全问题")
    WATER = "water", _("饮水安全问题")
    OTHER = "other", _("其他")


class Declaration(models.Model):
    """A household's own declaration (农户自主申报): from the public page (scanned QR code), or taken by county or
    township staff from the 12317 hotline or at the counter. It becomes a lead of the household's one open case.

    The acknowledgement number is the household's key to the status page, which shows nothing personal."""

    Channel = Alert.Channel
    ack_number = models.CharField(_("受理编号"), max_length=20, unique=True)
    channel = models.CharField(_("申报渠道"), max_length=20, choices=Channel.choices)
    village = protected_fk(Region, _("行政村"), related_name="+", limit_choices_to={"level": "village"})
    household = protected_fk(Household, _("所属户"), related_name="declarations")
    case = protected_fk(Alert, _("所属案件"), optional=True, related_name="declarations")
    head_name = models.CharField(_("户主姓名"), max_length=60)
    id_number_enc = models.BinaryField(_("身份证号（密文）"), editable=False)
    id_number_digest = models.CharField(_("身份证号摘要"), max_length=64, editable=False, db_index=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    phone_enc = models.BinaryField(_("电话（密文）"), editable=False, null=True)
    phone_digest = models.CharField(_("电话摘要"), max_length=64, editable=False, blank=True)
    phone_masked = models.CharField(_("电话"), max_length=20, editable=False, blank=True)
    difficulty = models.CharField(_("困难类别"), max_length=20, choices=Difficulty.choices)
    description = models.TextField(_("困难情况"), max_length=1000, blank=True)
    consent_at = models.DateTimeField(_("承诺授权时间"), help_text=_("申报人同意核查其家庭收入、财产等信息"))
    recorded_by = user_fk(_("受理人"), optional=True)
    created = created_field(_("申报时间"))

    ENCRYPTED = ("id_number_enc", "id_number_digest", "phone_enc", "phone_digest")

    class Meta:
        verbose_name = verbose_name_plural = _("农户申报")
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.ack_number} {self.get_channel_display()}"


class Visit(models.Model):
    """A cadre's visit to a household (走访记录), from the phone; a visit that finds a risk raises (or joins) the
    household's case."""

    household = protected_fk(Household, _("走访户"), related_name="visits")
    visitor = user_fk(_("走访人"), related_name="monitoring_visits")
    date = models.DateField(_("走访日期"))
    situation = models.TextField(_("走访情况"), max_length=2000)
    risk = models.CharField(_("发现风险"), max_length=20, choices=Difficulty.choices, blank=True)
    case = protected_fk(Alert, _("所属案件"), optional=True, related_name="visits")
    created = created_field(_("记录时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("走访记录")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.household} {self.date}"


class Objection(models.Model):
    """An objection during a 公示 (anyone) or a household's appeal of a decision (dismissal, inclusion category,
    elimination), online with the acknowledgement number or through staff. It is answered by the township within
    a deadline in working days; when the deadline passes unanswered it escalates to the county."""

    class Kind(models.TextChoices):
        OBJECTION = "objection", _("公示异议")
        APPEAL = "appeal", _("申诉")

    class Subject(models.TextChoices):
        INCLUSION = "inclusion", _("纳入监测")
        DISMISSAL = "dismissal", _("不予纳入")
        CATEGORY = "category", _("监测类别")
        ELIMINATION = "elimination", _("风险消除")

    class Status(models.TextChoices):
        OPEN = "open", _("待答复")
        ANSWERED = "answered", _("已答复")

    ack_number = models.CharField(_("受理编号"), max_length=20, unique=True)
    case = protected_fk(Alert, _("所属案件"), related_name="objections")
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    subject = models.CharField(_("所涉事项"), max_length=20, choices=Subject.choices)
    online = models.BooleanField(_("网上提交"), default=True, help_text=_("否：由工作人员代为登记"))
    text = models.TextField(_("异议或申诉内容"), max_length=2000)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    due = models.DateField(_("答复期限"))
    escalated = models.DateField(_("逾期上报县级日期"), null=True, blank=True)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = user_fk(_("答复人"), optional=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    recorded_by = user_fk(_("登记人"), optional=True)
    created = created_field(_("提交时间"))
    version = version_field()

    class Meta:
        verbose_name = verbose_name_plural = _("异议与申诉")
        ordering = ["due", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", answered_at__isnull=True) | Q(status="answered", answered_at__isnull=False),
                name="monitoring_objection_answered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ack_number} {self.get_kind_display()}"

    @property
    def overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due < timezone.localdate()
