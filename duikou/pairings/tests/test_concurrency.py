"""Editors saving the same pairing profile at the same moment (see docs/security.md, 并发写入).

``PUT /api/pairings/{id}/profile`` (and ``pairings:edit``) saves with the version the editor read: exactly one of
the saves based on one version wins, the others get 409.
"""

import json

from duikou import testing
from duikou.pairings.models import Pairing

PROFILE = ("mechanism", "contacts", "note", "version")


def test_concurrent_saves_of_one_version_never_lose_an_update(committed_db):
    editors = [testing.user("xy", "信阳市人民政府", "editor"), testing.user("sz", "苏州市人民政府", "editor")]
    pairing = testing.pairing("信阳市", "苏州市")
    before = {name: getattr(pairing, name) for name in PROFILE}

    def save(client, i):
        body = {"version": pairing.version, "mechanism": f"修改{i}", "contacts": "", "note": ""}
        url = f"/api/pairings/{pairing.pk}/profile"
        return client.put(url, data=json.dumps(body), content_type="application/json")

    try:
        results = testing.race(lambda i: testing.clients(editors[i % 2], save)(i))
        assert testing.statuses(results) == [200] + [409] * (len(results) - 1)
        stored = Pairing.objects.get(pk=pairing.pk)
        winner = next(r.json()["mechanism"] for r in results if r.status_code == 200)
        assert stored.mechanism == winner and stored.version == pairing.version + 1
    finally:  # the pairing is reference data: committed_db keeps rows that existed before as the test left them
        Pairing.objects.filter(pk=pairing.pk).update(**before)
