"""公示 and 公告 of household monitoring, and the objections and appeals they draw (issue 15 items 4, 6 and 7).

Public pages (no sign-in, ``core.public.public_page``): each village's page of the 村内公示 and 公告 running today
(``/notices/<village code>/``) with a form to object to a 公示; the household's appeal with its declaration's
acknowledgement number (``/notices/appeal/``); an objection's answer by its own number (``/notices/answer/``). They
show of a household only what the notice on the village board shows — the head's masked name, the village, the
category and the step — never an ID number, a phone number, a health detail or a note.

Staff pages: the printable notice of a village as .docx (``core.documents``) and PDF (WeasyPrint, as the posters),
the list of objections in scope, and the form on the case page to record an objection taken in person or by phone.
"""

import base64
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from duikou.accounts import scoping
from duikou.core import documents as layout
from duikou.core import pii
from duikou.core.exports import DOCX, download
from duikou.core.forms import error_text
from duikou.core.listviews import render_list
from duikou.core.posters import qr_png
from duikou.core.public import RateLimited, check_rate, client_address, public_page, public_url
from duikou.geo.models import Region

from . import queries, services
from .models import Alert, AlertStep, Declaration, Household, Objection, Threshold, threshold
from .workflow import PUBLICITY_STATUSES, Level, user_level

PDF = "application/pdf"
HOUR, DAY = 3600, 86400

# ---- what a notice shows --------------------------------------------------------------------------------------------

PUBLICITY, ANNOUNCEMENT = "publicity", "announcement"
STEP_WORDS = {
    (PUBLICITY, Objection.Subject.INCLUSION): gettext_lazy("村内公示：经村级民主评议，拟纳入防止返贫监测对象"),
    (PUBLICITY, Objection.Subject.ELIMINATION): gettext_lazy("村内公示：经村级民主评议，拟标注风险消除"),
    (ANNOUNCEMENT, Objection.Subject.INCLUSION): gettext_lazy("公告：经县级审定，纳入防止返贫监测对象"),
    (ANNOUNCEMENT, Objection.Subject.ELIMINATION): gettext_lazy("公告：经县级确认，风险已消除"),
}


@dataclass(frozen=True)
class Notice:
    """One line of a village's notice: a case in its 公示 or 公告, as much of it as the public may see."""

    case_id: int
    kind: str  # PUBLICITY or ANNOUNCEMENT
    subject: str  # Objection.Subject.INCLUSION or ELIMINATION
    name: str  # the head's name, masked
    village: str
    village_code: str
    township: str
    category: str  # in words
    start: datetime.date
    end: datetime.date
    days: int  # the rule set's period in calendar days

    @property
    def step(self) -> str:
        return str(STEP_WORDS[(self.kind, self.subject)])

    @property
    def objectable(self) -> bool:
        return self.kind == PUBLICITY


def notices_of(cases, today: datetime.date) -> list[Notice]:
    """The lines of the notices running on ``today`` for ``cases`` (a case may be in a 公示 and a 公告 at once). An
    identification 公示 shows the category proposed at the village's deliberation; the others the decided one."""
    cases = list(cases)
    proposed = {}
    for alert_id, details in (
        AlertStep.objects.filter(alert__in=[c.pk for c in cases], step=AlertStep.Step.DELIBERATE)
        .order_by("created", "pk")
        .values_list("alert_id", "details")
    ):
        proposed[alert_id] = (details or {}).get("category", "")
    labels = dict(Household.Category.choices)
    out = []
    for case in cases:
        home = case.household
        common = {
            "case_id": case.pk,
            "name": pii.mask_name(home.head_name),
            "village": home.village.name,
            "village_code": home.village_id,
            "township": home.township.name,
        }
        if case.status in PUBLICITY_STATUSES and case.publicity_start <= today <= case.publicity_end:
            eliminating = case.status == Alert.Status.EL_PUBLICISING
            category = case.category if eliminating else proposed.get(case.pk) or case.category
            out.append(
                Notice(
                    kind=PUBLICITY,
                    subject=Objection.Subject.ELIMINATION if eliminating else Objection.Subject.INCLUSION,
                    category=str(labels.get(category, "")),
                    start=case.publicity_start,
                    end=case.publicity_end,
                    days=int(threshold(case.ruleset, Threshold.Key.PUBLICITY_DAYS)),
                    **common,
                )
            )
        if case.announce_start and case.announce_start <= today <= case.announce_end:
            eliminated = case.outcome == Alert.Outcome.ELIMINATED
            out.append(
                Notice(
                    kind=ANNOUNCEMENT,
                    subject=Objection.Subject.ELIMINATION if eliminated else Objection.Subject.INCLUSION,
                    category=str(labels.get(case.category, "")),
                    start=case.announce_start,
                    end=case.announce_end,
                    days=int(threshold(case.ruleset, Threshold.Key.ANNOUNCE_DAYS)),
                    **common,
                )
            )
    return out


