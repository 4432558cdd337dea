"""Organisations, accounts, API tokens and second factors: every write goes through here.

Who may administer whose account is the table in ``rules``; every act is in the audit history."""

import datetime
import secrets
import string

import django_otp
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from duikou.core.audit_context import set_actor
from duikou.core.audit_entries import log_note
from duikou.core.concurrency import save_checked
from duikou.geo.models import Region
from duikou.pairings.models import Pairing

from . import queries, scoping
from .models import ApiToken, Organisation, User
from .rules import ADMINISTRATORS, OP_LABELS, Op, target_roles

DEMO_PASSWORD_ALPHABET = string.ascii_letters + string.digits


def ensure_organisation(
    *, name: str, kind: str, region: Region | None, parent: Organisation | None = None, name_en: str = ""
) -> Organisation:
    org, _created = Organisation.objects.get_or_create(
        name=name, region=region, defaults={"kind": kind, "parent": parent, "name_en": name_en}
    )
    if name_en and not org.name_en:  # an English name known since: filled in, one typed by an administrator kept
        org.name_en = name_en
        org.save(update_fields=["name_en"])
    return org


def government_name_en(region: Region) -> str:
    """The English name of a region's people's government, from the region's English name ("" without one):
    Henan Provincial People's Government, Xinyang Municipal People's Government."""
    if not region.name_en:
        return ""
    if region.name.endswith("省"):
        return f"{region.name_en} Provincial People's Government"
    if region.name.endswith("市"):
        return f"{region.name_en} Municipal People's Government"
    return f"People's Government of {region.name_en}"  # an autonomous region or prefecture, a 地区, a 盟


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
                ensure_organisation(
                    name=f"{region.name}人民政府",
                    kind=Organisation.Kind.PROVINCE,
                    region=region,
                    name_en=government_name_en(region),
                )
                continue
            province = region.parent
            prov_org = ensure_organisation(
                name=f"{province.name}人民政府",
                kind=Organisation.Kind.PROVINCE,
                region=province,
                name_en=government_name_en(province),
            )
            ensure_organisation(
                name=f"{region.name}人民政府",
                kind=Organisation.Kind.CITY,
                region=region,
                parent=prov_org,
                name_en=government_name_en(region),
            )
    return Organisation.objects.count() - before


def random_password() -> str:
    """A demo password that satisfies the password policy (letters, digits and a symbol)."""
    core = "".join(secrets.choice(DEMO_PASSWORD_ALPHABET) for _n in range(10))
    return f"Dk-{core}7a"


DEMO_USERS = [
    # username, organisation name, role
    ("ndrc_approver", "国家发展改革委（振兴司）", User.Role.APPROVER),
    ("henan_approver", "河南省人民政府", User.Role.APPROVER),
    ("henan_viewer", "河南省人民政府", User.Role.VIEWER),
    ("xinyang_editor", "信阳市人民政府", User.Role.EDITOR),
    ("suzhou_orgadmin", "苏州市人民政府", User.Role.ORG_ADMIN),
    ("sysadmin", "国家发展改革委（振兴司）", User.Role.SYSTEM_ADMIN),
    ("secadmin", "国家发展改革委（振兴司）", User.Role.SECURITY_ADMIN),
    ("auditadmin", "国家发展改革委（振兴司）", User.Role.AUDIT_ADMIN),
]


def create_demo_users() -> list[tuple[User, str]]:
    """One demo user per role (and a province approver beside the national one), each with a fresh random password
    (printed once; demo use only). Authenticator apps already enrolled are kept."""
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
            created.append((user, password))
    return created


def _refuse(message: str, **values) -> PermissionDenied:
    return PermissionDenied(message % values if values else message)


def _role_label(role: str) -> str:
    return str(dict(User.Role.choices).get(role, role))


def _note(target: User, actor: User | None, label: str, text: str) -> None:
    """An entry in the account's audit history for an act that changes no recorded field (a password, a lockout)."""
    log_note(target, actor=actor, label=label, text=text)


