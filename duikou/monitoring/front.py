"""The ways a household is found from the front line (三种发现渠道): the household declares itself on a public page
reached by its village's QR code (and follows its case there with the acknowledgement number), the 12317 hotline and
the counter take a declaration for it, and village cadres log their visits and raise a case with one tap. Each feeds
the household's one open case (``services.declare``, ``services.record_visit``); screening, the fourth way, is in
views.py. The public pages read nothing personal back: the status page shows the case's stage, never a name, an ID
or phone number or a health detail."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from duikou.accounts import scoping
from duikou.core import pii
from duikou.core.exports import download
from duikou.core.forms import apply_errors, error_text
from duikou.core.listviews import render_list
from duikou.core.posters import qr_poster_pdf
from duikou.core.public import RateLimited, check_rate, client_address, public_page, public_url

from . import queries, services
from .forms import DeclarationForm, StaffDeclarationForm, StatusForm, VisitForm
from .models import Alert, AlertStep, Declaration, Difficulty, Objection

S = Alert.Status
K = AlertStep.Step
HOUR, DAY = 3600, 86400
PDF = "application/pdf"


# ---- 农户自主申报: the public page of a village's QR code ----------------------------------------------------------


def declare_limits() -> dict[str, tuple[int, int]]:
    """The rate limits of a declaration: per client address, per ID number, per village (duikou/settings.py)."""
    return {
        "address": (settings.DUIKOU_DECLARE_ADDRESS_PER_HOUR, HOUR),
        "id": (settings.DUIKOU_DECLARE_ID_PER_DAY, DAY),
        "village": (settings.DUIKOU_DECLARE_VILLAGE_PER_DAY, DAY),
    }


LIMIT_LABELS = {"id": gettext_lazy("该身份证号码"), "village": gettext_lazy("本村")}


def _without_id(form: DeclarationForm) -> DeclarationForm:
    """The form again with what the household typed, except its ID number (never sent back after a refusal)."""
    return DeclarationForm(initial={name: form.data.get(name, "") for name in form.SHOWN if name != "id_number"})


@public_page
@require_http_methods(["GET", "POST"])
def declare(request, code: str):
    """Screen one asks the household's details; screen two shows the 承诺授权 and asks for it explicitly; the answer
    is the acknowledgement number. Nothing is kept between the screens but the form itself (no session)."""
    village = queries.public_village(code)
    context = {"village": village}
    if request.method == "GET" or request.POST.get("stage") == "edit":
        form = DeclarationForm(initial=request.POST.dict() if request.method == "POST" else None)
        return render(request, "monitoring/front/declare.html", {**context, "form": form})
    form = DeclarationForm(request.POST)
    if not form.is_valid():
        return render(request, "monitoring/front/declare.html", {**context, "form": form})
    data = form.cleaned_data
    summary = {
        "id_masked": pii.mask_id(data["id_number"]),
        "phone_masked": pii.mask_phone(data["phone"]),
        "difficulty": Difficulty(data["difficulty"]).label,
        "hidden": [(name, form.data.get(name, "")) for name in form.SHOWN],
    }
    if request.POST.get("stage") != "consent" or not data["consent"]:
        if request.POST.get("stage") == "consent":
            form.add_error("consent", _("请阅读承诺授权，勾选同意后再提交；不同意可以返回修改或到村委会咨询"))
        return render(request, "monitoring/front/declare_consent.html", {**context, "form": form, **summary})
    try:
        keys = {"address": client_address(request), "id": data["id_number"], "village": village.code}
        check_rate("declare", keys, declare_limits(), labels=LIMIT_LABELS)
        declaration = services.declare(
            village=village,
            head_name=data["head_name"],
            id_number=data["id_number"],
            phone=data["phone"],
            difficulty=data["difficulty"],
            description=data["description"],
            consent=True,
            channel=Alert.Channel.SELF,
        )
    except RateLimited as exc:
        kept = _without_id(form)
        response = render(request, "monitoring/front/declare.html", {**context, "form": kept, "refusal": str(exc)})
        response.status_code = 429
        response["Retry-After"] = str(exc.retry_after)
        return response
    except ValidationError as exc:
        apply_errors(form, exc)
        return render(request, "monitoring/front/declare.html", {**context, "form": form})
    return render(request, "monitoring/front/declare_done.html", {**context, "declaration": declaration})


# ---- the status page: the case in public words, by acknowledgement number ------------------------------------------

PUBLIC_STAGES = {
    S.VERIFYING: gettext_lazy("已受理，等待村里入户核实"),
    S.CONSENTING: gettext_lazy("核实中"),
    S.DELIBERATING: gettext_lazy("核实中（村级民主评议）"),
    S.PUBLICISING: gettext_lazy("村内公示中"),
    S.TOWNSHIP_REVIEW: gettext_lazy("乡镇审核中"),
    S.COUNTY_DECISION: gettext_lazy("县级审定中"),
    S.MONITORED: gettext_lazy("已认定：纳入监测帮扶"),
    S.SAFETY_NET: gettext_lazy("已认定：纳入兜底保障"),
    S.EL_DELIBERATING: gettext_lazy("风险消除办理中（村级民主评议）"),
    S.EL_PUBLICISING: gettext_lazy("风险消除公示中"),
    S.EL_TOWNSHIP: gettext_lazy("风险消除乡镇审核中"),
    S.EL_COUNTY: gettext_lazy("风险消除县级确认中"),
}
CLOSED_STAGES = {
    Alert.Outcome.DISMISSED: gettext_lazy("已认定：经核实不纳入监测"),
    Alert.Outcome.ELIMINATED: gettext_lazy("风险已消除，已结案"),
}
# the steps the status page names (a lead, a recheck or a measure is staff's business, and names nobody)
PUBLIC_STEPS = {
    K.VERIFY: gettext_lazy("入户核实"),
    K.CONSENT: gettext_lazy("承诺授权"),
    K.DELIBERATE: gettext_lazy("村级民主评议，开始公示"),
    K.SUBMIT: gettext_lazy("公示期满，报乡镇审核"),
    K.TOWNSHIP_APPROVE: gettext_lazy("乡镇审核通过，报县级审定"),
    K.TOWNSHIP_DISMISS: gettext_lazy("乡镇审核：不纳入"),
    K.RETURN: gettext_lazy("退回重新核实"),
    K.INCLUDE: gettext_lazy("县级审定：纳入监测，公告"),
    K.DISMISS: gettext_lazy("县级审定：不纳入监测"),
    K.COUNTY_RETURN: gettext_lazy("县级退回乡镇重新审核"),
    K.SAFETY_NET: gettext_lazy("转入兜底保障"),
    K.PROPOSE_ELIMINATION: gettext_lazy("提出风险消除"),
    K.EL_DELIBERATE: gettext_lazy("风险消除民主评议，开始公示"),
    K.EL_SUBMIT: gettext_lazy("风险消除公示期满，报乡镇审核"),
    K.EL_TOWNSHIP_APPROVE: gettext_lazy("乡镇审核风险消除，报县级确认"),
    K.REJECT_ELIMINATION: gettext_lazy("继续帮扶"),
    K.ELIMINATE: gettext_lazy("县级确认风险消除，公告"),
    K.EL_COUNTY_REJECT: gettext_lazy("继续帮扶"),
}


def public_stage(case: Alert | None) -> str:
    """Where the case stands, in the words the household reads on the status page."""
    if case is None:
        return str(PUBLIC_STAGES[S.VERIFYING])
    if case.status == S.CLOSED:
        return str(CLOSED_STAGES.get(case.outcome, gettext_lazy("已结案")))
    return str(PUBLIC_STAGES.get(case.status, case.get_status_display()))


def public_status(found: Declaration | Objection) -> dict:
    """What the status page shows of a declaration's (or an objection's) case: nothing personal — no name, no ID or
    phone number, no note (a note may name an illness), no official's name."""
    if isinstance(found, Objection):
        case, objections = found.case, [found]
        head = {"kind": found.get_kind_display(), "village": case.household.village.name, "date": found.created}
    else:
        case = found.case
        objections = list(case.objections.order_by("created", "pk")) if case else []
        head = {"kind": found.get_channel_display(), "village": found.village.name, "date": found.created}
    steps = []
    if case is not None:
        rows = case.steps.filter(step__in=list(PUBLIC_STEPS)).order_by("created", "pk")
        steps = [{"label": PUBLIC_STEPS[s.step], "date": timezone.localdate(s.created)} for s in rows]
    publicity = None
    if case is not None and case.publicity_start and case.status in (S.PUBLICISING, S.EL_PUBLICISING):
        publicity = (case.publicity_start, case.publicity_end)
    return {
        **head,
        "ack_number": found.ack_number,
        "stage": public_stage(case),
        "open": case is not None and case.is_open,
        "due": case.deadline if case is not None and case.is_open else None,
        "publicity": publicity,
        "steps": steps,
        "objections": [
            {
                "kind": o.get_kind_display(),
                "subject": o.get_subject_display(),
                "date": o.created,
                "text": o.text,
                "status": o.get_status_display(),
                "due": o.due,
                "answer": o.answer,
                "answered_at": o.answered_at,
            }
            for o in objections
        ],
    }