def _village(code: str) -> Region:
    village = Region.objects.filter(code=code, level=Region.Level.VILLAGE).select_related("parent").first()
    if village is None:
        raise Http404("no such village")
    return village


def _refused(request, template: str, context: dict, exc: Exception):
    """The page again with the refusal; a rate limit answers 429 with when to try again."""
    context["error"] = str(exc) if isinstance(exc, RateLimited) else error_text(exc)
    response = render(request, template, context, status=429 if isinstance(exc, RateLimited) else 200)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


# ---- public pages ---------------------------------------------------------------------------------------------------


@public_page
@require_http_methods(["GET", "POST"])
def village_notices(request, code: str):
    """The village's 公示 and 公告 running today; a 公示 line takes an objection from anyone (no contact details)."""
    village = _village(code)
    today = timezone.localdate()
    notices = notices_of(queries.public_notices(village.code, today), today)
    context = {"village": village, "notices": notices, "today": today}
    if request.method != "POST":
        return render(request, "monitoring/notices/village.html", context)
    case_id = request.POST.get("case", "")
    text = request.POST.get("text", "")
    context.update(failed_case=case_id, text=text)
    try:
        check_rate(
            "objection",
            {"address": client_address(request), "case": case_id if case_id.isdigit() else ""},
            {
                "address": (settings.DUIKOU_OBJECTION_ADDRESS_LIMIT, HOUR),
                "case": (settings.DUIKOU_OBJECTION_CASE_LIMIT, DAY),
            },
            labels={"case": _("对该户公示的异议")},
        )
        case = None
        if case_id.isdigit() and len(case_id) < 19:
            case = queries.village_case(village.code, int(case_id))
        if case is None:
            raise ValidationError(_("没有找到这条公示，它可能已经结束；请刷新页面后再试。"))
        objection = services.lodge_objection(
            case=case, kind=Objection.Kind.OBJECTION, subject=Objection.Subject.INCLUSION, text=text
        )
    except (ValidationError, RateLimited) as exc:
        return _refused(request, "monitoring/notices/village.html", context, exc)
    return render(request, "monitoring/notices/received.html", {"objection": objection, "village": village})


GENERIC_APPEAL = gettext_lazy(
    "受理编号有误，或该申报还没有可以申诉的决定。请核对申报时收到的受理编号（SB 开头），或向村委会、乡镇咨询。"
)


@public_page
@require_http_methods(["GET", "POST"])
def appeal(request):
    """A household appeals a decision on its case with the acknowledgement number of its declaration."""
    subjects = [(value, label) for value, label in Objection.Subject.choices]
    context = {"subjects": subjects, "post": request.POST}
    if request.method != "POST":
        return render(request, "monitoring/notices/appeal.html", context)
    number = "".join(request.POST.get("ack_number", "").split()).upper()
    try:
        check_rate(
            "appeal", {"address": client_address(request)}, {"address": (settings.DUIKOU_APPEAL_ADDRESS_LIMIT, HOUR)}
        )
        found = queries.public_ack(number[:20]) if number else None
        declaration = found if isinstance(found, Declaration) else None
        if declaration is None or declaration.case is None:
            raise ValidationError(str(GENERIC_APPEAL))
        objection = services.lodge_objection(
            case=declaration.case,
            kind=Objection.Kind.APPEAL,
            subject=request.POST.get("subject", ""),
            text=request.POST.get("text", ""),
        )
    except (ValidationError, RateLimited) as exc:
        return _refused(request, "monitoring/notices/appeal.html", context, exc)
    return render(request, "monitoring/notices/received.html", {"objection": objection})


