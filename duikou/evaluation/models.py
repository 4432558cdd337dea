"""The annual evaluation (工作成效评估) and its supervision (通报表扬, 整改要求).

A scheme is one year's rules at one level (national, or one province): scored items, each tied to an
indicator or a qualitative criterion, a key task and a weight, and the grade cut-offs. A run applies a
scheme to the reported, approved values and keeps, for every pairing, the score of each item with its
explanation, the total, rank and grade. A published run is frozen: scores are never rewritten, a re-run is
a new run. From a published run come the commendations and the rectification notices, which are followed
to closure.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from duikou.accounts.models import Organisation
from duikou.core.modelbits import WriteGuarded, created_field, protected_fk, updated_field, user_fk, version_field
from duikou.core.models import Job
from duikou.geo.models import Region
from duikou.indicators.models import Indicator
from duikou.pairings.models import Pairing
from duikou.policy.models import Clause, Task


class FrozenRunError(ValidationError):
    def __init__(self, what):
        super().__init__(f"{what}所属的评估结果已发布，不能修改；如需调整请重新运行评估")


class FrozenSchemeError(ValidationError):
    def __init__(self, what):
        super().__init__(f"{what}所属的评估方案已有发布的评估结果，不能修改；如需调整请沿用为新方案后修改")


def _scheme_published(scheme_id) -> bool:
    return bool(scheme_id) and Run.objects.filter(scheme_id=scheme_id, status=Run.Status.PUBLISHED).exists()


class Scheme(WriteGuarded):
    """One year's evaluation rules at one level. Edited while no run of it is published; then copied forward."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("国家级")
        PROVINCE = "province", _("省级")

    year = models.PositiveSmallIntegerField(_("评估年度"))
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    province = protected_fk(
        Region, _("省份"), optional=True, related_name="+", help_text=_("省级方案评估本省老区城市的结对关系")
    )
    name = models.CharField(_("名称"), max_length=200)
    excellent_min = models.DecimalField(_("优秀分数线"), max_digits=6, decimal_places=2, default=Decimal("90"))
    good_min = models.DecimalField(_("良好分数线"), max_digits=6, decimal_places=2, default=Decimal("80"))
    fair_min = models.DecimalField(_("一般分数线"), max_digits=6, decimal_places=2, default=Decimal("60"))
    cities_see_before_publication = models.BooleanField(
        _("发布前城市可见本市得分"), default=False, help_text=_("勾选后，城市在结果发布前即可查看本市得分及说明")
    )
    copied_from = protected_fk("self", _("沿用自"), optional=True, related_name="copies")
    # the stages of the year besides scoring (东西部扶贫协作考核 2017: 自评 → 征求结对方意见 → 交叉核查 → 报告)
    self_assessment = models.BooleanField(_("自评"), default=False, help_text=_("评分前，结对双方城市逐项自评并附证据"))
    partner_opinion = models.BooleanField(
        _("征求结对方意见"), default=False, help_text=_("一方提交自评后，由结对方城市逐项提出意见")
    )
    cross_check = models.BooleanField(
        _("交叉核查"), default=False, help_text=_("由其他省份的单位抽查评估项，核查结果按理由调整得分")
    )
    cross_check_items = models.PositiveSmallIntegerField(
        _("交叉核查抽查项数"), default=3, help_text=_("每个结对关系随机抽查的评估项数")
    )
    self_assessment_due = models.DateField(_("自评截止日期"), null=True, blank=True)
    opinion_due = models.DateField(_("结对方意见截止日期"), null=True, blank=True)
    created_by = user_fk(_("创建人"))
    created = created_field()
    version = version_field()

    class Meta:
        verbose_name = verbose_name_plural = _("评估方案")
        ordering = ["-year", "level", "province__code"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(level="national", province__isnull=True))
                | (models.Q(level="province", province__isnull=False)),
                name="evaluation_scheme_level_province",
            ),
            models.CheckConstraint(
                condition=models.Q(excellent_min__gt=models.F("good_min"), good_min__gt=models.F("fair_min")),
                name="evaluation_scheme_cutoffs_ordered",
            ),
            models.UniqueConstraint(
                fields=["year", "level", "province"], name="evaluation_scheme_one_per_year_and_level"
            ),
            models.UniqueConstraint(
                fields=["year", "level"],
                condition=models.Q(province__isnull=True),
                name="evaluation_scheme_one_national_per_year",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def check_writable(self, *, deleting: bool) -> None:
        if _scheme_published(self.pk):
            raise FrozenSchemeError(f"「{self}」")

    @property
    def published(self) -> bool:
        return self.runs.filter(status=Run.Status.PUBLISHED).exists()

    def full_marks_by_task(self) -> dict[str, Decimal]:
        """Full marks per key task code; deduction items take marks away and give none."""
        full: dict[str, Decimal] = {}
        for task, weight in self.items.exclude(method=Item.Method.DEDUCTION).values_list("key_task_id", "weight"):
            full[task] = full.get(task, Decimal(0)) + weight
        return full

    def grade_for(self, total: Decimal) -> str:
        if total >= self.excellent_min:
            return Grade.EXCELLENT
        if total >= self.good_min:
            return Grade.GOOD
        if total >= self.fair_min:
            return Grade.FAIR
        return Grade.POOR


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    FAIR = "fair", _("一般")
    POOR = "poor", _("较差")


class Item(WriteGuarded):
    """One scored item of a scheme.

    Methods (the scheme's ``weight`` is the item's full marks):

    * target — ``weight × min(actual / target, cap)``; the target is the pairing's plan target for the year
      (a 年度指标目标 of its filed plan naming the indicator by code or name), else the item's own target;
    * threshold — full marks when the actual reaches the threshold (in the indicator's direction), else 0;
    * rank — ``weight × (n − rank) / (n − 1)`` among the pairings evaluated (best gets full marks);
    * deduction — ``−min(weight, points × occurrences)``: overdue rectification steps or missed reports;
    * qualitative — the reviewers' average share of full marks, optionally without the highest and lowest.
    """

    class Method(models.TextChoices):
        TARGET = "target", _("目标完成度")
        THRESHOLD = "threshold", _("达标计分")
        RANK = "rank", _("排名计分")
        DEDUCTION = "deduction", _("扣分项")
        QUALITATIVE = "qualitative", _("定性评议")

    class DeductionBasis(models.TextChoices):
        OVERDUE_RECTIFICATION = "overdue_rectification", _("整改逾期")
        MISSED_REPORTING = "missed_reporting", _("未按期填报")

    scheme = protected_fk(Scheme, _("评估方案"), related_name="items")
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    name = models.CharField(_("评估内容"), max_length=200)
    key_task = protected_fk(Task, _("重点任务"), related_name="+")
    clause = protected_fk(Clause, _("依据条款"), optional=True, related_name="+")
    weight = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)
    method = models.CharField(_("计分方法"), max_length=12, choices=Method.choices)
    indicator = protected_fk(Indicator, _("指标"), optional=True, related_name="+")
    criterion = models.TextField(_("评议标准"), blank=True, help_text=_("定性评议的评价要点"))
    target = models.DecimalField(
        _("目标值"),
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("方案未定年度目标时使用"),
    )
    cap = models.DecimalField(
        _("完成度上限"), max_digits=6, decimal_places=3, default=Decimal("1"), help_text=_("如 1.2 表示超额至多计 120%")
    )
    threshold = models.DecimalField(_("达标值"), max_digits=18, decimal_places=4, null=True, blank=True)
    deduction_basis = models.CharField(_("扣分依据"), max_length=24, choices=DeductionBasis.choices, blank=True)
    deduction_points = models.DecimalField(_("每次扣分"), max_digits=6, decimal_places=2, null=True, blank=True)
    drop_extremes = models.BooleanField(_("去掉最高分和最低分"), default=False)

    class Meta:
        verbose_name = verbose_name_plural = _("评估指标项")
        ordering = ["scheme", "order", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="evaluation_item_weight_positive"),
            models.CheckConstraint(condition=models.Q(cap__gt=0), name="evaluation_item_cap_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def check_writable(self, *, deleting: bool) -> None:
        if _scheme_published(self.scheme_id) or (
            not deleting
            and self.pk
            and _scheme_published(Item.objects.filter(pk=self.pk).values_list("scheme_id", flat=True).first())
        ):
            raise FrozenSchemeError(f"「{self}」")

    def clean(self) -> None:
        needs_indicator = (self.Method.TARGET, self.Method.THRESHOLD, self.Method.RANK)
        if self.method in needs_indicator and not self.indicator_id:
            raise ValidationError({"indicator": f"计分方法「{self.get_method_display()}」须选择指标"})
        if self.method == self.Method.THRESHOLD and self.threshold is None:
            raise ValidationError({"threshold": "达标计分须填写达标值"})
        if self.method == self.Method.DEDUCTION and (not self.deduction_basis or not self.deduction_points):
            raise ValidationError({"deduction_basis": "扣分项须选择扣分依据并填写每次扣分"})
        if self.method == self.Method.QUALITATIVE and not self.criterion.strip():
            raise ValidationError({"criterion": "定性评议须写明评价要点"})


class Review(WriteGuarded):
    """One reviewer's mark for a qualitative item and a pairing, as a share of the item's full marks (0–100)."""

    item = protected_fk(Item, _("评估指标项"), related_name="reviews")
    pairing = protected_fk(Pairing, _("结对关系"), related_name="+")
    reviewer = user_fk(_("评议人"))
    mark = models.DecimalField(_("评分（百分制）"), max_digits=5, decimal_places=2)
    comment = models.TextField(_("评议意见"), blank=True)
    updated = updated_field()
    version = version_field()

    class Meta:
        verbose_name = verbose_name_plural = _("定性评议")
        ordering = ["item", "pairing__code", "reviewer__username"]
        constraints = [
            models.UniqueConstraint(fields=["item", "pairing", "reviewer"], name="evaluation_review_unique"),
            models.CheckConstraint(condition=models.Q(mark__gte=0, mark__lte=100), name="evaluation_review_mark_range"),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.pairing} {self.reviewer}"

    def check_writable(self, *, deleting: bool) -> None:
        if _scheme_published(Item.objects.filter(pk=self.item_id).values_list("scheme_id", flat=True).first()):
            raise FrozenSchemeError(f"「{self}」")


class Run(WriteGuarded):
    """One evaluation of a scheme. Published runs are frozen; a re-run is a new run with the next number."""

    class Status(models.TextChoices):
        RUNNING = "running", _("计算中")
        DONE = "done", _("待发布")
        FAILED = "failed", _("失败")
        PUBLISHED = "published", _("已发布")

    scheme = protected_fk(Scheme, _("评估方案"), related_name="runs")
    number = models.PositiveSmallIntegerField(_("批次"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    job = models.ForeignKey(Job, verbose_name=_("后台任务"), null=True, blank=True, on_delete=models.SET_NULL)
    scheme_snapshot = models.JSONField(_("方案快照"), default=dict, help_text=_("运行时方案的全部内容"))
    entropy_weights = models.JSONField(_("熵权"), default=dict, blank=True)
    started_by = user_fk(_("发起人"))
    started = created_field(_("运行时间"))
    finished = models.DateTimeField(_("完成时间"), null=True, blank=True)
    published_by = user_fk(_("发布人"), optional=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    version = version_field()

    class Meta:
        verbose_name = verbose_name_plural = _("评估批次")
        ordering = ["scheme", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "number"], name="evaluation_run_number_unique"),
            models.UniqueConstraint(
                fields=["scheme"],
                condition=models.Q(status="published"),
                name="evaluation_run_one_published_per_scheme",
            ),
        ]

    def __str__(self) -> str:
        return _("%(scheme)s 第%(number)s次") % {"scheme": self.scheme, "number": self.number}

    def check_writable(self, *, deleting: bool) -> None:
        if not deleting and self.pk and Run.objects.filter(pk=self.pk, status=self.Status.PUBLISHED).exists():
            raise FrozenRunError(f"「{self}」")

    @property
    def published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def state(self) -> str:
        """The one state shown for the run: its own status, except that a run still marked 计算中 whose job has
        ended (cancelled while waiting, failed after a worker died) has failed, as the job says."""
        if self.status == self.Status.RUNNING and self.job_id and self.job.status in Job.FINAL:
            return self.Status.FAILED
        return self.status

    def get_state_display(self) -> str:
        return self.Status(self.state).label


class _FrozenWithRun(WriteGuarded):
    """Rows of a run: refused once the run is published."""

    class Meta:
        abstract = True

    def check_writable(self, *, deleting: bool) -> None:
        if Run.objects.filter(pk=self.run_id, status=Run.Status.PUBLISHED).exists():
            raise FrozenRunError(f"「{self}」")


class Reporting(models.TextChoices):
    """Whether a pairing reported what was due of it in the evaluated year (indicators.queries.report_states).

    A pairing with no report due that year (no data set asks it for one, no period's due date has passed, or its
    period begins after the year) is listed apart: not scored, ranked or graded. One that missed a report when it
    was due is scored, ranked and graded as usual (the missed-report deduction applies) and marked beside its grade.
    """

    REPORTED = "reported", _("已填报")
    MISSED = "missed", _("未按时填报")
    NONE_DUE = "none_due", _("无应报数据")


class Result(_FrozenWithRun):
    """A pairing's outcome in a run: total, rank, grade, scores per key task, and the TOPSIS second view.

    A pairing with no report due in the year (``Reporting.NONE_DUE``) has a row without total, rank or grade, so
    the ranking, the documents and the API all list it apart; the ranking numbers only the others."""

    run = protected_fk(Run, _("评估批次"), related_name="results")
    pairing = protected_fk(Pairing, _("结对关系"), related_name="+")
    total = models.DecimalField(_("总分"), max_digits=8, decimal_places=2, null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("排名"), null=True, blank=True)
    grade = models.CharField(_("等次"), max_length=10, choices=Grade.choices, blank=True)
    reporting = models.CharField(
        _("填报情况"), max_length=10, choices=Reporting.choices, default=Reporting.REPORTED, db_index=True
    )
    reporting_note = models.TextField(
        _("填报情况说明"), blank=True, help_text=_("无应报数据的原因，或未按时填报的报告期和数据集")
    )
    task_scores = models.JSONField(_("分任务得分"), default=dict, help_text=_("重点任务代码 → 得分"))
    topsis_score = models.DecimalField(_("TOPSIS 贴近度"), max_digits=8, decimal_places=6, null=True, blank=True)
    topsis_rank = models.PositiveSmallIntegerField(_("TOPSIS 排名"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("评估结果")
        ordering = ["run", models.F("rank").asc(nulls_last=True), "pairing__code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "pairing"], name="evaluation_result_unique"),
            models.CheckConstraint(
                condition=(
                    models.Q(reporting="none_due", total__isnull=True, rank__isnull=True, grade="")
                    | (
                        models.Q(reporting__in=["reported", "missed"], total__isnull=False, rank__isnull=False)
                        & ~models.Q(grade="")
                    )
                ),
                name="evaluation_result_ranked_unless_none_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run} {self.pairing}"

    @property
    def ranked(self) -> bool:
        return self.reporting != Reporting.NONE_DUE

    @property
    def missed(self) -> bool:
        return self.reporting == Reporting.MISSED


def ranking_order() -> tuple:
    """Results in rank order, the unranked (no report due) last on every database (SQLite puts NULL first)."""
    return (models.F("rank").asc(nulls_last=True), "pairing__code")


class Score(_FrozenWithRun):
    """One item's score for one pairing in a run, with what it was computed from."""

    run = protected_fk(Run, _("评估批次"), related_name="scores")
    pairing = protected_fk(Pairing, _("结对关系"), related_name="+")
    item = protected_fk(Item, _("评估指标项"), related_name="scores")
    score = models.DecimalField(_("得分"), max_digits=8, decimal_places=2)
    actual = models.DecimalField(_("实际值"), max_digits=18, decimal_places=4, null=True, blank=True)
    target = models.DecimalField(_("目标值"), max_digits=18, decimal_places=4, null=True, blank=True)
    explanation = models.TextField(_("计分说明"))
    inputs = models.JSONField(
        _("计分依据"), default=dict, help_text=_("所用数值（报告期、状态）、目标来源、规则和中间结果")
    )

    class Meta:
        verbose_name = verbose_name_plural = _("评估得分")
        ordering = ["run", "pairing__code", "item__order", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "pairing", "item"], name="evaluation_score_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.run} {self.pairing} {self.item}"


class Commendation(models.Model):
    """A pairing on the commendation list (通报表扬) of a published run."""

    run = protected_fk(Run, _("评估批次"), related_name="commendations")
    pairing = protected_fk(Pairing, _("结对关系"), related_name="+")
    reason = models.TextField(_("表扬事由"))
    created_by = user_fk(_("生成人"))
    created = created_field(_("生成时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("通报表扬")
        ordering = ["run", "pairing__code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "pairing"], name="evaluation_commendation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.run} {self.pairing}"


class Notice(models.Model):
    """A rectification notice (整改要求) from a published run, followed to closure.

    issued → received → measures reported → verified → closed. Each step has a due date. A notice starts at the
    issuer's level: under province supervision when a province issues it (from its own evaluation), under national
    supervision when the national overseer does; a province-level step left overdue escalates the notice to the
    national overseer. A notice flagged as a major problem is on the national overseer's desk whatever its level.
    Notices issued together (several pairings at once) share a ``batch`` and consecutive numbers.
    """

    class Status(models.TextChoices):
        ISSUED = "issued", _("已下发")
        RECEIVED = "received", _("已签收")
        REPORTED = "reported", _("已报整改措施")
        VERIFIED = "verified", _("已核验")
        CLOSED = "closed", _("已销号")

    class Level(models.TextChoices):
        PROVINCE = "province", _("省级督办")
        NATIONAL = "national", _("国家督办")

    run = protected_fk(Run, _("评估批次"), related_name="notices")
    pairing = protected_fk(Pairing, _("结对关系"), related_name="+")
    number = models.CharField(_("文号"), max_length=60, unique=True)
    responsible = protected_fk(Organisation, _("责任单位"), related_name="rectification_notices")
    finding = models.TextField(_("存在问题"))
    measures_required = models.TextField(_("整改要求"))
    deadline = models.DateField(_("整改时限"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ISSUED)
    step_due = models.DateField(_("本环节时限"))
    supervision_level = models.CharField(_("督办层级"), max_length=10, choices=Level.choices, default=Level.PROVINCE)
    escalated_at = models.DateTimeField(_("升级督办时间"), null=True, blank=True)
    major = models.BooleanField(_("重大问题"), default=False, help_text=_("重大问题报国家层面跟踪"))
    measures_reported = models.TextField(_("整改措施及成效"), blank=True)
    verification = models.TextField(_("核验意见"), blank=True)
    issued_by = user_fk(_("下发人"))
    issued_at = created_field(_("下发时间"))
    batch = models.UUIDField(
        _("批量下发批次"), null=True, blank=True, editable=False, db_index=True, help_text=_("同一次批量下发的整改通知")
    )
    received_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    reported_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    version = version_field()

    class Meta:
        verbose_name = verbose_name_plural = _("整改通知")
        ordering = ["status", "step_due", "pk"]

    def __str__(self) -> str:
        return self.number

    @property
    def open(self) -> bool:
        return self.status != self.Status.CLOSED


class Side(models.TextChoices):
    """The two sides of a pairing (``pairings.sides``)."""

    OLD = "old", _("革命老区城市")
    PARTNER = "partner", _("支持方城市")


class SelfGrade(models.TextChoices):
    """The grades of the east–west cooperation evaluation (2017): 好 / 较好 / 一般 / 差."""

    GOOD = "good", _("好")
    FAIRLY_GOOD = "fairly_good", _("较好")
    AVERAGE = "average", _("一般")
    POOR = "poor", _("差")


class SelfAssessment(WriteGuarded):
    """One side's self-assessment (自评) of a pairing under a scheme: per item a grade or self-score and a statement
    with evidence; submitted (locked) by the side's city by the scheme's due date, then given the partner city's
    opinion (征求结对方意见) when the scheme asks for it. Who takes which step is ``assessment.workflow``."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("填写中")
        SUBMITTED = "submitted", _("已提交")
        REVIEWED = "reviewed", _("结对方已提出意见")

    scheme = protected_fk(Scheme, _("评估方案"), related_name="self_assessments")
    pairing = protected_fk(Pairing, _("结对关系"), related_name="+")
    side = models.CharField(_("自评方"), max_length=8, choices=Side.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = user_fk(_("填写人"))
    created = created_field()
    submitted_by = user_fk(_("提交人"), optional=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    opinion_by = user_fk(_("意见提出人"), optional=True)
    opinion_at = models.DateTimeField(_("意见提出时间"), null=True, blank=True)
    version = version_field()

    class Meta:
        verbose_name = verbose_name_plural = _("自评")
        ordering = ["scheme", "pairing__code", "side"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "pairing", "side"], name="evaluation_selfassessment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.pairing} {self.get_side_display()}自评"

    def check_writable(self, *, deleting: bool) -> None:
        if _scheme_published(self.scheme_id):
            raise FrozenSchemeError(f"「{self}」")

    @property
    def step_due(self):
        """The due date of the step the assessment waits for: the scheme's self-assessment or opinion date."""
        if self.status == self.Status.DRAFT:
            return self.scheme.self_assessment_due
        if self.status == self.Status.SUBMITTED:
            return self.scheme.opinion_due
        return None


class SelfAssessmentEntry(WriteGuarded):
    """One item of a self-assessment, with the partner's opinion on it."""

    class Opinion(models.TextChoices):
        AGREE = "agree", _("同意")
        DISAGREE = "disagree", _("不同意")

    assessment = protected_fk(SelfAssessment, _("自评"), related_name="entries")
    item = protected_fk(Item, _("评估指标项"), related_name="+")
    grade = models.CharField(_("自评等次"), max_length=12, choices=SelfGrade.choices, blank=True)
    self_score = models.DecimalField(_("自评分"), max_digits=8, decimal_places=2, null=True, blank=True)
    statement = models.TextField(_("自评说明"), blank=True)
    evidence = models.TextField(_("佐证材料"), blank=True, help_text=_("文件名、链接或平台内记录，每行一项"))
    opinion = models.CharField(_("结对方意见"), max_length=10, choices=Opinion.choices, blank=True)
    opinion_reason = models.TextField(_("意见理由"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("自评条目")
        ordering = ["assessment", "item__order", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="evaluation_selfassessmententry_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} {self.item}"

    def check_writable(self, *, deleting: bool) -> None:
        if _scheme_published(Item.objects.filter(pk=self.item_id).values_list("scheme_id", flat=True).first()):
            raise FrozenSchemeError(f"「{self}」")


class CrossCheck(WriteGuarded):
    """A cross-check (交叉核查) of one pairing under a scheme by an organisation of another province, on a sample of
    the scheme's items drawn with a recorded seed (the same seed draws the same items). Its findings adjust the
    items' scores, each with a reason, once the reviewers confirm them (``assessment.workflow``)."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("核查中")
        REPORTED = "reported", _("已报送核查结果")

    scheme = protected_fk(Scheme, _("评估方案"), related_name="cross_checks")
    pairing = protected_fk(Pairing, _("结对关系"), related_name="+")
    reviewer = protected_fk(Organisation, _("核查单位"), related_name="cross_checks")
    seed = models.BigIntegerField(_("抽样种子"), help_text=_("以同一种子可复现抽样结果"))
    sample = models.JSONField(_("抽查评估项"), default=list, help_text=_("抽中的评估项编号，按抽样顺序"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ASSIGNED)
    assigned_by = user_fk(_("指派人"))
    assigned_at = created_field(_("指派时间"))
    reported_by = user_fk(_("报送人"), optional=True)
    reported_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    version = version_field()

    class Meta:
        verbose_name = verbose_name_plural = _("交叉核查")
        ordering = ["scheme", "pairing__code"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "pairing"], name="evaluation_crosscheck_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.pairing} 交叉核查（{self.reviewer}）"

    def check_writable(self, *, deleting: bool) -> None:
        if _scheme_published(self.scheme_id):
            raise FrozenSchemeError(f"「{self}」")

    step_due = None  # the scheme sets no date for the cross-check


class Finding(WriteGuarded):
    """A reviewer's finding on one sampled item, and the adjustment of its score with the reason for it."""

    cross_check = protected_fk(CrossCheck, _("交叉核查"), related_name="findings")
    item = protected_fk(Item, _("评估指标项"), related_name="+")
    finding = models.TextField(_("核查发现"))
    adjustment = models.DecimalField(
        _("得分调整"), max_digits=8, decimal_places=2, default=Decimal("0"), help_text=_("正数加分，负数减分")
    )
    reason = models.TextField(_("调整理由"), blank=True)
    recorded_by = user_fk(_("记录人"))
    updated = updated_field()

    class Meta:
        verbose_name = verbose_name_plural = _("核查发现")
        ordering = ["cross_check", "item__order", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["cross_check", "item"], name="evaluation_finding_unique"),
            models.CheckConstraint(
                condition=models.Q(adjustment=0) | ~models.Q(reason=""), name="evaluation_finding_reason_required"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cross_check} {self.item}"

    def check_writable(self, *, deleting: bool) -> None:
        if _scheme_published(Item.objects.filter(pk=self.item_id).values_list("scheme_id", flat=True).first()):
            raise FrozenSchemeError(f"「{self}」")


EVALUATION_MODELS = [
    Scheme,
    Item,
    Review,
    Run,
    Result,
    Score,
    Commendation,
    Notice,
    SelfAssessment,
    SelfAssessmentEntry,
    CrossCheck,
    Finding,
]
