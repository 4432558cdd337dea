from django import forms
from django.utils.translation import gettext_lazy as _

from .analytics import DIMENSIONS
from .models import MAX_DUE_DAYS


class ImportForm(forms.Form):
    file = forms.FileField(label=_("数据文件（.csv、.xlsx 或 dataValueSets .json）"))
    dry_run = forms.BooleanField(label=_("试导入（只校验，不写入）"), required=False, initial=True)


class PivotForm(forms.Form):
    indicator = forms.ChoiceField(label=_("指标"))
    rows = forms.ChoiceField(label=_("行"), choices=list(DIMENSIONS.items()), initial="province")
    cols = forms.ChoiceField(label=_("列"), choices=list(DIMENSIONS.items()), initial="year")
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(
        label=_("范围"), required=False, choices=[("", _("全部数据")), ("approved", _("仅已审核"))]
    )

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [(i.code, str(i)) for i in indicators]
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs["class"] = f"{css} {css}-sm"


class DueDaysForm(forms.Form):
    due_days = forms.IntegerField(
        label=_("上报时限（报告期结束后天数）"),
        required=False,
        min_value=0,
        max_value=MAX_DUE_DAYS,
        help_text=_("本地规则，非政策规定；留空则按系统默认"),
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
    )


class TimelinessForm(forms.Form):
    dataset = forms.ChoiceField(label=_("数据集"))
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

    def __init__(self, *args, datasets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dataset"].choices = [(d.code, d.name) for d in datasets]
        self.fields["dataset"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["year"].widget.attrs["class"] = "form-control form-control-sm"
