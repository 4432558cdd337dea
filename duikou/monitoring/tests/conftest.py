import os
import shutil

import pytest
from django.db import connection

from duikou import testing
from duikou.core.actors import Operator
from duikou.geo.models import Region
from duikou.monitoring import services


@pytest.fixture
def editor():
    """信阳's editor: the monitoring tests' usual caller."""
    return testing.user("xy_editor", "信阳市人民政府", "editor")


@pytest.fixture
def ruleset():
    """Henan's 2025 ruleset, made by the operator."""
    return services.create_ruleset(user=Operator(), province=Region.objects.get(code="410000"), year=2025)


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
