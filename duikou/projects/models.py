"""Major cooperation projects (重大项目) and the activities (互访, 挂职, 培训 …) of a pairing.

Both belong to one pairing, so both cities of the pairing and their provinces see them (the scoping layer
follows ``pairing__old_region`` and ``pairing__partner_region``). Money is in 万元 as Decimal.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from duikou.core.modelbits import created_field, protected_fk, updated_field, version_field
from duikou.geo.models import Region
from duikou.pairings.models import Pairing


def money_field(label, **options) -> models.DecimalField:
    """An amount in 万元: two decimals, never negative (the message names the field)."""
    message = format_lazy("「{}」不能为负数", label)
    validators = [MinValueValidator(Decimal(0), message=message)]
    return models.DecimalField(label, max_digits=14, decimal_places=2, validators=validators, **options)


def count_field(label) -> models.IntegerField:
    """A number of people, sessions or months of an activity kind: empty for other kinds, never negative."""
    validators = [MinValueValidator(0, message=format_lazy("「{}」不能为负数", label))]
    return models.IntegerField(label, null=True, blank=True, validators=validators)


class Industry(models.TextChoices):
    """The special industries named in 发改振兴〔2022〕766号 三(五), and 其他."""

    CLEAN_ENERGY = "clean_energy", _("清洁能源")
    NONFERROUS = "nonferrous", _("有色金属")
    EQUIPMENT = "equipment", _("装备制造")
    TEXTILE = "textile", _("纺织服装")
    BIOMEDICINE = "biomedicine", _("生物医药")
    ELECTRONICS = "electronics", _("电子信息")
    AGRO_PROCESSING = "agro_processing", _("农产品加工")
    OTHER = "other", _("其他")


class FundingSource(models.TextChoices):
    CENTRAL_BUDGET = "central_budget", _("中央预算内投资")
    SPECIAL_BONDS = "special_bonds", _("地方政府专项债")
    SOCIAL_CAPITAL = "social_capital", _("社会资本")
    EASTERN_FISCAL = "eastern_fiscal", _("东部城市财政资金")
    OTHER = "other", _("其他")


FUNDING_SOURCE_VALUES = frozenset(FundingSource.values)  # looked up once per source of every row an import checks


class Project(models.Model):
    class Status(models.TextChoices):
        RESERVE = "reserve", _("储备")
        SIGNED = "signed", _("签约")
        CONSTRUCTION = "construction", _("在建")
        OPERATING = "operating", _("建成投产")
        TERMINATED = "terminated", _("终止")

    pairing = protected_fk(Pairing, _("结对关系"), related_name="projects")
    name = models.CharField(_("项目名称"), max_length=200)
    industry = models.CharField(_("产业"), max_length=20, choices=Industry.choices)
    key_task = protected_fk("policy.Task", _("重点任务"), related_name="projects")
    location = protected_fk(Region, _("所在县区"), related_name="projects", help_text=_("县级行政区（区、县、县级市）"))
    park = models.CharField(_("共建园区"), max_length=120, blank=True, help_text=_("如 豫东南高新区"))
    investment_planned = money_field(_("计划投资（万元）"), default=Decimal(0))
    investment_signed = money_field(_("签约投资（万元）"), default=Decimal(0))
    investment_in_place = money_field(_("到位资金（万元）"), default=Decimal(0))
    funding_sources = models.JSONField(_("资金来源"), default=list, blank=True, help_text=_("可多选"))
    land_quota_guarantee = models.BooleanField(_("用地计划指标重点保障"), default=False)
    start_date = models.DateField(_("项目起始日期"), null=True, blank=True, help_text=_("空白时按结对期限的起始年份"))
    end_date = models.DateField(_("项目截止日期"), null=True, blank=True, help_text=_("空白时按结对期限的截止年份"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.RESERVE)
    note = models.TextField(_("备注"), blank=True)
    version = version_field()
    created = created_field()
    updated = updated_field()
    # stored lists of codes shown by their labels in the change history
    item_labels = {"funding_sources": FundingSource}

    class Meta:
        verbose_name = verbose_name_plural = _("重大项目")
        ordering = ["pairing__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "name"],
                name="projects_project_name_per_pairing",
                violation_error_message=_("同一结对关系下已有同名项目，请换一个项目名称"),
            ),
            models.CheckConstraint(condition=Q(investment_planned__gte=0), name="projects_planned_not_negative"),
            models.CheckConstraint(condition=Q(investment_signed__gte=0), name="projects_signed_not_negative"),
            models.CheckConstraint(condition=Q(investment_in_place__gte=0), name="projects_in_place_not_negative"),
            models.CheckConstraint(
                condition=Q(investment_in_place__lte=models.F("investment_signed")),
                name="projects_in_place_within_signed",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="projects_project_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.location_id and self.location.level != Region.Level.COUNTY:
            errors.setdefault("location", []).append(
                ValidationError(
                    _("项目所在地须为县级行政区（区、县、县级市），「%(name)s」（%(code)s）是%(level)s"),
                    params={
                        "name": self.location.name,
                        "code": self.location.code,
                        "level": self.location.get_level_display(),
                    },
                )
            )
        elif self.location_id and self.pairing_id and not in_pairing(self.pairing, self.location):
            errors.setdefault("location", []).append(
                ValidationError(
                    _("项目所在地「%(name)s」不在结对双方（%(pairing)s）的行政区内"),
                    params={"name": self.location.full_name, "pairing": self.pairing},
                )
            )
        if self.key_task_id and self.key_task.kind != "key_task":
            errors.setdefault("key_task", []).append(
                ValidationError(_("「%(task)s」不是重点任务"), params={"task": self.key_task})
            )
        signed, in_place = self.investment_signed, self.investment_in_place
        if signed is not None and in_place is not None and in_place > signed:
            errors.setdefault("investment_in_place", []).append(
                ValidationError(
                    _("到位资金（%(in_place)s 万元）不能超过签约投资（%(signed)s 万元）"),
                    params={"in_place": in_place, "signed": signed},
                )
            )
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors.setdefault("end_date", []).append(
                ValidationError(
                    _("项目截止日期（%(end)s）不能早于起始日期（%(start)s）"),
                    params={"end": self.end_date, "start": self.start_date},
                )
            )
        sources = self.funding_sources
        if not isinstance(sources, list) or any(
            not isinstance(s, str) or s not in FUNDING_SOURCE_VALUES for s in sources
        ):
            errors.setdefault("funding_sources", []).append(
                ValidationError(
                    _("资金来源须从以下选择：%(choices)s"),
                    params={"choices": "、".join(str(label) for label in FundingSource.labels)},
                )
            )
        elif len(set(sources)) != len(sources):
            errors.setdefault("funding_sources", []).append(ValidationError(_("资金来源有重复")))
        if errors:
            raise ValidationError(errors)

    def life(self) -> tuple[datetime.date, datetime.date]:
        """The project's first and last day: its own dates, or else the pairing's period (1 January of its first year
        to 31 December of its last)."""
        start = self.start_date or datetime.date(self.pairing.start_year, 1, 1)
        end = self.end_date or datetime.date(self.pairing.end_year, 12, 31)
        return start, end

    @property
    def funding_source_labels(self) -> list[str]:
        labels = dict(FundingSource.choices)
        return [str(labels.get(s, s)) for s in self.funding_sources or []]


def in_pairing(pairing: Pairing, region: Region) -> bool:
    """Whether ``region`` lies within either side of the pairing (the old-area city or its partner)."""
    return any(region.code.startswith(side.prefix) for side in (pairing.old_region, pairing.partner_region))


class Milestone(models.Model):
    project = protected_fk(Project, _("项目"), related_name="milestones")
    name = models.CharField(_("节点名称"), max_length=200)
    due_date = models.DateField(_("计划完成日期"))
    done_date = models.DateField(_("实际完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("项目节点")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"],
                name="projects_milestone_name_per_project",
                violation_error_message=_("该项目已有同名节点"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.name}：{self.name}"

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.done_date is None and self.due_date < (today or timezone.localdate())

    def clean(self) -> None:
        if self.done_date and self.done_date > timezone.localdate():
            raise ValidationError({"done_date": _("实际完成日期不能晚于今天")})


class ProgressUpdate(models.Model):
    """A dated report of what happened on a project, with evidence files."""

    project = protected_fk(Project, _("项目"), related_name="updates")
    date = models.DateField(_("进展日期"))
    text = models.TextField(_("进展情况"))
    created_by = protected_fk(settings.AUTH_USER_MODEL, _("填报人"), optional=True)
    created = created_field(_("填报时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("项目进展")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.project.name} {self.date}"

    def clean(self) -> None:
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": _("进展日期不能晚于今天")})


class Evidence(models.Model):
    """A file supporting a progress update, kept under MEDIA_ROOT with its SM3 digest (GB/T 32905)."""

    update = protected_fk(ProgressUpdate, _("项目进展"), related_name="evidence")
    file = models.FileField(_("文件"), upload_to="projects/evidence/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sm3 = models.CharField(_("SM3 摘要"), max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = _("佐证材料")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


# The typed columns each kind of activity must fill in; every other typed column stays empty.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "visit": ("delegation_size", "delegation_level"),
    "exchange": ("exchange_people", "exchange_direction", "exchange_months"),
    "training": ("training_sessions", "trainees"),
    "consumption": ("sales_amount", "product_category", "sales_channel"),
    "labour": ("people_placed",),
    "school_pair": ("institution_old", "institution_partner"),
    "hospital_pair": ("institution_old", "institution_partner"),
    "study_trip": ("participants",),
}
TYPED_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(f for fields in KIND_FIELDS.values() for f in fields))
FIELD_KINDS: dict[str, tuple[str, ...]] = {
    name: tuple(k for k, fields in KIND_FIELDS.items() if name in fields) for name in TYPED_FIELDS
}
NUMBER_FIELDS: tuple[str, ...] = (
    "delegation_size",
    "exchange_people",
    "exchange_months",
    "training_sessions",
    "trainees",
    "sales_amount",
    "people_placed",
    "participants",
)


def _activity_constraints() -> list[models.BaseConstraint]:
    """The database holds the kind rule too: a typed column is set exactly for its kinds, numbers are ≥ 0."""
    constraints: list[models.BaseConstraint] = []
    for name in TYPED_FIELDS:
        kinds = list(FIELD_KINDS[name])
        constraints.append(
            models.CheckConstraint(
                condition=(Q(kind__in=kinds) & Q(**{f"{name}__isnull": False}))
                | (~Q(kind__in=kinds) & Q(**{f"{name}__isnull": True})),
                name=f"projects_activity_{name}_by_kind",
            )
        )
    for name in NUMBER_FIELDS:
        constraints.append(
            models.CheckConstraint(
                condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 0}),
                name=f"projects_activity_{name}_not_negative",
            )
        )
    return constraints


class Activity(models.Model):
    """One record of what a pairing did. The kind decides which typed columns hold values (``KIND_FIELDS``)."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("互访")
        EXCHANGE = "exchange", _("挂职")
        TRAINING = "training", _("培训")
        CONSUMPTION = "consumption", _("消费帮扶")
        LABOUR = "labour", _("劳务协作")
        SCHOOL_PAIR = "school_pair", _("学校结对")
        HOSPITAL_PAIR = "hospital_pair", _("医院结对")
        STUDY_TRIP = "study_trip", _("研学")

    class DelegationLevel(models.TextChoices):
        PROVINCE = "province", _("省级")
        CITY = "city", _("市级")
        COUNTY = "county", _("县（区）级")
        DEPARTMENT = "department", _("部门（单位）")

    class Direction(models.TextChoices):
        EAST_TO_OLD = "east_to_old", _("东部→老区")
        OLD_TO_EAST = "old_to_east", _("老区→东部")

    pairing = protected_fk(Pairing, _("结对关系"), related_name="activities")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    key_task = protected_fk("policy.Task", _("重点任务"), related_name="activities")
    date = models.DateField(_("日期"))
    title = models.CharField(_("标题"), max_length=200)
    # 互访
    delegation_size = count_field(_("代表团人数"))
    delegation_level = models.CharField(
        _("代表团级别"), max_length=12, choices=DelegationLevel.choices, null=True, blank=True
    )
    # 挂职
    exchange_people = count_field(_("挂职人数"))
    exchange_direction = models.CharField(
        _("挂职方向"), max_length=12, choices=Direction.choices, null=True, blank=True
    )
    exchange_months = count_field(_("挂职月数"))
    # 培训
    training_sessions = count_field(_("培训期数"))
    trainees = count_field(_("培训人数"))
    # 消费帮扶
    sales_amount = money_field(_("消费帮扶金额（万元）"), null=True, blank=True)
    product_category = models.CharField(_("产品类别"), max_length=60, null=True, blank=True)
    sales_channel = models.CharField(_("销售渠道"), max_length=60, null=True, blank=True)
    # 劳务协作
    people_placed = count_field(_("转移就业人数"))
    # 学校结对、医院结对
    institution_old = models.CharField(_("老区方机构"), max_length=120, null=True, blank=True)
    institution_partner = models.CharField(_("东部方机构"), max_length=120, null=True, blank=True)
    # 研学
    participants = count_field(_("研学人数"))

    note = models.TextField(_("备注"), blank=True)
    version = version_field()
    created = created_field()
    updated = updated_field()

    class Meta:
        verbose_name = verbose_name_plural = _("合作活动")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "kind", "date", "title"],
                name="projects_activity_natural_key",
                violation_error_message=_("同一结对关系在同一天已有同类型、同标题的活动"),
            ),
            *_activity_constraints(),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """Exactly the fields of the kind: each one filled in, every other typed field empty."""
        errors: dict[str, list] = {}

        def kind_label():  # for a message only: the label of a kind is looked up through the choices
            return self.get_kind_display() if self.kind in ACTIVITY_KINDS else ""

        if self.key_task_id and self.key_task.kind != "key_task":
            errors["key_task"] = [ValidationError(_("「%(task)s」不是重点任务"), params={"task": self.key_task})]
        wanted = KIND_FIELDS.get(self.kind, ())
        for name in TYPED_FIELDS:
            value = getattr(self, name)
            empty = value is None or value == ""
            label = self._meta.get_field(name).verbose_name
            if name in wanted and empty:
                errors.setdefault(name, []).append(
                    ValidationError(_("%(kind)s须填写「%(field)s」"), params={"kind": kind_label(), "field": label})
                )
            elif name not in wanted and not empty:
                kinds = "、".join(str(self.Kind(k).label) for k in FIELD_KINDS[name])
                errors.setdefault(name, []).append(
                    ValidationError(
                        _("「%(field)s」只适用于%(kinds)s，%(kind)s请留空"),
                        params={"field": label, "kinds": kinds, "kind": kind_label() or _("本类型")},
                    )
                )
        if errors:
            raise ValidationError(errors)


