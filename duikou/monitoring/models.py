"""Household return-to-poverty monitoring (防止返贫动态监测和帮扶): registry, rule sets, screening runs, alerts and
their cases (verification, inclusion, assistance, risk elimination), departmental data.

Seed 004 二(一) (clause ``ssw-2021-xczx/2/1``) asks for a 多部门参与的防止返贫动态监测帮扶机制 that follows income
changes and the 两不愁三保障 outcomes with a 快速发现和响应机制. Money here is in 元 (household incomes), not 万元.
"""

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
    # 两不愁三保障 and safe drinking water: True when the check holds
    food_clothing_ok = models.BooleanField(_("不愁吃、不愁穿"), default=True)
    education_ok = models.BooleanField(_("义务教育有保障"), default=True)
    medical_ok = models.BooleanField(_("基本医疗有保障"), default=True)
    housing_ok = models.BooleanField(_("住房安全有保障"), default=True)
    water_ok = models.BooleanField(_("饮水安全有保障"), default=True)
    version = version_field()
    created = created_field()
    updated = updated_field()

    CHECKS = ("food_clothing_ok", "education_ok", "medical_ok", "housing_ok", "water_ok")

    class Meta:
        verbose_name = verbose_name_plural = _("监测户")
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
    """One household's income and rigid expenditure for one year, in 元."""

    household = protected_fk(Household, _("所属户"), related_name="incomes")
    year = models.PositiveSmallIntegerField(_("年度"))
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
        HOSPITAL_OOP = "hospital_oop", _("住院自付费用预警线（元/年）")
        DISASTER_LOSS = "disaster_loss", _("灾害损失预警线（元/年）")
        STABLE_YEARS = "stable_years", _("风险消除：收入稳定年数")

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
        VERIFYING = "verifying", _("待核实")
        DECIDING = "deciding", _("待认定")
        MONITORED = "monitored", _("监测帮扶中")
        ELIMINATING = "eliminating", _("风险消除待审定")
        CLOSED = "closed", _("已关闭")

    class Outcome(models.TextChoices):
        NONE = "", _("未结案")
        DISMISSED = "dismissed", _("核实排除")
        ELIMINATED = "eliminated", _("风险已消除")

    household = protected_fk(Household, _("监测户"), related_name="alerts")
    run = protected_fk(ScreeningRun, _("筛查批次"), related_name="alerts")
    rules = models.JSONField(_("命中规则"), default=list)
    values = models.JSONField(_("命中数值"), default=dict)
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
    created = created_field(_("预警时间"))
    version = version_field()

    class Meta:
        verbose_name = verbose_name_plural = _("返贫风险预警")
        ordering = ["deadline", "pk"]
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
        VERIFY = "verify", _("核实")
        INCLUDE = "include", _("纳入监测对象")
        DISMISS = "dismiss", _("核实排除")
        RETURN = "return", _("退回重新核实")
        ASSIST = "assist", _("登记帮扶措施")
        RECHECK = "recheck", _("复核两不愁三保障及饮水安全")
        PROPOSE_ELIMINATION = "propose_elimination", _("申请风险消除")
        ELIMINATE = "eliminate", _("确认风险消除")
        REJECT_ELIMINATION = "reject_elimination", _("退回继续帮扶")

    alert = protected_fk(Alert, _("预警"), related_name="steps")
    step = models.CharField(_("步骤"), max_length=30, choices=Step.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=Alert.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Alert.Status.choices)
    note = models.TextField(_("说明"), blank=True)
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
