from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duikou.accounts import scoping
from duikou.audit.queries import history_for
from duikou.audit.templatetags.audit_tags import history_lines
from duikou.core.errors import StaleObjectError, UserFacingError
from duikou.core.exports import download, xlsx_bytes, xlsx_response
from duikou.core.forms import apply_errors, error_text, int_or
from duikou.core.jobs import start_job
from duikou.core.listviews import render_list
from duikou.core.tables import import_page
from duikou.core.uploads import read_upload
from duikou.pairings.queries import pairing_for

from . import analytics, dhis2, queries, records, services, transfer
from . import formula as formulas
from .forms import SCHEMES, Dhis2IdForm, DueDaysForm, ImportForm, PivotForm, TimelinessForm
from .models import DataSet, DataValue, Dhis2Id, Indicator
from .periods import parse_period
from .transfer import number_text
from .workflow import WORKFLOW


def _dataset_and_period(request):
    datasets = list(queries.datasets_for(request.user))
    if not datasets:
        raise Http404(_("没有数据集"))
    dataset = next((d for d in datasets if d.code == request.GET.get("dataset")), datasets[0])
    default = services.recent_periods(dataset, count=1)[0].id
    try:
        period = parse_period(request.GET.get("period") or default, expected_type=dataset.period_type)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        period = parse_period(default)
    return datasets, dataset, period


@login_required
def library(request):
    indicators = list(queries.indicators_for(request.user))
    names = {i.code: i.name for i in indicators}
    for indicator in indicators:
        indicator.formula_text = formulas.readable(indicator.formula, names) if indicator.formula else ""
    return render(
        request,
        "indicators/library.html",
        {
            "indicators": indicators,
            "datasets": queries.datasets_for(request.user),
            "can_edit_datasets": scoping.scope(request.user, DataSet, scoping.Action.CHANGE).exists(),
            "default_due_days": settings.DUIKOU_REPORT_DUE_DAYS,
        },
    )


@login_required
@require_POST
def dataset_due(request, code: str):
    """Set a data set's reporting deadline (days after the period's end), or clear it for the site's default."""
    dataset = scoping.get_for(request.user, DataSet, scoping.Action.CHANGE, code=code)
    form = DueDaysForm(request.POST)
    if form.is_valid():
        services.set_dataset_due_days(user=request.user, dataset=dataset, due_days=form.cleaned_data["due_days"])
        messages.success(request, _("已保存「%(name)s」的上报时限") % {"name": dataset.name})
    else:
        messages.error(request, f"{dataset.name}：{error_text(ValidationError(form.errors['due_days']))}")
    return redirect(f"{reverse('indicators:library')}#dataset-{dataset.code}")


@login_required
def reports(request):
    """Completeness per pairing for one data set and period, with each report's status."""
    datasets, dataset, period = _dataset_and_period(request)
    rows = queries.completeness_for(request.user, dataset, period.id)
    return render(request, "indicators/reports.html", _completeness_context(datasets, dataset, period, rows, False))


def _completeness_context(datasets, dataset, period, rows, reminders: bool) -> dict:
    return {
        "datasets": datasets,
        "dataset": dataset,
        "period": period,
        "periods": services.recent_periods(dataset),
        "rows": rows,
        "reminders": reminders,
        "due": dataset.due_date(period),
        "due_days": dataset.effective_due_days,
        "due_default": dataset.due_days is None,
        "today": timezone.localdate(),
    }


@login_required
def reminders(request):
    """Who has not reported (or not finished) for the period: to remind them; also as Excel."""
    datasets, dataset, period = _dataset_and_period(request)
    rows = [r for r in queries.completeness_for(request.user, dataset, period.id) if not r["reported"]]
    if request.GET.get("format") == "xlsx":
        header = [_("结对关系"), _("编号"), _("报告期"), _("上报截止"), _("及时性"), _("已填"), _("应填"), _("状态")]
        data = (
            [
                str(r["pairing"]),
                r["pairing"].code,
                period.id,
                r["due"].isoformat(),
                r["timeliness_label"],
                r["filled"],
                r["expected"],
                r["status_label"],
            ]
            for r in rows
        )
        return xlsx_response(f"reminders-{period.id}.xlsx", _("未上报"), header, data)
    context = _completeness_context(datasets, dataset, period, rows, True)
    context["may_remind"] = services.may_remind(request.user)
    return render(request, "indicators/reports.html", context)