ACTIVITY_KINDS = frozenset(Activity.Kind.values)


class FundTransaction(models.Model):
    """One dated movement of a project's money, as IATI records an activity's transactions (codelist
    TransactionType: 2 commitment, 3 disbursement, 4 expenditure). A signed investment agreement (签约) is a
    commitment: the sum of commitments is what the project has signed, the sum of disbursements what is in place
    (到位), the sum of expenditures what is spent. A wrong transaction is cancelled with a reason, never deleted."""

    class Kind(models.TextChoices):
        COMMITMENT = "commitment", _("签约承诺")
        DISBURSEMENT = "disbursement", _("拨付到位")
        EXPENDITURE = "expenditure", _("支出")

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        CANCELLED = "cancelled", _("已作废")

    project = protected_fk(Project, _("项目"), related_name="fund_transactions")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    date = models.DateField(_("日期"))
    amount_wan = models.DecimalField(_("金额（万元）"), max_digits=14, decimal_places=2)
    source = models.CharField(_("资金来源"), max_length=20, choices=FundingSource.choices)
    provider = models.CharField(_("提供方"), max_length=120, blank=True, help_text=_("出资或拨付资金的单位"))
    receiver = models.CharField(_("接收方"), max_length=120, blank=True, help_text=_("接收资金的单位"))
    reference = models.CharField(_("文号或凭证号"), max_length=80, blank=True)
    note = models.TextField(_("备注"), blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    cancel_reason = models.TextField(_("作废原因"), blank=True)
    cancelled_by = protected_fk(settings.AUTH_USER_MODEL, _("作废人"), optional=True, related_name="+")
    cancelled_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    version = version_field()
    created = created_field()
    updated = updated_field()

    class Meta:
        verbose_name = verbose_name_plural = _("资金往来")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_wan__gt=0), name="projects_fund_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="active") | ~Q(cancel_reason=""), name="projects_fund_cancel_has_reason"
            ),
            models.UniqueConstraint(
                fields=["project", "kind", "date", "amount_wan", "source", "reference"],
                condition=Q(status="active"),
                name="projects_fund_natural_key",
                violation_error_message=_(
                    "该项目已有同一日期、类型、金额、资金来源和文号的有效资金往来；如确为另一笔，请填写不同的文号"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.amount_wan} 万元"

    def describe(self) -> str:
        """The transaction as a message names it: 「2024-05-20 拨付到位 300.00 万元」."""
        kind = self.get_kind_display() if self.kind in self.Kind.values else self.kind
        return f"{self.date or ''} {kind} {self.amount_wan if self.amount_wan is not None else ''} 万元"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.amount_wan is not None and self.amount_wan <= 0:
            errors["amount_wan"] = [
                ValidationError(
                    _("资金往来「%(row)s」的金额须大于 0 万元"), params={"row": self.describe()}, code="not_positive"
                )
            ]
        if self.date and self.project_id:
            start, end = self.project.life()
            if not start <= self.date <= end:
                errors["date"] = [
                    ValidationError(
                        _("资金往来「%(row)s」的日期不在项目「%(project)s」的起止日期（%(start)s 至 %(end)s）内"),
                        params={"row": self.describe(), "project": self.project.name, "start": start, "end": end},
                        code="outside_project",
                    )
                ]
        if self.status == self.Status.CANCELLED and not (self.cancel_reason or "").strip():
            errors["cancel_reason"] = [ValidationError(_("作废资金往来须填写原因"))]
        if errors:
            raise ValidationError(errors)
