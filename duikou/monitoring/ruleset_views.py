"""Rule sets in the UI: a province keeps its monitoring line, margins, shares and procedure periods per year, each
figure with its source or marked as a local setting; a rule set in use is superseded by a new version, never edited."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duikou.accounts import scoping
from duikou.core.forms import error_text
from duikou.core.listviews import render_list
from duikou.geo.models import Region

from . import queries, services
from .models import POLICY_CLAUSE, UNOFFICIAL, Rule, RuleSet, Threshold

# how a share is written (the labels name their units already: 元/人·年, 工作日, 日历日 …)
UNITS = {
    Threshold.Key.MARGIN: gettext_lazy("填小数：0.5 即 50%"),
    Threshold.Key.FALL: gettext_lazy("填小数：0.3 即 30%"),
    Threshold.Key.RIGID: gettext_lazy("填小数：0.5 即 50%"),
}


@login_required
def ruleset_list(request):
    province, year = request.GET.get("province", ""), request.GET.get("year", "").strip()
    writable = queries.provinces_for_rulesets(request.user)
    return render_list(
        request,
        "monitoring/rulesets.html",
        queries.ruleset_list(request.user, province=province, year=year),
        # only the provinces whose rule sets the user may read: the filter names no other
        provinces=Region.objects.filter(
            level=Region.Level.PROVINCE, code__in=queries.rulesets_for(request.user).values("province")
        ).order_by("code"),
        province=province,
        year=year,
        can_create=writable.exists(),
    )


def _rows(ruleset: RuleSet | None) -> list[dict]:
    """One row per figure for the page and the form: the rule set's, or the defaults for a new one."""
    current = {t.key: t for t in ruleset.thresholds.all()} if ruleset else {}
    defaults = services._default_rows()
    rows = []
    for key, label in Threshold.Key.choices:
        t = current.get(key)
        value, official, source = (
            (t.value, t.official, t.source) if t else (defaults[key]["value"], False, defaults[key]["source"])
        )
        rows.append(
            {
                "key": key,
                "label": label,
                "value": services.plain_number(value),
                "official": official,
                "source": source,
                "unit": UNITS.get(key, ""),
            }
        )
    return rows


@login_required
def ruleset_detail(request, pk: int):
    ruleset = queries.ruleset_for(request.user, pk)
    versions = queries.rulesets_for(request.user).filter(province=ruleset.province, year=ruleset.year)
    latest = versions.order_by("-version").first()
    may_write = scoping.can(request.user, scoping.Action.CHANGE, ruleset)
    return render(
        request,
        "monitoring/ruleset.html",
        {
            "ruleset": ruleset,
            "rows": _rows(ruleset),
            "rules": ruleset.rules.select_related("clause").order_by("code"),
            "versions": versions.order_by("-version"),
            "latest": latest,
            "in_use": ruleset.in_use,
            "runs": ruleset.runs.count(),
            "cases": ruleset.alerts.count(),
            "may_write": may_write,
            "unofficial": UNOFFICIAL,
        },
    )


def _posted(post) -> tuple[dict, set, str]:
    thresholds = {
        key: {
            "value": post.get(f"value_{key}", ""),
            "official": post.get(f"official_{key}") == "1",
            "source": post.get(f"source_{key}", ""),
        }
        for key in Threshold.Key.values
    }
    enabled = {code for code in Rule.Code.values if post.get(f"rule_{code}") == "1"}
    return thresholds, enabled, post.get("note", "")


def _form(request, *, ruleset: RuleSet | None, mode: str, province=None, year=None, errors=None, posted=None):
    rows = _rows(ruleset)
    enabled = (
        set(ruleset.rules.filter(enabled=True).values_list("code", flat=True)) if ruleset else set(Rule.Code.values)
    )
    note = ruleset.note if ruleset and mode == "edit" else ""
    if posted is not None:
        thresholds, enabled, note = posted
        for row in rows:
            row.update({k: thresholds[row["key"]][k] for k in ("value", "official", "source")})
    for row in rows:
        row["errors"] = (errors or {}).get(row["key"], [])
    return render(
        request,
        "monitoring/ruleset_form.html",
        {
            "ruleset": ruleset,
            "mode": mode,
            "rows": rows,
            "rules": [(code, label, code in enabled) for code, label in Rule.Code.choices],
            "note": note,
            "provinces": queries.provinces_for_rulesets(request.user),
            "province": province,
            "year": year,
            "errors": errors or {},
            "clause": POLICY_CLAUSE,
        },
        status=400 if errors else 200,
    )


