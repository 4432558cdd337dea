"""Matching (产销对接、劳务协作、结对推荐): listings from both sides, what was agreed or placed, and the data the
pairing recommendation reads.

Seed 000 三(二) and seed 003 ask for 特色农产品产销对接 under 消费帮扶 and for a 用工信息对接平台 for 劳务合作;
seed 002 (二十) for 动态优化 of the pairings and 2022 方案 四(一) for other old-area cities to 主动对接 eastern and
central cities.
Listings are offers meant to be found: every signed-in user reads them; only their own side changes them. What an
agreement delivers or a placement achieves is recorded as a pairing activity (``projects.Activity``), so it counts in
the pairing's consumption-assistance and labour-cooperation figures like any other activity.
"""

import re
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from duikou.core.modelbits import created_field, protected_fk, updated_field, user_fk, version_field
from duikou.geo.models import Region

from .words import industry_names

TONNES = {"max_digits": 12, "decimal_places": 2}
YUAN = {"max_digits": 12, "decimal_places": 2}


class ProductCategory(models.TextChoices):
    # working categories of agricultural products for matching; a deployment may extend them
    GRAIN_OIL = "grain_oil", _("粮油")
    FRUIT_VEG = "fruit_veg", _("果蔬")
    TEA = "tea", _("茶叶")
    MEAT_EGG = "meat_egg", _("畜禽肉蛋")
    AQUATIC = "aquatic", _("水产品")
    FUNGI = "fungi", _("食用菌")
    HERBS = "herbs", _("中药材")
    PROCESSED = "processed", _("加工食品")
    CRAFT = "craft", _("手工艺品")


class Certification(models.TextChoices):
    # the three certifications the issue names (绿色食品、有机农产品、地理标志农产品)
    GREEN = "green", _("绿色食品")
    ORGANIC = "organic", _("有机农产品")
    GI = "gi", _("地理标志农产品")


class ListingStatus(models.TextChoices):
    OPEN = "open", _("有效")
    CLOSED = "closed", _("已关闭")


def month_field(label) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, validators=[MinValueValidator(1), MaxValueValidator(12)])


class ProductListing(models.Model):
    """What an old-area supplier offers: a product from an origin county, its volume, season and price."""

    supplier = models.CharField(_("供货主体"), max_length=120)
    origin = protected_fk(Region, _("产地（县）"), related_name="+")
    category = models.CharField(_("产品类别"), max_length=16, choices=ProductCategory.choices)
    name = models.CharField(_("产品名称"), max_length=120)
    certifications = models.JSONField(_("认证"), default=list, blank=True)
    volume_tonnes = models.DecimalField(_("可供量（吨）"), validators=[MinValueValidator(Decimal("0.01"))], **TONNES)
    season_start = month_field(_("供货起始月"))
    season_end = month_field(_("供货截止月"))
    price_yuan_kg = models.DecimalField(_("价格（元/公斤）"), validators=[MinValueValidator(Decimal("0.01"))], **YUAN)
    note = models.TextField(_("说明"), blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=ListingStatus.choices, default=ListingStatus.OPEN)
    version = version_field()
    created = created_field()
    updated = updated_field()

    # how the change history shows the codes in these list fields
    item_labels = {"certifications": Certification}

    class Meta:
        verbose_name = verbose_name_plural = _("产品供给")
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(volume_tonnes__gt=0), name="markets_listing_volume_positive"),
            models.CheckConstraint(condition=Q(price_yuan_kg__gt=0), name="markets_listing_price_positive"),
            models.CheckConstraint(
                condition=Q(season_start__gte=1, season_start__lte=12, season_end__gte=1, season_end__lte=12),
                name="markets_listing_season_months",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.supplier}）"


