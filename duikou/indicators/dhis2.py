"""DHIS2's own ways of writing a ``dataValueSet``: its XML, its id schemes (code, uid, name) and its export shapes.

A province that runs DHIS2 sends its files unchanged: the XML document DHIS2 writes (namespace
``http://dhis2.org/schema/dxf/2.0``, the set's ``dataSet``, ``period``, ``orgUnit`` … as attributes inherited by
each ``dataValue``), with objects named by DHIS2 uid, code or name (``idScheme``, ``dataElementIdScheme``,
``orgUnitIdScheme``, ``dataSetIdScheme``). A uid is turned into the platform's code through the importing user's
organisation's mapping table (``Dhis2Id``); a name must be the indicator's, pairing's or data set's name exactly.
The XML is read with ``defusedxml``: a document type declaration, an entity or an external reference is refused
before anything is expanded, and the document is read within the platform's upload limits.

Exports write the same three shapes (JSON, CSV in DHIS2's column order, XML), with uids when asked; what is exported
imports back unchanged.
"""

import io
import json
import re
from collections.abc import Iterable
from decimal import Decimal
from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import quoteattr

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.core.exceptions import ValidationError
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

from duikou.accounts import scoping
from duikou.core.errors import UserFacingError
from duikou.core.exports import CSV, csv_bytes
from duikou.core.uploads import check_size, max_rows, too_many_rows
from duikou.pairings.models import Pairing

from .models import DHIS2_UID, DataSet, Dhis2Id, Indicator

NAMESPACE = "http://dhis2.org/schema/dxf/2.0"
SCHEMES = ("CODE", "UID", "NAME")
# the import parameters that choose a scheme, and which kind of object each names (idScheme: all of them)
SCHEME_PARAMS = {
    "dataElementIdScheme": Dhis2Id.Kind.DATA_ELEMENT,
    "orgUnitIdScheme": Dhis2Id.Kind.ORG_UNIT,
    "dataSetIdScheme": Dhis2Id.Kind.DATA_SET,
}
KINDS = tuple(Dhis2Id.Kind)  # each kind is also the column (key) naming it in a dataValueSet
# DHIS2's CSV columns, in the order its exports write them
CSV_COLUMNS = [
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
]
# the names older DHIS2 documentation gives some of them
CSV_ALIASES = {"catoptcombo": "categoryOptionCombo", "attroptcombo": "attributeOptionCombo", "lastupd": "lastUpdated"}
DEFAULT_COMBO = {"UID": "HllvX50cXC0", "CODE": "default", "NAME": "default"}
UID_RE = re.compile(DHIS2_UID)


# ---- XML ---------------------------------------------------------------------------------------------------------


def looks_like_xml(data: bytes, filename: str) -> bool:
    """An XML dataValueSet: by its name (.xml), or, for a file whose name says nothing (an API body), by its first
    bytes."""
    name = (filename or "").lower()
    if name.endswith(".xml"):
        return True
    if name.endswith((".json", ".csv", ".xlsx", ".xlsm")):
        return False
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def _local(tag: str) -> str:
    """An element's name without its namespace (DHIS2 writes its own; a file without one is read alike)."""
    return tag.rsplit("}", 1)[-1]


def read_xml(data: bytes, filename: str) -> dict:
    """The set-level attributes and the ``dataValues`` of an XML dataValueSet, as the JSON shape has them. Parsing
    stops at the first value past the row limit; a DTD, an entity or a malformed document is one clear error."""
    check_size(filename, len(data))
    limit = max_rows()
    payload: dict = {}
    values: list[dict] = []
    try:
        for event, element in iterparse(
            io.BytesIO(data), events=("start", "end"), forbid_dtd=True, forbid_entities=True, forbid_external=True
        ):
            name = _local(element.tag)
            if event == "start":
                if not payload and name != "dataValueSet":
                    why = _("「%(name)s」不是 DHIS2 dataValueSet：根元素是「%(root)s」")
                    raise UserFacingError(why % {"name": filename, "root": name})
                payload.setdefault("root", dict(element.attrib))
                continue
            if name == "dataValue":
                values.append(dict(element.attrib))
                if len(values) > limit:
                    raise too_many_rows(filename)
            element.clear()  # what has been read is not kept
    except DefusedXmlException as exc:
        raise UserFacingError(
            _("「%(name)s」含有文档类型声明（DTD）、实体或外部引用，出于安全原因不予读取（%(error)s）")
            % {"name": filename, "error": exc.__class__.__name__}
        ) from exc
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise UserFacingError(
            _("「%(name)s」不是有效的 XML：第 %(line)s 行第 %(column)s 列有误")
            % {"name": filename, "line": line, "column": column}
        ) from exc
    if not payload:
        raise UserFacingError(_("「%(name)s」是空文件") % {"name": filename})
    return {**payload["root"], "dataValues": values}


