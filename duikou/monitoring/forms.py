from decimal import Decimal

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


def income_cycles() -> list[tuple[str, str]]:
    """The periods an income record may cover, as one choice each: the year, a quarter or a month."""
    return [
        ("year-0", _("全年")),
        *((f"quarter-{q}", _("第%(q)s季度") % {"q": q}) for q in range(1, 5)),
        *((f"month-{m}", _("%(m)s月") % {"m": m}) for m in range(1, 13)),
    ]


class IncomeForm(forms.ModelForm):
    """A year's, a quarter's or a month's income and rigid expenditure of a household (the period's own sums)."""

    cycle = forms.ChoiceField(
        label=_("统计周期"),
        help_text=_("全年、某季度或某月；金额填该周期内的合计"),
        initial="year-0",
        required=False,  # a form sent without it records the year
    )

    class Meta:
        model = IncomeRecord
        fields = ["year", "persons", "net_income", *IncomeRecord.COMPONENTS]

    field_order = ["year", "cycle", "persons", "net_income"]
    OPTIONAL = IncomeRecord.COMPONENTS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = income_cycles()
        for name in self.OPTIONAL:
            self.fields[name].required = False
        for name, field in self.fields.items():
            if name == "cycle":
                field.widget.attrs.update({"class": "form-select"})
                continue
            field.widget.attrs.update(
                {"class": "form-control", "inputmode": "numeric" if name in ("year", "persons") else "decimal"}
            )

    def record_fields(self) -> dict:
        """The cleaned values as ``record_income`` takes them (the cycle as period kind and period)."""
        data = dict(self.cleaned_data)
        for name in self.OPTIONAL:
            if data.get(name) is None:
                data[name] = Decimal(0)
        kind, _sep, number = (data.pop("cycle") or "year-0").partition("-")
        return {**data, "period_kind": kind, "period": int(number)}


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


class UnechoedInput(forms.TextInput):
    """A text input that never writes its value back into the page: a refused form asks for the ID number or phone
    again rather than showing it in full."""

    def format_value(self, value):
        return None


LABOUR_CHOICES = [("", _("尚未核实")), ("1", _("有")), ("0", _("无"))]


class HouseholdEditForm(forms.Form):
    """A household's head, address, number, labour capacity and social assistance, with the version it was read at."""

    number = forms.CharField(label=_("户编号"), max_length=40, help_text=_("本村内唯一"))
    head_name = forms.CharField(label=_("户主姓名"), max_length=60)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    labour_capacity = forms.TypedChoiceField(
        label=_("有劳动能力"),
        choices=LABOUR_CHOICES,
        required=False,
        coerce=lambda v: v == "1",
        empty_value=None,
        help_text=_("家庭成员中有无劳动能力的人"),
    )
    social_assistance = forms.BooleanField(
        label=_("享受低保或特困供养"),
        required=False,
        help_text=_("无劳动能力且享受低保或特困供养的户不标注风险消除，转入兜底保障"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name == "version":
                continue
            css = {"labour_capacity": "form-select", "social_assistance": "form-check-input"}.get(name, "form-control")
            field.widget.attrs.setdefault("class", css)

    @staticmethod
    def initial_for(household) -> dict:
        labour = {True: "1", False: "0"}.get(household.labour_capacity, "")
        return {
            "number": household.number,
            "head_name": household.head_name,
            "address": household.address,
            "labour_capacity": labour,
            "social_assistance": household.social_assistance,
            "version": household.version,
        }


class MemberForm(forms.Form):
    """A new member: the ID number is checked (GB 11643) and stored only encrypted, as a digest and masked."""

    name = forms.CharField(label=_("姓名"), max_length=60)
    relation = forms.CharField(label=_("与户主关系"), max_length=20, required=False, help_text=_("如 户主、配偶、子女"))
    id_number = forms.CharField(label=_("身份证号"), max_length=30, widget=UnechoedInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(label=_("电话"), max_length=20, required=False, widget=UnechoedInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")
        self.fields["phone"].widget.attrs["inputmode"] = "tel"


class MemberEditForm(forms.Form):
    """A member's name, relation and phone (the ID number is not edited), with the version it was read at."""

    name = forms.CharField(label=_("姓名"), max_length=60)
    relation = forms.CharField(label=_("与户主关系"), max_length=20, required=False)
    phone = forms.CharField(
        label=_("新电话"),
        max_length=20,
        required=False,
        help_text=_("留空则保留原号码（页面只显示脱敏号码）"),
        widget=UnechoedInput(),
    )
    remove_phone = forms.BooleanField(label=_("删除电话"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "version":
                field.widget.attrs.setdefault("class", "form-check-input" if name == "remove_phone" else "form-control")
        self.fields["phone"].widget.attrs["inputmode"] = "tel"


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
