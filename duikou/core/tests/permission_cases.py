"""Permission-matrix cases of core's own routes: the home page, background jobs (each caller's own job is in scope,
the 延安 editor's is not) and the API's description and its page, for signed-in users only."""

from duikou.core.jobs import start_job
from duikou.core.permission_matrix import Case


def work(*, user, progress):
    progress(1, 1, "自己的任务")
    return {"_file": ("result.txt", "自己的任务文件".encode()), "filename": "result.txt"}


def make_job(user):
    return start_job(kind="test", title="自己的任务", user=user, fn=work)


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
        "api:openapi-json": Case("/api/openapi.json", api=True, present=["PlanStepIn"], scoped=("may:view",)),
        "api:openapi-view": Case("/api/docs", present=["swagger-ui"], scoped=("may:view",)),
    }
