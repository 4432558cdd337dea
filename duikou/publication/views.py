"""Staff pages: the list of what is published (and was withdrawn), and the publish and withdraw buttons the plan,
project, report and pairing pages carry (``templatetags/publication.py``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duikou.accounts import scoping
from duikou.core.errors import UserFacingError

from . import queries, services
from .forms import PublishForm, WithdrawForm
from .models import Publication
from .templatetags.publication import item_url


@login_required
def publication_list(request):
    if not scoping.may(request.user, scoping.Action.VIEW):
        raise PermissionDenied
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    rows = queries.publications_for(
        request.user,
        kind=kind if kind in Publication.Kind.values else "",
        status=status if status in Publication.Status.values else "",
    )[:500]
    return render(
        request,
        "publication/list.html",
        {
            "rows": rows,
            "kinds": Publication.Kind.choices,
            "statuses": Publication.Status.choices,
            "kind": kind,
            "status": status,
        },
    )


def _back(request, item) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return item_url(item)


@login_required
@require_POST
def publish(request, kind: str, pk: int):
    """Publish the item: the workflow decides who may (403) before the form is read."""
    item = queries.item_for(request.user, kind, pk)
    form = PublishForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {"secrecy_confirmed": False}
    try:
        services.publish(user=request.user, item=item, **data)
    except UserFacingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已公开：公开网站即刻显示。"))
    return redirect(_back(request, item))


@login_required
@require_POST
def withdraw(request, kind: str, pk: int):
    item = queries.item_for(request.user, kind, pk)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.withdraw(user=request.user, item=item, reason=reason)
    except UserFacingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已撤回：公开网站即刻不再显示。"))
    return redirect(_back(request, item))
