import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from duikou.accounts import scoping
from duikou.core import workdays
from duikou.core.errors import StaleObjectError, UserFacingError
from duikou.core.exports import DOCX, XLSX, download
from duikou.core.forms import apply_errors, error_text
from duikou.core.listviews import render_list

from . import departmental, notices, queries, reports, services
from .forms import DepartmentImportForm, MeasureForm
from .models import Alert, AlertStep, DepartmentImport, Household, Rule, Threshold, threshold
from .workflow import ELIMINATION_STATUSES, PUBLICITY_STATUSES, WORKFLOW


def _error_text(exc: Exception) -> str:
    return str(exc) if isinstance(exc, services.EliminationRefused) else error_text(exc)


STATUS_FILTERS = [(queries.OPEN, gettext_lazy("未结案（全部）")), *Alert.Status.choices, ("all", gettext_lazy("全部"))]


@login_required
def alert_list(request):
    params = request.GET
    status = params.get("status", queries.OPEN)
    qs = queries.alerts_for(
        request.user,
        status="" if status == "all" else status,
        area=params.get("area", "").strip(),
        rule=params.get("rule", ""),
        category=params.get("category", ""),
        overdue=params.get("overdue") == "1",
    )
    rulesets = queries.rulesets_for(request.user) if scoping.may(request.user, scoping.Action.CHANGE) else []
    return render_list(
        request,
        "monitoring/alerts.html",
        qs,
        statuses=STATUS_FILTERS,
        rules=Rule.Code.choices,
        categories=Household.Category.choices[1:],
        status=status,
        areas=queries.areas_for(request.user),
        rulesets=rulesets,
        can_import=scoping.may(request.user, scoping.Action.CHANGE),
        nothing_yet=not queries.alerts_for(request.user, status="").exists(),
    )


NOTE_LABELS = {
    AlertStep.Step.VERIFY: gettext_lazy("核实情况（入户核实结果）"),
    AlertStep.Step.CONSENT: gettext_lazy("承诺授权书编号或说明（可选）"),
    AlertStep.Step.PROPOSE_ELIMINATION: gettext_lazy("入户核实情况（可选）"),
}


def _step_forms(user, alert: Alert) -> list[dict]:
    """The steps this user may take now, with what each form asks."""
    out = []
    for step in WORKFLOW.allowed_steps(user, alert):
        required = services.NOTE_REQUIRED.get(step.name)
        out.append(
            {
                "name": step.name,
                "label": step.label,
                "fields": step.fields,
                "style": step.style,
                "all_checks": step.name in services.ALL_CHECKS,
                "criteria": step.name in services.CRITERIA_STEPS,
                "note_required": bool(required),
                "note_label": required or NOTE_LABELS.get(step.name) or _("说明（可选）"),
            }
        )
    return out


def _publicity_text(alert: Alert) -> str:
    today = timezone.localdate()
    if alert.publicity_start and alert.status in PUBLICITY_STATUSES:
        if today <= alert.publicity_end:
            return _("村内公示中：%(start)s 至 %(end)s，期满后由村报乡镇审核") % {
                "start": alert.publicity_start.isoformat(),
                "end": alert.publicity_end.isoformat(),
            }
        return _("公示已于 %(end)s 期满") % {"end": alert.publicity_end.isoformat()}
    if alert.announce_start and alert.announce_start <= today <= alert.announce_end:
        return _("公告中：%(start)s 至 %(end)s") % {
            "start": alert.announce_start.isoformat(),
            "end": alert.announce_end.isoformat(),
        }
    return ""


