from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from duikou.accounts import scoping
from duikou.core.exports import xlsx_response
from duikou.core.listviews import render_list
from duikou.indicators.queries import value_history, value_import_for
from duikou.indicators.services import number_text

from .forms import LogFilterForm
from .queries import log_for
from .templatetags.audit_tags import action_label, change_text


def _entries(request):
    if not scoping.may(request.user, scoping.Action.AUDIT):
        raise PermissionDenied
    form = LogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    return form, log_for(request.user, **{k: v for k, v in filters.items() if v not in (None, "")})


@login_required
def audit_log(request):
    form, entries = _entries(request)
    return render_list(request, "audit/log.html", entries, form=form)


@login_required
def audit_export(request):
    _form, entries = _entries(request)
    header = [
        _("时间"),
        _("用户"),
        _("操作"),
        _("对象类型"),
        _("对象"),
        _("对象编号"),
        _("修改内容"),
        _("来源地址"),
    ]
    rows = (
        [
            e.timestamp.isoformat(),
            e.actor.username if e.actor else "",
            action_label(e.action),
            e.content_type.model,
            e.object_repr,
            e.object_pk,
            change_text(e),
            e.remote_addr or "",
        ]
        for e in entries.iterator(chunk_size=2000)
    )
    return xlsx_response("audit-log.xlsx", _("审计日志"), header, rows)


def _import_rows(request, pk):
    record = value_import_for(request.user, pk)  # 404 out of the area, 403 for a role that reads no audit log
    return record, value_history(request.user, value_import=record)


@login_required
def import_values(request, pk: int):
    """An import's entry in the audit log opens here: each value it created or changed, before and after."""
    record, rows = _import_rows(request, pk)
    return render_list(request, "audit/import.html", rows, record=record)


def history_row(row) -> list:
    """A value-history row as the export writes it: when, who, which import, which value, before, after."""
    imported = row.value_import
    option = f"（{row.option.name}）" if row.option_id else ""
    return [
        imported.created.isoformat(),
        imported.user.username if imported.user else "",
        row.get_kind_display(),
        str(row.pairing),
        f"{row.indicator.name}{option}",
        row.period,
        number_text(row.old_value),
        number_text(row.new_value),
        row.old_comment,
        row.new_comment,
        imported.filename,
        imported.pk,
        row.value_id,
    ]


HISTORY_HEADER = [
    _lazy("时间"),
    _lazy("用户"),
    _lazy("操作"),
    _lazy("结对关系"),
    _lazy("指标"),
    _lazy("报告期"),
    _lazy("原数值"),
    _lazy("新数值"),
    _lazy("原说明"),
    _lazy("新说明"),
    _lazy("导入文件"),
    _lazy("导入编号"),
    _lazy("数值编号"),
]


@login_required
def import_export(request, pk: int):
    _record, rows = _import_rows(request, pk)
    return xlsx_response(
        f"value-history-{int(pk)}.xlsx",
        _("指标数值导入历史"),
        [str(h) for h in HISTORY_HEADER],
        (history_row(r) for r in rows.iterator(chunk_size=2000)),
    )
