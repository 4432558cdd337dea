"""Pages for evaluation schemes, reviews, runs and their results."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duikou.accounts import scoping
from duikou.audit.queries import history_for
from duikou.core.errors import StaleObjectError, UserFacingError
from duikou.core.exports import xlsx_response
from duikou.core.forms import apply_errors, int_or
from duikou.core.listviews import page_context
from duikou.pairings.models import Pairing
from duikou.policy.models import Task

from . import comparison, evidence, inputs, queries, services
from .forms import CopyForm, ItemForm, SchemeFilterForm, SchemeForm, item_initial
from .models import Item, Run, Scheme
from .supervision.services import may_issue

# ---- schemes -----------------------------------------------------------------------------------------------


@login_required
def schemes(request):
    form = SchemeFilterForm(request.GET or None)
    qs = queries.schemes_for(request.user, **form.filters()).annotate(item_count=Count("items", distinct=True))
    context = page_context(request, qs, form=form, can_create=bool(services.creatable_levels(request.user)))
    context["published"] = set(
        queries.runs_for(request.user, status=Run.Status.PUBLISHED)
        .filter(scheme__in=[s.pk for s in context["page_obj"]])
        .values_list("scheme_id", flat=True)
    )
    return render(request, "evaluation/schemes.html", context)


@login_required
def scheme_create(request):
    levels = services.creatable_levels(request.user)
    if not levels:
        raise PermissionDenied
    form = SchemeForm(request.POST or None, user=request.user, levels=levels)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        try:
            scheme = services.create_scheme(user=request.user, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已建立评估方案，请添加评估指标项"))
            return redirect("evaluation:scheme", pk=scheme.pk)
    return render(request, "evaluation/scheme_form.html", {"form": form, "scheme": None})


def _weights(items) -> dict:
    scored = sum((i.weight for i in items if i.method != Item.Method.DEDUCTION), Decimal(0))
    deductions = sum((i.weight for i in items if i.method == Item.Method.DEDUCTION), Decimal(0))
    return {"scored": scored, "deductions": deductions, "off": scored != 100}


@login_required
def scheme_detail(request, pk: int):
    scheme = queries.scheme_for(request.user, pk)
    items = list(queries.items_for(request.user, scheme))
    published = scheme.published
    may_change = scoping.can(request.user, scoping.Action.CHANGE, scheme)
    return render(
        request,
        "evaluation/scheme_detail.html",
        {
            "scheme": scheme,
            "items": items,
            "weights": _weights(items),
            "runs": queries.runs_for(request.user, scheme=scheme)[:5],
            "published": published,
            "can_edit": may_change and not published,
            "can_run": may_change,
            "can_copy": bool(services.creatable_levels(request.user)) and may_change,
            "has_qualitative": any(i.method == Item.Method.QUALITATIVE for i in items),
            "copy_form": CopyForm(initial={"year": scheme.year + 1}),
            "copies": queries.schemes_for(request.user).filter(copied_from=scheme),
            "history": history_for(request.user, scheme),
        },
    )


def _scheme_to_change(request, pk: int) -> Scheme:
    scheme = queries.scheme_for(request.user, pk, scoping.Action.CHANGE)
    if scheme.published:
        messages.error(request, _("该方案已有发布的评估结果，不能修改；如需调整请沿用为新方案后修改"))
        raise _Back(scheme)
    return scheme


class _Back(Exception):
    def __init__(self, scheme):
        self.scheme = scheme


def _back_on_frozen(view):
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _Back as back:
            return redirect("evaluation:scheme", pk=back.scheme.pk)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@login_required
@_back_on_frozen
def scheme_edit(request, pk: int):
    scheme = _scheme_to_change(request, pk)
    if request.method == "POST":
        form = SchemeForm(request.POST, user=request.user, levels=[scheme.level], editing=True)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version") or 0
            try:
                services.update_scheme(user=request.user, scheme=scheme, expected_version=version, **data)
            except (StaleObjectError, ValidationError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已保存"))
                return redirect("evaluation:scheme", pk=scheme.pk)
    else:
        form = SchemeForm(
            initial={name: getattr(scheme, name) for name in (*services.SCHEME_FIELDS, "version")},
            user=request.user,
            levels=[scheme.level],
            editing=True,
        )
    return render(request, "evaluation/scheme_form.html", {"form": form, "scheme": scheme})


@login_required
@require_POST
def scheme_copy(request, pk: int):
    scheme = queries.scheme_for(request.user, pk, scoping.Action.CHANGE)
    form = CopyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写要沿用到的年度（2000–2100）"))
        return redirect("evaluation:scheme", pk=scheme.pk)
    try:
        copy = services.copy_scheme_forward(
            scheme=scheme, year=form.cleaned_data["year"], user=request.user, name=form.cleaned_data["name"]
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("evaluation:scheme", pk=scheme.pk)
    messages.success(request, _("已沿用为新方案，请按新年度修改目标值等内容"))
    return redirect("evaluation:scheme", pk=copy.pk)


# ---- items -------------------------------------------------------------------------------------------------


@login_required
@_back_on_frozen
def item_create(request, pk: int):
    scheme = _scheme_to_change(request, pk)
    form = ItemForm(request.POST or None, user=request.user, initial={"scheme_version": scheme.version, "cap": 1})
    if request.method == "POST" and form.is_valid():
        try:
            services.add_item(
                user=request.user,
                scheme=scheme,
                expected_version=form.cleaned_data["scheme_version"],
                **form.values(),
            )
        except (StaleObjectError, ValidationError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已添加评估指标项"))
            return redirect("evaluation:scheme", pk=scheme.pk)
    return render(request, "evaluation/item_form.html", {"form": form, "scheme": scheme, "item": None})


@login_required
@_back_on_frozen
def item_edit(request, pk: int, item_pk: int):
    scheme = _scheme_to_change(request, pk)
    item = queries.item_for(request.user, scheme, item_pk, scoping.Action.CHANGE)
    if request.method == "POST" and request.POST.get("remove"):
        try:
            services.remove_item(
                user=request.user, item=item, expected_version=int_or(request.POST.get("scheme_version"), 0)
            )
        except (StaleObjectError, ValidationError) as exc:
            messages.error(request, str(exc) if isinstance(exc, StaleObjectError) else "；".join(exc.messages))
        else:
            messages.success(request, _("已删除评估指标项（修改历史中保留记录）"))
        return redirect("evaluation:scheme", pk=scheme.pk)
    if request.method == "POST":
        form = ItemForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.update_item(
                    user=request.user,
                    item=item,
                    expected_version=form.cleaned_data["scheme_version"],
                    **form.values(),
                )
            except (StaleObjectError, ValidationError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已保存"))
                return redirect("evaluation:scheme", pk=scheme.pk)
    else:
        form = ItemForm(initial=item_initial(item), user=request.user)
    return render(
        request,
        "evaluation/item_form.html",
        {"form": form, "scheme": scheme, "item": item, "history": history_for(request.user, item)},
    )


# ---- qualitative review ------------------------------------------------------------------------------------


@login_required
def reviews(request, pk: int):
    """The reviewer's grid: pairings × qualitative items, their own marks (0–100) and comments."""
    scheme = queries.scheme_for(request.user, pk, scoping.Action.CHANGE)
    items = [i for i in queries.items_for(request.user, scheme) if i.method == Item.Method.QUALITATIVE]
    pairings = list(inputs.pairings_evaluated(scheme).filter(pk__in=scoping.scope(request.user, Pairing)))
    mine = {(r.item_id, r.pairing_id): r for r in queries.reviews_for(request.user, scheme, reviewer=request.user)}
    counts: dict[tuple[int, int], int] = {}
    for r in queries.reviews_for(request.user, scheme):
        counts[(r.item_id, r.pairing_id)] = counts.get((r.item_id, r.pairing_id), 0) + 1
    errors: dict[str, str] = {}
    frozen = scheme.published
    if request.method == "POST" and not frozen:
        saved = 0
        for item in items:
            for pairing in pairings:
                key = f"{item.pk}-{pairing.pk}"
                mark = (request.POST.get(f"mark-{key}") or "").strip()
                comment = request.POST.get(f"comment-{key}") or ""
                existing = mine.get((item.pk, pairing.pk))
                if not mark and existing is None:
                    continue
                if existing is not None and mark == _mark_text(existing.mark) and comment.strip() == existing.comment:
                    continue
                version = request.POST.get(f"version-{key}")
                try:
                    mine[(item.pk, pairing.pk)] = services.record_review(
                        user=request.user,
                        item=item,
                        pairing=pairing,
                        mark=mark,
                        comment=comment,
                        expected_version=int(version) if version else None,
                    )
                    saved += 1
                except StaleObjectError as exc:
                    errors[key] = str(exc)
                except ValidationError as exc:
                    errors[key] = "；".join(exc.messages)
        if not errors:
            messages.success(request, _("已保存 %(n)s 项评分") % {"n": saved})
            return redirect("evaluation:reviews", pk=scheme.pk)
        messages.error(request, _("部分评分未保存，请按提示修改"))
    rows = [
        {
            "pairing": pairing,
            "cells": [
                {
                    "key": f"{item.pk}-{pairing.pk}",
                    "item": item,
                    "review": mine.get((item.pk, pairing.pk)),
                    "mark": request.POST.get(f"mark-{item.pk}-{pairing.pk}")
                    if errors
                    else _mark_text(getattr(mine.get((item.pk, pairing.pk)), "mark", None)),
                    "comment": request.POST.get(f"comment-{item.pk}-{pairing.pk}")
                    if errors
                    else getattr(mine.get((item.pk, pairing.pk)), "comment", ""),
                    "error": errors.get(f"{item.pk}-{pairing.pk}"),
                    "count": counts.get((item.pk, pairing.pk), 0),
                }
                for item in items
            ],
        }
        for pairing in pairings
    ]
    return render(
        request,
        "evaluation/reviews.html",
        {"scheme": scheme, "items": items, "rows": rows, "frozen": frozen},
        status=422 if errors else 200,
    )


