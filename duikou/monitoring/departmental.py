"""Departmental data (部门数据): files from health insurance, emergency management, the disability federation, human
resources, education, housing and water, matched to household members by ID number (seed 004 二(一):
多部门参与的防止返贫动态监测帮扶机制).

A file is checked first (the dry run): every row's ID number is validated (GB 11643) and matched through its keyed
SM3 digest — never compared, stored or logged in plain — and the report lists the matched rows, the unknown ID
numbers and the malformed rows with row number and reason, IDs masked. Only when the user confirms that report are
its matched rows loaded, all in one transaction; nothing is dropped silently. The file itself is never kept.
"""

import datetime
import os
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from duikou.accounts import scoping
from duikou.core import pii
from duikou.core.actors import audit_actor
from duikou.core.audit_context import set_actor
from duikou.core.audit_entries import bulk_create_logged
from duikou.core.digests import sm3_hex
from duikou.core.errors import UserFacingError
from duikou.core.jobs import start_job
from duikou.core.tables import cell_date, cell_text
from duikou.core.uploads import read_table, read_upload

from .models import DepartmentImport, DepartmentSignal, Member

# accepted header names of each column (Chinese first; the page names the first, glossed in English); the first
# column is required, date too
HEADERS = {
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "id_number"),
    "date": ("日期", "发生日期", "date"),
    "amount": ("金额", "金额（元）", "金额(元)", "amount"),
    "note": ("说明", "备注", "note"),
}
LABELS = {"id_number": "身份证号", "date": "日期", "amount": "金额（元）", "note": "说明"}
UNKNOWN = gettext_noop("未找到该身份证号对应的家庭成员（或不在您的管辖范围内）")  # stored in Chinese, shown translated


def _columns(header: list, filename: str, kind: str) -> dict[str, int]:
    names = {str(h).strip().lower(): i for i, h in enumerate(header) if h is not None}
    found = {}
    for column, accepted in HEADERS.items():
        for name in accepted:
            if name.lower() in names:
                found[column] = names[name.lower()]
                break
    required = ["id_number", "date"] + (["amount"] if kind in DepartmentSignal.AMOUNT_KINDS else [])
    missing = [LABELS[c] for c in required if c not in found]
    if missing:
        expected = "、".join(LABELS[c] for c in HEADERS)
        raise UserFacingError(
            _("「%(name)s」缺少列：%(missing)s（表头应包含 %(expected)s）")
            % {"name": filename, "missing": "、".join(missing), "expected": expected}
        )
    return found


def _chunks(items: list, size: int = 5000):
    """Lists of at most ``size`` items: an IN list stays within every database's limit on parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing(kind: str, member_ids: set[int]) -> set[tuple]:
    """(member, date, amount) of the signals of this kind already loaded for these members."""
    found = set()
    for part in _chunks(sorted(member_ids)):
        found.update(
            DepartmentSignal.objects.filter(kind=kind, member_id__in=part).values_list("member_id", "date", "amount")
        )
    return found


def _masked(value) -> str:
    """A raw ID cell as it may appear in a report: masked whatever it holds."""
    text = cell_text(value) if value is not None else ""
    return pii.mask_id(text.upper())


def _parse_row(number: int, row: list, columns: dict[str, int], kind: str) -> tuple[dict | None, list[dict]]:
    """The row's values, or its problems (row, column, masked value, reason)."""
    cell = lambda name: row[columns[name]] if name in columns and columns[name] < len(row) else None  # noqa: E731
    errors, values = [], {}

    def err(column: str, value, reason: str) -> None:
        errors.append({"row": number, "column": LABELS[column], "value": value, "reason": reason})

    raw = cell("id_number")
    if raw is None:
        err("id_number", "", gettext_noop("身份证号为空"))
    elif isinstance(raw, int | float):
        err("id_number", _masked(raw), gettext_noop("身份证号须以文本格式填写（数字格式会丢失末几位）"))
    else:
        try:
            values["id_number"] = pii.normalise_id_number(cell_text(raw))
        except ValidationError as exc:
            err("id_number", _masked(raw), exc.messages[0])
    raw = cell("date")
    try:
        if raw is None:
            raise ValueError
        values["date"] = cell_date(raw)
    except (ValueError, TypeError, OverflowError):
        err("date", "" if raw is None else cell_text(raw)[:30], gettext_noop("日期为空或格式不正确（应为 2025-03-01）"))
    else:
        if values["date"] > timezone.localdate():
            err("date", values["date"].isoformat(), gettext_noop("日期晚于今天"))
    raw = cell("amount")
    if raw is None:
        if kind in DepartmentSignal.AMOUNT_KINDS:
            err("amount", "", gettext_noop("此类数据须填写金额（元）"))
        values["amount"] = None
    else:
        try:
            amount = Decimal(cell_text(raw).replace(",", "")) if isinstance(raw, str) else Decimal(str(raw))
            if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
                raise InvalidOperation
            if amount >= Decimal("1e12"):
                raise InvalidOperation
            values["amount"] = amount.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            err("amount", cell_text(raw)[:30], gettext_noop("金额须为不小于 0 的数，最多两位小数"))
    note = cell("note")
    values["note"] = "" if note is None else cell_text(note)
    if len(values["note"]) > 200:
        err("note", values["note"][:30], "说明不能超过 200 字")
    return (None if errors else values), errors


