from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Organisation, User


class TokenForm(forms.Form):
    name = forms.CharField(label=_("用途"), max_length=60)


class UserCreateForm(forms.Form):
    username = forms.RegexField(label=_("用户名"), regex=r"^[\w.@+-]{3,150}$", max_length=150)
    display_name = forms.CharField(label=_("姓名"), max_length=60, required=False)
    organisation = forms.ModelChoiceField(label=_("所属机构"), queryset=Organisation.objects.none())
    role = forms.ChoiceField(label=_("角色"), choices=User.Role.choices)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput)

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations

    def clean_username(self):
        name = self.cleaned_data["username"]
        if User.objects.filter(username=name).exists():
            raise forms.ValidationError(_("用户名已存在"))
        return name
