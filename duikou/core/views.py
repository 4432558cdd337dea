import sys

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults


def paginate(request, queryset, per_page: int = 50):
    """The page of ``queryset`` asked for, and the query string to keep filters across pages."""
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()


def _job(request, pk):
    from duikou.accounts import scoping

    from .models import Job

    return scoping.get_for(request.user, Job, pk=pk)


@login_required
def job_detail(request, pk):
    """A job's progress: the whole page, or (for htmx polling) just the progress partial."""
    job = _job(request, pk)
    template = "core/partials/job.html" if request.headers.get("HX-Request") else "core/job.html"
    return render(request, template, {"job": job})


@login_required
def job_download(request, pk):
    from django.http import FileResponse, Http404

    job = _job(request, pk)
    if not job.result_file:
        raise Http404("no file")
    return FileResponse(
        job.result_file.open("rb"),
        as_attachment=True,
        filename=job.result.get("filename") or job.result_file.name.rsplit("/", 1)[-1],
    )


def not_found(request, exception):
    """Django's 404 page, except under /api/: there a path no route matches (``/api/plans/abc`` for a plan's
    number) answers in the API's one error shape, as every other API error does."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not Found"}, status=404)
    return defaults.page_not_found(request, exception)


DATABASE_UNAVAILABLE = "数据库暂时无法访问（可能正在重启或维护），本次操作没有保存。请稍后刷新页面重试。"
DATABASE_UNAVAILABLE_EN = (
    "The database cannot be reached just now (it may be restarting). Nothing was saved; please try again shortly."
)


def server_error(request):
    """Django's 500 page, except when the database could not be reached: then 503 with a message that says so and
    that nothing was saved (the request's transaction was rolled back), in the API's error shape under /api/. The page
    is self-contained: the usual layout reads the database."""
    if not isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return defaults.server_error(request)
    headers = {"Retry-After": "30"}
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": DATABASE_UNAVAILABLE}, status=503, headers=headers, json_dumps_params={"ensure_ascii": False}
        )
    page = (
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f'<title>503</title><body style="font-family:sans-serif;margin:2rem;max-width:40rem"><h1>503</h1>'
        f'<p>{DATABASE_UNAVAILABLE}</p><p lang="en">{DATABASE_UNAVAILABLE_EN}</p></body></html>'
    )
    return HttpResponse(page, status=503, headers=headers)