# ---- id schemes --------------------------------------------------------------------------------------------------


def schemes_from(params) -> dict[str, str]:
    """The scheme of each kind of object (data element, org unit, data set) from DHIS2's import parameters:
    ``idScheme`` for all, a specific one for its kind; codes when none is given. DHIS2 accepts them in any case and
    calls the uid ``ID`` as well."""
    chosen = {}
    for param in ("idScheme", *SCHEME_PARAMS):
        raw = str(params.get(param) or "").strip().upper()
        if not raw:
            continue
        scheme = "UID" if raw == "ID" else raw
        if scheme not in SCHEMES:
            raise ValidationError(
                _("参数 %(param)s 的值「%(value)s」无效，可用：%(schemes)s")
                % {"param": param, "value": params.get(param), "schemes": ", ".join(SCHEMES)}
            )
        chosen[param] = scheme
    default = chosen.get("idScheme", "CODE")
    return {kind: chosen.get(param, default) for param, kind in SCHEME_PARAMS.items()}


def mappings(user, kind: str) -> dict[str, str]:
    """uid → code of the user's organisation's active mappings of one kind."""
    return dict(
        scoping.scope(user, Dhis2Id)
        .filter(kind=kind, status=Dhis2Id.Status.ACTIVE, organisation_id=user.organisation_id)
        .values_list("uid", "code")
    )


def names(user, kind: str, action: scoping.Action = scoping.Action.CHANGE) -> dict[str, list[str]]:
    """name → codes of the objects of one kind (an indicator, a data set, a pairing the user may take ``action`` on:
    report for, when importing)."""
    if kind == Dhis2Id.Kind.DATA_ELEMENT:
        rows = Indicator.objects.values_list("name", "code")
    elif kind == Dhis2Id.Kind.DATA_SET:
        rows = DataSet.objects.values_list("name", "code")
    else:
        rows = (
            scoping.scope(user, Pairing, action)
            .annotate(full=Concat(F("old_region__name"), Value("—"), F("partner_region__name")))
            .values_list("full", "code")
        )
    found: dict[str, list[str]] = {}
    for name, code in rows:
        found.setdefault(name, []).append(code)
    return found


def translate_ids(rows: list[tuple[int, dict]], *, user, schemes: dict | None) -> tuple[list, list[dict]]:
    """The rows with their data elements, org units and data set named by the platform's codes, and the errors
    (row, column, value, reason) of those that name an unmapped uid, an unknown name or a malformed uid: those rows
    are left out, so each is reported once, for what it names. A data set is given once for the whole set, so an
    unknown one is one error for the file."""
    schemes = schemes or {}
    errors, out = [], []
    lookups: dict[str, dict] = {}
    for kind in KINDS:
        scheme = schemes.get(kind, "CODE")
        if scheme == "UID":
            lookups[kind] = mappings(user, kind)
        elif scheme == "NAME":
            lookups[kind] = names(user, kind)
    for n, row in rows:
        ok = True
        for kind in KINDS:
            given = row.get(kind, "")
            scheme = schemes.get(kind, "CODE")
            if not given or scheme == "CODE":
                continue
            code, reason = _resolve(kind, scheme, given, lookups[kind])
            if reason:
                if kind == Dhis2Id.Kind.DATA_SET:
                    raise _set_error(reason)
                errors.append({"row": n, "column": kind, "value": given, "reason": reason})
                ok = False
            else:
                row = {**row, kind: code}
        if ok:
            out.append((n, row))
    data_sets = {row.get("dataSet") for _n, row in out} - {"", None}
    for code in sorted(data_sets - set(DataSet.objects.filter(code__in=data_sets).values_list("code", flat=True))):
        raise _set_error(_("数据集（dataSet）「%(code)s」不存在") % {"code": code})
    return out, errors


