from django import forms
from django.utils.translation import gettext_lazy as _


class PublishForm(forms.Form):
    secrecy_confirmed = forms.BooleanField(
        label=_("我确认：拟公开内容已按本单位规定完成保密审查，不含涉密信息和个人信息"),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        error_messages={"required": _("公开前须确认已完成保密审查。")},
    )
    secrecy_note = forms.CharField(label=_("保密审查说明（可选）"), max_length=300, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回理由"), max_length=500, error_messages={"required": _("请填写撤回理由。")})