def _mark_text(mark) -> str:
    if mark is None:
        return ""
    return format(Decimal(mark).normalize(), "f")


# ---- runs --------------------------------------------------------------------------------------------------


@login_required
def runs(request, pk: int):
    scheme = queries.scheme_for(request.user, pk)
    scheme_runs = list(queries.runs_for(request.user, scheme=scheme))
    return render(
        request,
        "evaluation/runs.html",
        {
            "scheme": scheme,
            "runs": scheme_runs,
            "can_run": scoping.can(request.user, scoping.Action.CHANGE, scheme),
            "running": any(r.state == Run.Status.RUNNING for r in scheme_runs),
        },
    )


@login_required
@require_POST
def run_start(request, pk: int):
    scheme = queries.scheme_for(request.user, pk, scoping.Action.CHANGE)
    try:
        services.start_run(scheme=scheme, user=request.user)
    except (ValidationError, UserFacingError) as exc:
        messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("已开始评估计算，完成后可查看排名"))
    return redirect("evaluation:runs", pk=scheme.pk)


def _task_columns(user, run: Run) -> list[Task]:
    """The key tasks the run's items serve, KT1 first."""
    codes = {i["key_task"] for i in run.scheme_snapshot.get("items", [])}
    return list(scoping.scope(user, Task).filter(code__in=codes).order_by("order", "code"))


