import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duikou.core.modelbits import EnglishNamed, created_field, protected_fk, version_field
from duikou.geo.models import Region


class Organisation(EnglishNamed, models.Model):
    class Kind(models.TextChoices):
        NATIONAL = "national", _("国家")
        PROVINCE = "province", _("省级")
        CITY = "city", _("市级")
        COUNTY = "county", _("县级")
        TOWNSHIP = "township", _("乡镇级")  # township and village bodies take the steps of household monitoring
        VILLAGE = "village", _("村级")
        UNIT = "unit", _("责任单位")

    name = models.CharField(_("名称"), max_length=120)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    region = protected_fk(Region, _("所在地区"), optional=True, related_name="organisations")
    parent = protected_fk("self", _("上级机构"), optional=True, related_name="units")
    is_active = models.BooleanField(_("启用"), default=True)
    version = version_field()

    class Meta:
        verbose_name = verbose_name_plural = _("机构")
        ordering = ["kind", "region_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "region"], name="accounts_org_unique_name_region"),
            models.CheckConstraint(
                condition=models.Q(kind="national") | models.Q(region__isnull=False),
                name="accounts_org_region_required",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def region_prefix(self) -> str | None:
        """Code prefix of every region this organisation answers for; None means the whole country."""
        if self.kind == self.Kind.NATIONAL or self.region is None:
            return None
        return self.region.prefix


class User(AbstractUser):
    class Role(models.TextChoices):
        VIEWER = "viewer", _("查看")
        EDITOR = "editor", _("填报编辑")
        APPROVER = "approver", _("审核")
        ORG_ADMIN = "org_admin", _("机构管理员")
        SYSTEM_ADMIN = "system_admin", _("系统管理员")
        SECURITY_ADMIN = "security_admin", _("安全管理员")
        AUDIT_ADMIN = "audit_admin", _("安全审计员")

    organisation = protected_fk(Organisation, _("所属机构"), optional=True, related_name="users")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    language = models.CharField(
        _("界面语言"), max_length=10, choices=[("zh-hans", "简体中文"), ("en", "English")], default="zh-hans"
    )
    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    # set when someone other than the holder chose the password (a new account, a reset): the holder must choose
    # their own at the next sign-in, so that nobody else knows it
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

    class Meta:
        verbose_name = verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_superuser=True) | models.Q(organisation__isnull=False),
                name="accounts_user_org_required",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username


class ApiToken(models.Model):
    """A bearer token for the API. Only a digest is stored; the token is shown once when created."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=60)
    prefix = models.CharField(_("前缀"), max_length=8, db_index=True)
    key_digest = models.CharField(max_length=64, unique=True)
    created = created_field()
    last_used = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires = models.DateTimeField(_("到期时间"))
    revoked = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def expired(self) -> bool:
        return self.expires <= timezone.now()

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "dk_" + secrets.token_urlsafe(32)
