"""An id in a path that names no row — or a row of another parent — is a 404, never a server error.

Every route of the permission matrix is called, by a role allowed to, with each number of its path in turn
replaced by one that names nothing (a child row fetched inside a parent the user may see: a plan's content row,
a project's milestone, a scheme's item ...). Found by a probe: ``DELETE /api/plans/1/content/items/3`` of an item
of another plan was a 500.
"""

import re

import pytest

from duikou import testing
from duikou.accounts.services import issue_token
from duikou.core.tests.test_permission_matrix import world  # noqa: F401 (the matrix's objects, in and out of scope)
from duikou.permission_matrix import ROLES, allowed, call, cases
from duikou.plans.tests.permission_cases import make_plan

pytestmark = pytest.mark.django_db

MISSING = "987654321"


def test_a_missing_id_in_any_path_is_a_404(client, world):  # noqa: F811
    client.raise_request_exception = False
    failures = []
    for name, case in cases(world).items():
        if case.per_caller:
            continue
        role = next((r for r in ROLES if allowed(r, case.action)), None)
        if role is None:
            continue
        path, _, query = case.url_in.partition("?")
        for number in re.finditer(r"(?<=/)\d+(?=/|$)", path):
            url = path[: number.start()] + MISSING + path[number.end() :] + (f"?{query}" if query else "")
            status = testing.status_alone(call, client, case, url, world["users"][role], world)
            # a route that refuses the role on the parent (ok=403: a city never keeps a scheme) refuses first
            if status != 404 and not (case.ok == 403 and status == 403):
                failures.append(f"{name} as {role}: {url} answered {status}")
    assert not failures, "\n".join(failures)


def test_a_content_row_of_another_plan_is_a_404(client, world):  # noqa: F811
    """The row exists, but in another plan of the same user: the route must not reach it through this plan."""
    client.raise_request_exception = False
    editor = world["users"]["editor"]
    plan = world["inside_plan"]
    other = make_plan(editor, world["inside"], "信阳侧第二方案")
    foreign = other.items.first().pk
    plan.refresh_from_db()
    client.force_login(editor)
    page = client.post(f"/plans/{plan.pk}/items/{foreign}/", {"items-text": "改", "plan_version": plan.version})
    page_remove = client.post(f"/plans/{plan.pk}/items/{foreign}/", {"remove": "1", "plan_version": plan.version})
    _token, key = issue_token(user=editor, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    api_remove = client.delete(f"/api/plans/{plan.pk}/content/items/{foreign}?plan_version={plan.version}", **auth)
    api_change = client.put(
        f"/api/plans/{plan.pk}/content/goals/{other.goals.first().pk}",
        data={"text": "改", "plan_version": plan.version},
        content_type="application/json",
        **auth,
    )
    assert (page.status_code, page_remove.status_code, api_remove.status_code, api_change.status_code) == (
        404,
        404,
        404,
        404,
    )
    assert other.items.filter(pk=foreign).exists()
