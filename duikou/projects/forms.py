from django import forms
from django.utils.translation import gettext_lazy as _

from duikou.accounts import scoping
from duikou.core.forms import Styled
from duikou.geo.forms import RegionField
from duikou.geo.models import Region
from duikou.pairings.queries import pairings_for
from duikou.policy.models import Task

from . import queries
from .models import KIND_FIELDS, TYPED_FIELDS, Activity, FundingSource, FundTransaction, Industry, Project

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _pairing_choices(user, empty_label):
    return [("", empty_label)] + [
        (p.pk, f"{p.code} {p.old_region.name}—{p.partner_region.name}") for p in pairings_for(user, status="")
    ]


def _key_tasks(user):
    return scoping.scope(user, Task).filter(kind=Task.Kind.KEY_TASK).order_by("order")


class ProjectFilterForm(Styled, forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    pairing = forms.TypedChoiceField(label=_("结对关系"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态"))] + Project.Status.choices)
    industry = forms.ChoiceField(label=_("产业"), required=False, choices=[("", _("全部产业"))] + Industry.choices)
    key_task = forms.ChoiceField(label=_("重点任务"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pairing"].choices = _pairing_choices(user, _("全部结对"))
        self.fields["key_task"].choices = [("", _("全部任务"))] + [(t.code, str(t)) for t in _key_tasks(user)]
        self.style(small=True)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": data.get("q") or "",
            "pairing": data.get("pairing"),
            "status": data.get("status") or "",
            "industry": data.get("industry") or "",
            "key_task": data.get("key_task") or "",
        }


class ActivityFilterForm(Styled, forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部类型"))] + Activity.Kind.choices)
    pairing = forms.TypedChoiceField(label=_("结对关系"), required=False, coerce=int, empty_value=None)
    since = forms.DateField(label=_("起始日期"), required=False, widget=DATE)
    until = forms.DateField(label=_("截止日期"), required=False, widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pairing"].choices = _pairing_choices(user, _("全部结对"))
        self.style(small=True)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": data.get("q") or "",
            "kind": data.get("kind") or "",
            "pairing": data.get("pairing"),
            "since": data.get("since"),
            "until": data.get("until"),
        }


class ProjectForm(Styled, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    pairing = forms.ModelChoiceField(label=_("结对关系"), queryset=None)
    name = forms.CharField(label=_("项目名称"), max_length=200)
    industry = forms.ChoiceField(label=_("产业"), choices=Industry.choices)
    key_task = forms.ModelChoiceField(label=_("重点任务"), queryset=None)
    location = RegionField(label=_("所在县区代码"), help_text=_("县级区划代码，如 411526（潢川县）；可从提示中选择"))
    park = forms.CharField(label=_("共建园区"), required=False, max_length=120)
    investment_planned = forms.DecimalField(label=_("计划投资（万元）"), min_value=0, decimal_places=2, initial=0)
    investment_signed = forms.DecimalField(label=_("签约投资（万元）"), min_value=0, decimal_places=2, initial=0)
    investment_in_place = forms.DecimalField(label=_("到位资金（万元）"), min_value=0, decimal_places=2, initial=0)
    funding_sources = forms.MultipleChoiceField(
        label=_("资金来源"), required=False, choices=FundingSource.choices, widget=forms.CheckboxSelectMultiple
    )
    land_quota_guarantee = forms.BooleanField(label=_("用地计划指标重点保障"), required=False)
    start_date = forms.DateField(
        label=_("项目起始日期"), required=False, widget=DATE, help_text=_("空白时按结对期限的起始年份")
    )
    end_date = forms.DateField(
        label=_("项目截止日期"), required=False, widget=DATE, help_text=_("空白时按结对期限的截止年份")
    )
    status = forms.ChoiceField(label=_("状态"), choices=Project.Status.choices)
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)

    def __init__(self, *args, user, project: Project | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pairing"].queryset = queries.pairings_to_record(user)
        self.fields["pairing"].label_from_instance = lambda p: f"{p.code} {p}"
        self.fields["key_task"].queryset = _key_tasks(user)
        if project is not None:  # the pairing of a project is fixed when it is created
            del self.fields["pairing"]
        else:
            del self.fields["version"]
        self.counties = _counties_for(user)
        self.fields["location"].widget.attrs["list"] = "county-options"
        self.style()


def _counties_for(user) -> list[Region]:
    prefixes = sorted(
        {side.prefix for p in queries.pairings_to_record(user) for side in (p.old_region, p.partner_region)}
    )
    counties: list[Region] = []
    for prefix in prefixes[:40]:
        counties += Region.objects.filter(level=Region.Level.COUNTY, code__startswith=prefix).order_by("code")
    return counties


def project_initial(project: Project) -> dict:
    data = {name: getattr(project, name) for name in ProjectForm.base_fields if hasattr(project, name)}
    data["key_task"] = project.key_task_id
    data["location"] = project.location
    return data


class MilestoneForm(Styled, forms.Form):
    name = forms.CharField(label=_("节点名称"), max_length=200)
    due_date = forms.DateField(label=_("计划完成日期"), widget=DATE)
    done_date = forms.DateField(label=_("实际完成日期"), required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class ProgressUpdateForm(Styled, forms.Form):
    date = forms.DateField(label=_("进展日期"), widget=DATE)
    text = forms.CharField(label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)
    files = MultipleFileField(label=_("佐证材料"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class ActivityForm(Styled, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    pairing = forms.ModelChoiceField(label=_("结对关系"), queryset=None)
    kind = forms.ChoiceField(label=_("类型"), choices=Activity.Kind.choices)
    key_task = forms.ModelChoiceField(label=_("重点任务"), queryset=None)
    date = forms.DateField(label=_("日期"), widget=DATE)
    title = forms.CharField(label=_("标题"), max_length=200)
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)

    def __init__(self, *args, user, activity: Activity | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pairing"].queryset = queries.pairings_to_record(user)
        self.fields["pairing"].label_from_instance = lambda p: f"{p.code} {p}"
        self.fields["key_task"].queryset = _key_tasks(user)
        for name in TYPED_FIELDS:
            field = Activity._meta.get_field(name).formfield(required=False)
            if name in ("delegation_level", "exchange_direction"):
                field.choices = [("", "—")] + list(Activity._meta.get_field(name).choices)
            self.fields[name] = field
        self.order_fields(["version", "pairing", "kind", "key_task", "date", "title", *TYPED_FIELDS, "note"])
        if activity is not None:
            del self.fields["pairing"]
        else:
            del self.fields["version"]
        self.style()

    def clean(self):
        data = super().clean()
        # the page hides the columns of other kinds; what was typed there before switching kind is dropped
        wanted = KIND_FIELDS.get(data.get("kind"), ())
        for name in TYPED_FIELDS:
            if name not in wanted:
                data[name] = None
        return data

    def rows(self):
        """Each visible field with the kinds it belongs to ("" for the fields every kind has)."""
        for bound in self.visible_fields():
            kinds = " ".join(k for k, names in KIND_FIELDS.items() if bound.name in names)
            yield bound, kinds


def activity_initial(activity: Activity) -> dict:
    data = {name: getattr(activity, name) for name in ("version", "kind", "date", "title", "note", *TYPED_FIELDS)}
    data["key_task"] = activity.key_task_id
    return data


class FundTransactionForm(Styled, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=FundTransaction.Kind.choices)
    date = forms.DateField(label=_("日期"), widget=DATE)
    amount_wan = forms.DecimalField(label=_("金额（万元）"), max_digits=14, decimal_places=2)
    source = forms.ChoiceField(label=_("资金来源"), choices=FundingSource.choices)
    provider = forms.CharField(label=_("提供方"), required=False, max_length=120)
    receiver = forms.CharField(label=_("接收方"), required=False, max_length=120)
    reference = forms.CharField(label=_("文号或凭证号"), required=False, max_length=80)
    note = forms.CharField(label=_("备注"), required=False, max_length=4000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style(small=True)


class FundCancelForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("作废原因"), max_length=2000)


class FundFilterForm(Styled, forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    pairing = forms.TypedChoiceField(label=_("结对关系"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型"))] + FundTransaction.Kind.choices
    )
    since = forms.DateField(label=_("起始日期"), required=False, widget=DATE)
    until = forms.DateField(label=_("截止日期"), required=False, widget=DATE)
    by = forms.ChoiceField(
        label=_("合计期间"),
        required=False,
        choices=[("year", _("按年")), ("quarter", _("按季")), ("month", _("按月"))],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pairing"].choices = _pairing_choices(user, _("全部结对"))
        self.style(small=True)

    def period(self) -> str:
        """The period the figures above the list add up by: year (default), quarter or month."""
        return (self.cleaned_data.get("by") if self.is_valid() else "") or "year"

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": data.get("q") or "",
            "pairing": data.get("pairing"),
            "kind": data.get("kind") or "",
            "since": data.get("since"),
            "until": data.get("until"),
        }


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV")])