@public_page
@require_http_methods(["GET", "POST"])
def answer(request):
    """An objection's or appeal's status and answer by its acknowledgement number (YY…): nothing personal."""
    context: dict = {}
    if request.method == "POST":
        number = "".join(request.POST.get("ack_number", "").split()).upper()
        context["number"] = number[:20]
        try:
            check_rate(
                "objection-answer",
                {"address": client_address(request)},
                {"address": (settings.DUIKOU_OBJECTION_LOOKUP_LIMIT, HOUR)},
            )
            found = queries.public_ack(number[:20]) if number else None
            objection = found if isinstance(found, Objection) else None
            if objection is None:
                raise ValidationError(_("没有找到这个受理编号，请核对后再试（异议、申诉的受理编号以 YY 开头）。"))
        except (ValidationError, RateLimited) as exc:
            return _refused(request, "monitoring/notices/answer.html", context, exc)
        context["objection"] = objection
    return render(request, "monitoring/notices/answer.html", context)


# ---- the printable notice -----------------------------------------------------------------------------------------


@dataclass
class VillageNotice:
    """What the printable notice of one village holds."""

    village: Region
    township: str
    notices: list[Notice]
    url: str  # the public page
    appeal_url: str
    day: datetime.date

    @property
    def kinds(self) -> set[str]:
        return {n.kind for n in self.notices}

    @property
    def title(self) -> str:
        if self.kinds == {PUBLICITY}:
            return _("%(village)s防止返贫动态监测公示") % {"village": self.village.name}
        if self.kinds == {ANNOUNCEMENT}:
            return _("%(village)s防止返贫动态监测公告") % {"village": self.village.name}
        return _("%(village)s防止返贫动态监测公示公告") % {"village": self.village.name}

    def header(self) -> list[str]:
        return [_("序号"), _("户主"), _("行政村"), _("监测类别"), _("事项"), _("公示（公告）期")]

    def rows(self) -> list[list[str]]:
        return [
            [str(i), n.name, n.village, n.category or "—", n.step, _("%(start)s 至 %(end)s") % _period(n)]
            for i, n in enumerate(self.notices, 1)
        ]

    def paragraphs(self) -> list[str]:
        """The body: what is published and why, the periods in calendar days, how to object and who answers."""
        out = [
            _(
                "根据防止返贫动态监测和帮扶工作程序，下列农户经入户核实、农户承诺授权、村级民主评议（公告事项并经乡镇审核、"
                "县级审定），现将户主姓名、所在村、监测类别和办理事项予以公布。为保护个人信息，户主姓名只公开姓氏，"
                "不公开身份证号码、电话和健康状况等信息。"
            )
        ]
        for kind, words in ((PUBLICITY, _("公示期")), (ANNOUNCEMENT, _("公告期"))):
            days = sorted({n.days for n in self.notices if n.kind == kind})
            if days:
                out.append(
                    _("%(what)s为 %(days)s 天，按日历日计算（含周六、周日和法定节假日），各户的起止日期见上表。")
                    % {"what": words, "days": "、".join(str(d) for d in days)}
                )
        if PUBLICITY in self.kinds:
            out.append(
                _(
                    "任何单位和个人对公示内容有异议的，请在公示期内向村民委员会或%(township)s反映，也可以用手机扫描下方"
                    "二维码或访问 %(url)s 在网上提出（无需登录，提交后得到受理编号）。异议由%(township)s负责调查核实并"
                    "答复，逾期未答复的报县级处理。"
                )
                % {"township": self.township, "url": self.url}
            )
        if ANNOUNCEMENT in self.kinds:
            out.append(
                _(
                    "农户对决定有异议的，可以凭申报时的受理编号在 %(url)s 申诉，"
                    "或向%(township)s反映，由%(township)s答复。"
                )
                % {"township": self.township, "url": self.appeal_url}
            )
        return out

    @property
    def signer(self) -> str:
        return self.village.name


