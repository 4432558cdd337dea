from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from duikou.accounts import scoping
from duikou.core.forms import Styled
from duikou.geo.models import Region
from duikou.indicators.models import Indicator
from duikou.policy.models import Clause, Task

from .models import Item, Scheme


class SchemeFilterForm(Styled, forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    year = forms.IntegerField(label=_("评估年度"), required=False, min_value=2000, max_value=2100)
    level = forms.ChoiceField(label=_("层级"), required=False, choices=[("", _("全部层级"))] + Scheme.Level.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style(small=True)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"q": data.get("q") or "", "year": data.get("year"), "level": data.get("level") or ""}


class SchemeForm(Styled, forms.Form):
    year = forms.IntegerField(label=_("评估年度"), min_value=2000, max_value=2100)
    level = forms.ChoiceField(label=_("层级"), choices=Scheme.Level.choices)
    province = forms.ModelChoiceField(label=_("省份"), required=False, queryset=Region.objects.none())
    name = forms.CharField(label=_("名称"), max_length=200)
    excellent_min = forms.DecimalField(label=_("优秀分数线"), max_digits=6, decimal_places=2, initial=90)
    good_min = forms.DecimalField(label=_("良好分数线"), max_digits=6, decimal_places=2, initial=80)
    fair_min = forms.DecimalField(label=_("一般分数线"), max_digits=6, decimal_places=2, initial=60)
    cities_see_before_publication = forms.BooleanField(
        label=_("发布前城市可见本市得分"), required=False, help_text=_("勾选后，城市在结果发布前即可查看本市得分及说明")
    )
    self_assessment = forms.BooleanField(
        label=_("自评"), required=False, help_text=_("评分前，结对双方城市逐项自评并附证据")
    )
    self_assessment_due = forms.DateField(
        label=_("自评截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    partner_opinion = forms.BooleanField(
        label=_("征求结对方意见"), required=False, help_text=_("一方提交自评后，由结对方城市逐项提出意见")
    )
    opinion_due = forms.DateField(
        label=_("结对方意见截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    cross_check = forms.BooleanField(
        label=_("交叉核查"), required=False, help_text=_("由其他省份的单位抽查评估项，核查结果按理由调整得分")
    )
    cross_check_items = forms.IntegerField(
        label=_("交叉核查抽查项数"), min_value=1, max_value=100, initial=3, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_cross_check_items(self) -> int:
        return self.cleaned_data.get("cross_check_items") or 3

    def __init__(self, *args, user, levels: list[str], editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(v, label) for v, label in Scheme.Level.choices if v in levels]
        prefix = scoping.region_prefix(user)
        provinces = scoping.scope(user, Region).filter(level=Region.Level.PROVINCE).order_by("code")
        if prefix:
            provinces = provinces.filter(code__startswith=prefix[:2])
        self.fields["province"].queryset = provinces
        if editing:
            for name in ("year", "level", "province"):
                del self.fields[name]
        self.style()


class CopyForm(Styled, forms.Form):
    year = forms.IntegerField(label=_("沿用到年度"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("新方案名称"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style(small=True)


class ItemForm(Styled, forms.Form):
    order = forms.IntegerField(label=_("顺序"), required=False, min_value=0, max_value=32767)
    name = forms.CharField(label=_("评估内容"), max_length=200)
    key_task = forms.ModelChoiceField(label=_("重点任务"), queryset=Task.objects.none())
    method = forms.ChoiceField(label=_("计分方法"), choices=Item.Method.choices)
    weight = forms.DecimalField(label=_("分值"), max_digits=6, decimal_places=2)
    indicator = forms.ModelChoiceField(
        label=_("指标"), required=False, queryset=Indicator.objects.none(), help_text=_("目标完成度、达标、排名计分")
    )
    target = forms.DecimalField(
        label=_("目标值"),
        required=False,
        max_digits=18,
        decimal_places=4,
        help_text=_("结对方案未定年度目标时使用"),
    )
    cap = forms.DecimalField(
        label=_("完成度上限"),
        required=False,
        max_digits=6,
        decimal_places=3,
        initial=1,
        help_text=_("如 1.2 表示超额至多计 120%"),
    )
    threshold = forms.DecimalField(label=_("达标值"), required=False, max_digits=18, decimal_places=4)
    deduction_basis = forms.ChoiceField(
        label=_("扣分依据"), required=False, choices=[("", "—")] + Item.DeductionBasis.choices
    )
    deduction_points = forms.DecimalField(label=_("每次扣分"), required=False, max_digits=6, decimal_places=2)
    criterion = forms.CharField(
        label=_("评议标准"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("定性评议的评价要点")
    )
    drop_extremes = forms.BooleanField(label=_("去掉最高分和最低分"), required=False)
    clause = forms.ModelChoiceField(label=_("依据条款"), required=False, queryset=Clause.objects.none())
    scheme_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key_task"].queryset = scoping.scope(user, Task).filter(kind=Task.Kind.KEY_TASK).order_by("order")
        self.fields["indicator"].queryset = scoping.scope(user, Indicator).order_by("order", "code")
        self.fields["clause"].queryset = (
            scoping.scope(user, Clause)
            .filter(Q(id__startswith="fgzx-2022-766/") | Q(id__startswith="zbgb-2026-yijian/"))
            .order_by("section__document__order", "section__ordinal", "ordinal")
        )
        self.style()

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("scheme_version", None)
        return data


def item_initial(item: Item) -> dict:
    return {
        "order": item.order,
        "name": item.name,
        "key_task": item.key_task_id,
        "method": item.method,
        "weight": item.weight,
        "indicator": item.indicator_id,
        "target": item.target,
        "cap": item.cap,
        "threshold": item.threshold,
        "deduction_basis": item.deduction_basis,
        "deduction_points": item.deduction_points,
        "criterion": item.criterion,
        "drop_extremes": item.drop_extremes,
        "clause": item.clause_id,
        "scheme_version": item.scheme.version,
    }
