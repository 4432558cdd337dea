from base64 import b32encode

import django_otp
import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from duikou.core.forms import apply_errors
from duikou.core.listviews import render_list

from . import queries, scoping, services
from .forms import CodeForm, PasswordChangeForm, RoleForm, TokenForm, UserCreateForm, UserFilterForm
from .models import User
from .rules import Op, needs_two_factor, target_roles


@login_required
def profile(request):
    new_key = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_key = services.issue_token(
            user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
        )
        form = TokenForm()
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "tokens": queries.tokens_for(request.user),
            "new_key": new_key,
            "token_days": settings.DUIKOU_API_TOKEN_DAYS,
            "needs_two_factor": needs_two_factor(request.user),
            "authenticator": queries.devices_for(request.user).filter(confirmed=True).first(),
        },
    )


@login_required
def password_change(request):
    """The holder chooses their own password — at any time, and at the next sign-in after an administrator set one."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_own_password(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)  # stay signed in on this device
            messages.success(request, _("密码已修改"))
            return redirect(_next(request))
    return render(
        request,
        "accounts/password_change.html",
        {
            "form": form,
            "next": _next(request),
            "forced": request.user.must_change_password,
            "two_factor_pending": request.user.must_change_password,  # no menu until the holder has chosen one
        },
    )


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = scoping.get_for(request.user, queries.tokens_for(request.user), pk=pk)
    services.revoke_token(user=request.user, token=token)
    messages.success(request, _("令牌已吊销"))
    return redirect("accounts:profile")


# ---- accounts: who may do what is the table in rules.py ---------------------------------------------------


def _require_user_admin(user) -> None:
    if not (scoping.may(user, scoping.Action.MANAGE_USERS) or scoping.may(user, scoping.Action.SECURITY)):
        raise PermissionDenied


@login_required
def user_list(request):
    _require_user_admin(request.user)
    form = UserFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    users = queries.search_users(request.user, **{k: v for k, v in filters.items() if v})
    return render_list(
        request, "accounts/user_list.html", users, form=form, may_create=bool(target_roles(request.user, Op.CREATE))
    )


@login_required
def user_create(request):
    scoping.require(request.user, scoping.Action.MANAGE_USERS)
    organisations = queries.organisations_for(request.user, scoping.Action.MANAGE_USERS)
    form = UserCreateForm(
        request.POST or None, organisations=organisations, roles=target_roles(request.user, Op.CREATE)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_user(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                organisation=data["organisation"],
                role=data["role"],
                display_name=data["display_name"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已创建用户 %(name)s") % {"name": data["username"]})
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


def _account(request, pk: int) -> User:
    """The account ``pk`` for the pages that administer it: 404 outside the user's area, 403 unless the user
    administers accounts there."""
    account = scoping.get_for(request.user, User, pk=pk)
    if not queries.users_for(request.user).filter(pk=account.pk).exists():
        raise PermissionDenied
    return account


def _detail(request, account: User, **extra):
    operations = queries.allowed_operations(request.user, account)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": account,
            "operations": {op.value for op in operations},
            "role_form": RoleForm(roles=target_roles(request.user, Op.CHANGE_ROLE) - {account.role}),
            "locked_attempts": queries.lockouts_for(request.user).filter(username=account.username)
            if Op.RESET_LOCKOUT in operations
            else None,
            "authenticator": queries.has_authenticator(account) if Op.RESET_TWO_FACTOR in operations else None,
            "needs_two_factor": needs_two_factor(account),
            **extra,
        },
    )


@login_required
def user_detail(request, pk: int):
    return _detail(request, _account(request, pk))


@login_required
@require_POST
def user_deactivate(request, pk: int):
    account = services.deactivate_user(actor=request.user, user=_account(request, pk))
    messages.success(request, _("账号「%(name)s」已停用：不能登录，其 API 令牌失效") % {"name": account.username})
    return redirect("accounts:user_detail", pk=account.pk)


@login_required
@require_POST
def user_reactivate(request, pk: int):
    account = services.reactivate_user(actor=request.user, user=_account(request, pk))
    messages.success(request, _("账号「%(name)s」已恢复启用") % {"name": account.username})
    return redirect("accounts:user_detail", pk=account.pk)


@login_required
@require_POST
def user_role(request, pk: int):
    account = _account(request, pk)
    form = RoleForm(request.POST, roles=target_roles(request.user, Op.CHANGE_ROLE))
    if not form.is_valid():
        if not target_roles(request.user, Op.CHANGE_ROLE):
            raise PermissionDenied
        messages.error(request, _("请选择账号「%(name)s」的新角色") % {"name": account.username})
        return redirect("accounts:user_detail", pk=account.pk)
    services.change_role(actor=request.user, user=account, role=form.cleaned_data["role"])
    messages.success(
        request,
        _("账号「%(name)s」的角色已改为「%(role)s」") % {"name": account.username, "role": account.get_role_display()},
    )
    return redirect("accounts:user_detail", pk=account.pk)


@login_required
@require_POST
def user_password(request, pk: int):
    account = _account(request, pk)
    password = services.reset_password(actor=request.user, user=account)
    return _detail(request, account, new_password=password)


@login_required
@require_POST
def user_reset_lockout(request, pk: int):
    account = _account(request, pk)
    services.reset_lockout(actor=request.user, user=account)
    messages.success(request, _("已解除账号「%(name)s」的登录锁定") % {"name": account.username})
    if request.POST.get("back") == "lockouts":
        return redirect("accounts:lockouts")
    return redirect("accounts:user_detail", pk=account.pk)


@login_required
@require_POST
def user_reset_two_factor(request, pk: int):
    account = _account(request, pk)
    services.reset_two_factor(actor=request.user, user=account)
    messages.success(
        request, _("已重置账号「%(name)s」的双因素验证：下次登录时须重新绑定验证器") % {"name": account.username}
    )
    return redirect("accounts:user_detail", pk=account.pk)


@login_required
@require_GET
def lockouts(request):
    scoping.require(request.user, scoping.Action.SECURITY)
    attempts = queries.lockouts_for(request.user)
    accounts = dict(
        queries.administered_by(request.user, Op.RESET_LOCKOUT)
        .filter(username__in=attempts.values("username"))
        .values_list("username", "pk")
    )
    rows = [(attempt, accounts[attempt.username]) for attempt in attempts if attempt.username in accounts]
    return render(request, "accounts/lockouts.html", {"rows": rows})


# ---- two-factor sign-in --------------------------------------------------------------------------------


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _credentials(request) -> dict:
    return {"username": request.user.username}


def _locked_out(request):
    """Sign the user out and show the lockout page if too many wrong passwords or codes lock the account."""
    if AxesProxyHandler.is_locked(request, _credentials(request)):
        credentials = _credentials(request)
        logout(request)
        return get_lockout_response(request, None, credentials)
    return None


def _wrong_code(request, form: CodeForm) -> None:
    """A wrong code counts as a failed sign-in (django-axes): enough of them lock the account."""
    credentials = _credentials(request)
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    if getattr(request, "axes_locked_out", False):
        logout(request)  # the lockout middleware answers with the lockout page
    form.add_error("code", _("动态码不正确，请核对验证器上当前显示的 6 位数字"))


def _verified(request, device) -> None:
    request.session.cycle_key()
    django_otp.login(request, device)


@login_required
def two_factor_enrol(request):
    """First sign-in of an account that needs a second factor: scan the QR code, confirm with a code."""
    devices = queries.devices_for(request.user)
    if not needs_two_factor(request.user) or request.user.is_verified():
        return redirect(_next(request))
    if devices.filter(confirmed=True).exists():
        return redirect(f"{reverse('accounts:two_factor_verify')}?{request.GET.urlencode()}")
    locked = _locked_out(request)
    if locked is not None:
        return locked
    device = services.start_enrolment(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = services.confirm_enrolment(user=request.user, device=device, token=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            if confirmed:
                _verified(request, device)
                messages.success(request, _("验证器已绑定。以后每次登录时请输入它显示的动态码。"))
                return redirect(_next(request))
            _wrong_code(request, form)
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {
            "form": form,
            "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4, border=2),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "next": _next(request),
            "two_factor_pending": True,
        },
    )


@login_required
def two_factor_verify(request):
    """Every sign-in of an account that needs a second factor: the code its authenticator app shows now."""
    devices = queries.devices_for(request.user)
    if not needs_two_factor(request.user) or request.user.is_verified():
        return redirect(_next(request))
    if not devices.filter(confirmed=True).exists():
        return redirect(f"{reverse('accounts:two_factor_enrol')}?{request.GET.urlencode()}")
    locked = _locked_out(request)
    if locked is not None:
        return locked
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.verify_code(user=request.user, token=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            if device is not None:
                _verified(request, device)
                return redirect(_next(request))
            _wrong_code(request, form)
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": _next(request), "two_factor_pending": True},
    )
