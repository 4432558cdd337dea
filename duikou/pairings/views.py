import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from duikou.accounts import scoping
from duikou.audit.queries import history_for
from duikou.core.errors import StaleObjectError
from duikou.core.exports import xlsx_response
from duikou.core.listviews import render_list
from duikou.geo.maps import city_center

from . import queries, services
from .forms import PairingFilterForm, PairingProfileForm


def _filtered(request):
    form = PairingFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    status = filters.get("status") or "active"
    qs = queries.pairings_for(
        request.user,
        q=filters.get("q", ""),
        level=filters.get("level", ""),
        old_area=filters.get("old_area", ""),
        province=filters.get("province", ""),
        status="" if status == "all" else status,
    )
    return form, qs


@login_required
def pairing_list(request):
    form, qs = _filtered(request)
    return render_list(request, "pairings/list.html", qs, form=form)


@login_required
def pairing_export(request):
    _form, qs = _filtered(request)
    header = [
        _("编号"),
        _("革命老区方"),
        _("所属革命老区"),
        _("支持方"),
        _("层级"),
        _("起始年份"),
        _("截止年份"),
        _("状态"),
        _("依据条款"),
    ]
    rows = (
        [
            p.code,
            p.old_region.full_name,
            p.old_area.name if p.old_area else "",
            p.partner_region.full_name,
            p.get_level_display(),
            p.start_year,
            p.end_year,
            p.get_status_display(),
            p.source_clause_id or "",
        ]
        for p in qs
    )
    return xlsx_response("pairings.xlsx", _("结对关系"), header, rows)


@login_required
def pairing_detail(request, pk: int):
    """The pairing's hub: its profile, then each kind of work recorded for it (duikou.hub), then its history."""
    from duikou.hub import pairing_hub  # the wiring that reads every app lives in the duikou package

    pairing = queries.pairing_for(request.user, pk)
    return render(
        request,
        "pairings/detail.html",
        {
            "pairing": pairing,
            "chain": pairing.chain(),
            "history": history_for(request.user, pairing),
            "can_edit": scoping.can(request.user, scoping.Action.CHANGE, pairing),
            "figures": _activity_figures(request.user, pairing),
            "sections": pairing_hub(request.user, pairing),
        },
    )


def _activity_figures(user, pairing) -> list[dict]:
    """What the pairing's recorded activities add up to this year and this quarter (消费帮扶, 劳务协作, 培训, 研学)."""
    from django.utils import timezone

    from duikou.indicators.periods import parse_period
    from duikou.projects.queries import ACTIVITY_FIGURES, activity_figures

    today = timezone.localdate()
    periods = [parse_period(str(today.year)), parse_period(f"{today.year}Q{(today.month - 1) // 3 + 1}")]
    sums = [activity_figures(user, pairing=pairing.pk, since=p.start, until=p.end) for p in periods]
    labels = {
        "consumption_aid_wan": _("消费帮扶（万元）"),
        "labour_coop_persons": _("劳务协作（人）"),
        "training_persons": _("培训（人次）"),
        "study_tour_persons": _("研学（人次）"),
    }
    return [
        {"code": code, "label": labels.get(code, code), "values": [s[code] for s in sums], "periods": periods}
        for code in ACTIVITY_FIGURES
    ]


@login_required
def pairing_edit(request, pk: int):
    pairing = queries.pairing_for(request.user, pk, scoping.Action.CHANGE)
    if request.method == "POST":
        form = PairingProfileForm(request.POST)
        if form.is_valid():
            try:
                services.update_pairing_profile(
                    pairing=pairing,
                    user=request.user,
                    expected_version=form.cleaned_data["version"],
                    mechanism=form.cleaned_data["mechanism"],
                    contacts=form.cleaned_data["contacts"],
                    note=form.cleaned_data["note"],
                )
            except StaleObjectError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("已保存"))
                return redirect("pairings:detail", pk=pairing.pk)
    else:
        form = PairingProfileForm(
            initial={
                "version": pairing.version,
                "mechanism": pairing.mechanism,
                "contacts": pairing.contacts,
                "note": pairing.note,
            }
        )
    return render(request, "pairings/edit.html", {"pairing": pairing, "form": form})


@functools.cache
def _coord(region) -> list[float] | None:
    point = city_center(region.code, fall_back=False)
    return list(point) if point else None


@login_required
def pairing_map_data(request):
    data = [
        {
            "id": p.pk,
            "label": p.label,
            "url": reverse("pairings:detail", args=[p.pk]),
            "old": {"name": p.old_region.name, "code": p.old_region.code, "coord": _coord(p.old_region)},
            "partner": {
                "name": p.partner_region.name,
                "code": p.partner_region.code,
                "coord": _coord(p.partner_region),
            },
        }
        for p in queries.pairings_for(request.user)
    ]
    return JsonResponse({"pairings": data})