def _timeliness(request):
    """The data set and year asked for (the first data set and this year by default), and their rates."""
    datasets = list(queries.datasets_for(request.user))
    if not datasets:
        raise Http404(_("没有数据集"))
    data = request.GET.copy()
    data.setdefault("dataset", datasets[0].code)
    data.setdefault("year", str(timezone.localdate().year))
    form = TimelinessForm(data, datasets=datasets)
    if not form.is_valid():
        return form, None
    dataset = next(d for d in datasets if d.code == form.cleaned_data["dataset"])
    return form, queries.timeliness_rates(request.user, dataset, form.cleaned_data["year"])


@login_required
def timeliness(request):
    """Reporting rate and on-time rate by province and period: the chart, and the same figures as a table."""
    form, rates = _timeliness(request)
    error = "" if rates else "；".join(f"{form.fields[f].label}：{' '.join(e)}" for f, e in form.errors.items())
    return render(request, "indicators/timeliness.html", {"form": form, "rates": rates, "error": error})


@login_required
def timeliness_data(request):
    """The chart's data (what the page draws), as JSON."""
    form, rates = _timeliness(request)
    if rates is None:
        return JsonResponse({"errors": {f: list(e) for f, e in form.errors.items()}}, status=400)
    return JsonResponse(rates)


@login_required
@require_POST
def remind(request):
    """「提醒全部未上报单位」: one reminder a day per organisation and report; a second click says who already was."""
    datasets, dataset, period = _dataset_and_period(request)
    sent, already = services.remind_unreported(user=request.user, dataset=dataset, period=period.id)
    if sent:
        messages.success(request, _("已提醒 %(n)d 个单位") % {"n": sent})
    if already:
        messages.info(request, _("%(n)d 个单位今天已提醒过，每天最多提醒一次") % {"n": already})
    if not sent and not already:
        messages.info(request, _("没有需要提醒的单位"))
    return redirect(f"{reverse('indicators:reminders')}?dataset={dataset.code}&period={period.id}")


def _report(request, pairing_id: int, dataset: str, period: str):
    pairing = pairing_for(request.user, pairing_id)
    ds = queries.dataset_for(request.user, dataset)
    try:
        return services.get_report(pairing=pairing, dataset=ds, period=period)
    except ValidationError as exc:
        raise Http404(error_text(exc)) from exc


def _flag(violations) -> str:
    """What a row's checks ask of its writer: "error" (a value to correct), "note" (a change to explain in the
    note), or nothing."""
    if any(v.severity == "error" for v in violations):
        return "error"
    return "note" if any(v.blocking for v in violations) else ""


def _grid_rows(indicators, values, before, violations, recorded, subs=None, by_option=None):
    """The grid's rows: each indicator's total, and under an indicator with a breakdown one sub-row per option (keyed
    ``code__option``), with what the records say per option beside it."""
    flagged: dict[str, list] = {}
    for v in violations:
        for code in v.indicators:
            flagged.setdefault(code, []).append(v)
    subs, by_option = subs or {}, by_option or {}
    rows = []
    for ind in indicators:
        if ind.formula:
            continue
        rows.append(
            {
                "key": ind.code,
                "indicator": ind,
                "option": None,
                "value": values.get(ind.code),
                "text": number_text(values[ind.code].value) if ind.code in values else "",
                "previous_text": number_text(before.get(ind.code)),
                "violations": flagged.get(ind.code, []),
                "flag": _flag(flagged.get(ind.code, [])),
                "recorded": [(label, number_text(total)) for label, total in recorded.get(ind.code, [])],
            }
        )
        for option in ind.breakdown.options.all() if ind.breakdown_id else ():
            stored = subs.get((ind.code, option.code))
            rows.append(
                {
                    "key": f"{ind.code}__{option.code}",
                    "indicator": ind,
                    "option": option,
                    "value": stored,
                    "text": number_text(stored.value) if stored else "",
                    "previous_text": "",
                    "violations": [],
                    "flag": "",
                    "recorded": [
                        (label, number_text(sums.get(option.code, Decimal(0))))
                        for label, sums in by_option.get(ind.code, [])
                    ],
                }
            )
    return rows


def _recorded(user, report) -> tuple[dict, dict]:
    """What the pairing's records add up to in the report's period: per indicator they feed ([(label, sum)]), and
    per option of its breakdown for the sources that answer per option ([(label, {option: sum})])."""
    period = parse_period(report.period)
    span = {"pairing": report.pairing_id, "since": period.start, "until": period.end}
    return records.recorded_with_options(user, **span)


