"""Forms of the 产销对接 pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from duikou.core.forms import Styled
from duikou.geo.forms import RegionField

from .. import words
from ..forms import FilterForm, RecordForm
from ..models import Certification, CertificationBasis, Demand, ProductCategory, ProductCertification

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTHS = [(m, words.MONTHS[m - 1]) for m in range(1, 13)]


class ListingFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("产品类别"), required=False, choices=[("", _("全部类别"))] + ProductCategory.choices
    )
    certification = forms.ChoiceField(
        label=_("认证"), required=False, choices=[("", _("不限"))] + Certification.choices
    )


class DemandFilterForm(ListingFilterForm):
    certification = None
    buyer_kind = forms.ChoiceField(
        label=_("采购主体类型"), required=False, choices=[("", _("全部类型"))] + Demand.BuyerKind.choices
    )


class ListingForm(RecordForm):
    supplier = forms.CharField(label=_("供货主体"), max_length=120)
    name = forms.CharField(label=_("产品名称"), max_length=120)
    category = forms.ChoiceField(label=_("产品类别"), choices=ProductCategory.choices)
    origin = RegionField(label=_("产地（县）"), help_text=_("老区城市所辖县级区划代码，如 411526（潢川县）"))
    certifications = forms.MultipleChoiceField(
        label=_("认证"), required=False, choices=Certification.choices, widget=forms.CheckboxSelectMultiple
    )
    volume_tonnes = forms.DecimalField(label=_("可供量（吨）"), decimal_places=2)
    season_start = forms.TypedChoiceField(label=_("供货起始月"), choices=MONTHS, coerce=int)
    season_end = forms.TypedChoiceField(
        label=_("供货截止月"), choices=MONTHS, coerce=int, help_text=_("可跨年，如 11 月至次年 3 月")
    )
    price_yuan_kg = forms.DecimalField(label=_("价格（元/公斤）"), decimal_places=2)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class DemandForm(RecordForm):
    buyer = forms.CharField(label=_("采购主体"), max_length=120)
    buyer_kind = forms.ChoiceField(label=_("采购主体类型"), choices=Demand.BuyerKind.choices)
    region = RegionField(label=_("采购方所在地"), help_text=_("地级市或县级区划代码，如 320508（姑苏区）"))
    category = forms.ChoiceField(label=_("产品类别"), choices=ProductCategory.choices)
    description = forms.CharField(label=_("需求说明"), required=False, max_length=200)
    volume_tonnes = forms.DecimalField(label=_("需求量（吨）"), decimal_places=2)
    period_start = forms.DateField(label=_("需求起始日"), widget=DATE)
    period_end = forms.DateField(label=_("需求截止日"), widget=DATE)
    certifications_required = forms.MultipleChoiceField(
        label=_("要求的认证"), required=False, choices=Certification.choices, widget=forms.CheckboxSelectMultiple
    )
    max_price_yuan_kg = forms.DecimalField(
        label=_("最高价格（元/公斤）"), required=False, decimal_places=2, help_text=_("不限价请留空")
    )


class AgreementForm(Styled, forms.Form):
    listing = forms.IntegerField(widget=forms.HiddenInput)
    demand = forms.IntegerField(widget=forms.HiddenInput)
    volume_tonnes = forms.DecimalField(label=_("协议量（吨）"), decimal_places=2)
    price_yuan_kg = forms.DecimalField(label=_("协议价（元/公斤）"), decimal_places=2)
    signed_on = forms.DateField(label=_("签订日期"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


CERTIFIED_CHOICES = [
    ("", _("按交付日的产品认定自动判断")),
    ("yes", _("认定产品采购")),
    ("no", _("其他采购")),
]


class DeliveryForm(Styled, forms.Form):
    date = forms.DateField(label=_("交付日期"), widget=DATE)
    volume_tonnes = forms.DecimalField(label=_("交付量（吨）"), decimal_places=2)
    amount_wan = forms.DecimalField(label=_("交付金额（万元）"), decimal_places=2)
    certified = forms.TypedChoiceField(
        label=_("计为"),
        required=False,
        choices=CERTIFIED_CHOICES,
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        empty_value=None,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style(small=True)


class PlanForm(Styled, forms.Form):
    side = forms.ChoiceField(
        label=_("规划对象"),
        choices=[
            ("supply", _("本地区的产品供给 → 全部采购需求")),
            ("demand", _("本地区的采购需求 ← 全部产品供给")),
            ("all", _("全部产品供给 ↔ 全部采购需求")),
        ],
    )
    k = forms.IntegerField(label=_("每条候选数"), min_value=1, max_value=50, initial=10)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style(small=True)


class CertificationFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    county = forms.CharField(label=_("县区代码"), required=False, max_length=6)
    basis = forms.ChoiceField(
        label=_("认定依据"), required=False, choices=[("", _("不限"))] + CertificationBasis.choices
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态"))] + ProductCertification.Status.choices
    )
    validity = forms.ChoiceField(
        label=_("有效性"),
        required=False,
        choices=[("", _("不限")), ("valid", _("今日有效")), ("expired", _("已过期或已撤销"))],
    )


class CertificationForm(RecordForm):
    supplier = forms.CharField(label=_("供货主体"), max_length=120)
    name = forms.CharField(label=_("产品名称"), max_length=120)
    category = forms.ChoiceField(label=_("产品类别"), choices=ProductCategory.choices)
    county = RegionField(label=_("所在县"), help_text=_("县级区划代码，如 411526（潢川县）"))
    basis = forms.MultipleChoiceField(
        label=_("认定依据"), choices=CertificationBasis.choices, widget=forms.CheckboxSelectMultiple
    )
    annual_value_wan = forms.DecimalField(
        label=_("年销售额（万元）"), decimal_places=2, help_text=_("不低于认定下限（默认 50 万元，可配置）")
    )
    traceability = forms.CharField(
        label=_("可追溯说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
        help_text=_("追溯码、产地、批次如何查到"),
    )  # fmt: skip
    listing = forms.IntegerField(
        label=_("关联的产品供给编号"), required=False, help_text=_("可选：产品供给页地址中的编号")
    )


class CertificationStepForm(Styled, forms.Form):
    step = forms.CharField(max_length=20)
    version = forms.IntegerField()
    note = forms.CharField(required=False, max_length=4000)
    publicity_start = forms.DateField(required=False)
    publicity_end = forms.DateField(required=False)
    certificate_no = forms.CharField(required=False, max_length=40)
    valid_from = forms.DateField(required=False)
    valid_to = forms.DateField(required=False)
    revoked_on = forms.DateField(required=False)
