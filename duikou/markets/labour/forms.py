from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duikou.core.forms import Styled
from duikou.geo.forms import RegionField
from duikou.geo.models import Region

from ..forms import FilterForm, RecordForm
from ..models import JobSeeker, ListingStatus, Occupation, Skill

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CodesField(forms.CharField):
    """Province or city codes separated by spaces or commas (意向地区)."""

    def to_python(self, value):
        text = (super().to_python(value) or "").replace("，", " ").replace(",", " ").replace("、", " ")
        return [part for part in text.split() if part.isdigit()]

    def prepare_value(self, value):
        if isinstance(value, list):
            return " ".join(value)
        return value


def _skills_field(label, required=False):
    return forms.MultipleChoiceField(
        label=label, required=required, choices=Skill.choices, widget=forms.CheckboxSelectMultiple
    )


class PostingFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    occupation = forms.ChoiceField(
        label=_("职业类别"), required=False, choices=[("", _("全部职业"))] + Occupation.choices
    )
    city = forms.CharField(label=_("工作地代码"), required=False, max_length=6)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态"))] + ListingStatus.choices, initial="open"
    )


class SeekerFilterForm(FilterForm):
    q = forms.CharField(label=_("姓名"), required=False, max_length=30)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态"))] + JobSeeker.Status.choices
    )
    occupation = forms.ChoiceField(
        label=_("意向职业"), required=False, choices=[("", _("全部职业"))] + Occupation.choices
    )
    skill = forms.ChoiceField(label=_("技能"), required=False, choices=[("", _("全部技能"))] + Skill.choices)


class SeekerIdSearchForm(Styled, forms.Form):
    """Find a seeker by full ID number: posted, so that the number never stands in a URL (access logs, history)."""

    id_number = forms.CharField(label=_("身份证号"), max_length=40)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style(small=True)
        self.fields["id_number"].widget.attrs["autocomplete"] = "off"


class PostingForm(RecordForm):
    employer = forms.CharField(label=_("用工单位"), max_length=120)
    title = forms.CharField(label=_("岗位名称"), max_length=120)
    region = RegionField(
        label=_("工作地点（区划代码）"),
        levels=(Region.Level.PREFECTURE, Region.Level.COUNTY),
        help_text=_("市或县（区）代码，如 320505（苏州市虎丘区）；须在结对支持方城市内"),
    )
    occupation = forms.ChoiceField(label=_("职业类别"), choices=Occupation.choices)
    skills = _skills_field(_("技能要求"))
    wage_min = forms.IntegerField(label=_("月工资下限（元）"), min_value=0)
    wage_max = forms.IntegerField(label=_("月工资上限（元）"), min_value=0)
    housing = forms.BooleanField(label=_("提供住宿"), required=False)
    headcount = forms.IntegerField(label=_("招聘人数"), min_value=1)
    valid_until = forms.DateField(label=_("有效期至"), widget=DATE)

    def clean(self):
        data = super().clean()
        if (
            data.get("wage_min") is not None
            and data.get("wage_max") is not None
            and data["wage_max"] < data["wage_min"]
        ):
            self.add_error("wage_max", _("月工资上限不能低于下限"))
        return data


class SeekerForm(RecordForm):
    name = forms.CharField(label=_("姓名"), max_length=60)
    home = RegionField(
        label=_("户籍地（县级区划代码）"), levels=(Region.Level.COUNTY,), help_text=_("如 411526（潢川县）")
    )
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("加密保存，页面只显示脱敏号码"),
    )
    phone = forms.CharField(
        label=_("电话"), max_length=20, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    occupations = forms.MultipleChoiceField(
        label=_("意向职业"), required=False, choices=Occupation.choices, widget=forms.CheckboxSelectMultiple
    )
    skills = _skills_field(_("技能"))
    trainings = _skills_field(_("已参加培训"))
    preferred_regions = CodesField(
        label=_("意向地区"),
        required=False,
        help_text=_("省或市的区划代码，空格分隔，最多 4 个，如 320000 310000；空为不限"),
    )
    expected_wage = forms.IntegerField(label=_("期望月工资（元）"), min_value=0)
    needs_housing = forms.BooleanField(label=_("需要住宿"), required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, editing=editing, **kwargs)
        if editing:  # the ID number and home are fixed once registered
            del self.fields["id_number"]
            del self.fields["home"]
            self.fields["phone"].help_text = _("留空则不修改；加密保存")


class PlacementForm(Styled, forms.Form):
    start_date = forms.DateField(label=_("上岗日期"), widget=DATE)
    wage = forms.IntegerField(label=_("月工资（元）"), min_value=1)
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("start_date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.style()


class FollowUpForm(Styled, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    done_on = forms.DateField(label=_("回访日期"), widget=DATE)
    still_employed = forms.TypedChoiceField(
        label=_("是否仍在岗"),
        choices=[("yes", _("仍在岗")), ("no", _("已离岗"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    wage = forms.IntegerField(label=_("当时月工资（元）"), min_value=1, required=False)
    note = forms.CharField(
        label=_("回访记录"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("done_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.style()


class PlanForm(Styled, forms.Form):
    k = forms.IntegerField(label=_("每方候选数（k）"), min_value=1, max_value=50, initial=10, required=False)
    city = forms.CharField(label=_("只看该地的岗位（区划代码）"), required=False, max_length=6)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style(small=True)
