"""Forms of the supervision pages: issuing a rectification notice and taking its steps."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duikou.accounts.models import Organisation
from duikou.pairings.models import Pairing

from ..models import Grade, Notice


class IssueNoticeForm(forms.Form):
    pairing = forms.ModelChoiceField(label=_("结对关系"), queryset=Pairing.objects.none())
    finding = forms.CharField(label=_("存在问题"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    measures_required = forms.CharField(label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    deadline = forms.DateField(label=_("整改时限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
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


class BatchIssueForm(forms.Form):
    """Notices to several pairings at once: the pairings ticked in the list, and what their notices share."""

    pairings = forms.ModelMultipleChoiceField(
        label=_("结对关系"), queryset=Pairing.objects.none(), required=False, widget=forms.MultipleHiddenInput
    )
    finding = forms.CharField(label=_("存在问题"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    measures_required = forms.CharField(label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    deadline = forms.DateField(label=_("整改时限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    state_result = forms.BooleanField(
        label=_("在存在问题前写明各结对关系的评估结果（总分、排名、等次）"), required=False, initial=True
    )
    major = forms.BooleanField(label=_("列为重大问题（报国家层面跟踪）"), required=False)

    def __init__(self, *args, pairings=None, **kwargs):
        super().__init__(*args, **kwargs)
        if pairings is not None:
            self.fields["pairings"].queryset = pairings
        for name, field in self.fields.items():
            if name != "pairings":
                field.widget.attrs.setdefault(
                    "class", "form-check-input" if name in ("major", "state_result") else "form-control"
                )
        self.fields["deadline"].initial = timezone.localdate() + datetime.timedelta(days=90)


class BatchFilterForm(forms.Form):
    """The filters of the batch form's list of pairings (a GET form)."""

    q = forms.CharField(required=False, max_length=100)
    grade = forms.ChoiceField(required=False, choices=[("", "")] + list(Grade.choices))
    without_notice = forms.BooleanField(required=False)

    def filters(self) -> dict:
        """Keyword arguments for ``batch_candidates``; an unknown value is ignored rather than an error."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "q": (data.get("q") or "").strip(),
            "grade": data.get("grade") or "",
            "without_notice": bool(data.get("without_notice")),
        }


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
    batch = forms.UUIDField(required=False)
    pairing = forms.IntegerField(required=False, min_value=1)

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
            "batch": data.get("batch"),
            "pairing": data.get("pairing"),
        }