def _grid_context(request, report, *, recorded: bool = True) -> dict:
    """What the grid shows: its rows with their messages, the checks, the completeness and the derived values, and
    the report's revision (the sum of its cells' versions: every save raises it, so of two answers the one with the
    higher revision saw more). ``recorded=False`` leaves out the activity figures (a saved cell's answer has no
    use for them)."""
    indicators = list(
        report.dataset.indicators.select_related("clause", "key_task", "breakdown").prefetch_related(
            "breakdown__options"
        )
    )
    values, subs = services.cells_of(report)
    before = services.previous_values(report)
    violations = services.validate_report(report, values=values, before=before, subs=subs)
    sums, per_option = _recorded(request.user, report) if recorded else ({}, {})
    inputs = {ind.code for ind in indicators if not ind.formula}
    filled = sum(1 for code, v in values.items() if code in inputs and v.value is not None)
    numbers = {code: v.value for code, v in values.items()}
    codes = {ind.code for ind in indicators}
    names = {i.code: i.display_name for i in Indicator.objects.all()}
    derived = [
        {
            "indicator": ind,
            "text": number_text(formulas.evaluate(ind.formula, numbers)),
            "formula": formulas.readable(ind.formula, names),
        }
        for ind in [
            *(i for i in indicators if i.formula),
            *(
                i
                for i in Indicator.objects.exclude(formula="").exclude(datasets=report.dataset)
                if formulas.codes_in(i.formula) <= codes
            ),
        ]
    ]
    return {
        "derived": derived,
        "report": report,
        "rows": _grid_rows(indicators, values, before, violations, sums, subs=subs, by_option=per_option),
        "revision": sum(v.version for v in values.values()) + sum(v.version for v in subs.values()),
        "violations": violations,
        "blocking": [v for v in violations if v.blocking],
        "filled": filled,
        "expected": len(inputs),
        "cell_url": reverse("indicators:cell", args=[report.pairing_id, report.dataset_id, report.period]),
    }


def _entry_context(request, report, **extra):
    steps = [s.name for s in WORKFLOW.allowed_steps(request.user, report)]
    return {
        **_grid_context(request, report),
        "pairing": report.pairing,
        "period": parse_period(report.period),
        "steps": steps,
        "turn": WORKFLOW.turn(report),
        "editable": "edit" in steps,
        "history": history_for(request.user, report),
        **extra,
    }


@login_required
def entry(request, pairing_id: int, dataset: str, period: str):
    report = _report(request, pairing_id, dataset, period)
    return render(request, "indicators/entry.html", _entry_context(request, report))


@login_required
@require_POST
def cell(request, pairing_id: int, dataset: str, period: str):
    """Save one grid cell — an indicator's value and note, stored together under one version (entry.js sends each
    row on its own, several rows at once). Answers JSON: whether it was saved or, in ``detail``, why not (409 someone
    else saved the cell since its writer read it; 422 not a number, not a value of this cell, or the report locked
    while the save waited for it; 403 the report could no longer be edited when the request came), the cell as
    stored, and — for the whole grid, since one value can settle or break another's rule — every row's notes, the
    checks and the derived values, with the revision they were read at."""
    report = _report(request, pairing_id, dataset, period)
    if not WORKFLOW.allows(request.user, report, "edit"):
        raise PermissionDenied
    indicator = Indicator.objects.filter(pk=request.POST.get("indicator", "")).select_related("breakdown").first()
    if indicator is None:
        raise Http404(_("未知指标"))
    option, option_code = None, request.POST.get("option", "")
    if option_code:
        option = queries.breakdown_option(indicator, option_code)
        if option is None:
            raise Http404(_("未知分类选项"))
    key = f"{indicator.code}__{option.code}" if option else indicator.code
    version = request.POST.get("version", "")
    detail, status = "", 200
    try:
        services.save_value(
            user=request.user,
            report=report,
            indicator=indicator,
            value=request.POST.get("value", ""),
            comment=request.POST.get("comment"),
            expected_version=int(version) if version.isdigit() else None,
            option=option,
        )
    except StaleObjectError as exc:
        detail, status = error_text(exc), 409
    except PermissionDenied as exc:  # the report was submitted or locked between the page and the save
        detail, status = error_text(exc), 403
    except ValidationError as exc:
        detail, status = error_text(exc), 422
    context = _grid_context(request, report, recorded=False)
    # no row for an indicator the grid does not have (a derived one, another data set's): refused above
    row = next((r for r in context["rows"] if r["key"] == key), {"value": None, "text": ""})
    stored = row["value"]
    if status == 409 and stored is not None:
        detail = _("%(reason)s现存值：%(value)s") % {"reason": detail, "value": row["text"] or "—"}
    answer = {
        "indicator": indicator.code,
        "option": option.code if option else "",
        "saved": status == 200,
        "detail": detail,
        "version": stored.version if stored else 0,
        "value": row["text"],
        "comment": stored.comment if stored else "",
        "revision": context["revision"],
        "rows": {
            r["key"]: {
                "flag": r["flag"],
                "messages": render_to_string("indicators/partials/messages.html", {"row": r}).strip(),
            }
            for r in context["rows"]
        },
        "violations": render_to_string("indicators/partials/violations.html", context),
        "derived": {d["indicator"].code: d["text"] for d in context["derived"]},
    }
    return JsonResponse(answer, status=status, json_dumps_params={"ensure_ascii": False})