class Demand(models.Model):
    """What an eastern buyer wants: category, volume, period, certifications required, the highest price."""

    class BuyerKind(models.TextChoices):
        CANTEEN = "canteen", _("机关单位食堂")
        ENTERPRISE = "enterprise", _("企业")
        UNION = "union", _("工会")
        RETAILER = "retailer", _("商超零售")

    buyer = models.CharField(_("采购主体"), max_length=120)
    buyer_kind = models.CharField(_("采购主体类型"), max_length=12, choices=BuyerKind.choices)
    region = protected_fk(Region, _("采购方所在地"), related_name="+")
    category = models.CharField(_("产品类别"), max_length=16, choices=ProductCategory.choices)
    description = models.CharField(_("需求说明"), max_length=200, blank=True)
    volume_tonnes = models.DecimalField(_("需求量（吨）"), validators=[MinValueValidator(Decimal("0.01"))], **TONNES)
    period_start = models.DateField(_("需求起始日"))
    period_end = models.DateField(_("需求截止日"))
    certifications_required = models.JSONField(_("要求的认证"), default=list, blank=True)
    max_price_yuan_kg = models.DecimalField(
        _("最高价格（元/公斤）"), null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))], **YUAN
    )
    status = models.CharField(_("状态"), max_length=8, choices=ListingStatus.choices, default=ListingStatus.OPEN)
    version = version_field()
    created = created_field()
    updated = updated_field()

    item_labels = {"certifications_required": Certification}

    class Meta:
        verbose_name = verbose_name_plural = _("采购需求")
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(volume_tonnes__gt=0), name="markets_demand_volume_positive"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="markets_demand_period_order"),
        ]

    def __str__(self) -> str:
        words = {"buyer": self.buyer, "category": self.get_category_display(), "volume": self.volume_tonnes}
        return gettext("%(buyer)s：%(category)s %(volume)s 吨") % words


