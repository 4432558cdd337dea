"""Seconded cadres and professionals by name (挂职干部与专业技术人才): each person a pairing's two cities exchange,
from the eastern city to the old area or the other way, with their home and host organisations, post, field and
period, and the work reports they file. A pairing's 干部双向挂职人数 for a period is the number of people serving at any
time within it (``queries.serving``).

The ID and phone numbers are kept as job seekers' are (``duikou.core.pii``): SM4-GCM ciphertext, keyed SM3 digest for
the duplicate check, masked copy for display. The name is shown: a 挂职 is a public appointment.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from duikou.core.modelbits import created_field, protected_fk, updated_field, user_fk, version_field
from duikou.pairings.models import Pairing


class Secondment(models.Model):
    class Direction(models.TextChoices):
        EAST_TO_OLD = "east_to_old", _("东部→老区")
        OLD_TO_EAST = "old_to_east", _("老区→东部")

    class Kind(models.TextChoices):
        CADRE = "cadre", _("挂职干部")
        PROFESSIONAL = "professional", _("专业技术人才")

    class Field(models.TextChoices):
        EDUCATION = "education", _("教育")
        HEALTH = "health", _("医疗卫生")
        INDUSTRY = "industry", _("产业")
        AGRICULTURE = "agriculture", _("农业")
        PLANNING = "planning", _("规划")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        SERVING = "serving", _("在岗")
        COMPLETED = "completed", _("期满")
        ENDED_EARLY = "ended_early", _("提前结束")

    pairing = protected_fk(Pairing, _("结对关系"), related_name="secondments")
    direction = models.CharField(_("派出方向"), max_length=12, choices=Direction.choices)
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("姓名"), max_length=60)
    id_number_enc = models.BinaryField(_("身份证号（密文）"), editable=False)
    id_number_digest = models.CharField(_("身份证号摘要"), max_length=64, editable=False, db_index=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    phone_enc = models.BinaryField(_("电话（密文）"), editable=False, null=True)
    phone_digest = models.CharField(_("电话摘要"), max_length=64, editable=False, blank=True)
    phone_masked = models.CharField(_("电话"), max_length=20, editable=False, blank=True)
    home_org = models.CharField(_("派出单位"), max_length=120)
    host_org = models.CharField(_("挂职（接收）单位"), max_length=120)
    post = models.CharField(_("挂职职务"), max_length=120)
    field = models.CharField(_("领域"), max_length=12, choices=Field.choices)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True, help_text=_("在岗期间可不填"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SERVING)
    end_reason = models.TextField(_("提前结束原因"), blank=True)
    version = version_field()
    created = created_field()
    updated = updated_field()

    ENCRYPTED = ("id_number_enc", "id_number_digest", "phone_enc", "phone_digest")

    class Meta:
        verbose_name = verbose_name_plural = _("挂职人员")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="secondment_end_after_start",
                violation_error_message=_("结束日期不能早于开始日期"),
            ),
            models.CheckConstraint(
                condition=Q(status="serving") | Q(end_date__isnull=False),
                name="secondment_ended_has_end_date",
                violation_error_message=_("已结束的挂职须有结束日期"),
            ),
            # the same person twice from the same day (a form sent twice): the overlap check catches the rest
            models.UniqueConstraint(
                fields=["id_number_digest", "start_date"],
                name="secondment_person_start",
                violation_error_message=_("此人同一天开始的挂职已登记"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.host_org} {self.post}）"

    @property
    def period_text(self) -> str:
        end = self.end_date.isoformat() if self.end_date else _("至今")
        return f"{self.start_date.isoformat()} — {end}"


class SecondmentReport(models.Model):
    """A work report the person files while serving (工作报告 / 总结)."""

    secondment = protected_fk(Secondment, _("挂职人员"), related_name="reports")
    date = models.DateField(_("日期"))
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("内容"))
    created_by = user_fk(_("填报人"), optional=True)
    created = created_field()

    class Meta:
        verbose_name = verbose_name_plural = _("挂职工作报告")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"
