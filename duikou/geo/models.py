from django.db import models
from django.utils.translation import gettext_lazy as _

from duikou.core.modelbits import EnglishNamed, english_active, english_name_field, protected_fk

# Length of the statistical division code at each level; provinces, prefectures and counties use the
# 6-digit form (the adcode), so the code prefix of the padded form is the hierarchy.
LEVEL_PREFIX = {"province": 2, "prefecture": 4, "county": 6, "township": 9, "village": 12}


# Names of divisions that only hold a place in the code tree (a municipality's prefectures, a province's county-level
# cities administered directly): a place is never called by them.
PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


class Region(EnglishNamed, models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        PREFECTURE = "prefecture", _("地级")
        COUNTY = "county", _("县级")
        TOWNSHIP = "township", _("乡级")
        VILLAGE = "village", _("村级")

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=100, db_index=True)
    name_en = english_name_field(120)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices, db_index=True)
    parent = protected_fk("self", _("上级"), optional=True, related_name="children")

    class Meta:
        verbose_name = verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level="province", parent__isnull=True)
                | (~models.Q(level="province") & models.Q(parent__isnull=False)),
                name="geo_region_parent_by_level",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def prefix(self) -> str:
        """The part of the code that every descendant shares."""
        return self.code[: LEVEL_PREFIX[self.level]]

    def ancestors(self) -> list["Region"]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def full_name(self) -> str:
        """The region under all its named ancestors: 河南省信阳市潢川县; in English, smallest first: 潢川县, Xinyang,
        Henan (a part without an English name stays Chinese)."""
        names = [r.display_name for r in self.ancestors() if r.name not in PLACEHOLDERS] + [self.display_name]
        return ", ".join(reversed(names)) if english_active() else "".join(names)

    @property
    def place_name(self) -> str:
        """The region after the nearest level above it that has a real name: 潢川县 → 信阳市潢川县, 浦东新区 →
        上海市浦东新区 (not 市辖区浦东新区: a municipality's prefectures are placeholders), 上海市 → 上海市; in English
        潢川县, Xinyang."""
        node = self.parent
        while node is not None and node.name in PLACEHOLDERS:
            node = node.parent
        if node is None:
            return self.display_name
        if english_active():
            return f"{self.display_name}, {node.display_name}"
        return f"{node.name}{self.name}"

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"


class OldArea(EnglishNamed, models.Model):
    """One of the 12 old revolutionary areas of 国发〔2021〕3号."""

    key = models.SlugField(_("标识"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60, unique=True)
    short_name = models.CharField(_("简称"), max_length=30)
    name_en = models.CharField(_("英文名称"), max_length=120, blank=True)
    source = models.TextField(_("出处"), blank=True)
    members = models.ManyToManyField(Region, verbose_name=_("成员地区"), blank=True, related_name="old_areas")

    class Meta:
        verbose_name = verbose_name_plural = _("革命老区")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.display_name


class Designation(models.Model):
    """A region named in a policy box: 专栏1 key assistance county, 专栏2 key county town, 专栏4 development zone."""

    class Kind(models.TextChoices):
        ASSIST_COUNTY = "assist_county", _("国家乡村振兴重点帮扶县")
        COUNTY_TOWN = "county_town", _("重点县城")
        DEV_ZONE = "dev_zone", _("重点开发区")

    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    region = protected_fk(Region, _("所在地区"), related_name="designations")
    name = models.CharField(_("名称"), max_length=120, help_text=_("文件中的原文名称"))
    source = models.CharField(_("出处"), max_length=120, help_text=_("文件与专栏，如 004 专栏1 第122行"))

    class Meta:
        verbose_name = verbose_name_plural = _("专栏名录")
        ordering = ["kind", "id"]
        constraints = [models.UniqueConstraint(fields=["kind", "name", "region"], name="geo_designation_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"
