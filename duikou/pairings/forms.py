from django import forms
from django.utils.translation import gettext_lazy as _

from duikou.geo.models import OldArea, Region

from .models import Pairing


class PairingFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False)
    old_area = forms.ChoiceField(label=_("革命老区"), required=False)
    province = forms.ChoiceField(label=_("省份"), required=False)
    level = forms.ChoiceField(label=_("层级"), required=False, choices=[("", _("全部层级"))] + Pairing.Level.choices)
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("active", _("有效")), ("ended", _("已调整")), ("all", _("全部"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_area"].choices = [("", _("全部老区"))] + [
            (a.key, a.display_name) for a in OldArea.objects.all()
        ]
        self.fields["province"].choices = [("", _("全部省份"))] + [
            (r.code, r.display_name) for r in Region.objects.filter(level=Region.Level.PROVINCE)
        ]


class PairingProfileForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    mechanism = forms.CharField(
        label=_("工作机制"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    contacts = forms.CharField(
        label=_("联络人"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
