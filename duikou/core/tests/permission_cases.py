"""Permission-matrix cases of core's own routes: the home page, background jobs (each caller's own job is in scope,
the 延安 editor's is not) and the API's description and its page, for signed-in users only."""

from duikou.core.jobs import run_job
from duikou.core.models import Job
from duikou.core.permission_matrix import Case, api


def make_job(user):
    def work(*, progress):
        progress(1, 1, "自己的任务")
        return {"_file": ("result.txt", "自己的任务文件".encode()), "filename": "result.txt"}

    job = Job.objects.create(kind="test", title="自己的任务", user=user)
    return run_job(job, work, {})


def own_job(user) -> str:
    return f"/jobs/{make_job(user).pk}/"


def own_job_file(user) -> str:
    return f"/jobs/{make_job(user).pk}/download"


def world(w) -> dict:
    return {"stranger_job": make_job(w["stranger"])}


def cases(w) -> dict[str, Case]:
    return {
        "home": Case("/", present=['id="stat-pairings">1<'], scoped=("Pairing",)),
        "job_detail": Case(own_job, f"/jobs/{w['stranger_job'].pk}/", present=["自己的任务"], scoped=("Job",)),
        "job_download": Case(
            own_job_file, f"/jobs/{w['stranger_job'].pk}/download", present=["自己的任务文件"], scoped=("Job",)
        ),
        # the API's description and its page: for signed-in users only, by token or session
        "api:openapi-json": api("/api/openapi.json", present=["PlanStepIn"], scoped=("may:view",)),
        "api:openapi-view": Case("/api/docs", present=["swagger-ui"], scoped=("may:view",)),
    }
