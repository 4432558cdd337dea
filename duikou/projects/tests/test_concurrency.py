"""Two users saving the same project version at the same moment: exactly one wins, the other is refused."""

import threading

import pytest
from django.db import connection

from duikou.core import testing
from duikou.core.errors import StaleObjectError
from duikou.projects import services
from duikou.projects import testing as pt
from duikou.projects.models import Project


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_of_one_project_version_never_lose_an_update(reference_data):
    a = testing.user("xy", "信阳市人民政府", "editor")
    b = testing.user("sz", "苏州市人民政府", "editor")
    pk = pt.project(testing.pairing("信阳市", "苏州市"), "并发项目", user=a).pk
    barrier = threading.Barrier(2)
    outcomes = {}

    def save(user, park):
        try:
            project = Project.objects.get(pk=pk)
            barrier.wait()
            services.update_project(project=project, user=user, expected_version=1, park=park)
            outcomes[park] = "saved"
        except StaleObjectError as exc:
            outcomes[park] = "refused" if "已被他人修改" in str(exc) else repr(exc)
        except Exception as exc:  # anything else is a failure of the test, reported below
            outcomes[park] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(a, "信阳填写")), threading.Thread(target=save, args=(b, "苏州填写"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["refused", "saved"], outcomes
    stored = Project.objects.get(pk=pk)
    winner = next(park for park, result in outcomes.items() if result == "saved")
    assert stored.park == winner and stored.version == 2
