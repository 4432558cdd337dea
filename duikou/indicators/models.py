"""Indicators and their reporting (DHIS2's data elements, data sets, periods, data values and approvals).

Every indicator cites the policy clause whose wording it measures and the key task it serves. A pairing
reports a data set for a period; its values go city → province → national overseer, and once approved
they are locked: the model refuses to save them until an approver unlocks the report with a reason.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from duikou.core.modelbits import (
    EnglishNamed,
    WriteGuarded,
    created_field,
    protected_fk,
    updated_field,
    user_fk,
    version_field,
)
from duikou.pairings.models import Pairing
from duikou.policy.models import Clause, Task

from . import formula as formulas
from .periods import PERIOD_TYPES, parse_period

MAX_DUE_DAYS = 366


class LockedValueError(ValidationError):
    def __init__(self, what):
        super().__init__(f"{what}已审核锁定，不能修改；如确需修改，请由审核人填写理由解锁")


# The units of the indicator library, in English (a unit typed for a new indicator and not listed here is shown as
# typed).
UNITS = [
    pgettext_lazy("unit", "万元"),
    pgettext_lazy("unit", "个"),
    pgettext_lazy("unit", "人"),
    pgettext_lazy("unit", "人次"),
    pgettext_lazy("unit", "对"),
    pgettext_lazy("unit", "项"),
    pgettext_lazy("unit", "次"),
    pgettext_lazy("unit", "元"),
    pgettext_lazy("unit", "亿元"),
    pgettext_lazy("unit", "吨"),
    pgettext_lazy("unit", "公斤"),
]


UID_LENGTH = 11  # a DHIS2 uid: a letter, then ten letters or digits


class Breakdown(EnglishNamed, models.Model):
    """A category an indicator's value is broken down by (DHIS2's category combo, IATI's result dimension), e.g.
    劳务协作人数 by 人群. Its options are exhaustive (one of them is 其他): filled sub-rows add up to the total."""

    code = models.SlugField(_("代码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("分类")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.display_name


class BreakdownOption(EnglishNamed, models.Model):
    """One option of a breakdown (a sub-row of the grid); ``uid`` names it as a DHIS2 category option combo."""

    breakdown = protected_fk(Breakdown, _("分类"), related_name="options")
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    uid = models.CharField(
        _("DHIS2 标识"),
        max_length=UID_LENGTH,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z][A-Za-z0-9]{10}$", _("须为 11 位字母或数字，以字母开头"))],
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("分类选项")
        ordering = ["breakdown", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["breakdown", "code"], name="indicator_option_unique")]

    def __str__(self) -> str:
        return self.display_name


class Indicator(EnglishNamed, models.Model):
    class ValueType(models.TextChoices):
        NUMBER = "number", _("数值")
        INTEGER = "integer", _("整数")
        PERCENT = "percent", _("百分比")

    class Aggregation(models.TextChoices):
        SUM = "sum", _("求和")
        AVERAGE = "average", _("平均")
        LAST = "last", _("期末值")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("越高越好")
        LOWER = "lower", _("越低越好")

    code = models.SlugField(_("代码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    unit = models.CharField(_("单位"), max_length=20)
    value_type = models.CharField(_("数值类型"), max_length=10, choices=ValueType.choices, default=ValueType.NUMBER)
    aggregation = models.CharField(_("汇总方式"), max_length=10, choices=Aggregation.choices, default=Aggregation.SUM)
    period_type = models.CharField(_("报告期类型"), max_length=10, choices=PERIOD_TYPES, default="quarter")
    direction = models.CharField(_("方向"), max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    key_task = protected_fk(Task, _("重点任务"), optional=True, related_name="indicators")
    clause = protected_fk(Clause, _("依据条款"), related_name="indicators")
    formula = models.CharField(_("计算公式"), max_length=300, blank=True, help_text=_("派生指标：其他指标代码的算式"))
    min_value = models.DecimalField(_("最小值"), max_digits=18, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(_("最大值"), max_digits=18, decimal_places=4, null=True, blank=True)
    change_warn_share = models.DecimalField(
        _("环比变动预警比例"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("与上一报告期相比变动超过该比例（如 0.5 即 50%）时须填写说明"),
    )
    description = models.TextField(_("说明"), blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    breakdown = protected_fk(Breakdown, _("分类明细"), optional=True, related_name="indicators")

    class Meta:
        verbose_name = verbose_name_plural = _("指标")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_value__isnull=True)
                | models.Q(max_value__isnull=True)
                | models.Q(max_value__gte=models.F("min_value")),
                name="indicator_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name}{self.bracketed_unit}"

    @property
    def bracketed_unit(self) -> str:
        """The unit after a name: 签约金额（万元）, Signed investment (10k yuan)."""
        return pgettext("unit in brackets", "（%(unit)s）") % {"unit": self.display_unit}

    @property
    def display_unit(self) -> str:
        """The unit in the active language (万元 → 10k yuan), as typed when the library does not know it."""
        return pgettext("unit", self.unit) if self.unit else ""

    @property
    def derived(self) -> bool:
        return bool(self.formula)

    def clean(self) -> None:
        if self.formula:
            codes = formulas.codes_in(self.formula)
            if self.code in codes:
                raise ValidationError({"formula": f"公式不能引用指标自身「{self.code}」"})


class DataSet(models.Model):
    """Which indicators a pairing reports, for which period type. No pairings listed means every active one."""

    code = models.SlugField(_("代码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    period_type = models.CharField(_("报告期类型"), max_length=10, choices=PERIOD_TYPES)
    indicators = models.ManyToManyField(Indicator, verbose_name=_("指标"), related_name="datasets")
    pairings = models.ManyToManyField(
        Pairing, verbose_name=_("填报结对"), blank=True, related_name="indicator_datasets"
    )
    description = models.TextField(_("说明"), blank=True)
    due_days = models.PositiveSmallIntegerField(
        _("上报时限（报告期结束后天数）"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_DUE_DAYS)],
        help_text=_("本地规则，非政策规定；留空则按系统设置 DUIKOU_REPORT_DUE_DAYS"),
    )

    class Meta:
        verbose_name = verbose_name_plural = _("数据集")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_due_days(self) -> int:
        """Days after a period's end until its report is due: the data set's own rule, else the site's setting."""
        return settings.DUIKOU_REPORT_DUE_DAYS if self.due_days is None else self.due_days

    def due_date(self, period) -> datetime.date:
        """The last day a report for ``period`` (an id or a Period) counts as on time."""
        return parse_period(period).end + datetime.timedelta(days=self.effective_due_days)


