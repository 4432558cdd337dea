"""Two editors saving the same version at the same moment: exactly one wins, the other is refused."""

import threading

import pytest
from django.db import connection

from duikou.core import testing
from duikou.core.errors import StaleObjectError
from duikou.pairings import services
from duikou.pairings.models import Pairing


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_of_one_version_never_lose_an_update(reference_data):
    a = testing.user("xy", "信阳市人民政府", "editor")
    b = testing.user("sz", "苏州市人民政府", "editor")
    pk = testing.pairing("信阳市", "苏州市").pk
    barrier = threading.Barrier(2)
    outcomes = {}

    def save(user, text):
        try:
            pairing = Pairing.objects.get(pk=pk)
            barrier.wait()
            services.update_pairing_profile(
                pairing=pairing, user=user, expected_version=1, mechanism=text, contacts="", note=""
            )
            outcomes[text] = "saved"
        except StaleObjectError:
            outcomes[text] = "refused"
        except Exception as exc:  # anything else is a failure of the test, reported below
            outcomes[text] = repr(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(a, "信阳的修改")),
        threading.Thread(target=save, args=(b, "苏州的修改")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["refused", "saved"]
    stored = Pairing.objects.get(pk=pk)
    winner = next(text for text, result in outcomes.items() if result == "saved")
    assert stored.mechanism == winner and stored.version == 2