class Agreement(models.Model):
    """A supply agreement between a listing and a demand (产销协议). Deliveries against it count as consumption
    assistance of the pairing that joins the origin county's city and the buyer's city."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("执行中")
        COMPLETED = "completed", _("已完成")
        CANCELLED = "cancelled", _("已终止")

    listing = protected_fk(ProductListing, _("产品供给"), related_name="agreements")
    demand = protected_fk(Demand, _("采购需求"), related_name="agreements")
    pairing = protected_fk(
        "pairings.Pairing",
        _("结对关系"),
        optional=True,
        related_name="+",
        help_text=_("产地与采购方所在城市结对时自动关联"),
    )
    volume_tonnes = models.DecimalField(_("协议量（吨）"), validators=[MinValueValidator(Decimal("0.01"))], **TONNES)
    price_yuan_kg = models.DecimalField(_("协议价（元/公斤）"), validators=[MinValueValidator(Decimal("0.01"))], **YUAN)
    signed_on = models.DateField(_("签订日期"))
    score = models.DecimalField(_("签订时匹配得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    version = version_field()
    created = created_field()

    class Meta:
        verbose_name = verbose_name_plural = _("产销协议")
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(volume_tonnes__gt=0), name="markets_agreement_volume_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.listing.name} → {self.demand.buyer}"


class Delivery(models.Model):
    """A delivery under an agreement: volume and amount (万元); it is recorded as a 消费帮扶 activity."""

    agreement = protected_fk(Agreement, _("产销协议"), related_name="deliveries")
    date = models.DateField(_("交付日期"))
    volume_tonnes = models.DecimalField(_("交付量（吨）"), validators=[MinValueValidator(Decimal("0.01"))], **TONNES)
    amount_wan = models.DecimalField(
        _("交付金额（万元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    activity = models.OneToOneField(
        "projects.Activity",
        verbose_name=_("合作活动"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    certification = models.ForeignKey(
        "ProductCertification",
        verbose_name=_("计入的产品认定"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
        help_text=_("交付日产品认定有效时计为认定产品采购"),
    )
    created = created_field()

    class Meta:
        verbose_name = verbose_name_plural = _("交付记录")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(volume_tonnes__gt=0, amount_wan__gt=0), name="markets_delivery_positive")
        ]

    def __str__(self) -> str:
        return f"{self.agreement} {self.date}"


class CertificationBasis(models.TextChoices):
    # what a 消费帮扶 product certification rests on: the four kinds the 832 platform favours
    GREEN = "green", _("绿色食品")
    ORGANIC = "organic", _("有机")
    GI = "gi", _("地理标志")
    PROMISE = "promise", _("承诺达标合格证")


class ProductCertification(models.Model):
    """A 消费帮扶产品认定: a supplier's product from an old-area county, its basis, annual value and traceability,
    reviewed by the county, shown in a 公示 period and then certified with a numbered certificate valid for a period
    (``produce.workflow``). Revoked certificates stay in the register with their reason and the day they ended."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("申请（草稿）")
        REVIEW = "review", _("县级审核")
        PUBLICITY = "publicity", _("公示中")
        CERTIFIED = "certified", _("已认定")
        REVOKED = "revoked", _("已撤销")

    supplier = models.CharField(_("供货主体"), max_length=120)
    county = protected_fk(Region, _("所在县"), related_name="+")
    name = models.CharField(_("产品名称"), max_length=120)
    category = models.CharField(_("产品类别"), max_length=16, choices=ProductCategory.choices)
    basis = models.JSONField(_("认定依据"), default=list)
    annual_value_wan = models.DecimalField(_("年销售额（万元）"), max_digits=14, decimal_places=2)
    traceability = models.TextField(_("可追溯说明"))
    listing = protected_fk(ProductListing, _("产品供给"), optional=True, related_name="product_certifications")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = user_fk(_("填报人"), optional=True)
    submitted_by = user_fk(_("提交人"), optional=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_by = user_fk(_("审核人"), optional=True)
    review_note = models.TextField(_("县级审核意见"), blank=True)
    publicity_start = models.DateField(_("公示起始日"), null=True, blank=True)
    publicity_end = models.DateField(_("公示截止日"), null=True, blank=True)
    returned_reason = models.TextField(_("退回理由"), blank=True)
    certified_by = user_fk(_("认定人"), optional=True)
    certified_at = models.DateTimeField(_("认定时间"), null=True, blank=True)
    certificate_no = models.CharField(_("证书编号"), max_length=40, unique=True, null=True, blank=True)
    valid_from = models.DateField(_("有效期起"), null=True, blank=True)
    valid_to = models.DateField(_("有效期止"), null=True, blank=True)
    revoked_by = user_fk(_("撤销人"), optional=True)
    revoked_on = models.DateField(_("撤销生效日"), null=True, blank=True)
    revoked_reason = models.TextField(_("撤销理由"), blank=True)
    version = version_field()
    created = created_field()
    updated = updated_field()

    item_labels = {"basis": CertificationBasis}

    class Meta:
        verbose_name = verbose_name_plural = _("消费帮扶产品认定")
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(annual_value_wan__gt=0), name="markets_cert_value_positive"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="markets_cert_validity_order",
            ),
            models.CheckConstraint(
                condition=Q(publicity_start__isnull=True)
                | Q(publicity_end__isnull=True)
                | Q(publicity_end__gte=F("publicity_start")),
                name="markets_cert_publicity_order",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["certified", "revoked"])
                | Q(certificate_no__isnull=False, valid_from__isnull=False, valid_to__isnull=False),
                name="markets_cert_certified_has_certificate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.supplier}）"

    @staticmethod
    def valid_on_q(day, prefix: str = "") -> Q:
        """Certified and valid on ``day``: inside the validity, and not revoked by then (a revocation takes effect on
        its day; what was bought before still counted as certified)."""
        p = prefix
        return Q(**{f"{p}valid_from__lte": day, f"{p}valid_to__gte": day}) & (
            Q(**{f"{p}status": "certified"}) | Q(**{f"{p}status": "revoked", f"{p}revoked_on__gt": day})
        )

    def valid_on(self, day) -> bool:
        if self.valid_from is None or self.valid_to is None or not self.valid_from <= day <= self.valid_to:
            return False
        if self.status == self.Status.CERTIFIED:
            return True
        return self.status == self.Status.REVOKED and self.revoked_on is not None and self.revoked_on > day

    def basis_labels(self) -> list[str]:
        return [str(CertificationBasis(c).label) for c in self.basis if c in CertificationBasis.values]


