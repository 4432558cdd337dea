"""Forms of the supervision pages: issuing a rectification notice and taking its steps."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duikou.accounts.models import Organisation
from duikou.pairings.models import Pairing

from ..models import Notice


class IssueNoticeForm(forms.Form):
    pairing = forms.ModelChoiceField(label=_("结对关系"), queryset=Pairing.objects.none())
    finding = forms.CharField(label=_("存在问题"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    measures_required = forms.CharField(label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    deadline = forms.DateField(label=_("整改时限"), widget=forms.DateInput(attrs={"type": "date"}))
    responsible = forms.ModelChoiceField(
        label=_("责任单位"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("默认为老区城市人民政府"),
    )
    major = forms.BooleanField(label=_("列为重大问题（报国家层面跟踪）"), required=False)

    def __init__(self, *args, pairings=None, responsibles=None, **kwargs):
        super().__init__(*args, **kwargs)
        if pairings is not None:
            self.fields["pairing"].queryset = pairings
        if responsibles is not None:
            self.fields["responsible"].queryset = responsibles
        for name, field in self.fields.items():
            css = (
                "form-check-input"
                if name == "major"
                else ("form-select" if name in ("pairing", "responsible") else "form-control")
            )
            field.widget.attrs.setdefault("class", css)
        self.fields["deadline"].initial = timezone.localdate() + datetime.timedelta(days=90)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReportForm(VersionForm):
    text = forms.CharField(label=_("整改措施及成效"), widget=forms.Textarea(attrs={"rows": 4}), max_length=8000)


class CommentForm(VersionForm):
    comment = forms.CharField(label=_("核验意见"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class ReasonForm(VersionForm):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


# step → the form its POST is read with
STEP_FORMS = {
    "receive": VersionForm,
    "report": ReportForm,
    "verify": CommentForm,
    "return": CommentForm,
    "close": VersionForm,
    "flag_major": ReasonForm,
}


class NoticeFilterForm(forms.Form):
    q = forms.CharField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", ""), ("open", "")] + list(Notice.Status.choices))
    overdue = forms.ChoiceField(required=False, choices=[("", ""), ("1", ""), ("0", "")])
    major = forms.ChoiceField(required=False, choices=[("", ""), ("1", ""), ("0", "")])
    level = forms.ChoiceField(required=False, choices=[("", "")] + list(Notice.Level.choices))

    def filters(self) -> dict:
        """Keyword arguments for ``notices_for``; an unknown value is ignored rather than an error."""
        self.is_valid()  # invalid fields are left out of cleaned_data
        data = self.cleaned_data
        flag = {"1": True, "0": False}
        return {
            "q": (data.get("q") or "").strip(),
            "status": data.get("status") or "",
            "overdue": flag.get(data.get("overdue")),
            "major": flag.get(data.get("major")),
            "level": data.get("level") or "",
        }