def _set_error(reason: str) -> UserFacingError:
    errors = [{"row": "", "column": "dataSet", "value": "", "reason": reason}]
    return UserFacingError(reason, {"errors": errors, **refused(errors)})


def _resolve(kind: str, scheme: str, given: str, lookup: dict) -> tuple[str, str]:
    """(code, "") or ("", the reason it cannot be resolved)."""
    label = Dhis2Id.Kind(kind).label
    if scheme == "UID":
        if not UID_RE.match(given):
            return "", _("「%(uid)s」不是有效的 DHIS2 uid（%(kind)s）：须为 11 位，首位为字母，其余为字母或数字") % {
                "uid": given,
                "kind": label,
            }
        if given not in lookup:
            why = _("DHIS2 uid「%(uid)s」（%(kind)s）在本机构的 uid 映射中没有登记")
            return "", why % {"uid": given, "kind": label}
        return lookup[given], ""
    codes = lookup.get(given, [])
    if len(codes) != 1:
        why = _("没有名称为「%(name)s」的%(kind)s") if not codes else _("名称为「%(name)s」的%(kind)s不止一个")
        return "", why % {"name": given, "kind": label}
    return codes[0], ""


# ---- the import summary ----------------------------------------------------------------------------------------


def conflicts(errors: Iterable[dict]) -> list[dict]:
    """The problems as DHIS2 lists its import conflicts (``object``: what was named, ``value``: why it was refused),
    with the row and column this platform reports."""
    return [
        {
            "object": e.get("value") or e.get("column") or "",
            "value": e["reason"],
            "row": e["row"],
            "column": e["column"],
        }
        for e in errors
    ]


def refused(errors: list[dict]) -> dict:
    """The summary keys of an import refused for ``errors``: nothing imported."""
    counts = {"imported": 0, "updated": 0, "ignored": 0, "deleted": 0}
    return {"status": "ERROR", "importCount": counts, "conflicts": conflicts(errors)}


# ---- export ------------------------------------------------------------------------------------------------------

EXPORT_FORMATS = ("json", "csv", "xml")


def export_set(values, fmt: str, *, user, schemes: dict | None = None, dataset: str = "") -> tuple[bytes, str, str]:
    """(content, filename, content type) of the values as a DHIS2 dataValueSet in JSON, CSV or XML, naming objects
    by code, or by the user's organisation's uids (or names) when asked. A value whose indicator or pairing has no
    uid in the mapping cannot be written with uids: the export is refused naming them."""
    if fmt not in EXPORT_FORMATS:
        why = _("未知的导出格式「%(fmt)s」，可用：%(all)s")
        raise ValidationError(why % {"fmt": fmt, "all": ", ".join(EXPORT_FORMATS)})
    schemes = schemes or {}
    rows = list(
        values.values_list(
            "indicator_id", "period", "pairing__code", "value", "comment", "updated", "option__uid"
        ).order_by("pairing__code", "period", "indicator__order", "indicator_id", "option__order")
    )
    names_of = {kind: _outward(user, kind, schemes.get(kind, "CODE")) for kind in KINDS}
    missing = []
    element_of, unit_of = names_of[Dhis2Id.Kind.DATA_ELEMENT], names_of[Dhis2Id.Kind.ORG_UNIT]
    for code, _per, unit, *_rest in rows:
        if element_of is not None and code not in element_of:
            missing.append(f"{Dhis2Id.Kind.DATA_ELEMENT.label}「{code}」")
        if unit_of is not None and unit not in unit_of:
            missing.append(f"{Dhis2Id.Kind.ORG_UNIT.label}「{unit}」")
    set_name = dataset
    if dataset and names_of[Dhis2Id.Kind.DATA_SET] is not None:
        set_name = names_of[Dhis2Id.Kind.DATA_SET].get(dataset, "")
        if not set_name:
            missing.append(f"{Dhis2Id.Kind.DATA_SET.label}「{dataset}」")
    if missing:
        shown = "、".join(sorted(set(missing))[:20])
        if "UID" in schemes.values():
            why = _("以下对象在本机构的 DHIS2 uid 映射中没有有效登记，或没有唯一的名称，无法按所选标识导出：%(list)s")
        else:
            why = _("以下对象没有唯一的名称，无法按名称（NAME）导出：%(list)s")
        raise ValidationError(why % {"list": shown})
    from .services import number_text

    combo = DEFAULT_COMBO[schemes.get(Dhis2Id.Kind.DATA_ELEMENT, "CODE")]
    out = []
    for code, period, unit, value, comment, updated, option in rows:
        out.append(
            {
                "dataElement": element_of[code] if element_of is not None else code,
                "period": period,
                "orgUnit": unit_of[unit] if unit_of is not None else unit,
                # a breakdown's sub-row names its option by uid, whatever the scheme (as DHIS2 names combos)
                "categoryOptionCombo": option or combo,
                "attributeOptionCombo": combo,
                "value": number_text(value),
                "storedBy": "",
                "lastUpdated": updated.isoformat(timespec="seconds") if updated else "",
                "comment": comment or "",
                "followup": "false",
            }
        )
    if fmt == "json":
        body = {**({"dataSet": set_name} if set_name else {}), "dataValues": out}
        for item in out:
            item["followup"] = False
            if not item["storedBy"]:
                del item["storedBy"]
        return json.dumps(body, ensure_ascii=False, indent=1).encode(), "dataValueSets.json", "application/json"
    if fmt == "csv":
        keys = [
            "dataElement",
            "period",
            "orgUnit",
            "categoryOptionCombo",
            "attributeOptionCombo",
            "value",
            "storedBy",
            "lastUpdated",
            "comment",
            "followup",
        ]
        # the value as a number, so that a negative one is neither taken for a formula nor escaped as one
        table = ([Decimal(r[k]) if k == "value" and r[k] else r[k] for k in keys] for r in out)
        return csv_bytes(CSV_COLUMNS, table), "dataValueSets.csv", CSV
    return _xml(out, set_name), "dataValueSets.xml", "application/xml"


