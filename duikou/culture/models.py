"""The red-culture digital platform (红色文化数字化传播平台, seed 002 (十六)): a catalogue of the old areas' red-culture
resources — 革命旧址 / 纪念设施, 革命文物, 历史档案, 口述史, 研学基地 — with their media and sources, the 精品线路 that
link resources across a pairing's cities day by day, and the 研学 activities a pairing recorded, linked to the
resources they visited.

Every resource and route is drafted by an editor of its place (a resource's region, a route's pairing), reviewed and
published by an approver of that place who is not the one who submitted it (``workflow``), and may be taken down at
once. Only published items show on the public site, and a change of status raises the public site's cache generation
in the same transaction (``publication.services.bump_generation``).
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from duikou.core.modelbits import (
    EnglishNamed,
    created_field,
    english_active,
    english_name_field,
    protected_fk,
    updated_field,
    user_fk,
    version_field,
)
from duikou.geo.models import OldArea, Region
from duikou.pairings.models import Pairing
from duikou.projects.models import Activity


def in_pairing(resource: "Resource", pairing: Pairing) -> bool:
    """Whether the resource lies in one of the pairing's two places (or below them)."""
    return any(resource.region_id.startswith(side.prefix) for side in (pairing.old_region, pairing.partner_region))


# the fields an editor sets on a resource and a route (the rest belong to the review)
RESOURCE_FIELDS = (
    "kind", "name", "name_en", "region", "old_area", "latitude", "longitude", "protection", "description",
    "description_en", "sources",
)  # fmt: skip
ROUTE_FIELDS = ("pairing", "name", "name_en", "days", "description", "description_en", "sources")


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("待审核")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已下架")


