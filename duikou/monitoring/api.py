"""API of household monitoring: alerts and their cases (steps, assistance measures), households, departmental data.

Same scoping and the same services as the pages: a stale ``version`` answers 409, a step the user may not take 403,
a rule broken (a refused risk elimination with its reasons, a malformed file) 422 with the reasons in Chinese.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from duikou.accounts import scoping
from duikou.accounts.models import Organisation
from duikou.core.errors import UserFacingError
from duikou.core.uploads import read_upload

from . import departmental, queries, services
from .models import Alert, DepartmentImport
from .workflow import ELIMINATION_STATUSES, WORKFLOW

router = Router(tags=["monitoring"])


class AlertOut(Schema):
    id: int
    household_id: int
    household: str
    village: str
    rules: list[str]
    values: dict
    status: str
    deadline: datetime.date | None
    overdue: bool
    run_id: int | None  # the screening run; none for a case opened by a declaration or a visit
    channel: str  # screening, self, hotline, counter, visit


class StepOut(Schema):
    step: str
    from_status: str
    to_status: str
    note: str
    actor: str
    due: datetime.date | None
    late: bool
    created: datetime.datetime
    details: dict  # the step's own record: meeting, consent date, publicity and announcement periods


class MeasureOut(Schema):
    id: int
    kind: str
    responsible_unit_id: int
    responsible_unit: str
    description: str
    start_date: datetime.date
    basis: list[str]  # clause ids from the seeds; empty where no seed names the kind


class CriterionOut(Schema):
    ok: bool
    text: str


class CaseOut(AlertOut):
    category: str
    outcome: str
    version: int
    allowed_steps: list[str]
    steps: list[StepOut]
    measures: list[MeasureOut]
    elimination_criteria: list[CriterionOut]


class AlertStepIn(Schema):
    version: int
    note: str = ""
    category: str = ""  # deliberate and include: unstable, marginal or sudden
    # verify and propose_elimination: all five; recheck: those rechecked (food_clothing_ok, education_ok, ...)
    checks: dict[str, bool] | None = None
    meeting_date: datetime.date | None = None  # deliberate, el_deliberate: the 民主评议 meeting
    attendees: int | None = None
    opinion: str = ""
    consent_date: datetime.date | None = None  # consent: the day the household signed


class MeasureIn(Schema):
    version: int
    kind: str
    responsible_unit_id: int
    description: str
    start_date: datetime.date


class ImportOut(Schema):
    id: int
    kind: str
    filename: str
    source_digest: str
    status: str
    rows: int
    matched: int
    unknown: int
    malformed: int
    signals_created: int
    signals_already_loaded: int  # rows another batch had loaded when this one was confirmed: not loaded again
    report: dict  # matched, unknown and malformed rows by row number; ID numbers masked


class MemberOut(Schema):
    name: str
    relation: str
    id_number: str  # masked
    phone: str  # masked


class HouseholdOut(Schema):
    id: int
    number: str
    head_name: str
    township: str
    village: str
    category: str
    checks: dict[str, bool | None]  # None: not checked yet
    pending: bool
    members: list[MemberOut]
    version: int
    address: str = ""
    labour_capacity: bool | None = None  # None: not checked yet
    social_assistance: bool = False


def _alert(a: Alert) -> dict:
    return {
        "id": a.pk,
        "household_id": a.household_id,
        "household": str(a.household),
        "village": a.household.village_id,
        "rules": a.rules,
        "values": a.values,
        "status": a.status,
        "deadline": a.deadline,
        "overdue": a.overdue,
        "run_id": a.run_id,
        "channel": a.channel,
    }


def _case(user, alert: Alert) -> dict:
    criteria = (
        services.elimination_criteria(alert) if alert.status in (Alert.Status.MONITORED, *ELIMINATION_STATUSES) else []
    )
    return {
        **_alert(alert),
        "category": alert.category,
        "outcome": alert.outcome,
        "version": alert.version,
        "allowed_steps": [step.name for step in WORKFLOW.allowed_steps(user, alert)],
        "steps": [
            {
                "step": s.step,
                "from_status": s.from_status,
                "to_status": s.to_status,
                "note": s.note,
                "actor": s.actor_name,
                "due": s.due,
                "late": s.late,
                "created": s.created,
                "details": s.details,
            }
            for s in queries.steps_of(user, alert)
        ],
        "measures": [
            {
                "id": m.pk,
                "kind": m.kind,
                "responsible_unit_id": m.responsible_unit_id,
                "responsible_unit": str(m.responsible_unit),
                "description": m.description,
                "start_date": m.start_date,
                "basis": [clause for clause, _quote in m.basis()],
            }
            for m in queries.measures_of(user, alert)
        ],
        "elimination_criteria": [{"ok": c.ok, "text": c.text} for c in criteria],
    }


def _import(batch: DepartmentImport) -> dict:
    fields = ("id", "kind", "filename", "source_digest", "status", "rows", "matched", "unknown", "malformed")
    loaded = {"signals_created": batch.signals_created, "signals_already_loaded": batch.signals_already_loaded}
    return {**{f: getattr(batch, f) for f in fields}, **loaded, "report": batch.report}


@router.get("/alerts", response=list[AlertOut])
def list_alerts(
    request, status: str = queries.OPEN, area: str = "", rule: str = "", category: str = "", overdue: bool = False
):
    """Alerts in scope (at most 1000); ``status`` "open" is every case not closed, "" every case."""
    alerts = queries.alerts_for(request.user, status=status, area=area, rule=rule, category=category, overdue=overdue)
    return [_alert(a) for a in alerts[:1000]]


@router.get("/alerts/{int:alert_id}", response=CaseOut)
def get_alert(request, alert_id: int):
    """The case: its steps, assistance measures, the steps you may take now and the risk-elimination criteria."""
    return _case(request.user, queries.alert_for(request.user, alert_id))


@router.post("/alerts/{int:alert_id}/steps/{step}", response=CaseOut)
def take_alert_step(request, alert_id: int, step: str, payload: AlertStepIn):
    """One step of the case procedure (``allowed_steps`` of the case lists those you may take now; the step table is
    in docs/monitoring.md). Send the version you read; a refused risk elimination answers 422 with the criteria
    that do not hold; a step of another level, or the step after one you took, answers 403."""
    alert = queries.alert_for(request.user, alert_id, scoping.Action.CHANGE)
    alert = services.take_step(
        user=request.user,
        alert=alert,
        step=step,
        expected_version=payload.version,
        note=payload.note,
        category=payload.category,
        checks=payload.checks,
        meeting_date=payload.meeting_date,
        attendees=payload.attendees,
        opinion=payload.opinion,
        consent_date=payload.consent_date,
    )
    return _case(request.user, queries.alert_for(request.user, alert.pk))


@router.post("/alerts/{int:alert_id}/measures", response={201: MeasureOut})
def add_alert_measure(request, alert_id: int, payload: MeasureIn):
    """Record an assistance measure of a monitored household (its responsible unit: an organisation answering for
    the household's village, from the province down)."""
    alert = queries.alert_for(request.user, alert_id, scoping.Action.CHANGE)
    unit = Organisation.objects.filter(pk=payload.responsible_unit_id).first()
    measure = services.add_measure(
        user=request.user,
        alert=alert,
        expected_version=payload.version,
        kind=payload.kind,
        responsible_unit=unit,
        description=payload.description,
        start_date=payload.start_date,
    )
    return Status(
        201,
        {
            "id": measure.pk,
            "kind": measure.kind,
            "responsible_unit_id": measure.responsible_unit_id,
            "responsible_unit": str(measure.responsible_unit),
            "description": measure.description,
            "start_date": measure.start_date,
            "basis": [clause for clause, _quote in measure.basis()],
        },
    )


@router.post("/imports", response={201: ImportOut})
def check_department_import(request, kind: Form[str], file: File[UploadedFile]):
    """The dry run of a department's file (.xlsx or .csv; multipart): nothing is loaded; the report lists matched
    rows, unknown ID numbers and malformed rows. Confirm it with POST /imports/{id}/confirm."""
    scoping.require(request.user, scoping.Action.CHANGE)
    try:
        batch = departmental.check_department_file(
            user=request.user, kind=kind, data=read_upload(file), filename=file.name or "upload.csv"
        )
    except UserFacingError as exc:
        raise ValidationError(str(exc)) from exc
    return Status(201, _import(batch))


@router.get("/imports/{int:import_id}", response=ImportOut)
def get_department_import(request, import_id: int):
    return _import(queries.import_for(request.user, import_id))


@router.post("/imports/{int:import_id}/confirm", response=ImportOut)
def confirm_department_import(request, import_id: int):
    """Load the matched rows of a checked import, all or none."""
    batch = queries.import_for(request.user, import_id, scoping.Action.CHANGE)
    try:
        batch = departmental.load_department_import(user=request.user, batch=batch)
    except UserFacingError as exc:
        raise ValidationError(str(exc)) from exc
    return _import(batch)


@router.get("/households/{household_id}", response=HouseholdOut)
def get_household(request, household_id: int):
    """The household with its members; ID and phone numbers are always masked here."""
    return _household(request.user, queries.household_for(request.user, household_id))


def _household(user, h) -> dict:
    return {
        "id": h.pk,
        "number": h.number,
        "head_name": h.head_name,
        "township": h.township_id,
        "village": h.village_id,
        "category": h.category,
        "checks": {c: getattr(h, c) for c in h.CHECKS},
        "pending": h.pending,
        "members": [
            {"name": m.name, "relation": m.relation, "id_number": m.id_number_masked, "phone": m.phone_masked}
            for m in queries.members_of(user, h)
        ],
        "version": h.version,
        "address": h.address,
        "labour_capacity": h.labour_capacity,
        "social_assistance": h.social_assistance,
    }


# ---- the ways in from the front line: declarations taken by staff, visits ------------------------------------------


class DeclarationIn(Schema):
    channel: str  # hotline (12317) or counter; the household's own declarations come through the public page only
    village: str  # the village's 12-digit code
    head_name: str
    id_number: str
    phone: str
    difficulty: str  # illness, disability, accident, disaster, job_loss, education, housing, water, other
    description: str = ""
    consent: bool  # the declarant agreed to the 承诺授权 (checks of the family's income and property)


class DeclarationOut(Schema):
    id: int
    ack_number: str  # the household's key to the public status page
    channel: str
    village: str
    household_id: int
    household_pending: bool  # a household the registry did not know, added for the village to verify
    case_id: int | None
    head_name: str
    id_number: str  # masked
    phone: str  # masked
    difficulty: str
    description: str
    consent_at: datetime.datetime
    recorded_by: str
    created: datetime.datetime


class VisitIn(Schema):
    household_id: int
    date: datetime.date
    situation: str
    risk: str = ""  # a Difficulty value, or "" when the visit found none
    raise_case: bool = False  # the visit found a risk: open the household's case, or join its open one


class VisitOut(Schema):
    id: int
    household_id: int
    household: str
    village: str
    visitor: str
    date: datetime.date
    situation: str
    risk: str
    case_id: int | None
    created: datetime.datetime


def _declaration(d) -> dict:
    return {
        "id": d.pk,
        "ack_number": d.ack_number,
        "channel": d.channel,
        "village": d.village_id,
        "household_id": d.household_id,
        "household_pending": d.household.pending,
        "case_id": d.case_id,
        "head_name": d.head_name,
        "id_number": d.id_number_masked,
        "phone": d.phone_masked,
        "difficulty": d.difficulty,
        "description": d.description,
        "consent_at": d.consent_at,
        "recorded_by": d.recorded_by.username if d.recorded_by else "",
        "created": d.created,
    }


def _visit(v) -> dict:
    return {
        "id": v.pk,
        "household_id": v.household_id,
        "household": str(v.household),
        "village": v.household.village_id,
        "visitor": v.visitor.username,
        "date": v.date,
        "situation": v.situation,
        "risk": v.risk,
        "case_id": v.case_id,
        "created": v.created,
    }


@router.post("/declarations", response={201: DeclarationOut})
def create_declaration(request, payload: DeclarationIn):
    """A declaration taken on the 12317 hotline or at the counter (county or township staff of the village's area).
    It joins the household's open case as a lead or opens one; an unknown household is added as pending."""
    village = queries.front_village(request.user, payload.village)
    declaration = services.declare(
        village=village,
        head_name=payload.head_name,
        id_number=payload.id_number,
        phone=payload.phone,
        difficulty=payload.difficulty,
        description=payload.description,
        consent=payload.consent,
        channel=payload.channel,
        user=request.user,
    )
    return Status(201, _declaration(declaration))


@router.get("/declarations", response=list[DeclarationOut])
def list_declarations(request, q: str = "", channel: str = "", area: str = ""):
    """Declarations in scope, newest first (at most 1000): by acknowledgement number or head's name, by channel (self,
    hotline, counter), by a township or village code. ID and phone numbers are masked."""
    qs = queries.declarations_for(request.user, q=q, channel=channel, area=area)
    return [_declaration(d) for d in qs[:1000]]


@router.post("/visits", response={201: VisitOut})
def create_visit(request, payload: VisitIn):
    """A cadre's visit to a household (village, township or county staff of its area); ``raise_case`` opens the
    household's case (or joins its open one) with the risk found."""
    household = queries.household_for(request.user, payload.household_id, scoping.Action.CHANGE)
    visit = services.record_visit(
        user=request.user,
        household=household,
        date=payload.date,
        situation=payload.situation,
        risk=payload.risk,
        raise_case=payload.raise_case,
    )
    return Status(201, _visit(visit))


@router.get("/visits", response=list[VisitOut])
def list_visits(request, q: str = "", area: str = "", risk: str = "", raised: bool = False):
    """Visits in scope, latest first (at most 1000); ``risk`` "-" for visits that found none; ``raised`` only those
    that raised or joined a case."""
    qs = queries.visits_for(request.user, q=q, area=area, risk=risk, raised=raised)
    return [_visit(v) for v in qs[:1000]]


# ---- the registry: editing households, members, income records by period --------------------------------------------


class HouseholdPatch(Schema):
    version: int  # the version you read; a stale one answers 409
    head_name: str | None = None
    address: str | None = None
    number: str | None = None  # unique in the village
    labour_capacity: bool | None = None  # send null to mark it not checked
    social_assistance: bool | None = None


class MemberIn(Schema):
    name: str
    relation: str = ""
    id_number: str  # stored only encrypted, as a digest and masked; never answered back
    phone: str = ""


class IncomeIn(Schema):
    year: int
    period_kind: str = "year"  # year, quarter or month
    period: int = 0  # 0 for the year; 1–4 for a quarter; 1–12 for a month
    persons: int
    net_income: Decimal  # the period's own sums, in 元
    wage_income: Decimal = Decimal(0)
    business_income: Decimal = Decimal(0)
    transfer_income: Decimal = Decimal(0)
    property_income: Decimal = Decimal(0)
    medical_expense: Decimal = Decimal(0)
    education_expense: Decimal = Decimal(0)


class IncomeOut(IncomeIn):
    id: int
    label: str
    per_capita: Decimal
    annual_per_capita: Decimal  # at a year's rate: a quarter × 4, a month × 12


def _keeper_household(user, household_id: int):
    household = queries.household_for(user, household_id, scoping.Action.CHANGE)
    if not services.may_keep_registry(user, household.village):
        raise PermissionDenied("监测户登记册由县、乡镇的填报人员维护")
    return household


@router.patch("/households/{household_id}", response=HouseholdOut)
def edit_household(request, household_id: int, payload: HouseholdPatch):
    """Edit a household (county and township editors of its area): only the fields sent change."""
    household = _keeper_household(request.user, household_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    if changes.get("social_assistance", False) is None:
        changes.pop("social_assistance")
    household = services.update_household(user=request.user, household=household, expected_version=version, **changes)
    return _household(request.user, household)


@router.post("/households/{int:household_id}/members", response={201: MemberOut})
def add_household_member(request, household_id: int, payload: MemberIn):
    """Add a member (county and township editors); the answer shows the ID and phone numbers masked."""
    household = _keeper_household(request.user, household_id)
    m = services.add_registry_member(user=request.user, household=household, **payload.dict())
    return Status(
        201, {"name": m.name, "relation": m.relation, "id_number": m.id_number_masked, "phone": m.phone_masked}
    )


def _income(r) -> dict:
    fields = IncomeIn.model_fields if hasattr(IncomeIn, "model_fields") else IncomeIn.__fields__
    return {
        **{name: getattr(r, name) for name in fields},
        "id": r.pk,
        "label": r.period_label,
        "per_capita": r.per_capita,
        "annual_per_capita": r.annual_per_capita,
    }


@router.get("/households/{int:household_id}/incomes", response=list[IncomeOut])
def list_household_incomes(request, household_id: int):
    """The household's income records, newest year first, each with its period."""
    household = queries.household_for(request.user, household_id)
    return [_income(r) for r in queries.incomes_of(request.user, household)]


@router.post("/households/{int:household_id}/incomes", response={201: IncomeOut})
def add_household_income(request, household_id: int, payload: IncomeIn):
    """Record the income of a year, a quarter or a month; a period recorded already answers 422."""
    household = queries.household_for(request.user, household_id, scoping.Action.CHANGE)
    record = services.record_income(user=request.user, household=household, **payload.dict())
    record.refresh_from_db()  # the amounts as stored (two decimals)
    return Status(201, _income(record))
