from django.db import models
from django.utils.translation import gettext_lazy as _

from duikou.core.modelbits import EnglishNamed, english_active, protected_fk


class Document(models.Model):
    """A source policy document, kept as sections and clauses with stable ids."""

    id = models.SlugField(_("文件标识"), max_length=40, primary_key=True)
    title = models.CharField(_("标题"), max_length=200)
    title_en = models.CharField(_("英文标题"), max_length=300, blank=True)
    doc_number = models.CharField(_("文号"), max_length=60, blank=True)
    issuer = models.CharField(_("发文机关"), max_length=120, blank=True)
    year = models.PositiveSmallIntegerField(_("年份"))
    date = models.DateField(_("成文日期"), null=True, blank=True)
    seed_file = models.CharField(_("来源文件"), max_length=60)
    preamble = models.TextField(_("导语"), blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("政策文件")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """The title in the active language, where the document has an English one."""
        return self.title_en if self.title_en and english_active() else self.title


class Section(models.Model):
    id = models.CharField(_("标识"), max_length=60, primary_key=True)
    document = protected_fk(Document, _("文件"), related_name="sections")
    ordinal = models.PositiveSmallIntegerField(_("序号"))
    number = models.CharField(_("编号"), max_length=10, blank=True)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    intro = models.TextField(_("引言"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("章节")
        ordering = ["document__order", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["document", "ordinal"], name="policy_section_ordinal")]

    def __str__(self) -> str:
        return f"{self.number}、{self.title}" if self.number else self.title


class Clause(models.Model):
    """A numbered clause; its id (e.g. ``fgzx-2022-766/3/5`` for 三(五)) is stable and citable."""

    id = models.CharField(_("条款标识"), max_length=60, primary_key=True)
    section = protected_fk(Section, _("章节"), related_name="clauses")
    ordinal = models.PositiveSmallIntegerField(_("序号"))
    number = models.CharField(_("编号"), max_length=10, blank=True)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    text = models.TextField(_("正文"))

    class Meta:
        verbose_name = verbose_name_plural = _("条款")
        ordering = ["section__document__order", "section__ordinal", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["section", "ordinal"], name="policy_clause_ordinal")]

    def __str__(self) -> str:
        return f"{self.id} {self.title or self.text[:20]}"

    @property
    def document_id(self) -> str:
        return self.id.split("/", 1)[0]


class Box(models.Model):
    """A 专栏 (box) of a document, such as 专栏1's list of key assistance counties."""

    document = protected_fk(Document, _("文件"), related_name="boxes")
    number = models.CharField(_("编号"), max_length=20)
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("正文"))

    class Meta:
        verbose_name = verbose_name_plural = _("专栏")
        ordering = ["document__order", "id"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="policy_box_number")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Task(EnglishNamed, models.Model):
    """The task taxonomy: the 5 key tasks of the 2022 方案 and the items of the 2026 意见."""

    class Kind(models.TextChoices):
        KEY_TASK = "key_task", _("重点任务")
        OPINION_ITEM = "opinion_item", _("意见条目")

    code = models.CharField(_("代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=120)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    clause = protected_fk(Clause, _("出处条款"), related_name="tasks")
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("任务")
        ordering = ["order"]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"


class DecomposedTask(models.Model):
    """A task as an eastern city decomposed it (seed 003), with its named responsible units."""

    document = protected_fk(Document, _("文件"), related_name="decomposed")
    ordinal = models.PositiveSmallIntegerField(_("序号"))
    number = models.CharField(_("编号"), max_length=10, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("正文"))
    key_task = protected_fk(Task, _("对应重点任务"), optional=True)
    responsible_units = models.ManyToManyField(
        "accounts.Organisation", verbose_name=_("责任单位"), blank=True, related_name="decomposed_tasks"
    )

    class Meta:
        verbose_name = verbose_name_plural = _("分解任务")
        ordering = ["document", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["document", "ordinal"], name="policy_decomposed_ordinal")]

    def __str__(self) -> str:
        return self.title
