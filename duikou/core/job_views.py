"""The jobs page (each user's own background jobs; the system administrator's all of them), cancelling a job, and
the schedules page (system administrator). Every read goes through the scoping layer."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duikou.accounts import scoping

from . import jobs, schedules
from .listviews import page_context
from .models import Job, ScheduleRun


@login_required
def job_list(request):
    qs = scoping.scope(request.user, Job).select_related("user")
    status = request.GET.get("status", "")
    if status in Job.Status.values:
        qs = qs.filter(status=status)
    context = page_context(
        request,
        qs.order_by("-created"),
        status=status,
        statuses=Job.Status.choices,
        everyone=scoping.may(request.user, scoping.Action.OPERATE),
    )
    context["cancellable"] = {job.pk for job in context["page_obj"] if jobs.may_cancel(request.user, job)}
    return render(request, "core/job_list.html", context)


@login_required
@require_POST
def job_cancel(request, pk):
    job = scoping.get_for(request.user, Job, pk=pk)
    if not jobs.may_cancel(request.user, job):
        if job.status not in Job.ACTIVE:
            messages.info(request, _("任务已结束，无需取消"))
            return redirect("job_detail", pk=job.pk)
        raise PermissionDenied
    job = jobs.request_cancel(job=job, user=request.user)
    if job.status == Job.Status.CANCELLED:
        messages.success(request, _("任务已取消"))
    else:
        messages.info(request, _("已请求取消：任务将在下一次报告进度时停止，已写入的部分全部撤销"))
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("job_detail", pk=job.pk)


@login_required
def schedule_list(request):
    scoping.require(request.user, scoping.Action.OPERATE)
    runs = scoping.scope(request.user, ScheduleRun).select_related("job")
    rows = schedules.overview(runs=runs)
    return render(request, "core/schedules.html", {"rows": rows})
