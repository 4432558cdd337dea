from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def _own_tokens(user, prefix, action):
    return Q(user=user)


def _own_devices(user, prefix, action):
    return Q(user=user)


class AccountsConfig(AppConfig):
    name = "duikou.accounts"
    verbose_name = _("机构与用户")

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from . import models, scoping

        unknown = set(settings.DUIKOU_2FA_ROLES) - set(models.User.Role.values)
        if unknown:
            raise ImproperlyConfigured(f"DUIKOU_2FA_ROLES names no such role: {', '.join(sorted(unknown))}")

        scoping.register(models.Organisation, region_paths=("region",))
        scoping.register(models.User, region_paths=("organisation__region",))
        scoping.register(models.ApiToken, custom=_own_tokens)
        scoping.register(TOTPDevice, custom=_own_devices)
        auditlog.register(models.Organisation, exclude_fields=["units", "users", "decomposed_tasks"])
        auditlog.register(models.User, exclude_fields=["password", "last_login"])
        auditlog.register(models.ApiToken, exclude_fields=["key_digest"])
        # enrolment, confirmation and reset of an authenticator app; never its key, nor each use
        auditlog.register(TOTPDevice, include_fields=["user", "name", "confirmed"])