def _require(actor: User, op: Op, target: User) -> None:
    """Refuse unless the table in ``rules`` lets ``actor`` take ``op`` on ``target``'s account."""
    if not queries.administered_by(actor, op).filter(pk=target.pk).exists():
        raise _refuse(
            _("您不能对账号「%(user)s」（%(role)s）执行「%(op)s」"),
            user=target.username,
            role=_role_label(target.role),
            op=OP_LABELS[op],
        )


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
    """An ordinary account, of a role the actor may create, in an organisation it administers (``rules``)."""
    if role not in target_roles(actor, Op.CREATE):
        raise _refuse(_("您不能创建角色为「%(role)s」的账号"), role=_role_label(role))
    if not queries.organisations_for(actor, scoping.Action.MANAGE_USERS).filter(pk=organisation.pk).exists():
        raise _refuse(_("机构「%(org)s」不在您可管理的范围内"), org=organisation.name)
    user = User(
        username=username,
        organisation=organisation,
        role=role,
        display_name=display_name,
        language=language,
        must_change_password=True,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    with transaction.atomic(), set_actor(actor):
        user.full_clean()
        save_checked(user)  # two administrators taking the same username at once: one gets 「用户名已存在」
    return user


def deactivate_user(*, actor: User, user: User) -> User:
    """The account can no longer sign in and its API tokens stop working; nothing of it is deleted."""
    _require(actor, Op.DEACTIVATE, user)
    return _save_fields(actor, user, is_active=False)


def reactivate_user(*, actor: User, user: User) -> User:
    """The undo of a deactivation, by whoever may deactivate the account."""
    _require(actor, Op.DEACTIVATE, user)
    return _save_fields(actor, user, is_active=True)


def change_role(*, actor: User, user: User, role: str) -> User:
    """Give an ordinary account another ordinary role (the security administrator's act)."""
    _require(actor, Op.CHANGE_ROLE, user)
    if role not in target_roles(actor, Op.CHANGE_ROLE):
        raise _refuse(_("您不能把账号「%(user)s」的角色设为「%(role)s」"), user=user.username, role=_role_label(role))
    return _save_fields(actor, user, role=role)


def _save_fields(actor: User, user: User, **values) -> User:
    """Change the account's ``values`` in one transaction, the audit entry naming ``actor``."""
    with transaction.atomic(), set_actor(actor):
        for field, value in values.items():
            setattr(user, field, value)
        user.save(update_fields=list(values))
    return user


def reset_password(*, actor: User, user: User) -> str:
    """A new random password for the account, returned once to be handed to its holder."""
    _require(actor, Op.RESET_PASSWORD, user)
    password = random_password()
    _store_password(user, password, must_change=True, by=actor, note=_("密码已重置"))
    return password


def _store_password(user: User, password: str, *, must_change: bool, by: User, note: str) -> None:
    """The account's new password, whether its holder must change it at the next sign-in, and the note in its
    history, in one transaction."""
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = must_change
        user.save(update_fields=["password", "must_change_password"])
        _note(user, by, "password", note)


def change_own_password(*, user: User, old_password: str, new_password: str) -> User:
    """The holder chooses their own password: the old one must be right and the new one meet the policy and differ
    from the old. Ends the duty to change a password someone else chose."""
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("原密码不正确")})
    if old_password == new_password:
        raise ValidationError({"new_password": _("新密码不能与原密码相同")})
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    _store_password(user, new_password, must_change=False, by=user, note=_("本人修改了密码"))
    return user


def reset_lockout(*, actor: User, user: User) -> int:
    """Clear the account's failed sign-ins so that it may sign in again at once; the number of records cleared."""
    _require(actor, Op.RESET_LOCKOUT, user)
    with transaction.atomic():
        cleared = axes_reset(username=user.username)
        _note(user, actor, "lockout", _("登录锁定已解除"))
    return cleared


def reset_two_factor(*, actor: User, user: User) -> int:
    """Remove the account's authenticator apps: its next sign-in enrols a new one. The number removed."""
    _require(actor, Op.RESET_TWO_FACTOR, user)
    return _remove_devices(user, actor)


def _remove_devices(user: User, actor: User | None) -> int:
    with transaction.atomic(), set_actor(actor):
        devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=None))
        for device in devices:
            device.delete()
        _note(user, actor, "two_factor", _("双因素验证已重置，下次登录须重新绑定验证器"))
    return len(devices)


# ---- the three administrators: only at the command line ----------------------------------------------------


