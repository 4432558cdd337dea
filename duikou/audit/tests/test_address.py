"""The request address an audit entry records is one the client cannot choose."""

import pytest
from auditlog.models import LogEntry

from duikou import testing

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "proxy,peer,forwarded,recorded",
    [
        (False, "203.0.113.9", "1.2.3.4", "203.0.113.9"),  # a client naming an address of its choice
        (True, "127.0.0.1", "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # behind the proxy: the address the proxy saw
        (True, "127.0.0.1", "", "127.0.0.1"),
    ],
)
def test_an_edit_records_the_peers_address_unless_a_trusted_proxy_forwarded_it(
    client, settings, proxy, peer, forwarded, recorded
):
    settings.DUIKOU_TRUSTED_PROXY = proxy
    pairing = testing.pairing("信阳市", "苏州市")
    client.force_login(testing.user("xy_editor", "信阳市人民政府", "editor"))
    headers = {"REMOTE_ADDR": peer} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})
    data = {"version": pairing.version, "mechanism": "联席会议", "contacts": "", "note": ""}
    assert client.post(f"/pairings/{pairing.pk}/edit/", data, **headers).status_code == 302
    entry = LogEntry.objects.get_for_object(pairing).latest("pk")
    assert entry.changes_dict["mechanism"][1] == "联席会议" and entry.remote_addr == recorded
