"""The Spark engine's master and resources come from settings; what stops it from starting (no Java, a cluster that
does not answer) is a clear message in the screening job, not pyspark's stack trace."""

import socket

import pytest

from duikou.core.errors import UserFacingError
from duikou.monitoring import engine, services
from duikou.monitoring.models import ScreeningRun

from .test_services import build_cases


@pytest.fixture
def no_session(monkeypatch):
    """Start from no SparkSession in this process (another test may have started the local one)."""
    monkeypatch.setattr(engine, "_spark", None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_local_mode_is_the_default():
    conf = engine.spark_conf()
    assert conf["spark.master"] == "local[2]" and conf["spark.driver.bindAddress"] == "127.0.0.1"
    assert "spark.executor.memory" not in conf and "spark.cores.max" not in conf


def test_a_cluster_and_its_resources_come_from_settings(settings):
    settings.DUIKOU_SPARK_MASTER = "spark://spark-master.example:7077"
    settings.DUIKOU_SPARK_DRIVER_HOST = "10.0.0.5"
    settings.DUIKOU_SPARK_EXECUTOR_MEMORY = "4g"
    settings.DUIKOU_SPARK_EXECUTOR_CORES = 2
    settings.DUIKOU_SPARK_CORES_MAX = 16
    settings.DUIKOU_SPARK_EXTRA = ["spark.sql.shuffle.partitions=64", "spark.network.timeout=300s"]
    conf = engine.spark_conf()
    assert conf["spark.master"] == "spark://spark-master.example:7077" and conf["spark.driver.host"] == "10.0.0.5"
    assert "spark.driver.bindAddress" not in conf  # executors on other machines must reach the driver
    assert (conf["spark.executor.memory"], conf["spark.executor.cores"], conf["spark.cores.max"]) == ("4g", "2", "16")
    assert conf["spark.sql.shuffle.partitions"] == "64" and conf["spark.network.timeout"] == "300s"


def test_without_java_the_message_says_what_to_install(no_session, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", "/nonexistent/jdk")
    with pytest.raises(UserFacingError, match="需要 Java 17"):
        engine.spark_backend()
    monkeypatch.delenv("JAVA_HOME")
    monkeypatch.setattr(engine.shutil, "which", lambda name: None)
    with pytest.raises(UserFacingError, match="openjdk-17-jre-headless"):
        engine.spark_backend()


@pytest.mark.django_db
def test_an_unreachable_cluster_fails_the_screening_job_with_a_clear_message(
    no_session,
    editor,  # noqa: F811
    ruleset,  # noqa: F811
    settings,
):
    settings.DUIKOU_JOBS_INLINE = True
    settings.DUIKOU_SPARK_MASTER = f"spark://127.0.0.1:{_free_port()}"  # nothing listens there
    build_cases(editor)
    job = services.start_screening(user=editor, ruleset=ruleset, engine_name="spark")
    assert job.status == "failed"
    assert (
        job.message.startswith(f"无法连接 Spark 集群 {settings.DUIKOU_SPARK_MASTER}") and "Traceback" not in job.message
    )
    assert not ScreeningRun.objects.exists() and engine._spark is None
