import json

from django import template
from django.db.models import JSONField
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

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


def _field_changes(entry) -> list[tuple[str, str | None, tuple]]:
    """(field label, many-to-many operation or None, (before, after)) of a log entry, for the model's own fields
    only: the entry of a creation also lists reverse relations, which say nothing. Values are auditlog's display
    values (choice labels, related objects, local dates), codes in lists named by the model's ``item_labels``;
    a many-to-many change is its operation ("add", "delete") and its objects (in ``after``); a model or field since
    removed shows what was stored."""
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
        operation = None
        if isinstance(change, dict):  # many-to-many: {"type": "m2m", "operation": "add", "objects": [...]}
            operation = change.get("operation")
            change = ("", "、".join(map(str, change.get("objects", []))))
        else:
            change = display.get(label, change)
        choices = getattr(model, "item_labels", {}).get(name)
        if choices is not None:
            change = tuple(_item_labels(value, choices) for value in change)
        elif isinstance(field, JSONField):
            change = tuple(_listed(value) for value in change)
        rows.append((str(label), operation, tuple(change)))
    return rows


@register.filter
def change_rows(entry) -> list[tuple[str, tuple]]:
    """(field label, (before, after)) pairs of a log entry (see ``_field_changes``); a many-to-many change reads
    「添加：甲、乙」. A filter rather than ``.items`` in the template, since a field may be called "items"."""
    rows = []
    for label, operation, change in _field_changes(entry):
        if operation is not None:
            change = ("", f"{M2M_WORDS.get(operation, operation)}：{change[1]}")
        rows.append((label, change))
    return rows


M2M_WORDS = {"add": _lazy("添加"), "delete": _lazy("移除")}


@register.filter
def history_lines(entries) -> list[dict]:
    """An object's history as sentences a reader follows, newest first: one per log entry, with its time and who
    (「系统」 for changes made without a signed-in user) — 「将状态由「草稿」改为「已备案」；将备注设为「……」」.
    A creation is one sentence (「新建结对关系「信阳市—苏州市」」), not a row per field it was created with. Used by
    every page's history (templates/history.html); the audit log keeps one row per entry with ``change_text``."""
    lines = []
    for entry in entries:
        model = entry.content_type.model_class()
        kind = str(model._meta.verbose_name) if model is not None else entry.content_type.name
        if entry.action == 1:
            parts = [_change_sentence(label, operation, change) for label, operation, change in _field_changes(entry)]
            text = "；".join(parts) or _("保存，无字段变化")
        else:
            text = {
                0: _("新建%(kind)s「%(name)s」"),
                2: _("删除%(kind)s「%(name)s」"),
                3: _("查看%(kind)s「%(name)s」"),
            }.get(entry.action, _("%(kind)s「%(name)s」")) % {"kind": kind, "name": entry.object_repr}
        lines.append({"entry": entry, "when": entry.timestamp, "actor": entry.actor or _("系统"), "text": text})
    return lines


def _change_sentence(label: str, operation: str | None, change: tuple) -> str:
    before, after = (empty_value(v) for v in change)
    words = {"field": label, "before": before, "after": after}
    if operation == "add":
        return _("在%(field)s中添加「%(after)s」") % words
    if operation == "delete":
        return _("从%(field)s中移除「%(after)s」") % words
    if before == "—":
        return _("将%(field)s设为「%(after)s」") % words
    if after == "—":
        return _("清空%(field)s（原为「%(before)s」）") % words
    return _("将%(field)s由「%(before)s」改为「%(after)s」") % words


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
