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