def export_selection(user, params, *, period, pairing_id, dataset, org_unit, fmt) -> tuple[bytes, str, str]:
    """The export of the page and of the API: the values of a data set, period and org unit (each optional, named in
    the chosen id scheme) that the user sees, read through the scoping layer."""
    from . import queries

    schemes = schemes_from(params)
    values = queries.values_for(user, period=period, pairing=pairing_id).filter(value__isnull=False)
    if dataset:
        dataset = code_of(user, Dhis2Id.Kind.DATA_SET, dataset, schemes)
        found = queries.datasets_for(user).filter(code=dataset).first()
        if found is None:
            raise ValidationError(_("数据集（dataSet）「%(code)s」不存在") % {"code": dataset})
        values = values.filter(indicator__datasets=found)
    if org_unit:
        values = values.filter(pairing__code=code_of(user, Dhis2Id.Kind.ORG_UNIT, org_unit, schemes))
    return export_set(values, fmt, user=user, schemes=schemes, dataset=dataset)


def code_of(user, kind: str, given: str, schemes: dict) -> str:
    """The platform's code of one object named in the kind's scheme; ValidationError naming it if unknown."""
    scheme = schemes.get(kind, "CODE")
    if scheme == "CODE":
        return given
    code, reason = _resolve(kind, scheme, given, mappings(user, kind) if scheme == "UID" else names(user, kind))
    if reason:
        raise ValidationError(reason)
    return code


def _outward(user, kind: str, scheme: str) -> dict[str, str] | None:
    """code → what an export writes for it: None for codes (as stored), else the uid or the name."""
    if scheme == "CODE":
        return None
    if scheme == "UID":
        return {code: uid for uid, code in mappings(user, kind).items()}
    return {codes[0]: name for name, codes in names(user, kind, scoping.Action.VIEW).items() if len(codes) == 1}


def _xml(rows: list[dict], set_name: str) -> bytes:
    """The XML dataValueSet as DHIS2 writes it: attributes only, the set's data set on the root element."""
    buffer = io.StringIO()
    buffer.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = f" dataSet={quoteattr(set_name)}" if set_name else ""
    buffer.write(f'<dataValueSet xmlns="{NAMESPACE}"{root}>\n')
    for row in rows:
        attributes = " ".join(f"{k}={quoteattr(str(v))}" for k, v in row.items() if v != "")
        buffer.write(f"  <dataValue {attributes}/>\n")
    buffer.write("</dataValueSet>\n")
    return buffer.getvalue().encode()