def _ranking(request, run: Run) -> tuple[list, list[Task]]:
    columns = _task_columns(request.user, run)
    results = list(queries.results_for(request.user, run))
    for r in results:
        r.task_cells = [Decimal(r.task_scores[t.code]) if t.code in r.task_scores else None for t in columns]
    return results, columns


@login_required
def run_detail(request, pk: int):
    run = queries.run_for(request.user, pk)
    results, columns = _ranking(request, run)
    apart: dict[str, list] = {}  # why nothing was due → the pairings listed apart, so each reason shows once
    for r in results:
        if not r.ranked:
            apart.setdefault(r.reporting_note, []).append(r)
    results = [r for r in results if r.ranked]
    indicators = {i["indicator"]: i["indicator_name"] for i in run.scheme_snapshot.get("items", []) if i["indicator"]}
    weights = [(code, indicators.get(code, code), w) for code, w in run.entropy_weights.items()]
    return render(
        request,
        "evaluation/run_detail.html",
        {
            "run": run,
            "scheme": run.scheme,
            "results": results,
            "apart": list(apart.items()),
            "apart_count": sum(len(rows) for rows in apart.values()),
            "missed_count": sum(1 for r in results if r.missed),
            "columns": columns,
            "explained": queries.explained_pairings(request.user, run),
            "weights": weights,
            "can_publish": run.status == Run.Status.DONE
            and scoping.can(request.user, scoping.Action.APPROVE, run)
            and not run.scheme.published,
            "others": [r for r in queries.runs_for(request.user, scheme=run.scheme) if r.pk != run.pk],
            "report_formats": services.REPORT_FORMATS if services.may_read_report(request.user, run) else {},
            "may_issue": may_issue(request.user, run),
        },
    )


