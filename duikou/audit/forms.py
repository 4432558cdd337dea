from django import forms
from django.utils.translation import gettext_lazy as _


class LogFilterForm(forms.Form):
    q = forms.CharField(label=_("对象或内容"), required=False)
    actor = forms.CharField(label=_("用户"), required=False)
    model = forms.ChoiceField(
        label=_("对象类型"),
        required=False,
        choices=[
            ("", _("全部")),
            ("pairing", _("结对关系")),
            ("organisation", _("机构")),
            ("user", _("用户")),
            ("apitoken", _("API 令牌")),
            ("valueimport", _("指标数据导入")),
        ],
    )
    action = forms.ChoiceField(
        label=_("操作"),
        required=False,
        choices=[("", _("全部")), ("0", _("新建")), ("1", _("修改")), ("2", _("删除"))],
    )
    since = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