def check_department_file(*, user, kind: str, data: bytes, filename: str, progress=None) -> DepartmentImport:
    """The dry run: read, validate and match every row, and keep the report as a batch awaiting confirmation."""
    scoping.require(user, scoping.Action.CHANGE)
    if kind not in DepartmentSignal.Kind.values:
        raise UserFacingError(_("未知的数据类别「%(kind)s」") % {"kind": kind})
    progress = progress or (lambda *a, **k: None)
    if not filename.lower().endswith((".csv", ".xlsx")):
        raise UserFacingError(_("「%(name)s」不是 .xlsx 或 .csv 文件") % {"name": filename})
    digest = sm3_hex(data)
    if DepartmentImport.objects.filter(source_digest=digest, kind=kind, status=DepartmentImport.Status.LOADED).exists():
        raise UserFacingError(
            _("「%(name)s」（SM3 %(digest)s…）已导入过，不再重复导入") % {"name": filename, "digest": digest[:12]}
        )
    header, rows = read_table(data, filename, "")
    rows = [(n, row) for n, row in rows if any(v is not None and str(v).strip() for v in row)]
    columns = _columns(header, filename, kind)
    progress(0, len(rows), "校验中")
    malformed, parsed = [], []
    bad_rows = set()
    for count, (number, row) in enumerate(rows, 1):
        values, errors = _parse_row(number, row, columns, kind)
        if errors:
            malformed += errors
            bad_rows.add(number)
        else:
            parsed.append((number, values))
        if count % 1000 == 0:
            progress(count, len(rows), "校验中")
    progress(len(rows), len(rows), "匹配家庭成员")
    digests = {number: pii.digest(values.pop("id_number")) for number, values in parsed}
    members = {}
    for part in _chunks(sorted(set(digests.values()))):
        for m in (
            scoping.scope(user, Member, scoping.Action.CHANGE)
            .filter(id_number_digest__in=part)
            .values("id_number_digest", "pk", "household_id", "name", "id_number_masked", "household__head_name")
        ):
            members[m["id_number_digest"]] = m
    existing = _existing(kind, {m["pk"] for m in members.values()})
    matched, unknown, seen = [], [], {}
    for number, values in parsed:
        member = members.get(digests[number])
        if member is None:
            unknown.append({"row": number, "id": "", "reason": UNKNOWN})
            continue
        key = (member["pk"], values["date"], values["amount"])
        if key in seen:
            malformed.append(
                {"row": number, "column": "", "value": member["id_number_masked"], "reason": f"与第 {seen[key]} 行重复"}
            )
            bad_rows.add(number)
            continue
        if key in existing:
            malformed.append(
                {
                    "row": number,
                    "column": "",
                    "value": member["id_number_masked"],
                    "reason": gettext_noop("该记录已导入过"),
                }
            )
            bad_rows.add(number)
            continue
        seen[key] = number
        matched.append(
            {
                "row": number,
                "member_id": member["pk"],
                "household_id": member["household_id"],
                "member": member["name"],
                "household": f"{member['household__head_name']}户",
                "id": member["id_number_masked"],
                "date": values["date"].isoformat(),
                "amount": None if values["amount"] is None else str(values["amount"]),
                "note": values["note"],
            }
        )
    # the unknown rows' ID numbers are shown masked, from the file (they match no member)
    raw_ids = {number: row[columns["id_number"]] for number, row in rows}
    for item in unknown:
        item["id"] = _masked(raw_ids[item["row"]])
    malformed.sort(key=lambda e: e["row"])
    org = getattr(user, "organisation", None)
    with transaction.atomic(), set_actor(audit_actor(user)):
        batch = DepartmentImport.objects.create(
            kind=kind,
            filename=os.path.basename(filename)[:200],
            source_digest=digest,
            region=org.region if org is not None and scoping.region_prefix(user) is not None else None,
            rows=len(rows),
            matched=len(matched),
            unknown=len(unknown),
            malformed=len(bad_rows),
            report={"matched": matched, "unknown": unknown, "malformed": malformed},
            created_by=audit_actor(user),
        )
    return batch


