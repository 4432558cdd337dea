"""One state and one message per job: a finished job says its result, never its last progress text; a job whose
work is counted out but still running says what it is doing and is not shown at 100 %."""

import pytest

from duikou import testing
from duikou.core import jobs
from duikou.core.jobs import start_job
from duikou.core.models import Job

pytestmark = pytest.mark.django_db


def drawing(*, user, progress):
    progress(0, 1, "正在绘制图表并排版")
    progress(1, 1)
    return {"summary": "评估报告（Word）已生成"}


def silent(*, user, progress):
    progress(0, 2, "第一步")
    progress(2, 2, "最后一步")
    return {}


def peeking(*, user, progress):
    """What the job's row says (as a page polling it would read it) once the work is counted out."""
    progress(0, 3, "计算中")
    progress(3, 3)
    row = Job.objects.get(kind="peek")
    return {"seen": [row.status, row.message, row.percent, row.done, row.total]}


def owner():
    return testing.user("js_owner", "信阳市人民政府", "editor")


def test_a_finished_job_says_its_summary_not_its_last_progress_text(client):
    job = start_job(kind="report", title="报告", user=owner(), fn=drawing)
    assert job.status == Job.Status.DONE and job.message == "评估报告（Word）已生成"
    client.force_login(job.user)
    for url in (f"/jobs/{job.pk}/", "/jobs/"):
        body = client.get(url).content.decode()
        assert "评估报告（Word）已生成" in body and "正在绘制图表并排版" not in body and jobs.FINISHING not in body
    partial = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "已完成" in partial and "正在绘制图表并排版" not in partial and "hx-get" not in partial


def test_a_finished_job_without_summary_says_it_is_done():
    job = start_job(kind="x", title="无摘要", user=owner(), fn=silent)
    assert job.status == Job.Status.DONE and job.message == jobs.DONE_MESSAGE and job.percent == 100


def test_a_job_counted_out_but_running_says_it_is_saving_and_is_below_100_percent():
    job = start_job(kind="peek", title="窥视", user=owner(), fn=peeking)
    status, message, percent, done, total = job.result["seen"]
    assert (status, done, total) == (Job.Status.RUNNING, 3, 3)
    assert message == jobs.FINISHING == "正在保存结果" and percent == 99
    assert job.status == Job.Status.DONE and job.percent == 100


def test_a_running_job_at_its_total_is_never_shown_as_100_percent(client):
    job = Job.objects.create(kind="x", title="保存中", user=owner(), status="running", done=7, total=7, message="x")
    client.force_login(job.user)
    body = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert 'aria-valuenow="99"' in body and "100%" not in body
