"""Permission-matrix cases of the account pages: a user's own profile and tokens, and the pages that administer
accounts (in scope: a 信阳 account; out of scope: the 延安 editor)."""

from django.urls import reverse

from duikou import testing
from duikou.accounts import scoping
from duikou.accounts.services import issue_token
from duikou.permission_matrix import USERS, Case, form_post


def world(w) -> dict:
    """A token of the 延安 editor (out of scope), one of each 信阳 user, and the 信阳 account the account pages act
    on."""
    stranger_token, _key = issue_token(user=w["stranger"], name="延安令牌")
    for account in w["users"].values():
        issue_token(user=account, name="自己的令牌")
    return {"stranger_token": stranger_token, "account": testing.user("xy_account", "信阳市人民政府", "editor")}


def own_token(user) -> str:
    token, _key = issue_token(user=user, name="own")
    return reverse("accounts:token_revoke", args=[token.pk])


def cases(w) -> dict[str, Case]:
    A = scoping.Action
    return {
        "accounts:profile": Case(
            "/accounts/profile/", present=["自己的令牌"], absent=[w["stranger_token"].prefix], scoped=("ApiToken",)
        ),
        "accounts:token_revoke": form_post(
            own_token, f"/accounts/tokens/{w['stranger_token'].pk}/revoke/", action=A.VIEW, scoped=("ApiToken",)
        ),
        "accounts:user_list": Case(
            "/accounts/users/", action=USERS, present=["xy_viewer"], absent=["yanan_editor"], scoped=("User",)
        ),
        "accounts:user_create": Case(
            "/accounts/users/new/",
            action=A.MANAGE_USERS,
            present=["信阳市人民政府"],
            absent=["延安市人民政府"],
            scoped=("may:manage_users",),
        ),
        "accounts:lockouts": Case("/accounts/lockouts/", action=A.SECURITY, scoped=("may:security",)),
        # the account pages: who may do what to whom is duikou/accounts/rules.py (tested cell by cell there)
        **account_cases(w["account"], w["stranger"]),
        "accounts:two_factor_enrol": Case("/accounts/two-factor/enrol/", action=None, ok=302, scoped=("TOTPDevice",)),
        "accounts:two_factor_verify": Case("/accounts/two-factor/verify/", action=None, ok=302, scoped=("TOTPDevice",)),
    }


def account_cases(inside, outside) -> dict[str, Case]:
    """The pages that administer one account: 404 outside the caller's area, 403 unless the table lets it act."""
    A = scoping.Action
    url_in, url_out = f"/accounts/users/{inside.pk}/", f"/accounts/users/{outside.pk}/"
    post = {"method": "post", "ok": 302, "scoped": ("User",)}
    return {
        "accounts:user_detail": Case(url_in, url_out, action=USERS, present=["xy_account"], scoped=("User",)),
        "accounts:user_deactivate": Case(
            f"{url_in}deactivate/", f"{url_out}deactivate/", action=A.MANAGE_USERS, **post
        ),
        "accounts:user_reactivate": Case(
            f"{url_in}reactivate/", f"{url_out}reactivate/", action=A.MANAGE_USERS, **post
        ),
        "accounts:user_role": Case(
            f"{url_in}role/", f"{url_out}role/", action=A.SECURITY, data={"role": "viewer"}, **post
        ),
        "accounts:user_password": Case(
            f"{url_in}password/", f"{url_out}password/", action=A.SECURITY, **{**post, "ok": 200}, present=["新密码"]
        ),
        "accounts:user_reset_lockout": Case(
            f"{url_in}reset-lockout/", f"{url_out}reset-lockout/", action=A.SECURITY, **post
        ),
        "accounts:user_reset_two_factor": Case(
            f"{url_in}reset-two-factor/", f"{url_out}reset-two-factor/", action=A.SECURITY, **post
        ),
    }
