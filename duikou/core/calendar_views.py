"""The holiday schedule page (/calendar/): everyone reads it; the system administrator enters a new year's days off
and 调休 working days when the State Council publishes them, and a province's own days."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from duikou.accounts import scoping

from . import workdays
from .forms import apply_errors
from .models import CalendarDay


def _input(**attrs):
    return forms.TextInput(attrs={"class": "form-control form-control-sm", **attrs})


class DayForm(forms.Form):
    day = forms.DateField(
        label=gettext_lazy("日期"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control form-control-sm"}),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("类别"),
        choices=CalendarDay.Kind.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    name = forms.CharField(label=gettext_lazy("名称"), max_length=60, widget=_input())
    province = forms.CharField(
        label=gettext_lazy("省份"),
        max_length=2,
        required=False,
        help_text=gettext_lazy("区划代码前 2 位；全国留空"),
        widget=_input(inputmode="numeric"),
    )
    source = forms.CharField(
        label=gettext_lazy("依据"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("如 国务院办公厅关于 2027 年部分节假日安排的通知"),
        widget=_input(),
    )


def _year(request) -> int:
    text = request.GET.get("year", "")
    today = timezone.localdate()
    return int(text) if text.isdigit() and 2000 <= int(text) <= today.year + 5 else today.year


@login_required
def calendar(request):
    scoping.require(request.user, scoping.Action.VIEW)
    year = _year(request)
    rows = scoping.scope(request.user, CalendarDay).filter(day__year=year).select_related("created_by")
    covered = workdays.covered_years()
    this_year = timezone.localdate().year
    context = {
        "year": year,
        "rows": rows,
        "missing": [y for y in (this_year, this_year + 1) if y not in covered],
        "covered": sorted(covered),
        "years": list(range(this_year - 3, this_year + 2)),
        "may_edit": scoping.may(request.user, scoping.Action.OPERATE),
        "form": DayForm(initial={"day": datetime.date(year, 1, 1)}),
    }
    return render(request, "core/calendar.html", context)


@login_required
@require_POST
def calendar_day(request):
    """Enter or change one day (the system administrator)."""
    scoping.require(request.user, scoping.Action.OPERATE)
    form = DayForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            row = workdays.set_day(user=request.user, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存：%(day)s") % {"day": row})
            return redirect(f"{reverse('calendar')}?year={row.day.year}")
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        messages.error(request, f"{label}：{'；'.join(errors)}" if label else "；".join(errors))
    year = form.cleaned_data.get("day").year if form.cleaned_data.get("day") else timezone.localdate().year
    return redirect(f"{reverse('calendar')}?year={year}")
