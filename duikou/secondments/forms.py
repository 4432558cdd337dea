from django import forms
from django.utils.translation import gettext_lazy as _

from duikou.core.forms import Styled

from . import queries
from .models import Secondment

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SECRET = {"autocomplete": "off"}


class FilterForm(Styled, forms.Form):
    """The list's filters; ``filters()`` gives every value, empty where not given or not valid."""

    q = forms.CharField(label=_("姓名或单位"), required=False, max_length=60)
    pairing = forms.TypedChoiceField(label=_("结对关系"), required=False, coerce=int, empty_value=None)
    direction = forms.ChoiceField(
        label=_("派出方向"), required=False, choices=[("", _("全部方向")), *Secondment.Direction.choices]
    )
    field = forms.ChoiceField(label=_("领域"), required=False, choices=[("", _("全部领域")), *Secondment.Field.choices])
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *Secondment.Status.choices]
    )
    serving_on = forms.DateField(label=_("在岗日期"), required=False, widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pairing"].choices = [("", _("全部结对关系"))] + [
            (p.pk, f"{p.code} {p}") for p in queries.pairings_to_read(user)
        ]
        self.style(small=True)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            key: data.get(key) or ("" if key in ("q", "direction", "field", "status") else None) for key in self.fields
        }


class SecondmentForm(Styled, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    pairing = forms.ModelChoiceField(label=_("结对关系"), queryset=None)
    direction = forms.ChoiceField(label=_("派出方向"), choices=Secondment.Direction.choices)
    kind = forms.ChoiceField(label=_("类别"), choices=Secondment.Kind.choices)
    name = forms.CharField(label=_("姓名"), max_length=60)
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=40,
        widget=forms.TextInput(attrs=SECRET),
        help_text=_("加密保存，页面只显示脱敏号码"),
    )
    phone = forms.CharField(label=_("电话"), max_length=20, required=False, widget=forms.TextInput(attrs=SECRET))
    home_org = forms.CharField(label=_("派出单位"), max_length=120)
    host_org = forms.CharField(label=_("挂职（接收）单位"), max_length=120)
    post = forms.CharField(label=_("挂职职务"), max_length=120)
    field = forms.ChoiceField(label=_("领域"), choices=Secondment.Field.choices)
    start_date = forms.DateField(label=_("开始日期"), widget=DATE)
    end_date = forms.DateField(label=_("结束日期"), required=False, widget=DATE, help_text=_("在岗期间可不填"))

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # the pairing and the person are fixed once recorded
            del self.fields["pairing"]
            del self.fields["id_number"]
            self.fields["phone"].help_text = _("留空则不修改；加密保存")
        else:
            del self.fields["version"]
            self.fields["pairing"].queryset = queries.pairings_to_record(user)
            self.fields["pairing"].label_from_instance = lambda p: f"{p.code} {p}"
        self.style()


class EndForm(Styled, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label=_("结束日期"), widget=DATE)
    early = forms.TypedChoiceField(
        label=_("结束方式"),
        choices=[("0", _("期满")), ("1", _("提前结束"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(
        label=_("提前结束原因"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style(small=True)


class ReportForm(Styled, forms.Form):
    date = forms.DateField(label=_("日期"), widget=DATE)
    title = forms.CharField(label=_("标题"), max_length=200)
    text = forms.CharField(label=_("内容"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style(small=True)