class Reviewed(models.Model):
    """What a resource and a route share: the editor's draft, the review, publication and takedown."""

    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    demo = models.BooleanField(_("示例数据"), default=False, help_text=_("演示用示例数据，公开页面标明"))
    sources = models.TextField(
        _("资料来源"), blank=True, help_text=_("每行一条：文献、档案、网页（含网址和日期）或采访记录")
    )
    created_by = user_fk(_("创建人"), optional=True)  # empty for rows an import wrote (its audit entry names the user)
    submitted_by = user_fk(_("提交人"), optional=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_by = user_fk(_("审核人"), optional=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)
    secrecy_note = models.CharField(_("保密审查说明"), max_length=300, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("下架理由"), blank=True)
    version = version_field()
    created = created_field()
    updated = updated_field()

    class Meta:
        abstract = True

    @property
    def source_lines(self) -> list[str]:
        return [line.strip() for line in self.sources.splitlines() if line.strip()]

    def english(self, chinese: str, english: str) -> str:
        """The English text in English when the editor gave one, else the Chinese."""
        return english if english and english_active() else chinese


class Resource(EnglishNamed, Reviewed):
    class Kind(models.TextChoices):
        SITE = "site", _("革命旧址、纪念设施")
        RELIC = "relic", _("革命文物")
        ARCHIVE = "archive", _("历史档案")
        ORAL = "oral", _("口述史")
        STUDY_BASE = "study_base", _("研学基地")

    class Protection(models.TextChoices):
        NATIONAL = "national", _("全国重点文物保护单位")
        PROVINCE = "province", _("省级文物保护单位")
        CITY_COUNTY = "city_county", _("市县级文物保护单位")
        GRADE_1 = "grade_1", _("一级文物")
        GRADE_2 = "grade_2", _("二级文物")
        GRADE_3 = "grade_3", _("三级文物")

    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=120)
    name_en = english_name_field()
    region = protected_fk(Region, _("所在地区"), related_name="culture_resources")
    old_area = protected_fk(OldArea, _("所属革命老区"), optional=True, related_name="culture_resources")
    latitude = models.DecimalField(
        _("纬度"),
        max_digits=8,
        decimal_places=5,
        validators=[MinValueValidator(Decimal("3.8")), MaxValueValidator(Decimal("53.6"))],
    )
    longitude = models.DecimalField(
        _("经度"),
        max_digits=8,
        decimal_places=5,
        validators=[MinValueValidator(Decimal("73.4")), MaxValueValidator(Decimal("135.1"))],
    )
    protection = models.CharField(_("保护级别"), max_length=12, choices=Protection.choices, blank=True)
    description = models.TextField(_("简介"))
    description_en = models.TextField(_("英文简介"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("红色文化资源")
        ordering = ["region_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"],
                name="culture_resource_name_in_region",
                violation_error_message=_("同一地区已有同名资源"),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_description(self) -> str:
        return self.english(self.description, self.description_en)

    def clean(self) -> None:
        """A new row (a form's or an import's) may replace only a draft of the same name and place: a submitted or
        published resource changes through its review. A row equal to it replaces nothing and passes (a city's export
        imported back changes nothing; the unique rule still refuses a second row)."""
        if self.pk is None and self.region_id and self.name:
            stored = Resource.objects.filter(region_id=self.region_id, name=self.name).exclude(status=Status.DRAFT)
            stored = stored.first()
            if stored is not None and any(
                getattr(self, f.attname) != getattr(stored, f.attname)
                for f in (Resource._meta.get_field(name) for name in RESOURCE_FIELDS)
            ):
                message = _("「%(name)s」已提交审核或已发布，须先在其页面「修改（退回草稿）」")
                raise ValidationError({"name": message % {"name": self.name}})


class Medium(models.Model):
    """A file of a resource: an image (stored without its EXIF and location data), audio or video in a format phones
    play (an oral history's recording, with its transcript), or a PDF document. Removing one hides it and keeps the
    row (``removed_at``)."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("图片")
        AUDIO = "audio", _("音频")
        VIDEO = "video", _("视频")
        DOCUMENT = "document", _("文档")

    resource = protected_fk(Resource, _("资源"), related_name="media")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to="culture/%Y/%m/")
    content_type = models.CharField(_("文件格式"), max_length=60)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    digest = models.CharField(_("SM3 摘要"), max_length=64)
    caption = models.CharField(_("说明"), max_length=200)
    caption_en = models.CharField(_("英文说明"), max_length=300, blank=True)
    alt = models.CharField(_("替代文本"), max_length=300, blank=True, help_text=_("图片的文字描述，供读屏软件朗读"))
    transcript = models.TextField(_("文字稿"), blank=True, help_text=_("口述史录音、视频的文字稿"))
    credit = models.CharField(_("来源与版权"), max_length=200)
    added_by = user_fk(_("上传人"))
    added = created_field(_("上传时间"))
    removed_at = models.DateTimeField(_("移除时间"), null=True, blank=True)
    removed_by = user_fk(_("移除人"), optional=True)

    class Meta:
        verbose_name = verbose_name_plural = _("资源媒体文件")
        ordering = ["resource_id", "pk"]

    def __str__(self) -> str:
        return self.caption

    @property
    def display_caption(self) -> str:
        return self.caption_en if self.caption_en and english_active() else self.caption


class Route(EnglishNamed, Reviewed):
    """A 精品线路 of a pairing: its days and the resources visited each day (``stops``)."""

    pairing = protected_fk(Pairing, _("结对关系"), related_name="culture_routes")
    name = models.CharField(_("线路名称"), max_length=120)
    name_en = english_name_field()
    days = models.PositiveSmallIntegerField(_("天数"), validators=[MinValueValidator(1), MaxValueValidator(30)])
    description = models.TextField(_("线路简介"))
    description_en = models.TextField(_("英文简介"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("精品线路")
        ordering = ["pairing_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "name"],
                name="culture_route_name",
                violation_error_message=_("该结对关系已有同名线路"),
            ),
            models.CheckConstraint(condition=Q(days__gte=1, days__lte=30), name="culture_route_days"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_description(self) -> str:
        return self.english(self.description, self.description_en)


class Stop(models.Model):
    route = models.ForeignKey(Route, verbose_name=_("线路"), on_delete=models.CASCADE, related_name="stops")
    day = models.PositiveSmallIntegerField(_("第几天"), validators=[MinValueValidator(1)])
    order = models.PositiveSmallIntegerField(_("当天顺序"), validators=[MinValueValidator(1)])
    resource = protected_fk(Resource, _("资源"), related_name="stops")
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("线路站点")
        ordering = ["route_id", "day", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["route", "day", "order"],
                name="culture_stop_place",
                violation_error_message=_("该线路当天已有这一顺序的站点"),
            ),
        ]

    def __str__(self) -> str:
        return f"D{self.day}-{self.order} {self.resource}"

    def clean(self) -> None:
        """The day within the route's days, the resource in its pairing's two places; also for a route not yet saved
        (an import checks every stop before it writes its route)."""
        route = self.route if self.route_id or Stop.route.is_cached(self) else None
        if route is not None and self.day and self.day > route.days:
            raise ValidationError(
                {"day": _("线路共 %(days)s 天，第 %(day)s 天不在其中") % {"days": route.days, "day": self.day}}
            )
        if route is not None and route.pairing_id and self.resource_id:
            if not in_pairing(self.resource, route.pairing):
                raise ValidationError(
                    {"resource": _("「%(resource)s」不在该结对关系的两市") % {"resource": self.resource.name}}
                )


class StudyVisit(models.Model):
    """A 研学 activity a pairing recorded, linked to a resource it visited."""

    activity = models.ForeignKey(Activity, verbose_name=_("研学活动"), on_delete=models.CASCADE, related_name="+")
    resource = models.ForeignKey(
        Resource, verbose_name=_("资源"), on_delete=models.CASCADE, related_name="study_visits"
    )
    added_by = user_fk(_("关联人"))
    added = created_field(_("关联时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("研学活动与资源")
        ordering = ["-activity__date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "resource"],
                name="culture_visit_once",
                violation_error_message=_("该研学活动已关联此资源"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} → {self.resource}"

    def clean(self) -> None:
        if self.activity_id and self.activity.kind != Activity.Kind.STUDY_TRIP:
            raise ValidationError({"activity": _("「%(title)s」不是研学活动") % {"title": self.activity.title}})
        if self.activity_id and self.resource_id:
            if not in_pairing(self.resource, self.activity.pairing):
                raise ValidationError(
                    {
                        "resource": _("「%(resource)s」不在该研学活动所属结对关系的两市")
                        % {"resource": self.resource.name}
                    }
                )
