import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from .rules import needs_two_factor


class IdleSessionMiddleware:
    """A session ends after SESSION_COOKIE_AGE seconds without a request. Its expiry moves on when it is used, but
    written at most once every DUIKOU_SESSION_REFRESH_SECONDS, not on every request (a page read is then no database
    write): the session ends between SESSION_COOKIE_AGE minus that refresh and SESSION_COOKIE_AGE after the last use."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.modified and not session.is_empty():
            now = int(time.time())
            if now - session.get("_seen", 0) >= settings.DUIKOU_SESSION_REFRESH_SECONDS:
                session["_seen"] = now  # the session middleware saves it, with a new expiry
        return response


class UserLanguageMiddleware:
    """Signed-in users see the interface in the language of their profile unless they switch for the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.COOKIES.get("django_language"):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class TwoFactorMiddleware:
    """An account that signs in with a second factor (``rules.needs_two_factor``) reaches nothing but the enrol,
    verify and sign-out pages until it has given its code in this session: pages answer a redirect to the step it
    is at, the API called with the session answers 403. A bearer token is unaffected — it can only have been made
    from a verified session — but an unverified session never stands in for a token that fails."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not needs_two_factor(user) or user.is_verified():
            return self.get_response(request)
        enrol, verify = reverse("accounts:two_factor_enrol"), reverse("accounts:two_factor_verify")
        if request.path_info in (enrol, verify, reverse("login"), reverse("logout"), reverse("set_language")):
            return self.get_response(request)
        if request.path_info.startswith(reverse("api:api-root")):
            if "HTTP_AUTHORIZATION" in request.META:
                request.user = AnonymousUser()
                return self.get_response(request)
            return JsonResponse(
                {"detail": _("请先在登录页面完成双因素验证（输入验证器的 6 位动态码），再使用 API")}, status=403
            )
        step = verify if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists() else enrol
        return HttpResponseRedirect(f"{step}?{urlencode({'next': request.get_full_path()})}")


class PasswordChangeMiddleware:
    """An account whose password someone else chose (a new account, a reset) reaches nothing but the page where its
    holder chooses their own, and signing out, until they have; the API called with the session answers 403. Runs
    after the second factor, so the holder has proved who they are first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not (user.is_authenticated and getattr(user, "must_change_password", False)):
            return self.get_response(request)
        change = reverse("accounts:password_change")
        if request.path_info in (change, reverse("logout"), reverse("set_language")):
            return self.get_response(request)
        if request.path_info.startswith(reverse("api:api-root")):
            if "HTTP_AUTHORIZATION" in request.META:
                request.user = AnonymousUser()
                return self.get_response(request)
            return JsonResponse({"detail": _("请先在页面上修改初始密码，再使用 API")}, status=403)
        return HttpResponseRedirect(f"{change}?{urlencode({'next': request.get_full_path()})}")