@login_required
def alert_detail(request, pk: int):
    """The case: how it was found, the steps taken, the assistance, objections, and the forms of the steps this user
    may take."""
    alert = queries.alert_for(request.user, pk)
    household = alert.household
    forms = _step_forms(request.user, alert)
    criteria = (
        services.elimination_criteria(alert) if alert.status in (Alert.Status.MONITORED, *ELIMINATION_STATUSES) else []
    )
    measure_form = None
    if any(step["name"] == AlertStep.Step.ASSIST for step in forms):
        measure_form = MeasureForm(units=services.responsible_units(household), initial={"version": alert.version})
    objections = list(queries.objections_of(request.user, alert))
    for o in objections:
        o.answerable = services.may_answer(request.user, o)
    proposed = next((s.details.get("category") for s in alert.steps.filter(step=AlertStep.Step.DELIBERATE)), "")
    return render(
        request,
        "monitoring/alert.html",
        {
            "alert": alert,
            "household": household,
            "allowed": forms,
            "turn": WORKFLOW.turn(alert),
            "steps": queries.steps_of(request.user, alert),
            "measures": queries.measures_of(request.user, alert),
            "objections": objections,
            "publicity": _publicity_text(alert),
            "calendar_missing": bool(alert.deadline) and alert.deadline.year not in workdays.covered_years(),
            "publicity_days": int(threshold(alert.ruleset, Threshold.Key.PUBLICITY_DAYS)),
            "proposed_category": proposed or alert.category,
            "criteria": criteria,
            "criteria_ok": bool(criteria) and all(c.ok for c in criteria),
            "measure_form": measure_form,
            "incomes": household.incomes.all()[:6],
            "checks": [(f, household._meta.get_field(f).verbose_name, getattr(household, f)) for f in household.CHECKS],
            "categories": [(c.value, c.label) for c in services.CATEGORIES],
            "can_add_income": scoping.can(request.user, scoping.Action.CHANGE, household) and alert.is_open,
            "record_objection": notices.record_form(request.user, alert),
            "contacts": queries.contacts_for(request.user, alert) if services.may_assign(request.user, alert) else None,
        },
    )


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
@require_POST
def alert_step(request, pk: int):
    alert = queries.alert_for(request.user, pk, scoping.Action.CHANGE)
    post = request.POST
    checks = None
    if post.get("has_checks") == "1":
        answers = {"1": True, "0": False}
        checks = {f: answers.get(post.get(f"check_{f}", "")) for f in Household.CHECKS}
    step = post.get("step", "")
    try:
        version = int(post.get("version") or 0)
        alert = services.take_step(
            user=request.user,
            alert=alert,
            step=step,
            expected_version=version,
            note=post.get("note", ""),
            category=post.get("category", ""),
            checks=checks,
            meeting_date=_date(post.get("meeting_date", "")),
            attendees=post.get("attendees") or None,
            opinion=post.get("opinion", ""),
            consent_date=_date(post.get("consent_date", "")),
        )
        messages.success(
            request,
            _("已办理：%(step)s。当前状态：%(status)s")
            % {"step": AlertStep.Step(step).label, "status": alert.get_status_display()},
        )
    except (ValidationError, PermissionDenied, StaleObjectError, ValueError) as exc:
        messages.error(request, _error_text(exc))
    return redirect("monitoring:alert", pk=pk)


@login_required
@require_POST
def objection_answer(request, pk: int):
    objection = queries.objection_for(request.user, pk, scoping.Action.CHANGE)
    try:
        services.answer_objection(
            user=request.user,
            objection=objection,
            answer=request.POST.get("answer", ""),
            expected_version=int(request.POST.get("version") or 0),
        )
        messages.success(request, _("已答复 %(ack)s") % {"ack": objection.ack_number})
    except (ValidationError, PermissionDenied, StaleObjectError, ValueError) as exc:
        messages.error(request, _error_text(exc))
    return redirect("monitoring:alert", pk=objection.case_id)


@login_required
@require_POST
def responsible_assign(request, pk: int):
    """Name the case's responsible person (帮扶联系人) from the case page; a bad or stale choice says why there."""
    alert = queries.alert_for(request.user, pk, scoping.Action.CHANGE)
    chosen = request.POST.get("responsible", "")
    person = None
    if chosen:
        person = queries.contacts_for(request.user, alert).filter(pk=chosen if chosen.isdigit() else 0).first()
        if person is None:
            messages.error(request, _("所选人员不负责该户所在地区，或没有填报权限"))
            return redirect(reverse("monitoring:alert", args=[pk]) + "#responsible")
    try:
        version = int(request.POST.get("version", ""))
        services.assign_responsible(user=request.user, alert=alert, responsible=person, expected_version=version)
    except ValueError:
        messages.error(request, _("请求缺少版本号，请刷新页面后重试"))
    except (ValidationError, PermissionDenied, StaleObjectError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("已指定帮扶联系人：%(name)s") % {"name": person or _("无")})
    return redirect(reverse("monitoring:alert", args=[pk]) + "#responsible")


