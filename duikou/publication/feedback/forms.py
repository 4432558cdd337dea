from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import FEEDBACK_MAX
from .services import check_text


class FeedbackForm(forms.Form):
    """The public's form: the text and nothing else (no name, no contact). ``website`` is a trap for programs that fill
    every field: hidden from people and screen readers, and a message that fills it is not kept."""

    body = forms.CharField(
        label=_("留言内容"),
        required=False,  # checked in clean_body, with the message naming what is wrong
        strip=False,
        help_text=_(
            "最多 1000 字。请勿填写姓名、身份证号码、电话号码等个人信息；含身份证号码或手机号码的留言不予接收。"
        ),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": FEEDBACK_MAX, "class": "form-control"}),
    )
    website = forms.CharField(
        label=_("此项请留空"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1", "class": "form-control"}),
    )

    def clean_body(self) -> str:
        return check_text(self.cleaned_data.get("body", ""), what=_("留言内容"))

    @property
    def trapped(self) -> bool:
        """The hidden field was filled: a program, not a person."""
        return bool(self.data.get("website", "").strip())