def load_department_import(*, user, batch: DepartmentImport, progress=None) -> DepartmentImport:
    """Load the matched rows of a checked batch, all at once, exactly as its report listed them — except the rows
    that another batch has loaded since the dry run: those are counted (``signals_already_loaded``), not loaded
    again. The database holds "one fact once" (``DepartmentSignal``'s unique rules), so two batches of the same
    rows confirmed at the same moment do not both load them: the later one finds them loaded and says so."""
    progress = progress or (lambda *a, **k: None)
    if not scoping.can(user, scoping.Action.CHANGE, batch):
        raise PermissionDenied
    rows = batch.report.get("matched", [])
    with transaction.atomic(), set_actor(audit_actor(user)):
        batch = DepartmentImport.objects.select_for_update().get(pk=batch.pk)
        if batch.status != DepartmentImport.Status.CHECKED:
            raise UserFacingError(
                _("批次 #%(pk)s「%(name)s」已于 %(time)s 导入")
                % {"pk": batch.pk, "name": batch.filename, "time": f"{batch.loaded_at:%Y-%m-%d %H:%M}"}
            )
        if not rows:
            raise UserFacingError(_("试导入报告中没有可导入的行，未导入任何数据"))
        member_ids = {r["member_id"] for r in rows}
        in_scope = sum(
            scoping.scope(user, Member, scoping.Action.CHANGE).filter(pk__in=part).count()
            for part in _chunks(sorted(member_ids))
        )
        if in_scope != len(member_ids):
            raise UserFacingError(_("试导入之后成员的管辖范围已有变化，未导入任何数据，请重新试导入"))
        facts = [
            {
                "member_id": r["member_id"],
                "household_id": r["household_id"],
                "kind": batch.kind,
                "date": datetime.date.fromisoformat(r["date"]),
                "amount": None if r["amount"] is None else Decimal(r["amount"]),
                "note": r["note"],
                "source_digest": batch.source_digest,
                "batch": batch,
            }
            for r in rows
        ]
        created = _load_new(facts, batch.kind, member_ids, actor=audit_actor(user), progress=progress)
        batch.status = DepartmentImport.Status.LOADED
        batch.loaded_by = audit_actor(user)
        batch.loaded_at = timezone.now()
        batch.signals_created = created
        batch.signals_already_loaded = len(facts) - created
        batch.save()
    return batch