# ---- labour cooperation --------------------------------------------------------------------------------------------


class Occupation(models.TextChoices):
    # working occupation groups for matching; a deployment may extend them
    MANUFACTURING = "manufacturing", _("生产制造")
    ELECTRONICS = "electronics", _("电子装配")
    CONSTRUCTION = "construction", _("建筑施工")
    LOGISTICS = "logistics", _("物流运输")
    CATERING = "catering", _("餐饮服务")
    DOMESTIC = "domestic", _("家政养老")
    RETAIL = "retail", _("商贸零售")
    AGRICULTURE = "agriculture", _("现代农业")


class Skill(models.TextChoices):
    # a bounded vocabulary (at most 64: the engine keeps a person's skills as one 64-bit mask)
    ELECTRICIAN = "electrician", _("电工")
    WELDER = "welder", _("焊工")
    CNC = "cnc", _("数控车床")
    FORKLIFT = "forklift", _("叉车")
    DRIVER = "driver", _("驾驶（B2 及以上）")
    ASSEMBLY = "assembly", _("装配")
    SEWING = "sewing", _("缝纫")
    COOK = "cook", _("烹饪")
    ELDERLY_CARE = "elderly_care", _("养老护理")
    CHILDCARE = "childcare", _("育婴")
    HOUSEKEEPING = "housekeeping", _("家政服务")
    MASONRY = "masonry", _("砌筑")
    CARPENTRY = "carpentry", _("木工")
    WAREHOUSE = "warehouse", _("仓储管理")
    SALES = "sales", _("营销")
    COMPUTER = "computer", _("计算机操作")
    QUALITY = "quality", _("质量检验")
    GREENHOUSE = "greenhouse", _("设施农业")


