"""What is published on the public site, and by whose decision.

Filing a plan, accepting a report or recording a project publishes nothing: an approver of the pairing's area decides
to publish each item (公开), confirming that its 保密审查 (confidentiality review) was done, and may withdraw it. A
publication is a row; a withdrawal closes it (status, who, when, why) and publishing again opens a new row, so the
history keeps every decision. The public pages read only items with an open publication.

``Feedback`` is what the public says about a public page (公众留言): shown there only once a moderator approved it.

``Generation`` is the number the public pages' cache keys carry: every publication or withdrawal raises it in the same
transaction, so every web process reads the new number on its next request and no longer finds the old pages.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from duikou.core.modelbits import created_field, protected_fk, user_fk, version_field
from duikou.geo.models import Region
from duikou.indicators.models import Report
from duikou.pairings.models import Pairing
from duikou.plans.models import Plan
from duikou.projects.models import Project

TARGETS = ("plan", "project", "report")


def _target_is(kind: str | None) -> Q:
    """The item fields of a publication of ``kind``: its own set, the others empty (a pairing's: none set)."""
    return Q(**{f"{name}__isnull": name != kind for name in TARGETS})


class Publication(models.Model):
    class Kind(models.TextChoices):
        PAIRING = "pairing", _("省域内结对关系")
        PLAN = "plan", _("实施方案摘要")
        PROJECT = "project", _("重大项目")
        REPORT = "report", _("填报报告（已审核数据）")

    class Status(models.TextChoices):
        PUBLISHED = "published", _("已公开")
        WITHDRAWN = "withdrawn", _("已撤回")

    kind = models.CharField(_("公开内容"), max_length=10, choices=Kind.choices)
    pairing = protected_fk(Pairing, _("结对关系"), related_name="publications")
    plan = protected_fk(Plan, _("实施方案"), optional=True, related_name="publications")
    project = protected_fk(Project, _("重大项目"), optional=True, related_name="publications")
    report = protected_fk(Report, _("填报报告"), optional=True, related_name="publications")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    secrecy_confirmed = models.BooleanField(
        _("已完成保密审查"), help_text=_("公开人确认：拟公开内容已按本单位规定完成保密审查，不含涉密和个人信息")
    )
    secrecy_note = models.CharField(_("保密审查说明"), max_length=300, blank=True)
    demo = models.BooleanField(_("示例数据"), default=False, help_text=_("演示用示例数据，公开页面标明"))
    published_by = user_fk(_("公开人"))
    published_at = models.DateTimeField(_("公开时间"))
    withdrawn_by = user_fk(_("撤回人"), optional=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdraw_reason = models.TextField(_("撤回理由"), blank=True)
    version = version_field()

    class Meta:
        verbose_name = verbose_name_plural = _("公开事项")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="pairing") & _target_is(None)
                | Q(kind="plan") & _target_is("plan")
                | Q(kind="project") & _target_is("project")
                | Q(kind="report") & _target_is("report"),
                name="publication_kind_names_its_item",
            ),
            models.CheckConstraint(condition=Q(secrecy_confirmed=True), name="publication_secrecy_confirmed"),
            models.CheckConstraint(
                condition=Q(status="published", withdrawn_at__isnull=True)
                | Q(status="withdrawn", withdrawn_at__isnull=False),
                name="publication_withdrawal_dated",
            ),
            models.UniqueConstraint(
                fields=["pairing"], condition=Q(kind="pairing", status="published"), name="publication_one_pairing"
            ),
            *[
                models.UniqueConstraint(
                    fields=[name], condition=Q(status="published"), name=f"publication_one_open_{name}"
                )
                for name in TARGETS
            ],
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item}"

    @property
    def item(self):
        return getattr(self, self.kind) if self.kind != self.Kind.PAIRING else self.pairing


class Generation(models.Model):
    """A counter the public pages' cache keys carry (one row per name, "public" for the public site)."""

    name = models.CharField(_("名称"), max_length=30, primary_key=True)
    number = models.PositiveBigIntegerField(_("代数"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("公开页面缓存代数")

    def __str__(self) -> str:
        return f"{self.name} {self.number}"


FEEDBACK_MAX = 1000  # characters of a message from the public, and of a moderator's reply


class Feedback(models.Model):
    """A message from the public about one public subject (a pairing's page now; other subjects register in
    ``feedback``): its text only — nobody is asked who they are and no address is kept. It shows on the subject's
    public page once a moderator approved it (with the moderator's reply, if any); a moderator may reject it or hide
    it again, with a reason. ``pairing`` and ``region`` say who answers for it (the scoping layer)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        SHOWN = "shown", _("已公开")
        REJECTED = "rejected", _("未采纳")
        HIDDEN = "hidden", _("已撤下")

    subject_kind = models.CharField(_("留言对象类别"), max_length=20)
    subject_id = models.PositiveBigIntegerField(_("留言对象编号"))
    subject_title = models.CharField(_("留言对象"), max_length=300, help_text=_("留言时公开页面上的名称"))
    pairing = protected_fk(Pairing, _("结对关系"), optional=True, related_name="feedback")
    region = protected_fk(Region, _("地区"), optional=True, related_name="+")
    body = models.TextField(_("留言内容"), max_length=FEEDBACK_MAX)
    language = models.CharField(_("留言语言"), max_length=10)
    created = created_field(_("留言时间"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    moderated_by = user_fk(_("审核人"), optional=True)
    moderated_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reason = models.TextField(_("不予公开或撤下的理由"), blank=True)
    reply = models.TextField(_("答复"), max_length=FEEDBACK_MAX, blank=True, help_text=_("与留言一并公开"))
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    version = version_field()

    class Meta:
        verbose_name = verbose_name_plural = _("公众留言")
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["subject_kind", "subject_id", "status"], name="feedback_subject_status")]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="feedback_has_text"),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(moderated_at__isnull=False), name="feedback_decision_dated"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["rejected", "hidden"]) | ~Q(reason=""), name="feedback_refusal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_title} #{self.pk}"
