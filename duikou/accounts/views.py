from axes.utils import reset
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import queries, scoping, services
from .forms import TokenForm, UserCreateForm


@login_required
def profile(request):
    new_key = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_key = services.issue_token(user=request.user, name=form.cleaned_data["name"])
        form = TokenForm()
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "tokens": queries.tokens_for(request.user),
            "new_key": new_key,
        },
    )


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = scoping.get_for(request.user, queries.tokens_for(request.user), pk=pk)
    services.revoke_token(user=request.user, token=token)
    messages.success(request, _("令牌已吊销"))
    return redirect("accounts:profile")


@login_required
def user_list(request):
    if not (
        scoping.may(request.user, scoping.Action.MANAGE_USERS) or scoping.may(request.user, scoping.Action.SECURITY)
    ):
        raise PermissionDenied
    return render(request, "accounts/user_list.html", {"users": queries.users_for(request.user)})


@login_required
def user_create(request):
    scoping.require(request.user, scoping.Action.MANAGE_USERS)
    organisations = queries.organisations_for(request.user, scoping.Action.MANAGE_USERS)
    form = UserCreateForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.create_user(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                organisation=data["organisation"],
                role=data["role"],
                display_name=data["display_name"],
            )
        except ValidationError as exc:
            form.add_error("password", exc)
        except PermissionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已创建用户 %(name)s") % {"name": data["username"]})
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form})


@login_required
def lockouts(request):
    scoping.require(request.user, scoping.Action.SECURITY)
    if request.method == "POST":
        username = request.POST.get("username", "")
        reset(username=username)
        messages.success(request, _("已解除 %(name)s 的登录锁定") % {"name": username})
        return redirect("accounts:lockouts")
    return render(request, "accounts/lockouts.html", {"attempts": queries.lockouts_for(request.user)})