def _period(n: Notice) -> dict:
    return {"start": layout.cn_date(n.start), "end": layout.cn_date(n.end)}


def village_notice(request, user, village: Region, today: datetime.date) -> VillageNotice:
    notices = notices_of(queries.notices_for(user, today, village=village.code), today)
    return VillageNotice(
        village=village,
        township=village.parent.name if village.parent_id else "",
        notices=notices,
        url=public_url(request, reverse("notices:village", args=[village.code])),
        appeal_url=public_url(request, reverse("notices:appeal")),
        day=today,
    )


def notice_docx(notice: VillageNotice) -> bytes:
    doc = layout.document()
    layout.title(doc, notice.title)
    body = notice.paragraphs()
    layout.para(doc, body[0])
    layout.table(doc, notice.header(), notice.rows(), [1.2, 2.0, 3.2, 2.6, 4.6, 3.4])
    layout.para(doc, line=None)
    for text in body[1:]:
        layout.para(doc, text)
    layout.picture(doc, qr_png(notice.url), width_cm=4)
    layout.caption(doc, _("扫码查看本村公示公告、提出异议：%(url)s") % {"url": notice.url})
    layout.signature(doc, notice.signer, layout.cn_date(notice.day))
    return layout.docx_bytes(doc)


PDF_STYLE = f"""
@page {{ size: A4; margin: 22mm 20mm 20mm; }}
html {{ font-family: "{layout.SANS}", sans-serif; font-size: 12pt; line-height: 1.6; color: #000; }}
h1 {{ font-family: "{layout.SERIF}", serif; font-size: 20pt; text-align: center; margin: 0 0 6mm; }}
p {{ text-indent: 2em; margin: 0 0 3mm; }}
table {{ width: 100%; border-collapse: collapse; margin: 3mm 0 5mm; font-size: 10.5pt; }}
th, td {{ border: 0.6pt solid #000; padding: 1.5mm 2mm; text-align: center; }}
th {{ font-weight: bold; }}
td.nowrap, th:nth-child(-n+2) {{ white-space: nowrap; }}
col.c-no {{ width: 7%; }} col.c-name {{ width: 10%; }} col.c-village {{ width: 19%; }}
col.c-category {{ width: 14%; }} col.c-step {{ width: 30%; }} col.c-period {{ width: 20%; }}
figure {{ text-align: center; margin: 4mm 0 0; }}
img.qr {{ width: 32mm; height: 32mm; }}
figcaption {{ font-size: 10pt; overflow-wrap: anywhere; }}
.sign {{ text-align: right; text-indent: 0; margin-top: 4mm; page-break-inside: avoid; }}
"""


def notice_pdf(notice: VillageNotice) -> bytes:
    """The same notice as PDF: an HTML page laid out by WeasyPrint in Noto CJK (Debian's fonts-noto-cjk)."""
    from weasyprint import CSS, HTML  # imported here: loading pango takes a moment and only this needs it

    body = notice.paragraphs()
    html = render_to_string(
        "monitoring/notices/notice_pdf.html",
        {
            "notice": notice,
            "lead": body[0],
            "paragraphs": body[1:],
            "header": notice.header(),
            "rows": notice.rows(),
            "qr_src": "data:image/png;base64," + base64.b64encode(qr_png(notice.url)).decode("ascii"),
            "day": layout.cn_date(notice.day),
        },
    )
    return HTML(string=html).write_pdf(stylesheets=[CSS(string=PDF_STYLE)])


