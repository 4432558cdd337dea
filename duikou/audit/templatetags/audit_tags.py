from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def action_label(action: int) -> str:
    """The audit action in the interface language (auditlog ships no Chinese)."""
    return {0: _("新建"), 1: _("修改"), 2: _("删除"), 3: _("查看")}.get(action, str(action))


@register.filter
def empty_value(value) -> str:
    return "—" if value in (None, "", "None") else value


@register.filter
def change_rows(entry) -> list[tuple[str, tuple]]:
    """(field label, (before, after)) pairs of a log entry; reverse relations and many-to-many summaries included
    as text. A filter rather than ``.items`` in the template, since a field may be called "items"."""
    rows = []
    for field, change in entry.changes_display_dict.items():
        if isinstance(change, dict):  # many-to-many: {"type": "m2m", "operation": ..., "objects": [...]}
            change = ("", f"{change.get('operation', '')} {', '.join(map(str, change.get('objects', [])))}")
        rows.append((field, tuple(change)))
    return rows