class ValidationRule(models.Model):
    """A rule across indicators: ``left operator right``, each side a formula over indicator codes."""

    class Operator(models.TextChoices):
        LE = "<=", "≤"
        LT = "<", "<"
        GE = ">=", "≥"
        GT = ">", ">"
        EQ = "==", "="

    code = models.SlugField(_("代码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=200)
    left = models.CharField(_("左侧"), max_length=300)
    operator = models.CharField(_("比较"), max_length=2, choices=Operator.choices)
    right = models.CharField(_("右侧"), max_length=300)
    dataset = protected_fk(DataSet, _("数据集"), related_name="rules")

    class Meta:
        verbose_name = verbose_name_plural = _("校验规则")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        formulas.parse(self.left)
        formulas.parse(self.right)

    def holds(self, left: Decimal, right: Decimal) -> bool:
        return {
            "<=": left <= right,
            "<": left < right,
            ">=": left >= right,
            ">": left > right,
            "==": left == right,
        }[self.operator]


class Report(models.Model):
    """One pairing's data set for one period, and where it stands in the approval chain."""

    class Status(models.TextChoices):
        OPEN = "open", _("填报中")
        SUBMITTED = "submitted", _("已上报")
        APPROVED = "approved", _("省级已审核")
        ACCEPTED = "accepted", _("国家已接收")

    LOCKED = (Status.SUBMITTED, Status.APPROVED, Status.ACCEPTED)

    pairing = protected_fk(Pairing, _("结对关系"), related_name="+")
    dataset = protected_fk(DataSet, _("数据集"), related_name="reports")
    period = models.CharField(_("报告期"), max_length=7)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    submitted_by = user_fk(_("上报人"), optional=True)
    submitted_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    approved_by = user_fk(_("审核人"), optional=True)
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    accepted_by = user_fk(_("接收人"), optional=True)
    accepted_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    comment = models.TextField(_("退回或解锁理由"), blank=True)
    step_due = models.DateField(_("当前环节时限"), null=True, blank=True)
    version = version_field()

    class Meta:
        verbose_name = verbose_name_plural = _("填报报告")
        ordering = ["-period", "pairing__code"]
        constraints = [
            models.UniqueConstraint(fields=["pairing", "dataset", "period"], name="indicator_report_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.pairing} {self.dataset} {self.period}"

    @property
    def locked(self) -> bool:
        return self.status in self.LOCKED

    def clean(self) -> None:
        parse_period(self.period)


class DataValue(WriteGuarded):
    """One number: a pairing's value of an indicator for a period (万元 amounts are in the indicator's unit); with an
    ``option``, one sub-row of the indicator's breakdown (no option: the total)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已上报")
        APPROVED = "approved", _("已审核")
        ACCEPTED = "accepted", _("已接收")

    LOCKED = (Status.SUBMITTED, Status.APPROVED, Status.ACCEPTED)

    pairing = protected_fk(Pairing, _("结对关系"), related_name="+")
    indicator = protected_fk(Indicator, _("指标"), related_name="values")
    period = models.CharField(_("报告期"), max_length=7, db_index=True)
    option = protected_fk(BreakdownOption, _("分类选项"), optional=True, related_name="+")
    value = models.DecimalField(_("数值"), max_digits=18, decimal_places=4, null=True, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = version_field()
    updated_by = user_fk(_("填报人"), optional=True)
    updated = updated_field(db_index=True)  # the analytics watermark

    class Meta:
        verbose_name = verbose_name_plural = _("指标数值")
        ordering = ["pairing__code", "period", "indicator__order"]
        constraints = [
            # the total (no option) once, and each option once (a NULL option is not unique on its own)
            models.UniqueConstraint(
                fields=["pairing", "indicator", "period"],
                condition=models.Q(option__isnull=True),
                name="indicator_value_unique",
            ),
            models.UniqueConstraint(
                fields=["pairing", "indicator", "period", "option"],
                condition=models.Q(option__isnull=False),
                name="indicator_value_option_unique",
            ),
        ]

    def __str__(self) -> str:
        option = f"（{self.option.name}）" if self.option_id else ""
        return f"{self.pairing} {self.indicator.name}{option} {self.period}"

    def check_writable(self, *, deleting: bool) -> None:
        if self.pk and DataValue.objects.filter(pk=self.pk, status__in=self.LOCKED).exists():
            raise LockedValueError(f"「{self}」")


class SavedChart(models.Model):
    """A pivot saved to its organisation's dashboard: what to aggregate, not the numbers (they stay current)."""

    organisation = protected_fk("accounts.Organisation", _("机构"), related_name="saved_charts")
    title = models.CharField(_("标题"), max_length=100)
    indicator = protected_fk(Indicator, _("指标"), related_name="+")
    rows = models.CharField(_("行"), max_length=20)
    cols = models.CharField(_("列"), max_length=20)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    approved_only = models.BooleanField(_("仅已审核"), default=False)
    created_by = user_fk(_("创建人"))
    created = created_field()

    class Meta:
        verbose_name = verbose_name_plural = _("仪表板图表")
        ordering = ["organisation", "created"]

    def __str__(self) -> str:
        return self.title


# DHIS2's uid: a letter, then ten letters or digits (its CodeGenerator's pattern)
DHIS2_UID = r"^[A-Za-z][A-Za-z0-9]{10}$"


class Dhis2Id(models.Model):
    """One organisation's DHIS2 uid for a platform object (an indicator, a pairing, a data set): a province that runs
    DHIS2 sends its files with its own uids, and this table turns them into the platform's codes, and back on export.
    Each organisation keeps its own table; a mapping is retired, never deleted."""

    class Kind(models.TextChoices):
        DATA_ELEMENT = "dataElement", _("数据元（指标）")
        ORG_UNIT = "orgUnit", _("组织单元（结对）")
        DATA_SET = "dataSet", _("数据集")

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        RETIRED = "retired", _("已停用")

    organisation = protected_fk("accounts.Organisation", _("机构"), related_name="dhis2_ids")
    kind = models.CharField(_("对象类别"), max_length=12, choices=Kind.choices)
    uid = models.CharField(
        _("DHIS2 uid"),
        max_length=11,
        validators=[RegexValidator(DHIS2_UID, _("DHIS2 uid 须为 11 位：首位为字母，其余为字母或数字"))],
    )
    code = models.CharField(_("平台代码"), max_length=40)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_by = user_fk(_("创建人"))
    created = created_field()
    retired_by = user_fk(_("停用人"), optional=True)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    version = version_field()

    class Meta:
        verbose_name = verbose_name_plural = _("DHIS2 uid 映射")
        ordering = ["organisation", "kind", "code", "-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "uid"],
                condition=models.Q(status="active"),
                name="indicators_dhis2id_one_uid",
                violation_error_message=_("本机构已有该 uid 的有效映射"),
            ),
            models.UniqueConstraint(
                fields=["organisation", "kind", "code"],
                condition=models.Q(status="active"),
                name="indicators_dhis2id_one_code",
                violation_error_message=_("本机构已为该平台代码登记了有效的 uid"),
            ),
            models.CheckConstraint(condition=models.Q(uid__regex=DHIS2_UID), name="indicators_dhis2id_uid_pattern"),
            models.CheckConstraint(
                condition=models.Q(status="active", retired_at__isnull=True)
                | models.Q(status="retired", retired_at__isnull=False),
                name="indicators_dhis2id_retired_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.uid} → {self.code}"


class ValueImport(models.Model):
    """One import of data values (a file through the page, the command or the API's dataValueSets): who, when, which
    file, and what it did. Its value changes are the ``DataValueHistory`` rows that name it; the audit log holds one
    entry for it."""

    filename = models.CharField(_("文件"), max_length=255)
    user = user_fk(_("导入人"), optional=True)
    created = created_field(_("导入时间"))
    new = models.PositiveIntegerField(_("新增"), default=0)
    changed = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("指标数据导入")

    def __str__(self) -> str:
        return f"{self.filename}（新增 {self.new} 条，更新 {self.changed} 条，未变 {self.unchanged} 条）"


def _history_fk(to, label, **options) -> models.ForeignKey:
    # no database constraint nor index: the rows are written only by the import, in the transaction that writes
    # the rows they name, by COPY; a per-row foreign-key check would cost more than the row itself
    options.setdefault("related_name", "+")
    options.setdefault("db_index", False)
    return models.ForeignKey(to, verbose_name=label, on_delete=models.DO_NOTHING, db_constraint=False, **options)


class DataValueHistory(models.Model):
    """One value an import created or changed: the value before and after, and the import (who, when, which file).
    Narrow and append-only (as DHIS2's data value audit), written by COPY beside the values; a cell saved in the grid
    or through the API keeps its own entry in the audit log instead."""

    class Kind(models.TextChoices):
        CREATED = "created", _("新建")
        UPDATED = "updated", _("修改")

    id = models.BigAutoField(primary_key=True)
    value = _history_fk(DataValue, _("指标数值"), related_name="history", db_index=True)
    value_import = _history_fk(ValueImport, _("导入"), related_name="values", db_index=True)
    pairing = _history_fk(Pairing, _("结对关系"))
    indicator = _history_fk(Indicator, _("指标"))
    period = models.CharField(_("报告期"), max_length=7)
    option = _history_fk(BreakdownOption, _("分类选项"), null=True, blank=True)
    kind = models.CharField(_("变更"), max_length=7, choices=Kind.choices)
    old_value = models.DecimalField(_("原数值"), max_digits=18, decimal_places=4, null=True, blank=True)
    new_value = models.DecimalField(_("新数值"), max_digits=18, decimal_places=4, null=True, blank=True)
    old_comment = models.TextField(_("原说明"), blank=True)
    new_comment = models.TextField(_("新说明"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("指标数值导入历史")
        ordering = ["value_import", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period} {self.old_value} → {self.new_value}"
