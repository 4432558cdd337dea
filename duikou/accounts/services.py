"""Organisations, users and API tokens: every write goes through here."""

import secrets
import string

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from duikou.audit.context import set_actor
from duikou.geo.models import Region
from duikou.pairings.models import Pairing

from . import scoping
from .models import ApiToken, Organisation, User

DEMO_PASSWORD_ALPHABET = string.ascii_letters + string.digits


def ensure_organisation(
    *, name: str, kind: str, region: Region | None, parent: Organisation | None = None, name_en: str = ""
) -> Organisation:
    org, _created = Organisation.objects.get_or_create(
        name=name, region=region, defaults={"kind": kind, "parent": parent, "name_en": name_en}
    )
    return org


def seed_organisations() -> int:
    """The national overseer, and for every region party to a national pairing its government and province."""
    before = Organisation.objects.count()
    with transaction.atomic():
        ensure_organisation(
            name="国家发展改革委（振兴司）",
            kind=Organisation.Kind.NATIONAL,
            region=None,
            name_en="National Development and Reform Commission",
        )
        regions = set()
        for pairing in Pairing.objects.filter(level=Pairing.Level.NATIONAL).select_related(
            "old_region__parent", "partner_region__parent"
        ):
            regions.update([pairing.old_region, pairing.partner_region])
        for region in sorted(regions, key=lambda r: r.code):
            if region.level == Region.Level.PROVINCE:  # a municipality: one government at province level
                ensure_organisation(name=f"{region.name}人民政府", kind=Organisation.Kind.PROVINCE, region=region)
                continue
            province = region.parent
            prov_org = ensure_organisation(
                name=f"{province.name}人民政府", kind=Organisation.Kind.PROVINCE, region=province
            )
            ensure_organisation(
                name=f"{region.name}人民政府", kind=Organisation.Kind.CITY, region=region, parent=prov_org
            )
    return Organisation.objects.count() - before


def random_password() -> str:
    """A demo password that satisfies the password policy (letters, digits and a symbol)."""
    core = "".join(secrets.choice(DEMO_PASSWORD_ALPHABET) for _ in range(10))
    return f"Dk-{core}7a"


DEMO_USERS = [
    # username, organisation name, role
    ("ndrc_approver", "国家发展改革委（振兴司）", User.Role.APPROVER),
    ("henan_viewer", "河南省人民政府", User.Role.VIEWER),
    ("xinyang_editor", "信阳市人民政府", User.Role.EDITOR),
    ("suzhou_orgadmin", "苏州市人民政府", User.Role.ORG_ADMIN),
    ("sysadmin", "国家发展改革委（振兴司）", User.Role.SYSTEM_ADMIN),
    ("secadmin", "国家发展改革委（振兴司）", User.Role.SECURITY_ADMIN),
    ("auditadmin", "国家发展改革委（振兴司）", User.Role.AUDIT_ADMIN),
]


def create_demo_users() -> list[tuple[str, str, str, str]]:
    """One demo user per role, each with a fresh random password (printed once; demo use only)."""
    created = []
    with transaction.atomic():
        for username, org_name, role in DEMO_USERS:
            org = Organisation.objects.get(name=org_name)
            user, _new = User.objects.get_or_create(username=username, defaults={"organisation": org, "role": role})
            password = random_password()
            user.organisation, user.role, user.is_staff = (
                org,
                role,
                role in (User.Role.SYSTEM_ADMIN, User.Role.SECURITY_ADMIN),
            )
            user.set_password(password)
            user.save()
            created.append((username, password, org.name, role.label))
    return created


def create_user(
    *,
    actor: User,
    username: str,
    password: str,
    organisation: Organisation,
    role: str,
    display_name: str = "",
    language: str = "zh-hans",
) -> User:
    """An account in an organisation the actor administers; the password must meet the policy."""
    scoping.require(actor, scoping.Action.MANAGE_USERS)
    if not scoping.can(actor, scoping.Action.MANAGE_USERS, organisation):
        raise PermissionError("不能在本机构管辖范围以外创建用户")
    if actor.role == User.Role.ORG_ADMIN and organisation != actor.organisation:
        raise PermissionError("机构管理员只能管理本机构的用户")
    user = User(username=username, organisation=organisation, role=role, display_name=display_name, language=language)
    validate_password(password, user)
    user.set_password(password)
    with transaction.atomic(), set_actor(actor):
        user.full_clean()
        user.save()
    return user


def issue_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for ``user``; the key is returned once and only its digest is stored."""
    key = ApiToken.new_key()
    with transaction.atomic(), set_actor(user):
        token = ApiToken.objects.create(user=user, name=name, prefix=key[3:11], key_digest=ApiToken.digest(key))
    return token, key


def revoke_token(*, user: User, token: ApiToken) -> ApiToken:
    if token.user_id != user.id:
        raise PermissionError("只能吊销自己的令牌")
    with transaction.atomic(), set_actor(user):
        token.revoked = timezone.now()
        token.save()
    return token


def user_for_token(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user__organisation__region")
        .filter(key_digest=ApiToken.digest(key), revoked__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used=timezone.now())
    return token.user
