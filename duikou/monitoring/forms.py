from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duikou.core import pii

from .models import Alert, AssistanceMeasure, Difficulty, Household, IncomeRecord, SignalKind


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("措施类别"), choices=[("", "---------"), *AssistanceMeasure.Kind.choices])
    responsible_unit = forms.ModelChoiceField(label=_("责任单位"), queryset=None)
    description = forms.CharField(label=_("措施内容"), widget=forms.Textarea(attrs={"rows": 3}))
    start_date = forms.DateField(label=_("开始日期"), widget=DateInput(), initial=timezone.localdate)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_unit"].queryset = units
        for name, field in self.fields.items():
            if name != "version":
                field.widget.attrs.setdefault(
                    "class", "form-select" if name in ("kind", "responsible_unit") else "form-control"
                )


class IncomeForm(forms.ModelForm):
    class Meta:
        model = IncomeRecord
        fields = [
            "year",
            "persons",
            "net_income",
            "wage_income",
            "business_income",
            "transfer_income",
            "property_income",
            "medical_expense",
            "education_expense",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.update(
                {"class": "form-control", "inputmode": "numeric" if name in ("year", "persons") else "decimal"}
            )


class DepartmentImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("数据类别"), choices=SignalKind.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    file = forms.FileField(
        label=_("文件（.xlsx 或 .csv）"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.csv"}),
    )


class HouseholdForm(forms.Form):
    """A new household of a village in the user's area; the township follows from the village."""

    village = forms.ChoiceField(label=_("行政村"), widget=forms.Select(attrs={"class": "form-select"}))
    number = forms.CharField(label=_("户编号"), max_length=40, help_text=_("本村内唯一，如 H001"))
    head_name = forms.CharField(label=_("户主姓名"), max_length=60)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    category = forms.ChoiceField(label=_("监测类别"), choices=Household.Category.choices, required=False)

    def __init__(self, *args, villages: list[tuple[str, list[tuple[str, str]]]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", "---------"), *villages]
        for name, field in self.fields.items():
            if name != "village":
                field.widget.attrs.setdefault("class", "form-select" if name == "category" else "form-control")


# ---- the ways in from the front line (front.py) --------------------------------------------------------------------


class DeclarationForm(forms.Form):
    """What a household declares (Anhui's 一码申报 asks these four, plus the kind of difficulty). The ID and phone
    numbers are checked here as the service will, so that the consent screen shows only what will be accepted."""

    head_name = forms.CharField(label=_("户主姓名"), max_length=60)
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("村里核实时联系您"),
    )
    id_number = forms.CharField(
        label=_("户主身份证号"),
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    difficulty = forms.ChoiceField(label=_("困难类别"), choices=[("", _("请选择")), *Difficulty.choices])
    description = forms.CharField(
        label=_("家庭困难情况"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("发生了什么、什么时候、现在的困难（1000 字以内）"),
    )
    consent = forms.BooleanField(label=_("本人已阅读并同意以上承诺授权"), required=False)

    SHOWN = ("head_name", "phone", "id_number", "difficulty", "description")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = {"difficulty": "form-select", "consent": "form-check-input"}.get(name, "form-control")
            field.widget.attrs.setdefault("class", css)

    def clean_id_number(self) -> str:
        return pii.normalise_id_number(self.cleaned_data["id_number"])

    def clean_phone(self) -> str:
        return pii.normalise_phone(self.cleaned_data["phone"])


class StaffDeclarationForm(DeclarationForm):
    """A declaration taken by county or township staff from the 12317 hotline or at the counter."""

    channel = forms.ChoiceField(
        label=_("受理渠道"),
        choices=[(c.value, c.label) for c in (Alert.Channel.HOTLINE, Alert.Channel.COUNTER)],
        widget=forms.RadioSelect,
    )
    village = forms.ChoiceField(label=_("行政村"), widget=forms.Select(attrs={"class": "form-select"}))
    consent = forms.BooleanField(
        label=_("已向申报人宣读承诺授权内容，申报人同意核查其家庭收入、财产等信息"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    field_order = ["channel", "village", "head_name", "phone", "id_number", "difficulty", "description", "consent"]

    def __init__(self, *args, villages: list[tuple[str, list[tuple[str, str]]]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", "---------"), *villages]
        self.fields["channel"].widget.attrs["class"] = "form-check-input"


class StatusForm(forms.Form):
    ack_number = forms.CharField(
        label=_("受理编号"),
        max_length=30,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-lg font-monospace",
                "autocomplete": "off",
                "autocapitalize": "characters",
            }
        ),
    )

    def clean_ack_number(self) -> str:
        return "".join(self.cleaned_data["ack_number"].split()).replace("-", "").upper()


class VisitForm(forms.Form):
    date = forms.DateField(
        label=_("走访日期"), widget=DateInput(attrs={"class": "form-control"}), initial=timezone.localdate
    )
    situation = forms.CharField(
        label=_("走访情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"})
    )
    risk = forms.ChoiceField(
        label=_("发现风险"),
        choices=[("", _("未发现风险")), *Difficulty.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=_("发现风险时选择类别，再点“发现风险，发起核实”"),
    )