# ---- staff pages ----------------------------------------------------------------------------------------------------


@login_required
def notice_list(request):
    """The 公示 and 公告 running today in the user's area, by village, with each village's printable notice."""
    today = timezone.localdate()
    villages: dict[str, dict] = {}
    for n in notices_of(queries.notices_for(request.user, today), today):
        code = n.village_code
        group = villages.setdefault(code, {"code": code, "name": f"{n.township} {n.village}", "notices": []})
        group["notices"].append(n)
    for group in villages.values():
        group["public_url"] = public_url(request, reverse("notices:village", args=[group["code"]]))
    return render(request, "monitoring/notices/staff_list.html", {"villages": list(villages.values()), "today": today})


def _village_in_scope(user, code: str) -> Region:
    village = scoping.get_for(
        user, Region.objects.filter(level=Region.Level.VILLAGE).select_related("parent"), code=code
    )
    prefix = scoping.region_prefix(user)
    if not scoping.may(user, scoping.Action.VIEW) or (prefix is not None and not village.code.startswith(prefix)):
        raise Http404("village not in scope")
    return village


@login_required
def notice_document(request, code: str, fmt: str):
    """The village's printable notice of the 公示 and 公告 running today, as .docx or PDF."""
    village = _village_in_scope(request.user, code)
    today = timezone.localdate()
    notice = village_notice(request, request.user, village, today)
    if not notice.notices:
        messages.info(request, _("%(village)s当前没有公示或公告。") % {"village": village.name})
        return redirect("monitoring:notices")
    name = f"notice-{village.code}-{today:%Y%m%d}.{fmt}"
    if fmt == "pdf":
        return download(notice_pdf(notice), name, PDF)
    return download(notice_docx(notice), name, DOCX)


OBJECTION_STATE_LABELS = [
    ("", gettext_lazy("全部")),
    ("open", gettext_lazy("待答复")),
    ("overdue", gettext_lazy("逾期未答复")),
    ("escalated", gettext_lazy("已上报县级")),
    ("answered", gettext_lazy("已答复")),
]


@login_required
def objection_list(request):
    """Objections and appeals in scope, by state and kind, or by acknowledgement number; each links to its case."""
    params = request.GET
    state = params.get("state", "open")
    state = state if state in queries.OBJECTION_STATES else ""
    qs = queries.objections_for(request.user, state=state, kind=params.get("kind", ""), q=params.get("q", ""))
    return render_list(
        request,
        "monitoring/notices/objections.html",
        qs,
        states=OBJECTION_STATE_LABELS,
        state=state,
        kinds=Objection.Kind.choices,
    )


def may_record(user, alert: Alert) -> bool:
    """County and township staff of the case's area record objections and appeals taken in person or by phone."""
    return user_level(user) in (Level.COUNTY, Level.TOWNSHIP) and scoping.can(user, scoping.Action.CHANGE, alert)


def record_form(user, alert: Alert) -> dict | None:
    """What the case page's form to record an objection or appeal needs, or None when the user may not."""
    if not may_record(user, alert):
        return None
    return {"kinds": Objection.Kind.choices, "subjects": Objection.Subject.choices}


@login_required
@require_POST
def objection_record(request, pk: int):
    """Record an objection or appeal taken in person or by phone (county or township staff)."""
    alert = queries.alert_for(request.user, pk, scoping.Action.CHANGE)
    if not may_record(request.user, alert):
        raise PermissionDenied
    try:
        objection = services.lodge_objection(
            case=alert,
            kind=request.POST.get("kind", ""),
            subject=request.POST.get("subject", ""),
            text=request.POST.get("text", ""),
            user=request.user,
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("已登记%(kind)s，受理编号 %(ack)s，答复期限 %(due)s")
            % {"kind": objection.get_kind_display(), "ack": objection.ack_number, "due": objection.due.isoformat()},
        )
    return redirect(reverse("monitoring:alert", args=[pk]) + "#case-objections")