def _load_new(facts: list[dict], kind: str, member_ids: set[int], *, actor, progress, attempts: int = 5) -> int:
    """Insert the signals (given as their fields) not loaded yet, with their audit entries; return how many. Another
    batch that loads some of the same facts meanwhile makes the insert fail on the unique rule: it is undone (a
    savepoint) and tried again without the facts now loaded — each retry follows a load that committed."""
    failed: tuple[int, IntegrityError] | None = None  # (rows tried, the database's refusal)
    for _attempt in range(attempts):
        loaded = _existing(kind, member_ids)
        new = [DepartmentSignal(**f) for f in facts if (f["member_id"], f["date"], f["amount"]) not in loaded]
        if failed is not None and failed[0] == len(new):
            raise failed[1]  # nothing was loaded meanwhile: the database refused the rows for another reason
        try:
            with transaction.atomic():
                bulk_create_logged(DepartmentSignal, new, actor=actor, tick=_ticker(progress, len(new)))
        except IntegrityError as exc:
            failed = (len(new), exc)
            continue
        return len(new)
    raise UserFacingError(_("其他批次正在同时导入相同的记录，未导入任何数据，请稍后重新确认"))


def _ticker(progress, total: int):
    done = [0]
    progress(0, total, "导入中")

    def tick(n: int) -> None:
        done[0] += n
        progress(done[0], total, "导入中")

    return tick


def summary_loaded(batch: DepartmentImport) -> str:
    """What the confirmation did: the rows it loaded, and those another batch had loaded already."""
    text = _("已导入 %(n)s 条部门数据信号") % {"n": batch.signals_created}
    if batch.signals_already_loaded:
        text += _("；%(m)s 条此前已由其他批次导入，未重复导入") % {"m": batch.signals_already_loaded}
    return text


def _report_errors(batch: DepartmentImport) -> list[dict]:
    """The unknown and malformed rows in the shape the job page lists (row, column, masked value, reason)."""
    unknown = [
        {"row": u["row"], "column": "身份证号", "value": u["id"], "reason": u["reason"]}
        for u in batch.report["unknown"]
    ]
    return sorted(unknown + batch.report["malformed"], key=lambda e: e["row"])


def summary(batch: DepartmentImport) -> str:
    return _(
        "共 %(rows)s 行：可导入 %(matched)s 行，身份证号未匹配 %(unknown)s 行，格式或内容有误 %(malformed)s 行"
    ) % {
        "rows": batch.rows,
        "matched": batch.matched,
        "unknown": batch.unknown,
        "malformed": batch.malformed,
    }


def start_department_check(*, user, kind: str, upload):
    """The dry run as a background job; its result links to the report, where the user confirms the load. The file
    (ID numbers in it) is stored with the job encrypted, and deleted when the job ends."""
    scoping.require(user, scoping.Action.CHANGE)
    name = os.path.basename(upload.name or "upload.csv")
    data = read_upload(upload)
    return start_job(
        kind="monitoring.department-check",
        title=f"试导入部门数据：{name}"[:200],
        user=user,
        fn=department_check_job,
        params={"kind": kind},
        upload=(name, data),
    )


def department_check_job(*, user, progress, kind: str, data: bytes, filename: str) -> dict:
    batch = check_department_file(user=user, kind=kind, data=data, filename=filename, progress=progress)
    return {
        "batch": batch.pk,
        "summary": f"试导入完成（尚未导入）。{summary(batch)}。请查看报告并确认。",
        "errors": _report_errors(batch),
        "link": {"url": reverse("monitoring:import_detail", args=[batch.pk]), "label": "查看试导入报告并确认导入"},
    }


def start_department_load(*, user, batch: DepartmentImport):
    """Loading a confirmed batch as a background job."""
    if not scoping.can(user, scoping.Action.CHANGE, batch):
        raise PermissionDenied
    return start_job(
        kind="monitoring.department-load",
        title=f"导入部门数据：{batch.filename}"[:200],
        user=user,
        fn=department_load_job,
        params={"batch_id": batch.pk},
    )


def department_load_job(*, user, progress, batch_id: int) -> dict:
    batch = DepartmentImport.objects.get(pk=batch_id)
    loaded = load_department_import(user=user, batch=batch, progress=progress)
    return {
        "batch": loaded.pk,
        "summary": f"{summary_loaded(loaded)}（未匹配和有误的行未导入，见报告）",
        "link": {"url": reverse("monitoring:import_detail", args=[loaded.pk]), "label": "查看导入报告"},
    }
