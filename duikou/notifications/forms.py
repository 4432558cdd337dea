from django import forms
from django.utils.translation import gettext_lazy as _

from duikou.core import messaging


class PreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(label=_("电子邮件通知"), required=False)
    email = forms.CharField(
        label=_("通知邮箱"), required=False, max_length=254, help_text=_("留空则使用账号的电子邮箱")
    )
    channels = forms.MultipleChoiceField(
        label=_("其他渠道"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    phone = forms.CharField(
        label=_("手机号码"),
        required=False,
        max_length=20,
        help_text=_("短信和群机器人 @ 提醒使用；加密保存，只显示掩码。留空则保留已保存的号码"),
    )
    remove_phone = forms.BooleanField(label=_("删除已保存的手机号码"), required=False)
    digest = forms.BooleanField(label=_("每日摘要"), required=False, help_text=_("每天一封汇总，代替逐条发送"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channels"].choices = [
            (c.name, c.label) for c in messaging.channels().values() if c.name != "email"
        ]
