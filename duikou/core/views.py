from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
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