@login_required
@require_POST
def run_report(request, pk: int, fmt: str):
    run = queries.run_for(request.user, pk)
    try:
        job = services.start_report(run=run, user=request.user, fmt=fmt)
    except UserFacingError as exc:
        messages.error(request, str(exc))
        return redirect("evaluation:run", pk=run.pk)
    return redirect("job_detail", pk=job.pk)


@login_required
def run_export(request, pk: int):
    run = queries.run_for(request.user, pk)
    results, columns = _ranking(request, run)
    header = [
        _("排名"),
        _("结对编号"),
        _("革命老区城市"),
        _("支持方"),
        *[f"{t.code} {t.name}" for t in columns],
        _("总分"),
        _("等次"),
        _("填报情况"),
        _("填报情况说明"),
        _("TOPSIS 贴近度"),
        _("TOPSIS 排名"),
    ]
    rows = [
        [
            r.rank,
            r.pairing.code,
            r.pairing.old_region.name,
            r.pairing.partner_region.name,
            *[float(c) if c is not None else None for c in r.task_cells],
            float(r.total) if r.total is not None else None,
            r.get_grade_display() if r.grade else None,
            r.get_reporting_display(),
            r.reporting_note,
            float(r.topsis_score) if r.topsis_score is not None else None,
            r.topsis_rank,
        ]
        for r in results
    ]
    return xlsx_response(f"evaluation-run-{run.pk}.xlsx", f"{run.scheme.year}{_('评估排名')}", header, rows)


@login_required
def explanation(request, pk: int, pairing_pk: int):
    """One pairing's scores in a run, each with its explanation."""
    run = queries.run_for(request.user, pk)
    result = queries.result_for(request.user, run, pairing_pk)
    scores = list(queries.scores_for(request.user, run, pairing_pk))
    if not scores and result.ranked:  # a pairing listed apart has no scores: its page says why
        raise PermissionDenied(_("您可以查看排名，但不能查看其他结对的计分说明"))
    columns = _task_columns(request.user, run)
    beside = evidence.beside_scores(run.scheme.year, result.pairing_id, scores)
    for s in scores:
        s.recorded = beside.get(s.pk, [])
        s.adjusted = (s.inputs or {}).get("cross_check")
    groups = []
    for task in columns:
        rows = [s for s in scores if s.item.key_task_id == task.code]
        if rows:
            groups.append({"task": task, "scores": rows, "sum": result.task_scores.get(task.code)})
    return render(
        request,
        "evaluation/explanation.html",
        {
            "run": run,
            "scheme": run.scheme,
            "result": result,
            "pairing": result.pairing,
            "groups": groups,
            "gap_share": settings.DUIKOU_EVALUATION_RECORD_GAP_SHARE,
            "gaps": sum(1 for s in scores for r in s.recorded if r.gap),
        },
    )


@login_required
def run_compare(request, pk: int):
    run = queries.run_for(request.user, pk)
    others = [r for r in queries.runs_for(request.user, scheme=run.scheme) if r.pk != run.pk]
    other = None
    if request.GET.get("other"):
        try:
            other = queries.run_for(request.user, int(request.GET["other"]))
        except ValueError as exc:
            raise Http404 from exc
        if other.scheme_id != run.scheme_id:
            raise Http404
    changes = comparison.compare_runs(run, other, user=request.user) if other else []
    before, after = sorted((run, other), key=lambda r: r.number) if other else (None, run)
    return render(
        request,
        "evaluation/compare.html",
        {
            "run": run,
            "scheme": run.scheme,
            "other": other,
            "others": others,
            "changes": changes,
            "before": before,
            "after": after,
            "changed_count": sum(1 for c in changes if c.changed),
        },
    )


@login_required
@require_POST
def run_publish(request, pk: int):
    run = queries.run_for(request.user, pk, scoping.Action.APPROVE)
    try:
        services.publish_run(run=run, user=request.user)
    except (ValidationError, StaleObjectError) as exc:
        messages.error(request, str(exc) if isinstance(exc, StaleObjectError) else "；".join(exc.messages))
    else:
        messages.success(request, _("评估结果已发布，发布后不能修改"))
    return redirect("evaluation:run", pk=run.pk)
