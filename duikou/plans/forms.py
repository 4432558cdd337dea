from django import forms
from django.utils.translation import gettext_lazy as _

from duikou.accounts.models import Organisation
from duikou.geo.models import Region
from duikou.indicators.models import Indicator
from duikou.pairings.models import Pairing
from duikou.policy.models import Clause, Task

from .models import Plan, PlanGoal, PlanItem, PlanMeasure, PlanMilestone, PlanProject, PlanTarget


class PlanCreateForm(forms.Form):
    pairing = forms.ModelChoiceField(label=_("结对关系"), queryset=Pairing.objects.none())
    kind = forms.ChoiceField(label=_("类别"), choices=Plan.Kind.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    start_year = forms.IntegerField(label=_("起始年份"), min_value=2022, max_value=2035)
    end_year = forms.IntegerField(label=_("截止年份"), min_value=2022, max_value=2035)
    key_task = forms.ModelChoiceField(
        label=_("重点领域（专项方案）"), required=False, queryset=Task.objects.filter(kind="key_task")
    )

    def __init__(self, *args, pairings=None, **kwargs):
        super().__init__(*args, **kwargs)
        if pairings is not None:
            self.fields["pairing"].queryset = pairings

    def clean(self):
        data = super().clean()
        if data.get("kind") == Plan.Kind.SPECIAL and not data.get("key_task"):
            self.add_error("key_task", _("专项实施方案须选择重点领域"))
        if data.get("start_year") and data.get("end_year") and data["end_year"] < data["start_year"]:
            self.add_error("end_year", _("截止年份不能早于起始年份"))
        return data


class VersionedForm(forms.ModelForm):
    plan_version = forms.IntegerField(widget=forms.HiddenInput)

    def changes(self) -> dict:
        """What the valid form asks ``services.save_content`` to write: the row's values, its tasks and clauses, and
        the plan's version as read."""
        data = self.cleaned_data
        return {
            "values": {f: data[f] for f in self.Meta.fields if f not in ("tasks", "clauses")},
            "expected_version": data["plan_version"],
            "tasks": data.get("tasks"),
            "clauses": data.get("clauses"),
        }


def _units():
    return Organisation.objects.filter(is_active=True).order_by("kind", "name")


class GoalForm(VersionedForm):
    class Meta:
        model = PlanGoal
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}


class ItemForm(VersionedForm):
    class Meta:
        model = PlanItem
        fields = ["key_task", "text", "tasks", "clauses", "responsible_unit", "year", "due_date"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2}),
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "tasks": forms.SelectMultiple(attrs={"size": 4}),
            "clauses": forms.SelectMultiple(attrs={"size": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key_task"].queryset = Task.objects.filter(kind="key_task")
        self.fields["tasks"].queryset = Task.objects.all()
        self.fields["clauses"].queryset = Clause.objects.select_related("section")
        self.fields["clauses"].label_from_instance = lambda c: f"{c.pk} {c.title or c.text[:20]}"
        self.fields["responsible_unit"].queryset = _units()


class ProjectForm(VersionedForm):
    class Meta:
        model = PlanProject
        fields = ["name", "key_task", "location", "investment_wan", "start_year", "end_year", "responsible_unit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key_task"].queryset = Task.objects.filter(kind="key_task")
        self.fields["responsible_unit"].queryset = _units()
        self.fields["location"].queryset = Region.objects.filter(level__in=["county", "prefecture"])
        self.fields["location"].widget = forms.TextInput(attrs={"placeholder": _("县级区划代码，如 411502")})

    def clean_investment_wan(self):
        value = self.cleaned_data.get("investment_wan")
        if value is not None and value < 0:
            raise forms.ValidationError(_("计划投资不能为负数"))
        return value


class TargetForm(VersionedForm):
    class Meta:
        model = PlanTarget
        fields = ["indicator", "year", "target", "key_task"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # an indicator of the library, named with its unit (「签约项目数（个）」): the target is in that unit
        self.fields["indicator"].queryset = Indicator.objects.order_by("order", "code")
        self.fields["indicator"].help_text = _("目标值以所选指标的单位计")
        self.fields["key_task"].queryset = Task.objects.filter(kind="key_task")

    def validate_unique(self):  # the plan is set by the service; uniqueness is checked there
        pass


class MilestoneForm(VersionedForm):
    class Meta:
        model = PlanMilestone
        fields = ["date", "text"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}


class MeasureForm(VersionedForm):
    class Meta:
        model = PlanMeasure
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}


SECTION_FORMS = {
    "goals": GoalForm,
    "items": ItemForm,
    "projects": ProjectForm,
    "targets": TargetForm,
    "milestones": MilestoneForm,
    "measures": MeasureForm,
}


class IssueForm(forms.Form):
    doc_number = forms.CharField(label=_("文号"), max_length=60)
    date = forms.DateField(label=_("印发日期"), widget=forms.DateInput(attrs={"type": "date"}))


class ReturnForm(forms.Form):
    comment = forms.CharField(label=_("退回意见"), widget=forms.Textarea(attrs={"rows": 2}))


class FileForm(forms.Form):
    receipt = forms.CharField(label=_("备案回执号"), max_length=60)


class AnnualForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2022, max_value=2035)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("附件（PDF、Word）"))
