import json

from django import template
from django.db.models import JSONField
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def action_label(action: int) -> str:
    """The audit action in the interface language (auditlog ships no Chinese)."""
    return {0: _("新建"), 1: _("修改"), 2: _("删除"), 3: _("查看")}.get(action, str(action))


@register.filter
def empty_value(value) -> str:
    """A stored value as a reader expects it: nothing as a dash, booleans as 是/否."""
    if value in (None, "", "None"):
        return "—"
    return {"True": _("是"), "False": _("否")}.get(str(value), value)


@register.filter
def change_rows(entry) -> list[tuple[str, tuple]]:
    """(field label, (before, after)) pairs of a log entry, for the model's own fields only: the entry of a
    creation also lists reverse relations, which say nothing. A filter rather than ``.items`` in the template,
    since a field may be called "items". Values are auditlog's display values (choice labels, related objects,
    local dates); a many-to-many change is its operation and objects; a model or field since removed shows what
    was stored."""
    model = entry.content_type.model_class()
    display = entry.changes_display_dict if model is not None else {}
    rows = []
    for name, change in entry.changes_dict.items():
        try:
            field = model._meta.get_field(name) if model else None
        except Exception:  # a field since removed from the model
            field = None
        if field is not None and (getattr(field, "primary_key", False) or (field.auto_created and not field.concrete)):
            continue  # the row's number and reverse relations say nothing to a reader
        label = field.verbose_name if field is not None else name
        if isinstance(change, dict):  # many-to-many: {"type": "m2m", "operation": "add", "objects": [...]}
            operation = {"add": _("添加"), "delete": _("移除")}.get(change.get("operation"), change.get("operation"))
            change = ("", f"{operation}：{'、'.join(map(str, change.get('objects', [])))}")
        else:
            change = display.get(label, change)
        choices = getattr(model, "item_labels", {}).get(name)
        if choices is not None:
            change = tuple(_item_labels(value, choices) for value in change)
        elif isinstance(field, JSONField):
            change = tuple(_listed(value) for value in change)
        rows.append((str(label), tuple(change)))
    return rows


def _listed(value) -> str:
    """A stored list (``["a", "b"]``, ``[]``) as a reader writes it (a、b, or a dash); anything else as it is."""
    try:
        items = json.loads(value)
    except (TypeError, ValueError):
        return value
    if not isinstance(items, list):
        return value
    return "、".join(map(str, items)) or "—"


def _item_labels(value, choices) -> str:
    """A stored list of codes (``["electrician", "welder"]``) as their labels (电工、焊工); anything else as it is."""
    try:
        codes = json.loads(value)
    except (TypeError, ValueError):
        return value
    if not isinstance(codes, list):
        return value
    labels = dict(choices.choices)
    return "、".join(str(labels.get(code, code)) for code in codes) or "—"


@register.filter
def change_text(entry) -> str:
    """The changes of an entry as one line (the log page, the export): 字段：之前 → 之后；… — never
    auditlog's ``changes_str``, which fails on a many-to-many change."""
    return "；".join(
        f"{label}：{empty_value(before)} → {empty_value(after)}" for label, (before, after) in change_rows(entry)
    )
