import pytest

from duikou.core import testing
from duikou.core.errors import UserFacingError
from duikou.core.jobs import start_job
from duikou.core.models import Job

pytestmark = pytest.mark.django_db


def counting(*, progress, n):
    for i in range(1, n + 1):
        progress(i, n, f"第 {i} 项")
    return {"summary": f"完成 {n} 项", "_file": ("out.txt", b"done"), "filename": "out.txt"}


def refusing(*, progress):
    raise UserFacingError("第 3 行「投资」不能为负数", details={"errors": [{"row": 3, "column": "投资"}]})


def crashing(*, progress):
    raise RuntimeError("boom")


def test_job_records_progress_result_and_file(settings, tmp_path):
    settings.DUIKOU_JOBS_INLINE, settings.MEDIA_ROOT = True, tmp_path
    user = testing.user("xy", "信阳市人民政府", "editor")
    job = start_job(kind="count", title="计数", user=user, fn=counting, n=5)
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.percent) == ("done", 5, 5, 100)
    assert job.result["summary"] == "完成 5 项" and job.result_file.read() == b"done"


def test_user_error_is_shown_as_it_is(settings):
    settings.DUIKOU_JOBS_INLINE = True
    job = start_job(kind="x", title="导入", user=testing.user("xy", "信阳市人民政府", "editor"), fn=refusing)
    assert job.status == "failed" and job.message == "第 3 行「投资」不能为负数"
    assert job.result["errors"][0]["row"] == 3


def test_internal_error_gets_a_reference_number(settings):
    settings.DUIKOU_JOBS_INLINE = True
    job = start_job(kind="x", title="x", user=testing.user("xy", "信阳市人民政府", "editor"), fn=crashing)
    assert job.status == "failed" and job.message.startswith("内部错误，参考编号 ")
    assert "boom" not in job.message


def test_progress_page_polls_until_done(client, settings):
    settings.DUIKOU_JOBS_INLINE = True
    user = testing.user("xy", "信阳市人民政府", "editor")
    job = Job.objects.create(kind="x", title="进行中的任务", user=user, status="running", done=2, total=4)
    client.force_login(user)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "50%" in page
    job.status = "done"
    job.save()
    partial = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial and "<html" not in partial


@pytest.mark.django_db(transaction=True)
def test_background_thread_runs_the_job(reference_data, settings):
    import time

    settings.DUIKOU_JOBS_INLINE = False
    user = testing.user("xy", "信阳市人民政府", "editor")
    job = start_job(kind="count", title="计数", user=user, fn=counting, n=3)
    for _ in range(100):
        job.refresh_from_db()
        if job.finished_work:
            break
        time.sleep(0.1)
    assert job.status == "done" and job.done == 3