@public_page
@require_http_methods(["GET", "POST"])
def declare_status(request):
    """The acknowledgement number is asked in a form (POST), never read from the address: it is the household's key.
    Look-ups are rate-limited per address, so numbers cannot be tried in bulk."""
    form = StatusForm(request.POST or None)
    status = None
    if request.method == "POST" and form.is_valid():
        try:
            limits = {"address": (settings.DUIKOU_DECLARE_STATUS_PER_HOUR, HOUR)}
            check_rate("declare-status", {"address": client_address(request)}, limits)
        except RateLimited as exc:
            form.add_error(None, str(exc))
        else:
            found = queries.public_ack(form.cleaned_data["ack_number"])
            if found is None:
                form.add_error(
                    "ack_number", _("没有找到这个受理编号，请核对后重新输入（编号中没有数字 0、1 和字母 O、I）")
                )
            else:
                status = public_status(found)
    return render(request, "monitoring/front/status.html", {"form": form, "status": status})


# ---- QR posters per village ----------------------------------------------------------------------------------------


@login_required
def posters(request):
    """The villages of a county, township or village user's area, each with its poster."""
    q = request.GET.get("q", "").strip()
    villages = queries.front_villages(request.user, q=q)
    if not queries.local_level(request.user):
        raise PermissionDenied
    return render_list(
        request,
        "monitoring/front/posters.html",
        villages,
        q=q,
        public_base=public_url(request, "/"),
    )