def _split(exc: ValidationError) -> tuple[dict, str]:
    if hasattr(exc, "error_dict"):
        return {k: list(v) for k, v in exc.message_dict.items()}, ""
    return {}, error_text(exc)


@login_required
def ruleset_new(request):
    provinces = queries.provinces_for_rulesets(request.user)
    if not provinces.exists():
        raise PermissionDenied
    province = provinces.filter(code=request.POST.get("province") or request.GET.get("province") or "").first()
    year = request.POST.get("year") or request.GET.get("year") or str(timezone.localdate().year)
    if request.method == "POST":
        posted = _posted(request.POST)
        try:
            if province is None:
                raise ValidationError({"province": [_("请选择省份")]})
            if not year.isdigit():
                raise ValidationError({"year": [_("请填写年度")]})
            ruleset = services.create_ruleset(
                user=request.user,
                province=province,
                year=int(year),
                thresholds=posted[0],
                enabled=posted[1],
                note=posted[2],
            )
        except (ValidationError, PermissionDenied) as exc:
            errors, text = _split(exc) if isinstance(exc, ValidationError) else ({}, error_text(exc))
            if text:
                messages.error(request, text)
            return _form(
                request,
                ruleset=None,
                mode="new",
                province=province,
                year=year,
                errors=errors or {"_": []},
                posted=posted,
            )
        messages.success(request, _("已建立 %(ruleset)s") % {"ruleset": ruleset})
        return redirect("monitoring:ruleset", pk=ruleset.pk)
    return _form(request, ruleset=None, mode="new", province=province, year=year)


@login_required
def ruleset_revise(request, pk: int):
    """A new version prefilled from this one (the way to change a rule set in use)."""
    base = queries.ruleset_for(request.user, pk, scoping.Action.CHANGE)
    if request.method == "POST":
        posted = _posted(request.POST)
        try:
            ruleset = services.create_ruleset(
                user=request.user,
                province=base.province,
                year=base.year,
                thresholds=posted[0],
                enabled=posted[1],
                note=posted[2],
                revises=base,
            )
        except (ValidationError, PermissionDenied) as exc:
            errors, text = _split(exc) if isinstance(exc, ValidationError) else ({}, error_text(exc))
            if text:
                messages.error(request, text)
            return _form(request, ruleset=base, mode="revise", errors=errors or {"_": []}, posted=posted)
        messages.success(request, _("已修订为 %(ruleset)s；此后新的筛查和案件按新版本办理") % {"ruleset": ruleset})
        return redirect("monitoring:ruleset", pk=ruleset.pk)
    return _form(request, ruleset=base, mode="revise")


@login_required
def ruleset_edit(request, pk: int):
    ruleset = queries.ruleset_for(request.user, pk, scoping.Action.CHANGE)
    if ruleset.in_use:
        messages.error(request, _("在用的规则集不能修改，只能修订为新版本"))
        return redirect("monitoring:ruleset", pk=pk)
    if request.method == "POST":
        posted = _posted(request.POST)
        try:
            services.edit_ruleset(
                user=request.user, ruleset=ruleset, thresholds=posted[0], enabled=posted[1], note=posted[2]
            )
        except (ValidationError, PermissionDenied) as exc:
            errors, text = _split(exc) if isinstance(exc, ValidationError) else ({}, error_text(exc))
            if text:
                messages.error(request, text)
                return redirect("monitoring:ruleset", pk=pk)
            return _form(request, ruleset=ruleset, mode="edit", errors=errors, posted=posted)
        messages.success(request, _("已保存 %(ruleset)s") % {"ruleset": ruleset})
        return redirect("monitoring:ruleset", pk=pk)
    return _form(request, ruleset=ruleset, mode="edit")