class JobPosting(models.Model):
    """An eastern employer's job: occupation, skills, monthly wage, housing, work place and headcount."""

    employer = models.CharField(_("用工单位"), max_length=120)
    region = protected_fk(Region, _("工作地点"), related_name="+")
    title = models.CharField(_("岗位名称"), max_length=120)
    occupation = models.CharField(_("职业类别"), max_length=16, choices=Occupation.choices)
    skills = models.JSONField(_("技能要求"), default=list, blank=True)
    wage_min = models.PositiveIntegerField(_("月工资下限（元）"))
    wage_max = models.PositiveIntegerField(_("月工资上限（元）"))
    housing = models.BooleanField(_("提供住宿"), default=False)
    headcount = models.PositiveIntegerField(_("招聘人数"), validators=[MinValueValidator(1)])
    valid_until = models.DateField(_("有效期至"))
    status = models.CharField(_("状态"), max_length=8, choices=ListingStatus.choices, default=ListingStatus.OPEN)
    version = version_field()
    created = created_field()
    updated = updated_field()

    item_labels = {"skills": Skill}

    class Meta:
        verbose_name = verbose_name_plural = _("用工岗位")
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(wage_max__gte=F("wage_min")), name="markets_posting_wage_order"),
            models.CheckConstraint(condition=Q(headcount__gte=1), name="markets_posting_headcount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.employer}：{self.title}"


class JobSeeker(models.Model):
    """An old-area worker looking for work. ID and phone are stored as household members' are: SM4-GCM ciphertext,
    keyed SM3 digest for exact search, masked copy for display (``duikou.core.pii``)."""

    class Status(models.TextChoices):
        SEEKING = "seeking", _("求职中")
        PLACED = "placed", _("已就业")
        WITHDRAWN = "withdrawn", _("已退出")

    name = models.CharField(_("姓名"), max_length=60)
    home = protected_fk(Region, _("户籍地（县）"), related_name="+")
    id_number_enc = models.BinaryField(_("身份证号（密文）"), editable=False)
    id_number_digest = models.CharField(_("身份证号摘要"), max_length=64, editable=False, db_index=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    phone_enc = models.BinaryField(_("电话（密文）"), editable=False, null=True)
    phone_digest = models.CharField(_("电话摘要"), max_length=64, editable=False, blank=True)
    phone_masked = models.CharField(_("电话"), max_length=20, editable=False, blank=True)
    occupations = models.JSONField(_("意向职业"), default=list, blank=True)
    skills = models.JSONField(_("技能"), default=list, blank=True)
    trainings = models.JSONField(_("已参加培训"), default=list, blank=True, help_text=_("培训对应的技能"))
    preferred_regions = models.JSONField(
        _("意向地区"), default=list, blank=True, help_text=_("省或市的区划代码；空为不限")
    )
    expected_wage = models.PositiveIntegerField(_("期望月工资（元）"))
    needs_housing = models.BooleanField(_("需要住宿"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.SEEKING)
    version = version_field()
    created = created_field()
    updated = updated_field()

    ENCRYPTED = ("id_number_enc", "id_number_digest", "phone_enc", "phone_digest")

    item_labels = {"occupations": Occupation, "skills": Skill, "trainings": Skill}

    class Meta:
        verbose_name = verbose_name_plural = _("求职者")
        ordering = ["-created", "-id"]
        constraints = [models.UniqueConstraint(fields=["id_number_digest"], name="markets_seeker_id_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"


class Placement(models.Model):
    """A worker placed in a job (转移就业). Recorded as a 劳务协作 activity of the pairing joining the worker's home
    city and the work place's city; followed up after 3 and 6 months."""

    class Status(models.TextChoices):
        EMPLOYED = "employed", _("在岗")
        LEFT = "left", _("已离岗")

    seeker = protected_fk(JobSeeker, _("求职者"), related_name="placements")
    posting = protected_fk(JobPosting, _("岗位"), related_name="placements")
    pairing = protected_fk("pairings.Pairing", _("结对关系"), optional=True, related_name="+")
    start_date = models.DateField(_("上岗日期"))
    wage = models.PositiveIntegerField(_("月工资（元）"))
    score = models.DecimalField(_("上岗时匹配得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    activity = models.OneToOneField(
        "projects.Activity",
        verbose_name=_("合作活动"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.EMPLOYED)
    version = version_field()
    created = created_field()

    class Meta:
        verbose_name = verbose_name_plural = _("就业安置")
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return f"{self.seeker.name} → {self.posting}"


# The note of a later follow-up closed because an earlier one found the worker gone: stored in Chinese, as the record
# reads, and shown in the reader's language (``FollowUp.note_text``).
LEFT_NOTE = "%(months)s 个月回访时已离岗"
_LEFT_NOTE = re.compile(r"^(\d+) 个月回访时已离岗$")


class FollowUp(models.Model):
    """The 3- and 6-month follow-up of a placement: still employed, and the wage then."""

    placement = protected_fk(Placement, _("就业安置"), related_name="followups")
    months = models.PositiveSmallIntegerField(_("回访节点（月）"), choices=[(3, _("3 个月")), (6, _("6 个月"))])
    due = models.DateField(_("应回访日期"))
    done_on = models.DateField(_("回访日期"), null=True, blank=True)
    still_employed = models.BooleanField(_("仍在岗"), null=True, blank=True)
    wage = models.PositiveIntegerField(_("当时月工资（元）"), null=True, blank=True)
    note = models.TextField(_("回访记录"), blank=True)
    version = version_field()

    class Meta:
        verbose_name = verbose_name_plural = _("就业回访")
        ordering = ["due", "id"]
        constraints = [
            models.UniqueConstraint(fields=["placement", "months"], name="markets_followup_once_per_point"),
            models.CheckConstraint(
                condition=Q(done_on__isnull=True) | Q(still_employed__isnull=False),
                name="markets_followup_done_has_answer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.placement} {self.months}"

    @property
    def note_text(self) -> str:
        """The note as shown: the platform's own (``LEFT_NOTE``) in the reader's language, a user's as written."""
        found = _LEFT_NOTE.match(self.note)
        return gettext("%(months)s 个月回访时已离岗") % {"months": found[1]} if found else self.note


# ---- pairing recommendation ----------------------------------------------------------------------------------------


# What the platform itself writes into the data sources it loads (``recommend.services.SHIPPED`` and the named
# industries): stored in Chinese, shown in the reader's language (``DataSource.shown``).
EXAMPLE_NOTE = gettext_noop("示例数据，非官方统计，仅用于演示方法")
EXAMPLE_PUBLISHER = gettext_noop("duikou 示例数据")
PROFILES_NAME = gettext_noop("城市三次产业结构与优势产业（示例）")
TIES_NAME = gettext_noop("既有经济联系（示例）")
INDUSTRIES_NAME = gettext_noop("革命老区特色产业（摘自政策文件）")
INDUSTRIES_NOTE = gettext_noop("逐行注明条款并引用原文")
PLATFORM_TEXTS = frozenset(
    [EXAMPLE_NOTE, EXAMPLE_PUBLISHER, PROFILES_NAME, TIES_NAME, INDUSTRIES_NAME, INDUSTRIES_NOTE]
)


class DataSource(models.Model):
    """Where the figures a recommendation term reads come from: an imported file with its digest and provenance."""

    name = models.CharField(_("数据名称"), max_length=200)
    publisher = models.CharField(_("来源"), max_length=200, help_text=_("发布机关、统计年鉴或录入单位"))
    official = models.BooleanField(_("官方统计"), default=False, help_text=_("否：示例或工作数据，不作为官方数字"))
    file_name = models.CharField(_("文件名"), max_length=255)
    sm3 = models.CharField(_("文件 SM3 摘要"), max_length=64)
    imported_by = user_fk(_("导入人"), null=True)
    imported_at = created_field(_("导入时间"))
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("数据来源")
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def shown(self, field: str) -> str:
        """A field as a page shows it: what the platform wrote when it loaded its own files in the reader's language,
        what a user entered as entered."""
        value = getattr(self, field)
        return gettext(value) if value in PLATFORM_TEXTS else value

    @property
    def name_text(self) -> str:
        return self.shown("name")

    @property
    def note_text(self) -> str:
        return self.shown("note")

    @property
    def publisher_text(self) -> str:
        return self.shown("publisher")


class CityProfile(models.Model):
    """One city's figures for the complementarity terms, from one data source."""

    region = protected_fk(Region, _("城市"), related_name="+")
    source = protected_fk(DataSource, _("数据来源"), related_name="profiles")
    year = models.PositiveSmallIntegerField(_("数据年份"))
    primary_share = models.DecimalField(_("第一产业占比（%）"), max_digits=5, decimal_places=2)
    secondary_share = models.DecimalField(_("第二产业占比（%）"), max_digits=5, decimal_places=2)
    tertiary_share = models.DecimalField(_("第三产业占比（%）"), max_digits=5, decimal_places=2)
    industries = models.JSONField(_("特色或优势产业"), default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("城市概况")
        ordering = ["region_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "source"], name="markets_profile_once_per_source"),
            models.CheckConstraint(
                condition=Q(primary_share__gte=0, secondary_share__gte=0, tertiary_share__gte=0),
                name="markets_profile_shares_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}"

    @property
    def industries_text(self) -> str:
        return industry_names(self.industries)


class EconomicTie(models.Model):
    """An existing economic tie between an old-area region and a candidate city, entered by a user."""

    class Kind(models.TextChoices):
        INVESTMENT = "investment", _("投资")
        TRADE = "trade", _("贸易")
        LABOUR = "labour", _("劳务")
        PARK = "park", _("园区合作")
        OTHER = "other", _("其他")

    old_region = protected_fk(Region, _("老区城市或县"), related_name="+")
    partner_region = protected_fk(Region, _("候选城市"), related_name="+")
    kind = models.CharField(_("联系类型"), max_length=12, choices=Kind.choices)
    strength = models.PositiveSmallIntegerField(
        _("强度（1–5）"), validators=[MinValueValidator(1), MaxValueValidator(5)], help_text=_("录入单位的评价")
    )
    description = models.CharField(_("说明"), max_length=200)
    source = protected_fk(DataSource, _("数据来源"), optional=True, related_name="ties")
    entered_by = user_fk(_("录入人"), null=True)
    created = created_field()

    class Meta:
        verbose_name = verbose_name_plural = _("既有经济联系")
        ordering = ["old_region_id", "partner_region_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(strength__gte=1, strength__lte=5), name="markets_tie_strength_range")
        ]

    def __str__(self) -> str:
        return f"{self.old_region} — {self.partner_region}：{self.description}"


class MatchRun(models.Model):
    """One computation of the stored matches: every open listing's best k counterparts, scored by the engine in one
    pass and written in one transaction. The rows of the latest finished run are the ones the match pages read; a
    new run replaces them (the runs themselves stay, as the history of when matches were computed)."""

    class Market(models.TextChoices):
        LABOUR = "labour", _("劳务协作")

    class Trigger(models.TextChoices):
        IMPORT = "import", _("导入后")
        SCHEDULE = "schedule", _("定时")
        MANUAL = "manual", _("手动")

    class Status(models.TextChoices):
        RUNNING = "running", _("计算中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    market = models.CharField(_("对接类型"), max_length=10, choices=Market.choices, default=Market.LABOUR)
    trigger = models.CharField(_("触发方式"), max_length=10, choices=Trigger.choices)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.RUNNING)
    started = models.DateTimeField(_("开始时间"))
    finished = models.DateTimeField(_("完成时间"), null=True, blank=True)
    left_count = models.PositiveIntegerField(_("求职者数"), default=0)
    right_count = models.PositiveIntegerField(_("岗位数"), default=0)
    stored = models.PositiveIntegerField(_("保存的匹配数"), default=0)
    params = models.JSONField(_("计算参数"), default=dict, blank=True, help_text=_("k、分块大小、各评分项权重"))
    message = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("匹配计算")
        ordering = ["-started", "-id"]
        constraints = [
            # two runs started at once: the second insert fails, and its caller is told a run is under way
            models.UniqueConstraint(
                fields=["market"], condition=Q(status="running"), name="markets_matchrun_one_running"
            ),
        ]
        indexes = [models.Index(fields=["market", "status", "-finished"], name="markets_matchrun_latest")]

    def __str__(self) -> str:
        return f"{self.get_market_display()} {self.started:%Y-%m-%d %H:%M}"


class StoredMatch(models.Model):
    """One slot of a listing's stored top k: the counterpart at ``rank`` and its score in hundredths of a point.
    ``side`` says which side the listing is on (a seeker's postings, or a posting's seekers). Kept narrow: the
    term-by-term explanation of the few rows a page shows is computed when it is read (``engine.explain``)."""

    class Side(models.IntegerChoices):
        SEEKER = 1, _("求职者的岗位")
        POSTING = 2, _("岗位的求职者")

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="+", db_index=False)
    side = models.PositiveSmallIntegerField(_("方向"), choices=Side.choices)
    listing_id = models.BigIntegerField(_("对象"))
    rank = models.PositiveSmallIntegerField(_("名次"))
    counterpart_id = models.BigIntegerField(_("匹配对象"))
    score = models.SmallIntegerField(_("得分（百分之一分）"))

    class Meta:
        verbose_name = verbose_name_plural = _("保存的匹配")
        constraints = [
            # also the index a match page reads by: (run, side, listing) → its k rows in rank order
            models.UniqueConstraint(fields=["run", "side", "listing_id", "rank"], name="markets_storedmatch_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.listing_id} #{self.rank} → {self.counterpart_id}"