def measure_add(request, pk: int):
    """Record an assistance measure (page form; the case page shows the same form inline)."""
    alert = queries.alert_for(request.user, pk, scoping.Action.CHANGE)
    units = services.responsible_units(alert.household)
    form = MeasureForm(request.POST or None, units=units, initial={"version": alert.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_measure(
                user=request.user,
                alert=alert,
                expected_version=data["version"],
                kind=data["kind"],
                responsible_unit=data["responsible_unit"],
                description=data["description"],
                start_date=data["start_date"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except (PermissionDenied, StaleObjectError) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("已登记帮扶措施"))
            return redirect(reverse("monitoring:alert", args=[pk]) + "#measures")
    return render(request, "monitoring/measure_form.html", {"alert": alert, "form": form})


@login_required
@require_POST
def screen(request):
    ruleset = scoping.get_for(request.user, queries.rulesets_for(request.user), pk=request.POST.get("ruleset") or 0)
    try:
        job = services.start_screening(user=request.user, ruleset=ruleset, engine_name=settings.DUIKOU_SCREENING_ENGINE)
    except UserFacingError as exc:
        messages.error(request, str(exc))
        return redirect("monitoring:alerts")
    return redirect("job_detail", pk=job.pk)


# ---- departmental data ------------------------------------------------------------------------------------------


@login_required
def imports(request):
    """Upload a department's file: the dry run starts as a background job; nothing is loaded before confirmation."""
    if not scoping.may(request.user, scoping.Action.CHANGE):
        raise PermissionDenied
    form = DepartmentImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = departmental.start_department_check(
                user=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
            )
        except UserFacingError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("job_detail", pk=job.pk)
    return render_list(
        request, "monitoring/imports.html", queries.imports_for(request.user), form=form, headers=departmental.HEADERS
    )


@login_required
def import_detail(request, pk: int):
    """The dry-run report: matched rows, unknown ID numbers, malformed rows; the confirm button loads the matched."""
    batch = queries.import_for(request.user, pk)
    can_confirm = (
        batch.status == DepartmentImport.Status.CHECKED
        and batch.matched > 0
        and scoping.can(request.user, scoping.Action.CHANGE, batch)
    )
    return render(
        request,
        "monitoring/import.html",
        {"batch": batch, "report": batch.report, "can_confirm": can_confirm, "summary": departmental.summary(batch)},
    )


@login_required
@require_POST
def import_confirm(request, pk: int):
    batch = queries.import_for(request.user, pk, scoping.Action.CHANGE)
    try:
        job = departmental.start_department_load(user=request.user, batch=batch)
    except UserFacingError as exc:
        messages.error(request, str(exc))
        return redirect("monitoring:import_detail", pk=pk)
    return redirect("job_detail", pk=job.pk)


# ---- dashboard and the periodic report of the 专栏1 counties ------------------------------------------------


def _period(params) -> tuple[int, int | None]:
    today = timezone.localdate()
    try:
        year = int(params.get("year") or today.year)
        quarter = int(params.get("quarter") or 0) or None
    except ValueError:
        year, quarter = today.year, None
    if not 2000 <= year <= today.year + 1:
        year = today.year
    if quarter not in (None, 1, 2, 3, 4):
        quarter = None
    return year, quarter


# new, under verification, monitored, eliminated, dismissed, overdue
CHART_COLOURS = ["#0d6efd", "#fd7e14", "#6f42c1", "#198754", "#6c757d", "#dc3545"]


@login_required
def dashboard(request):
    """Counts and flows of the cases by the regions one level below the chosen area, with links down the tree."""
    year, quarter = _period(request.GET)
    start, end = queries.period_bounds(year, quarter)
    area = queries.dashboard_area(request.user, request.GET.get("area", ""))
    counts = list(queries.dashboard_counts(request.user, area=area, start=start, end=end))
    keys = [c["key"] for c in counts]
    own = scoping.region_prefix(request.user) or ""
    trail = [area[:n] for n in (2, 4, 6, 9) if max(len(own), 2) <= n <= len(area)]
    names = queries.region_names(request.user, keys + trail)
    drill = len(area) < 9  # villages are the last level
    columns = [k for k, _label in reports.COLUMNS]
    rows = [{"code": c["key"], "name": names[c["key"]], "counts": [c[k] for k in columns]} for c in counts]
    totals = [sum(r["counts"][i] for r in rows) for i in range(len(columns))]
    chart = {
        "categories": [r["name"] for r in rows],
        "series": [
            {"name": label, "type": "bar", "color": colour, "data": [r["counts"][i] for r in rows]}
            for i, (label, colour) in enumerate(zip(reports.column_labels(), CHART_COLOURS, strict=True))
        ],
    }
    county = None
    if len(area) == 6:
        county = {"code": area, "name": names.get(area, area), "is_key": reports.key_designation_code(area)}
    period_query = f"year={year}" + (f"&quarter={quarter}" if quarter else "")
    channel_counts = queries.channel_counts(request.user, area=area, start=start, end=end)
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "rows": rows,
            "totals": totals,
            "labels": reports.column_labels(),
            "chart": chart,
            "trail": [(p, names[p]) for p in trail],
            "area": area,
            "drill": drill,
            "year": year,
            "quarter": quarter,
            "years": range(timezone.localdate().year, timezone.localdate().year - 6, -1),
            "period": reports.period_label(year, quarter),
            "period_query": period_query,
            "county": county,
            "national": own == "",
            "channels": [(label, channel_counts.get(value, 0)) for value, label in Alert.Channel.choices],
            "timeliness": queries.step_timeliness(request.user, area=area, start=start, end=end),
        },
    )


@login_required
def county_report(request, code: str, fmt: str):
    """The periodic monitoring report of a 专栏1 county as .xlsx or .docx; other counties get a message."""
    county = reports.county_in_scope(request.user, code)
    year, quarter = _period(request.GET)
    try:
        report = reports.county_report(user=request.user, county=county, year=year, quarter=quarter)
    except UserFacingError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("monitoring:dashboard") + f"?area={county.code}&year={year}")
    if fmt == "xlsx":
        content, kind = reports.report_xlsx(report), XLSX
    else:
        content, kind = reports.report_docx(report), DOCX
    suffix = f"{year}" + (f"Q{quarter}" if quarter else "")
    return download(content, f"monitoring-{county.code}-{suffix}.{fmt}", kind)