@login_required
@require_POST
def step(request, pairing_id: int, dataset: str, period: str, step: str):
    report = _report(request, pairing_id, dataset, period)
    user = request.user
    if not WORKFLOW.allows(user, report, step):
        raise PermissionDenied
    try:
        if step == "submit":
            report = services.submit_report(user=user, report=report)
        elif step == "approve":
            report = services.approve_report(user=user, report=report)
        elif step == "accept":
            report = services.accept_report(user=user, report=report)
        elif step == "return":
            report = services.return_report(user=user, report=report, comment=request.POST.get("comment", ""))
        elif step == "unlock":
            report = services.unlock_report(user=user, report=report, reason=request.POST.get("reason", ""))
        else:
            raise PermissionDenied
        messages.success(request, _("已完成：%(status)s") % {"status": report.get_status_display()})
    except services.SubmissionRefused as exc:
        messages.error(request, _("不能上报：") + "；".join(v.message for v in exc.violations))
    except (ValidationError, PermissionDenied, StaleObjectError) as exc:
        messages.error(request, error_text(exc))
    return redirect("indicators:entry", pairing_id=report.pairing_id, dataset=report.dataset_id, period=report.period)


def import_job(*, user, progress, data: bytes, filename: str, dry_run: bool, id_schemes: dict | None = None) -> dict:
    return transfer.import_values(
        user=user, data=data, filename=filename, dry_run=dry_run, progress=progress, id_schemes=id_schemes
    )


@login_required
def import_values(request):
    if not scoping.may(request.user, scoping.Action.CHANGE):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = form.cleaned_data["dry_run"]
        schemes = dhis2.schemes_from(form.cleaned_data)  # the form offers only valid choices
        try:
            job = start_job(
                kind="indicators-import",
                title=(_("试导入指标数据：%(file)s") if dry_run else _("导入指标数据：%(file)s"))
                % {"file": upload.name},
                user=request.user,
                fn=import_job,
                params={"dry_run": dry_run, "id_schemes": schemes},
                upload=(upload.name, read_upload(upload)),
            )
        except UserFacingError as exc:  # a refused file, or no room to keep it
            form.add_error("file", str(exc))
        else:
            return redirect("job_detail", pk=job.pk)
    context = {
        "form": form,
        "datasets": queries.datasets_for(request.user),
        "schemes": SCHEMES,
        "may_map": request.user.organisation_id is not None,
    }
    return render(request, "indicators/import.html", context)