@login_required
def poster(request, code: str):
    """The village's A4 poster (PDF): its full name, how to declare, and the QR code of its declaration page at the
    public address (DUIKOU_PUBLIC_BASE_URL)."""
    village = queries.front_village(request.user, code)
    url = public_url(request, reverse("declare", args=[village.code]))
    content = qr_poster_pdf(
        title=_("防止返贫 自主申报"),
        lines=[
            village.full_name,
            _("家里遇到困难（因病、因残、因灾、因意外、失业或收入明显减少等），可以自主申报："),
            _("扫码申报：用手机扫描下方二维码，填写并提交"),
            _("也可拨打 12317 热线申报"),
            _("或到村委会、乡镇便民服务窗口申报"),
        ],
        url=url,
        footer=_("申报后请保存受理编号，凭编号在网上查询办理进度。村里将在规定期限内入户核实。"),
    )
    return download(content, f"declare-{village.code}.pdf", PDF)


# ---- 12317 and the counter: declarations recorded by staff ---------------------------------------------------------

DECLARATION_CHANNELS = [(c.value, c.label) for c in (Alert.Channel.SELF, Alert.Channel.HOTLINE, Alert.Channel.COUNTER)]


@login_required
def declaration_list(request):
    params = request.GET
    qs = queries.declarations_for(
        request.user,
        q=params.get("q", ""),
        channel=params.get("channel", ""),
        area=params.get("area", "").strip(),
    )
    return render_list(
        request,
        "monitoring/front/declarations.html",
        qs,
        channels=DECLARATION_CHANNELS,
        can_add=bool(queries.villages_for(request.user, limit=1)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def declaration_add(request):
    """A declaration taken on the 12317 hotline or at the counter (county or township staff of the village's area)."""
    villages = queries.villages_for(request.user)
    if not villages:
        raise PermissionDenied
    form = StaffDeclarationForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        village = queries.front_village(request.user, data["village"])
        try:
            declaration = services.declare(
                village=village,
                head_name=data["head_name"],
                id_number=data["id_number"],
                phone=data["phone"],
                difficulty=data["difficulty"],
                description=data["description"],
                consent=data["consent"],
                channel=data["channel"],
                user=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(
                request,
                _("已受理，受理编号 %(ack)s（请告知申报人，凭编号查询进度）") % {"ack": declaration.ack_number},
            )
            return redirect("monitoring:declarations")
    return render(request, "monitoring/front/declaration_form.html", {"form": form})


# ---- 基层干部排查: the visit log -----------------------------------------------------------------------------------


@login_required
def visit_list(request):
    params = request.GET
    qs = queries.visits_for(
        request.user,
        q=params.get("q", "").strip(),
        area=params.get("area", "").strip(),
        risk=params.get("risk", ""),
        raised=params.get("raised") == "1",
    )
    return render_list(request, "monitoring/front/visits.html", qs, risks=[("-", _("未发现风险")), *Difficulty.choices])


@login_required
@require_http_methods(["GET", "POST"])
def visit_add(request, pk: int):
    """A visit to the household, from the phone: saved as it is, or — one tap — saved and the household's case raised
    (or joined), landing on the case."""
    household = queries.household_for(request.user, pk, scoping.Action.CHANGE)
    if not queries.local_level(request.user):
        raise PermissionDenied
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        raise_case = request.POST.get("action") == "raise"
        data = form.cleaned_data
        try:
            visit = services.record_visit(
                user=request.user,
                household=household,
                date=data["date"],
                situation=data["situation"],
                risk=data["risk"],
                raise_case=raise_case,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, error_text(exc))
        else:
            if visit.case_id:
                messages.success(request, _("已记录走访，并发起核实：%(household)s") % {"household": household})
                return redirect("monitoring:alert", pk=visit.case_id)
            messages.success(request, _("已记录走访：%(household)s") % {"household": household})
            return redirect("monitoring:household", pk=household.pk)
    recent = queries.visits_for(request.user).filter(household=household)[:5]
    return render(
        request,
        "monitoring/front/visit_form.html",
        {"household": household, "form": form, "recent": recent},
    )