def create_admin(*, username: str, role: str, organisation: Organisation, password: str) -> User:
    """One of the three separated administrators, made at installation by ``duikou create-admin``."""
    if role not in ADMINISTRATORS:
        raise ValidationError(
            _("角色「%(role)s」不是三员之一（system_admin、security_admin、audit_admin）") % {"role": role}
        )
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("用户名「%(name)s」已存在") % {"name": username})
    user = User(username=username, organisation=organisation, role=role, is_staff=role != "audit_admin")
    validate_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.full_clean()
        user.save()
    return user


def reset_admin(*, username: str, password: str) -> User:
    """A new password for an administrator, its authenticator app removed and its lockout cleared: the way back
    for one of the three administrators, whose accounts no page may reset (``duikou reset-admin``)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ValidationError(_("没有用户名为「%(name)s」的账号") % {"name": username})
    if user.role not in ADMINISTRATORS:
        raise ValidationError(
            _("「%(name)s」不是三员账号（%(role)s）：普通账号由安全管理员在「用户管理」页面重置")
            % {"name": username, "role": _role_label(user.role)}
        )
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        axes_reset(username=username)
        _note(user, None, "password", _("密码已在命令行重置，登录锁定已解除"))
        _remove_devices(user, None)
    return user


# ---- two-factor sign-in ---------------------------------------------------------------------------------


def _refuse_if_throttled(device: TOTPDevice) -> None:
    """After a wrong code the next try must wait 1, 2, 4, 8… seconds (``OTP_TOTP_THROTTLE_FACTOR``)."""
    allowed, data = device.verify_is_allowed()
    if not allowed:
        until = timezone.localtime(data["locked_until"]) if data and data.get("locked_until") else None
        raise ValidationError(
            _("动态码连续错误 %(n)s 次，请于 %(time)s 之后再试")
            % {"n": data.get("failure_count", "") if data else "", "time": until.strftime("%H:%M:%S") if until else ""}
        )


def start_enrolment(*, user: User) -> TOTPDevice:
    """The user's authenticator app being enrolled: the unconfirmed one in progress, or a new one."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    if device is None:
        with transaction.atomic(), set_actor(user):
            device = TOTPDevice.objects.create(user=user, name=_("验证器"), confirmed=False)
    return device


def confirm_enrolment(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm the app being enrolled with a code it shows; only then does it count as the user's second factor."""
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied
    with transaction.atomic(), set_actor(user):
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        _refuse_if_throttled(device)
        if not device.verify_token(token):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # an account holds one authenticator app: others left unconfirmed are dropped
        TOTPDevice.objects.devices_for_user(user, confirmed=False).exclude(pk=device.pk).delete()
    return True


def verify_code(*, user: User, token: str) -> TOTPDevice | None:
    """The confirmed app that accepts ``token`` (each code once; failures slow down the next try), or None."""
    for device in TOTPDevice.objects.devices_for_user(user, confirmed=True):
        _refuse_if_throttled(device)
        verified = django_otp.verify_token(user, device.persistent_id, token)
        if verified is not None:
            return verified
    return None


def issue_token(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new API token for ``user``, valid for ``days`` (at most ``DUIKOU_API_TOKEN_DAYS``, the default); the key is
    returned once and only its digest is stored."""
    longest = settings.DUIKOU_API_TOKEN_DAYS
    days = longest if days is None else days
    if not 1 <= days <= longest:
        raise ValidationError(_("令牌有效期须在 1 至 %(n)s 天之间") % {"n": longest})
    key = ApiToken.new_key()
    expires = timezone.now() + datetime.timedelta(days=days)
    with transaction.atomic(), set_actor(user):
        token = ApiToken.objects.create(
            user=user, name=name, prefix=key[3:11], key_digest=ApiToken.digest(key), expires=expires
        )
    return token, key


def revoke_token(*, user: User, token: ApiToken) -> ApiToken:
    if token.user_id != user.id:
        raise PermissionDenied(_("只能吊销自己的令牌"))
    with transaction.atomic(), set_actor(user):
        # revoked once: a second revocation (another tab, a double click) keeps the first time and writes nothing
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked is None:
            token.revoked = timezone.now()
            token.save(update_fields=["revoked"])
    return token


def user_for_token(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user__organisation__region")
        .filter(key_digest=ApiToken.digest(key), revoked__isnull=True, expires__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used=timezone.now())
    return token.user
