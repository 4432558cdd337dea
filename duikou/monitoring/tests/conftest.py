import os
import shutil

import pytest
from django.db import connection


@pytest.fixture(scope="module")
def spark():
    """The process's one local SparkSession (the JVM start takes seconds, so every Spark test shares it). Without
    Java the Spark tests are skipped with their reason, except under CI=true, where they fail."""
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        reason = "the Spark engine needs Java 17 (java on PATH or JAVA_HOME; `make test` installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: required under CI=true")
        pytest.skip(reason)
    from duikou.monitoring import engine

    return engine.spark_backend()


@pytest.fixture(
    params=[
        pytest.param(
            "postgres",
            marks=pytest.mark.skipif(
                connection.vendor != "postgresql", reason="the PostgreSQL engine needs PostgreSQL as database"
            ),
        ),
        "spark",
    ]
)
def other_engine(request):
    """Each screening engine besides DuckDB, by name, ready to run (Spark started)."""
    if request.param == "spark":
        request.getfixturevalue("spark")
    return request.param
