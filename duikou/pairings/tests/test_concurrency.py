"""Editors saving the same pairing profile at the same moment (see docs/security.md, 并发写入).

``PUT /api/pairings/{id}/profile`` (and ``pairings:edit``) saves with the version the editor read: exactly one of
the saves based on one version wins, the others get 409. The pairing is reference data, which ``committed_db``
would leave changed; this test is transactional instead (the database is emptied after it and seeded again).
"""

import json

import pytest

from duikou.core import testing
from duikou.pairings.models import Pairing


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_of_one_version_never_lose_an_update(reference_data):
    editors = [testing.user("xy", "信阳市人民政府", "editor"), testing.user("sz", "苏州市人民政府", "editor")]
    pk = testing.pairing("信阳市", "苏州市").pk

    def prepare(i):
        body = {"version": 1, "mechanism": f"修改{i}", "contacts": "", "note": ""}
        return testing.clients(
            editors[i % 2],
            lambda c, _i: c.put(f"/api/pairings/{pk}/profile", data=json.dumps(body), content_type="application/json"),
        )(i)

    results = testing.race(prepare)
    assert testing.statuses(results) == [200] + [409] * (len(results) - 1)
    stored = Pairing.objects.get(pk=pk)
    winner = next(r.json()["mechanism"] for r in results if r.status_code == 200)
    assert stored.mechanism == winner and stored.version == 2
