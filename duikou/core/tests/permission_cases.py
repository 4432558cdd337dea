"""Permission-matrix cases of core's own routes: the home page, background jobs (each caller's own job is in scope,
the 延安 editor's is not, except for the system administrator, who sees and cancels every job), the schedules page
(system administrator), the holiday schedule (read by all, kept by the system administrator), the API's
description and its page, for signed-in users only, and the public API's description, for anyone."""

from duikou.accounts.scoping import Action
from duikou.core.jobs import start_job
from duikou.core.models import Job
from duikou.permission_matrix import ANYONE, SUPERVISOR, Case, api, form_post

OPERATE = Action.OPERATE


def work(*, user, progress):
    progress(1, 1, "自己的任务")
    return {"_file": ("result.txt", "自己的任务文件".encode()), "filename": "result.txt"}


def make_job(user):
    return start_job(kind="test", title="自己的任务", user=user, fn=work)


def waiting_job(user) -> Job:
    return Job.objects.create(kind="test", title="排队的任务", user=user, function=f"{__name__}.work")


def own_waiting_job_cancel(user) -> str:
    return f"/jobs/{waiting_job(user).pk}/cancel"


def own_job(user) -> str:
    return f"/jobs/{make_job(user).pk}/"


def own_job_file(user) -> str:
    return f"/jobs/{make_job(user).pk}/download"


def responsible_for(w, path: str):
    """A per-caller URL: the caller is made the responsible person (帮扶联系人) of the 信阳 case first."""

    def url(user) -> str:
        from duikou.monitoring.models import Alert

        Alert.objects.filter(pk=w["inside_alert"].pk).update(responsible=user)
        return path

    return url


def world(w) -> dict:
    return {
        "stranger_job": make_job(w["stranger"]),
        "stranger_waiting_job": waiting_job(w["stranger"]),
        "own_jobs": [make_job(user) for user in w["users"].values()],  # for the jobs page of every role
    }


def cases(w) -> dict[str, Case]:
    return {
        "home": Case("/", present=['id="stat-pairings">1<'], absent=["延安侧方案"], scoped=("Pairing",)),
        # my to-do reads every source through the scoping layer: each caller is made the 信阳 case's responsible
        # person (so that every role has an item to see); the 延安 plan, its overdue task and case never show
        "todo": Case(
            responsible_for(w, "/todo/"),
            "/todo/",
            present=["信阳侧户主"],
            absent=["延安侧"],
            out_status=200,
            scoped=("Plan", "Alert"),
        ),
        "api:my_todo": api(
            responsible_for(w, "/api/me/todo"),
            "/api/me/todo",
            present=["信阳侧户主"],
            absent=["延安侧"],
            out_status=200,
            scoped=("Plan", "Alert"),
        ),
        "cockpit": Case("/cockpit/", action=SUPERVISOR, scoped=("may:view",)),
        # the system administrator (OPERATE) sees and cancels everyone's jobs; everyone else only their own
        "job_detail": Case(
            own_job, f"/jobs/{w['stranger_job'].pk}/", present=["自己的任务"], scoped=("Job",), out_ok=OPERATE
        ),
        "job_download": Case(
            own_job_file,
            f"/jobs/{w['stranger_job'].pk}/download",
            present=["自己的任务文件"],
            scoped=("Job",),
            out_ok=OPERATE,
        ),
        "job_list": Case("/jobs/", present=["自己的任务"], scoped=("Job",)),
        "job_cancel": Case(
            own_waiting_job_cancel,
            f"/jobs/{w['stranger_waiting_job'].pk}/cancel",
            method="post",
            ok=302,
            scoped=("Job",),
            out_ok=OPERATE,
        ),
        "schedule_list": Case(
            "/jobs/schedules/", action=OPERATE, present=["夜间备份"], scoped=("may:operate", "ScheduleRun")
        ),
        # the holiday schedule: everyone signed in reads it, the system administrator (OPERATE) enters days
        "calendar": Case("/calendar/?year=2026", present=["国庆节"], scoped=("may:view", "CalendarDay")),
        "calendar_day": form_post(
            "/calendar/day",
            action=OPERATE,
            data={"day": "2026-10-10", "kind": "workday", "name": "国庆节", "province": "", "source": ""},
            scoped=("may:operate",),
        ),
        # the API's description and its page: for signed-in users only, by token or session
        "api:openapi-json": api("/api/openapi.json", present=["PlanStepIn"], scoped=("may:view",)),
        "api:openapi-view": Case("/api/docs", present=["swagger-ui"], scoped=("may:view",)),
        # the public site's API description (duikou/publication/public_api.py): open to anyone, like the public site
        "public_api:openapi-json": Case("/public/api/openapi.json", action=ANYONE, present=["public_table_rows"]),
    }
