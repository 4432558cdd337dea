from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from duikou.core.modelbits import protected_fk, version_field
from duikou.geo.models import OldArea, Region


class Pairing(models.Model):
    """An old-area region paired with a supporting region.

    Pairings are optimised over time (2026 意见 item 20): a change of partner or period is a new dated record
    that ``supersedes`` the old one, never an overwrite. Only the working profile (mechanism, contacts, note)
    is edited in place, with optimistic concurrency on ``version``.
    """

    class Level(models.TextChoices):
        NATIONAL = "national", _("国家确定")
        PROVINCE = "province", _("省域内结对")
        SUB = "sub", _("区县结对")
        INSTITUTION = "institution", _("机构结对")

    class InstitutionKind(models.TextChoices):
        NONE = "", _("—")
        HOSPITAL = "hospital", _("医院")
        SCHOOL = "school", _("学校")
        PARK = "park", _("园区")

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        ENDED = "ended", _("已调整")

    code = models.CharField(_("编号"), max_length=20, unique=True)
    old_region = protected_fk(Region, _("革命老区方"), related_name="pairings_as_old")
    old_area = protected_fk(OldArea, _("所属革命老区"), optional=True, related_name="pairings")
    partner_region = protected_fk(Region, _("支持方"), related_name="pairings_as_partner")
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices)
    institution_kind = models.CharField(
        _("机构类别"), max_length=10, choices=InstitutionKind.choices, blank=True, default=""
    )
    parent = protected_fk("self", _("上级结对"), optional=True, related_name="children")
    start_year = models.PositiveSmallIntegerField(_("起始年份"))
    end_year = models.PositiveSmallIntegerField(_("截止年份"))
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("取代"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    change_reason = models.TextField(_("调整理由"), blank=True)
    source_clause = protected_fk("policy.Clause", _("依据条款"), optional=True, related_name="pairings")
    # Working profile, edited by either side.
    mechanism = models.TextField(_("工作机制"), blank=True, help_text=_("联席会议、协调机构、对接方式等"))
    contacts = models.TextField(_("联络人"), blank=True)
    note = models.TextField(_("备注"), blank=True)
    version = version_field()

    class Meta:
        verbose_name = verbose_name_plural = _("结对关系")
        ordering = ["level", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_year__gte=models.F("start_year")), name="pairing_period"),
            models.CheckConstraint(
                condition=~models.Q(old_region=models.F("partner_region")), name="pairing_distinct_sides"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="pairing_validity",
            ),
            models.CheckConstraint(
                condition=models.Q(status="active", valid_to__isnull=True)
                | models.Q(status="ended", valid_to__isnull=False),
                name="pairing_status_matches_validity",
            ),
            models.UniqueConstraint(
                fields=["old_region", "partner_region", "level", "institution_kind"],
                condition=models.Q(status="active"),
                name="pairing_one_active_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.old_region.display_name}—{self.partner_region.display_name}"

    def clean(self) -> None:
        if self.level == self.Level.INSTITUTION and not self.institution_kind:
            raise ValidationError({"institution_kind": _("机构结对须注明机构类别")})
        if self.level != self.Level.INSTITUTION and self.institution_kind:
            raise ValidationError({"institution_kind": _("只有机构结对才有机构类别")})

    @property
    def label(self) -> str:
        area = f"（{self.old_area.name}）" if self.old_area_id else ""
        return f"{self.old_region.name}{area}——{self.partner_region.name}"

    def chain(self) -> list["Pairing"]:
        """This pairing's history: the records it superseded, oldest first, then itself and its successors."""
        back, node = [], self.supersedes
        while node is not None:
            back.append(node)
            node = node.supersedes
        forward, node = [], getattr(self, "superseded_by", None)
        while node is not None:
            forward.append(node)
            node = getattr(node, "superseded_by", None)
        return list(reversed(back)) + [self] + forward
