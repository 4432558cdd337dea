from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AssistanceMeasure, Household, IncomeRecord, SignalKind


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
