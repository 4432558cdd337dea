"""Two administrators or two tabs acting on the same account at the same moment (see docs/security.md, 并发写入).

- creating an account: the username is unique in the database; the later of two requests for the same name is
  refused on the form's username field, never a server error, and one account is made;
- revoking a token: the row is locked and the revocation kept from the first request; the others change nothing.
"""

import pytest
from auditlog.models import LogEntry

from duikou import testing
from duikou.accounts.models import ApiToken, User
from duikou.accounts.services import issue_token


@pytest.fixture
def admin(committed_db):
    return testing.user("race_sysadmin", "国家发展改革委（振兴司）", "system_admin")


def test_two_accounts_of_the_same_name_at_once_make_one(admin):
    org = testing.org("信阳市人民政府")
    body = {"username": "xy_twice", "password": "Hongse-Wenhua-2026", "organisation": org.pk, "role": "editor"}
    results = testing.race(testing.clients(admin, lambda client, i: client.post("/accounts/users/new/", body)))
    assert all(getattr(r, "status_code", None) in (200, 302) for r in results), testing.statuses(results)
    assert [r.status_code for r in results].count(302) == 1
    refused = [r for r in results if r.status_code == 200]
    assert all("username" in r.context["form"].errors for r in refused)
    assert User.objects.filter(username="xy_twice").count() == 1


def test_a_token_revoked_twice_at_once_keeps_its_first_revocation(committed_db):
    owner = testing.user("race_editor", "信阳市人民政府", "editor")
    token, _key = issue_token(user=owner, name="双击")
    url = f"/accounts/tokens/{token.pk}/revoke/"
    results = testing.race(testing.clients(owner, lambda client, i: client.post(url)))
    assert testing.statuses(results) == [302] * len(results)
    token.refresh_from_db()
    assert token.revoked is not None
    revocations = [
        e
        for e in LogEntry.objects.get_for_object(token)
        if e.action == LogEntry.Action.UPDATE and "revoked" in (e.changes_dict or {})
    ]
    assert len(revocations) == 1
    assert ApiToken.objects.filter(pk=token.pk).count() == 1
