"""The inbox, the preferences page and the operator's page of deliveries: thin, they call services and queries."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duikou.core import messaging
from duikou.core.forms import error_text
from duikou.core.listviews import page_context

from . import queries, services
from .forms import PreferenceForm
from .models import Delivery


@login_required
def inbox(request):
    unread = request.GET.get("unread") == "1"
    qs = queries.notifications_for(request.user, unread=unread)
    context = page_context(request, qs, per_page=20, unread=unread)
    return render(request, "notifications/inbox.html", context)


@login_required
def open_item(request, pk: int):
    """Open a notification: marked read, then on to the object it is about (or back to the inbox)."""
    item = queries.notification_for(request.user, pk)
    services.mark_read(user=request.user, notification=item)
    if item.link and url_has_allowed_host_and_scheme(item.link, allowed_hosts={request.get_host()}):
        return redirect(item.link)
    return redirect("notifications:inbox")


def _back(request):
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_read(request, pk: int):
    item = queries.notification_for(request.user, pk)
    services.mark_read(user=request.user, notification=item)
    return _back(request)


@login_required
@require_POST
def mark_all_read(request):
    n = services.mark_all_read(user=request.user)
    messages.success(request, _("已将 %(n)d 条通知标为已读") % {"n": n})
    return _back(request)


@login_required
def preferences(request):
    pref = queries.preference_for(request.user)
    initial = {
        "email_enabled": pref.email_enabled,
        "email": pref.email,
        "channels": pref.channels,
        "digest": pref.digest,
    }
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        phone = "" if data["remove_phone"] else (data["phone"] or None)
        try:
            services.save_preference(
                user=request.user,
                email_enabled=data["email_enabled"],
                email=data["email"],
                channels=data["channels"],
                phone=phone,
                digest=data["digest"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("通知设置已保存"))
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "pref": pref, "account_email": request.user.email, "channels": messaging.channels()},
    )


@login_required
def deliveries(request):
    """For the system administrator: every message and its state, failures first to see."""
    status = request.GET.get("status", "")
    qs = queries.deliveries_for_operator(request.user, status=status)
    context = page_context(request, qs, status=status, statuses=Delivery.Status.choices)
    return render(request, "notifications/deliveries.html", context)


@login_required
@require_POST
def delivery_retry(request, pk: int):
    delivery = queries.delivery_for_operator(request.user, pk)
    try:
        services.retry_now(user=request.user, delivery=delivery)
    except ValidationError as exc:
        messages.info(request, error_text(exc))
    else:
        messages.success(request, _("已重新发送"))
    return redirect("notifications:deliveries")
