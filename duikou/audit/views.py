from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from duikou.accounts import scoping
from duikou.core.exports import xlsx_response
from duikou.core.listviews import render_list

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
