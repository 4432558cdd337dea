from django import forms
from django.utils.translation import gettext_lazy as _

from duikou.core.forms import Styled

from .analytics import DIMENSIONS
from .models import MAX_DUE_DAYS

SCHEMES = [
    ("CODE", _("代码 CODE（指标代码、结对编号、数据集代码）")),
    ("UID", _("DHIS2 uid（UID，按本机构的 uid 映射）")),
    ("NAME", _("名称 NAME（与平台上的名称完全一致）")),
]


class ImportForm(Styled, forms.Form):
    file = forms.FileField(label=_("数据文件（.csv、.xlsx 或 dataValueSets .json / .xml）"))
    dry_run = forms.BooleanField(label=_("试导入（只校验，不写入）"), required=False, initial=True)
    idScheme = forms.ChoiceField(  # noqa: N815
        label=_("文件中对象的标识（idScheme）"), choices=SCHEMES, initial="CODE", required=False
    )
    dataElementIdScheme = forms.ChoiceField(  # noqa: N815
        label=_("其中数据元（指标）的标识（dataElementIdScheme）"), choices=[("", _("同上")), *SCHEMES], required=False
    )
    orgUnitIdScheme = forms.ChoiceField(  # noqa: N815
        label=_("其中组织单元（结对）的标识（orgUnitIdScheme）"), choices=[("", _("同上")), *SCHEMES], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class Dhis2IdForm(forms.Form):
    kind = forms.ChoiceField(label=_("对象类别"))
    uid = forms.CharField(label=_("DHIS2 uid"), max_length=11)
    code = forms.CharField(label=_("平台代码"), max_length=40, help_text=_("指标代码、结对编号（如 N01）或数据集代码"))

    def __init__(self, *args, **kwargs):
        from .models import Dhis2Id

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Dhis2Id.Kind.choices
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs["class"] = f"{css} {css}-sm"


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
