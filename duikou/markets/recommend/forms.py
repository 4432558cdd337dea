"""Forms of the pairing recommendation: a data file to import and an economic tie entered by hand."""

from django import forms
from django.utils.translation import gettext_lazy as _

from duikou.core.forms import Styled
from duikou.geo.models import Region

from ..models import EconomicTie
from . import matching, queries


class ImportForm(Styled, forms.Form):
    kind = forms.ChoiceField(label=_("数据类型"), choices=[("profiles", _("城市概况")), ("ties", _("既有经济联系"))])
    name = forms.CharField(label=_("数据名称"), max_length=200)
    publisher = forms.CharField(label=_("来源"), max_length=200, help_text=_("发布机关、统计年鉴或录入单位"))
    official = forms.BooleanField(label=_("官方统计"), required=False, help_text=_("不勾选：示例或工作数据"))
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(label=_("Excel 文件（.xlsx）或 CSV"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class TieForm(Styled, forms.ModelForm):
    class Meta:
        model = EconomicTie
        fields = ["old_region", "partner_region", "kind", "strength", "description"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_region"].queryset = Region.objects.filter(
            code__in=matching.old_area_codes(), level=Region.Level.PREFECTURE
        ).order_by("code")
        profiles = queries.latest_profiles(user)
        areas = matching.old_area_codes()
        self.fields["partner_region"].queryset = Region.objects.filter(
            code__in=[c for c in profiles if c not in areas]
        ).order_by("code")
        self.style()
