from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from duikou.accounts import scoping
from duikou.core.errors import UserFacingError
from duikou.core.views import paginate

from . import engine, queries, services
from .models import Alert, Household, Rule


@login_required
def alert_list(request):
    params = request.GET
    qs = queries.alerts_for(
        request.user,
        status=params.get("status", Alert.Status.OPEN),
        area=params.get("area", "").strip(),
        rule=params.get("rule", ""),
        category=params.get("category", ""),
        overdue=params.get("overdue") == "1",
    )
    page, querystring = paginate(request, qs, settings.PAGE_SIZE)
    rulesets = queries.rulesets_for(request.user) if scoping.may(request.user, scoping.Action.CHANGE) else []
    return render(
        request,
        "monitoring/alerts.html",
        {
            "page_obj": page,
            "querystring": querystring,
            "statuses": Alert.Status.choices,
            "rules": Rule.Code.choices,
            "categories": Household.Category.choices[1:],
            "status": params.get("status", Alert.Status.OPEN),
            "rulesets": rulesets,
            "engines": engine.ENGINES,
        },
    )


@login_required
def household_detail(request, pk: int):
    household = queries.household_for(request.user, pk)
    return render(
        request,
        "monitoring/household.html",
        {
            "household": household,
            "members": queries.members_of(request.user, household),
            "incomes": household.incomes.all(),
            "alerts": queries.alerts_for(request.user).filter(household=household),
            "can_export": scoping.can(request.user, scoping.Action.APPROVE, household),
        },
    )


@login_required
def member_export(request, pk: int):
    """The members with full ID and phone numbers, for approvers in scope; recorded in the audit history."""
    household = queries.household_for(request.user, pk, scoping.Action.APPROVE)
    content = services.export_members_unmasked(user=request.user, household=household)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="household-{household.pk}-members.csv"'
    return response


@login_required
@require_POST
def screen(request):
    ruleset = scoping.get_for(request.user, queries.rulesets_for(request.user), pk=request.POST.get("ruleset") or 0)
    try:
        job = services.start_screening(
            user=request.user, ruleset=ruleset, engine_name=request.POST.get("engine", "duckdb")
        )
    except UserFacingError as exc:
        messages.error(request, str(exc))
        return redirect("monitoring:alerts")
    return redirect("job_detail", pk=job.pk)
