from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from duikou.core.forms import Styled

from .models import Organisation, User


class TokenForm(forms.Form):
    name = forms.CharField(label=_("用途"), max_length=60)
    days = forms.IntegerField(label=_("有效期（天）"), min_value=1, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        longest = settings.DUIKOU_API_TOKEN_DAYS
        self.fields["days"].widget.attrs.update({"max": longest, "placeholder": longest})
        self.fields["days"].help_text = _("最长 %(n)s 天，不填即为最长") % {"n": longest}

    def clean_days(self):
        days = self.cleaned_data["days"]
        longest = settings.DUIKOU_API_TOKEN_DAYS
        if days is not None and days > longest:
            raise forms.ValidationError(_("有效期最长 %(n)s 天") % {"n": longest})
        return days


def _role_choices(roles) -> list[tuple[str, str]]:
    return [(value, label) for value, label in User.Role.choices if value in roles]


class UserCreateForm(Styled, forms.Form):
    username = forms.RegexField(label=_("用户名"), regex=r"^[\w.@+-]{3,150}$", max_length=150)
    display_name = forms.CharField(label=_("姓名"), max_length=60, required=False)
    organisation = forms.ModelChoiceField(label=_("所属机构"), queryset=Organisation.objects.none())
    role = forms.ChoiceField(label=_("角色"), choices=())
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput)

    def __init__(self, *args, organisations=None, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations
        self.fields["role"].choices = _role_choices(roles)  # only the roles the table lets this user create
        self.style()

    def clean_username(self):
        name = self.cleaned_data["username"]
        if User.objects.filter(username=name).exists():
            raise forms.ValidationError(_("用户名已存在"))
        return name


class UserFilterForm(Styled, forms.Form):
    q = forms.CharField(label=_("用户名或姓名"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("角色"), choices=[("", _("全部角色")), *User.Role.choices], required=False)
    organisation = forms.CharField(label=_("所属机构"), max_length=120, required=False)
    active = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部")), ("yes", _("启用")), ("no", _("已停用"))], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style(small=True)


class RoleForm(Styled, forms.Form):
    role = forms.ChoiceField(label=_("新角色"), choices=())

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(roles)
        self.style(small=True)


class CodeForm(Styled, forms.Form):
    code = forms.RegexField(
        label=_("6 位动态码"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("请输入验证器显示的 6 位数字")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "pattern": r"\s*\d{6}\s*",
            }
        ),
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class PasswordChangeForm(Styled, forms.Form):
    old_password = forms.CharField(
        label=_("原密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        label=_("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 10 位，包含字母、数字和符号，不能与用户名相近"),
    )
    new_password_again = forms.CharField(
        label=_("再次输入新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password_again") not in (None, data["new_password"]):
            self.add_error("new_password_again", _("两次输入的新密码不一致"))
        return data