@login_required
def export_values(request):
    fmt = request.GET.get("format", "json")
    if request.GET.get("dhis2") or fmt == "xml":
        return _export_dhis2(request, fmt)
    try:
        values = queries.values_for(
            request.user,
            period=request.GET.get("period", ""),
            pairing=int(request.GET["pairing"]) if request.GET.get("pairing", "").isdigit() else None,
        ).filter(value__isnull=False)
        content, filename, content_type = transfer.export_values(values, fmt)
    except ValidationError as exc:
        return HttpResponse(error_text(exc), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export_dhis2(request, fmt: str):
    """The export in DHIS2's shapes: a data set, period and org unit chosen, objects named in the chosen scheme."""
    params = request.GET
    try:
        content, filename, content_type = dhis2.export_selection(
            request.user,
            params,
            period=params.get("period", "").strip(),
            pairing_id=int(params["pairing"]) if params.get("pairing", "").isdigit() else None,
            dataset=params.get("dataSet", "").strip(),
            org_unit=params.get("orgUnit", "").strip(),
            fmt=fmt,
        )
    except ValidationError as exc:
        return HttpResponse(error_text(exc), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---- DHIS2 uid mappings ------------------------------------------------------------------------------------------


@login_required
def dhis2_ids(request):
    """The organisation's DHIS2 uid mappings: search, add (those who may change data), retire, Excel in and out."""
    if not scoping.may(request.user, scoping.Action.VIEW):
        raise PermissionDenied
    may_change = scoping.may(request.user, scoping.Action.CHANGE) and request.user.organisation_id is not None
    form = Dhis2IdForm(request.POST or None)
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        if form.is_valid():
            try:
                mapping = services.add_dhis2_id(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已登记：%(mapping)s") % {"mapping": mapping})
                return redirect("indicators:dhis2_ids")
    q, kind, status = (request.GET.get(k, "").strip() for k in ("q", "kind", "status"))
    status = status if "status" in request.GET else Dhis2Id.Status.ACTIVE
    return render_list(
        request,
        "indicators/dhis2_ids.html",
        queries.dhis2_ids_for(request.user, q=q, kind=kind, status=status),
        form=form,
        may_change=may_change,
        q=q,
        kind=kind,
        status=status,
        kinds=Dhis2Id.Kind.choices,
        statuses=Dhis2Id.Status.choices,
        organisation=request.user.organisation,
    )


@login_required
@require_POST
def dhis2_id_retire(request, pk: int):
    mapping = scoping.get_for(request.user, Dhis2Id, scoping.Action.CHANGE, pk=pk)
    try:
        services.retire_dhis2_id(user=request.user, mapping=mapping, version=int_or(request.POST.get("version"), 0))
        messages.success(request, _("已停用：%(mapping)s") % {"mapping": mapping})
    except (ValidationError, StaleObjectError) as exc:
        messages.error(request, error_text(exc))
    return redirect("indicators:dhis2_ids")


@login_required
def dhis2_ids_export(request):
    if not scoping.may(request.user, scoping.Action.VIEW):
        raise PermissionDenied
    rows = queries.dhis2_ids_for(request.user, q=request.GET.get("q", "").strip(), status=Dhis2Id.Status.ACTIVE)
    with translation.override(settings.LANGUAGE_CODE):  # the workbook is Chinese, as the import reads it
        table = [[m.get_kind_display(), m.uid, m.code] for m in rows]
    return download(xlsx_bytes("DHIS2 uid", services.MAPPING_HEADER, table), "dhis2-uids.xlsx")


@login_required
def dhis2_ids_import(request):
    if request.user.organisation_id is None:
        raise PermissionDenied

    def start(*, upload, dry_run):
        data = read_upload(upload)
        return services.import_dhis2_ids(user=request.user, data=data, filename=upload.name, dry_run=dry_run)

    with translation.override(settings.LANGUAGE_CODE):
        kinds = [str(label) for label in Dhis2Id.Kind.labels]
    context = {"header": services.MAPPING_HEADER, "kinds": kinds}
    return import_page(request, "indicators/dhis2_ids_import.html", start, context)


@login_required
def pivot(request):
    indicators = list(queries.indicators_for(request.user))
    data = request.GET.copy()
    if indicators:
        data.setdefault("indicator", indicators[0].code)
    data.setdefault("rows", "province")
    data.setdefault("cols", "year")
    form = PivotForm(data, indicators=indicators)
    result, error = None, ""
    if form.is_valid():
        try:
            result = analytics.pivot(
                request.user,
                indicator=form.cleaned_data["indicator"],
                rows=form.cleaned_data["rows"],
                cols=form.cleaned_data["cols"],
                year=form.cleaned_data.get("year"),
                status=form.cleaned_data.get("status") or "",
            )
        except ValidationError as exc:
            error = error_text(exc)
    else:
        error = "；".join(f"{form.fields[f].label}：{' '.join(e)}" for f, e in form.errors.items())
    if result and request.GET.get("format") == "xlsx":
        header = [str(analytics.DIMENSIONS[result["rows_dim"]]), *result["cols"], _("合计")]
        rows = [[r, *result["cells"][i], result["row_totals"][i]] for i, r in enumerate(result["rows"])]
        rows.append([_("合计"), *result["col_totals"], result["total"]])
        return xlsx_response(f"pivot-{result['indicator']}.xlsx", result["name"], header, rows)
    chart = None
    if result:
        cities = analytics.city_values(
            request.user,
            indicator=result["indicator"],
            year=form.cleaned_data.get("year"),
            status=form.cleaned_data.get("status") or "",
        )
        chart = _chart(result, cities)
    return render(
        request,
        "indicators/pivot.html",
        {
            "form": form,
            "result": result,
            "error": error,
            "chart": chart,
            "today": timezone.localdate(),
            "can_change": scoping.may(request.user, scoping.Action.CHANGE),
        },
    )


def _chart(result: dict, cities: list[dict]) -> dict:
    """The ECharts data of a pivot: one bar series per column; and, for the choropleth, the indicator's value per
    old-area city (by division code, as the vendored city map's features are keyed)."""
    return {
        "categories": result["rows"],
        "series": [
            {
                "name": c,
                "type": "bar",
                "data": [
                    round(float(row[j]), result.get("places", 4)) if row[j] is not None else None
                    for row in result["cells"]
                ],
            }
            for j, c in enumerate(result["cols"])
        ],
        "rows_dim": result["rows_dim"],
        "unit": result["unit"],
        "cities": [{"code": c["code"], "name": c["name"], "value": float(c["value"])} for c in cities],
    }


@login_required
def dashboard(request):
    """The organisation's saved charts, each recomputed now over what the user may see."""
    charts = []
    for saved in queries.charts_for(request.user):
        try:
            result = analytics.pivot(
                request.user,
                indicator=saved.indicator_id,
                rows=saved.rows,
                cols=saved.cols,
                year=saved.year,
                status="approved" if saved.approved_only else "",
            )
            cities = analytics.city_values(
                request.user,
                indicator=saved.indicator_id,
                year=saved.year,
                status="approved" if saved.approved_only else "",
            )
        except (ValidationError, Http404) as exc:
            charts.append({"saved": saved, "error": error_text(exc) if isinstance(exc, ValidationError) else str(exc)})
            continue
        charts.append({"saved": saved, "result": result, "chart": _chart(result, cities)})
    return render(
        request,
        "indicators/dashboard.html",
        {"charts": charts, "can_change": scoping.may(request.user, scoping.Action.CHANGE)},
    )


@login_required
@require_POST
def chart_save(request):
    indicator = queries.indicators_for(request.user).filter(pk=request.POST.get("indicator", "")).first()
    if indicator is None:
        raise Http404(_("未知指标"))
    year = request.POST.get("year", "")
    try:
        services.save_chart(
            user=request.user,
            title=request.POST.get("title", ""),
            indicator=indicator,
            rows=request.POST.get("rows", ""),
            cols=request.POST.get("cols", ""),
            year=int(year) if year.isdigit() else None,
            approved_only=request.POST.get("status") == "approved",
        )
        messages.success(request, _("已保存到本机构仪表板"))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("indicators:dashboard")


@login_required
@require_POST
def chart_remove(request, pk: int):
    from .models import SavedChart

    chart = scoping.get_for(request.user, SavedChart, pk=pk)
    services.remove_chart(user=request.user, chart=chart)
    messages.success(request, _("已从仪表板移除"))
    return redirect("indicators:dashboard")


@login_required
def value_history(request, pk: int):
    """A value's whole history, newest first: each save of its cell (the audit log) and each import that created or
    changed it (the import's value history), with who, when, before and after, and which file."""
    value = scoping.get_for(
        request.user,
        DataValue.objects.select_related("pairing__old_region", "pairing__partner_region", "indicator", "option"),
        pk=pk,
    )
    lines = history_lines(history_for(request.user, value))
    for row in queries.value_history(request.user, value=value):
        imported = row.value_import
        words = {
            "file": imported.filename,
            "before": number_text(row.old_value) or "—",
            "after": number_text(row.new_value) or "—",
        }
        text = (
            _("导入「%(file)s」：将数值设为「%(after)s」")
            if row.kind == row.Kind.CREATED
            else _("导入「%(file)s」：将数值由「%(before)s」改为「%(after)s」")
        ) % words
        if row.new_comment != row.old_comment:
            text += _("；说明：%(comment)s") % {"comment": row.new_comment or "—"}
        lines.append({"entry": None, "when": imported.created, "actor": imported.user or _("系统"), "text": text})
    lines.sort(key=lambda line: line["when"], reverse=True)
    return render(request, "indicators/value_history.html", {"value": value, "lines": lines})
