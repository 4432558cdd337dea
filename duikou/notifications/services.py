"""Every write of notifications: telling people (``notify``, ``notify_turn``), reminders sent by hand (``remind``),
reading, preferences, and carrying messages over the channels (``deliver``, ``send_due``, ``send_digests``).

Nobody is told about an object outside their scope: every recipient is checked with ``scoping.can(user, VIEW, obj)``
first. Messages are sent after the transaction that caused them commits, by background work; a channel that fails
is tried again later with back-off and its error kept on the delivery, and never fails or slows the step that caused
it. A notification is stored once per recipient and key, whatever the number of workers or requests racing.
"""

import datetime
import logging
import uuid
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from duikou.accounts import scoping
from duikou.accounts.models import User
from duikou.core import messaging, pii
from duikou.core.audit_entries import log_note

from .models import Delivery, Notification, Preference, Reminder

log = logging.getLogger(__name__)
Kind = Notification.Kind
RETRY_FACTOR = 4
LEASE = datetime.timedelta(minutes=5)  # a delivery being sent is left alone this long, then tried again


# ---- telling people ----------------------------------------------------------------------------------------------


Text = str | Callable[[], str]


def in_language_of(user: User | None, text: Text) -> str:
    """``text`` as ``user`` reads it: a function composing it (with gettext) is called in the user's language
    (``None``: the language active now)."""
    if not callable(text):
        return str(text)
    if user is None:
        return str(text())
    with translation.override(user.language or settings.LANGUAGE_CODE):
        return str(text())


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    obj: Model,
    title: Text,
    link: str,
    key: str,
    actor: User | None = None,
    body: Text = "",
) -> list[Notification]:
    """Put a notification about ``obj`` in each recipient's inbox (once per recipient and ``key``) and queue its
    messages for after the commit. Recipients outside ``obj``'s scope, inactive ones and the actor are left out.
    ``title`` and ``body`` are best given as functions that compose them with gettext: each recipient's
    notification, and the e-mail or SMS sent from it, is then written in that recipient's language.
    Returns the notifications written now (not those already there)."""
    content_type = ContentType.objects.get_for_model(obj)
    written, deliveries = [], []
    seen = set()
    for user in recipients:
        if user.pk in seen or (actor is not None and user.pk == actor.pk):
            continue
        seen.add(user.pk)
        if not user.is_active or not scoping.can(user, scoping.Action.VIEW, obj):
            continue
        try:
            with transaction.atomic():  # a savepoint: the same event written meanwhile ends here, not in an error
                item = Notification.objects.create(
                    recipient=user,
                    kind=kind,
                    title=in_language_of(user, title)[:200],
                    body=in_language_of(user, body),
                    link=link[:300],
                    content_type=content_type,
                    object_id=str(obj.pk),
                    key=key[:200],
                )
                deliveries += _queue(item)
        except IntegrityError:
            continue
        written.append(item)
    if deliveries:
        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: dispatch(ids), robust=True)
    return written


def _queue(item: Notification) -> list[Delivery]:
    """The deliveries of one notification by the recipient's choice (none for a user who takes the daily digest)."""
    pref = preference_of(item.recipient)
    if pref.digest:
        return []
    now = timezone.now()
    return [
        Delivery.objects.create(recipient=item.recipient, notification=item, channel=name, next_attempt_at=now)
        for name in chosen_channels(item.recipient, pref)
    ]


def notify_turn(*, workflow, obj, actor, kind: str, link: str | None = None) -> list[Notification]:
    """After a workflow step: tell the users whose turn it now is (those who may take a step the object waits for),
    never the actor. The key holds the object, its status and version, so one step tells each user once."""
    turn = workflow.turn(obj)
    if not turn.waiting:
        return []

    def title() -> str:
        what = _("%(object)s：%(step)s") % {"object": obj, "step": turn.step_label}
        return _("%(kind)s｜%(what)s") % {"kind": Notification.Kind(kind).label, "what": what}

    def body() -> str:
        said = str(turn)
        if actor is not None:
            said += _("（上一步由 %(actor)s 办理）") % {"actor": masked(actor)}
        return said

    return notify(
        recipients=workflow.waiting_for(obj),
        kind=kind,
        obj=obj,
        title=title,
        body=body,
        link=link if link is not None else object_link(obj),
        key=f"{kind}:{_label(obj)}:{obj.pk}:{obj.status}:{getattr(obj, 'version', '')}",
        actor=actor,
    )


def notify_done(*, obj, recipients: Iterable[User], actor, title: Text, link: str | None = None):
    """「已通过/已办结」 to those who took part, when an object reaches its end (a filed plan)."""
    return notify(
        recipients=recipients,
        kind=Kind.APPROVED,
        obj=obj,
        title=lambda: _("%(kind)s｜%(what)s") % {"kind": Kind.APPROVED.label, "what": in_language_of(None, title)},
        body=lambda: _("由 %(actor)s 办理") % {"actor": masked(actor)} if actor else "",
        link=link if link is not None else object_link(obj),
        key=f"approved:{_label(obj)}:{obj.pk}:{getattr(obj, 'version', '')}",
        actor=actor,
    )


def _label(obj) -> str:
    return ContentType.objects.get_for_model(obj).model


def masked(user) -> str:
    """A person as a message may name them: the masked name and the organisation."""
    if user is None:
        return _("系统")
    name = pii.mask_name(user.display_name) if user.display_name else ""
    organisation = getattr(user, "organisation", None)
    return " ".join(str(p) for p in (organisation, name) if p) or pii.mask_name(user.username)


def object_link(obj) -> str:
    try:
        return obj.get_absolute_url()
    except AttributeError:
        return ""


# ---- reminders sent by hand --------------------------------------------------------------------------------------


def remind(*, user, workflow, subjects: Iterable[Model], title: str, link_of=None) -> tuple[int, int]:
    """Remind the organisations whose turn it is on each subject (a report not reported, a notice not answered): one
    notification a day per organisation and subject, to its users who can act, recorded in the subject's history.
    Returns (organisations reminded now, organisations already reminded today)."""
    today = timezone.localdate()
    sent = already = 0
    for subject in subjects:
        by_org: dict[int, list[User]] = {}
        for person in workflow.waiting_for(subject):
            by_org.setdefault(person.organisation_id, []).append(person)
        content_type = ContentType.objects.get_for_model(subject)
        for org_id, people in by_org.items():
            try:
                with transaction.atomic():
                    reminder = Reminder.objects.create(
                        content_type=content_type,
                        object_id=str(subject.pk),
                        organisation_id=org_id,
                        day=today,
                        sent_by=user,
                    )
            except IntegrityError:
                already += 1
                continue
            with transaction.atomic():
                with translation.override("zh-hans"):  # the subject's history is in the site's language
                    text = _("%(subject)s：%(turn)s") % {"subject": subject, "turn": workflow.turn(subject)}
                    notified = notify(
                        recipients=people,
                        kind=Kind.REMINDER,
                        obj=subject,
                        title=lambda subject=subject: (
                            _("%(kind)s｜%(what)s") % {"kind": Kind.REMINDER.label, "what": title or subject}
                        ),
                        body=lambda subject=subject: (
                            _("%(turn)s。%(who)s 提醒您尽快办理。")
                            % {"turn": workflow.turn(subject), "who": masked(user)}
                        ),
                        link=link_of(subject) if link_of else object_link(subject),
                        key=f"reminder:{content_type.model}:{subject.pk}:{org_id}:{today.isoformat()}",
                        actor=user,
                    )
                    Reminder.objects.filter(pk=reminder.pk).update(recipients=len(notified))
                    org = people[0].organisation
                    log_note(
                        subject,
                        actor=user,
                        label="催办提醒",
                        text=f"提醒 {org}（{len(notified)} 人）：{text}",
                    )
            sent += 1
    return sent, already


# ---- reading -----------------------------------------------------------------------------------------------------


def mark_read(*, user, notification: Notification) -> Notification:
    if notification.recipient_id != user.pk:  # only one's own: the scoping layer's rule for notifications
        raise PermissionDenied
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification


def mark_all_read(*, user) -> int:
    scoping.require(user, scoping.Action.VIEW)
    unread = scoping.scope(user, Notification).filter(read_at__isnull=True)
    return unread.update(read_at=timezone.now())


# ---- preferences -------------------------------------------------------------------------------------------------


def preference_of(user) -> Preference:
    """The user's preference; one not yet chosen is the default (e-mail on, no other channel, no digest), unsaved."""
    try:
        return Preference.objects.get(user=user)
    except Preference.DoesNotExist:
        return Preference(user=user)


def phone_of(pref: Preference) -> str:
    return pii.decrypt(bytes(pref.phone_enc)) if pref.phone_enc else ""


def address_for(user, pref: Preference, channel: str) -> str:
    if channel == "email":
        return pref.email or user.email
    return phone_of(pref)


def chosen_channels(user, pref: Preference) -> list[str]:
    """The channels the user chose that this deployment offers and for which the user has an address."""
    offered = messaging.channels()
    names = (["email"] if pref.email_enabled else []) + [c for c in pref.channels if c in offered and c != "email"]
    return [name for name in names if address_for(user, pref, name)]


def save_preference(
    *, user, email_enabled: bool, email: str, channels: list[str], phone: str | None, digest: bool
) -> Preference:
    """Save the user's choice; ``phone`` None keeps the stored number, "" removes it."""
    offered = messaging.channels()
    unknown = [c for c in channels if c not in offered or c == "email"]
    if unknown:
        raise ValidationError({"channels": _("没有这个渠道：%(names)s") % {"names": "、".join(unknown)}})
    pref = preference_of(user)
    errors = {}
    if phone:
        phone = phone.strip().replace(" ", "").replace("-", "")
        if error := messaging.ALL["sms"].check_address(phone):
            errors["phone"] = error
    if email and (error := messaging.ALL["email"].check_address(email.strip())):
        errors["email"] = error
    has_phone = bool(phone) or (phone is None and pref.phone_enc)
    if channels and not has_phone and "phone" not in errors:
        errors["phone"] = _("所选渠道需要手机号码")
    if email_enabled and not (email or user.email) and "email" not in errors:
        errors["email"] = _("账号没有电子邮箱，请填写通知邮箱或关闭电子邮件通知")
    if errors:
        raise ValidationError(errors)
    pref.email_enabled, pref.email, pref.channels, pref.digest = email_enabled, email.strip(), channels, digest
    if phone is not None:
        pref.phone_enc = pii.encrypt(phone) if phone else None
        pref.phone_masked = pii.mask_phone(phone) if phone else ""
    pref.save()
    return pref


# ---- carrying messages -------------------------------------------------------------------------------------------


def dispatch(ids: list[int]) -> None:
    """After the commit: send at once when jobs run inline (tests, a single process), otherwise queue one task per
    delivery for the workers. A failure here loses nothing: the deliveries stay queued for the sweep."""
    for pk in ids:
        try:
            if settings.DUIKOU_JOBS_INLINE:
                deliver(pk)
            else:
                deliver_task.enqueue(pk)
        except Exception:  # noqa: BLE001 - the step that caused the message has succeeded; the sweep retries
            log.exception("delivery %s could not be started; the sweep will send it", pk)


@task()
def deliver_task(delivery_id: int) -> str:
    return deliver(delivery_id)


def retry_delay(attempt: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.DUIKOU_DELIVERY_RETRY_SECONDS * RETRY_FACTOR ** (attempt - 1))


def deliver(delivery_id: int, *, now: datetime.datetime | None = None) -> str:
    """Send one queued delivery that is due; returns its status. Claimed by a conditional update, so two workers
    never send it twice at once."""
    now = now or timezone.now()
    d = Delivery.objects.filter(pk=delivery_id).select_related("recipient", "notification").first()
    if d is None or d.status != Delivery.Status.QUEUED or d.next_attempt_at > now:
        return d.status if d else "missing"
    claimed = Delivery.objects.filter(pk=d.pk, status=Delivery.Status.QUEUED, attempts=d.attempts).update(
        attempts=F("attempts") + 1, next_attempt_at=now + LEASE
    )
    if not claimed:
        return Delivery.Status.QUEUED
    d.attempts += 1
    try:
        pref = preference_of(d.recipient)
        address = address_for(d.recipient, pref, d.channel)
        if not address:
            raise messaging.DeliveryError(_("未设置%(what)s") % {"what": messaging.ALL[d.channel].address_label})
        message = _digest_message(d) if d.notification is None else _single_message(d.notification)
        if message is not None:
            messaging.send(d.channel, address, message)
    except messaging.DeliveryError as exc:
        return _failed(d, str(exc), now)
    except Exception:  # noqa: BLE001 - recorded on the delivery with a reference, tried again
        reference = uuid.uuid4().hex[:8]
        log.exception("delivery %s over %s failed, reference %s", d.pk, d.channel, reference)
        return _failed(d, _("内部错误，参考编号 %(ref)s") % {"ref": reference}, now)
    Delivery.objects.filter(pk=d.pk).update(status=Delivery.Status.SENT, sent_at=timezone.now(), last_error="")
    return Delivery.Status.SENT


def _failed(d: Delivery, error: str, now: datetime.datetime) -> str:
    if d.attempts >= settings.DUIKOU_DELIVERY_MAX_ATTEMPTS:
        Delivery.objects.filter(pk=d.pk).update(status=Delivery.Status.FAILED, last_error=error[:300])
        log.warning("delivery %s over %s failed after %s attempts", d.pk, d.channel, d.attempts)
        return Delivery.Status.FAILED
    retry_at = now + retry_delay(d.attempts)
    Delivery.objects.filter(pk=d.pk).update(next_attempt_at=retry_at, last_error=error[:300])
    if not settings.DUIKOU_JOBS_INLINE:
        try:
            deliver_task.using(run_after=retry_at).enqueue(d.pk)
        except Exception:  # noqa: BLE001 - the sweep picks it up
            log.exception("delivery %s: retry not queued; the sweep will send it", d.pk)
    return Delivery.Status.QUEUED


def _absolute(link: str) -> str:
    return f"{settings.DUIKOU_SITE_URL}{link}" if link and settings.DUIKOU_SITE_URL else ""


def _single_message(item: Notification) -> messaging.Message:
    return messaging.Message(subject=item.title, body=item.body, link=_absolute(item.link))


def digest_window(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The notifications the digest of ``day`` lists: those of the 24 hours before that day's digest hour."""
    end = timezone.make_aware(datetime.datetime.combine(day, datetime.time(settings.DUIKOU_DIGEST_HOUR)))
    return end - datetime.timedelta(days=1), end


def _digest_message(d: Delivery) -> messaging.Message | None:
    start, end = digest_window(d.digest_date)
    items = list(
        Notification.objects.filter(recipient=d.recipient, created_at__gte=start, created_at__lt=end).order_by(
            "created_at", "pk"
        )[:100]
    )
    with translation.override("zh-hans"):
        subject = _("每日通知摘要（%(day)s，%(n)d 条）") % {"day": d.digest_date.isoformat(), "n": len(items)}
        lines = [
            f"{i}. {item.title}" + (f"  {_absolute(item.link)}" if _absolute(item.link) else "")
            for i, item in enumerate(items, 1)
        ]
    return messaging.Message(subject=subject, body="\n".join(lines), link=_absolute("/inbox/"))


def send_digests(*, day: datetime.date | None = None) -> int:
    """Queue and send the digest of ``day`` for every user who takes one and has unread notifications in its window.
    Once per user, channel and day (the unique rule), however often it runs."""
    day = day or timezone.localdate()
    start, end = digest_window(day)
    users = (
        User.objects.filter(
            is_active=True,
            notification_preference__digest=True,
            notifications__created_at__gte=start,
            notifications__created_at__lt=end,
            notifications__read_at__isnull=True,
        )
        .distinct()
        .order_by("pk")
    )
    ids = []
    now = timezone.now()
    for user in users:
        for channel in chosen_channels(user, preference_of(user)):
            try:
                with transaction.atomic():
                    ids.append(
                        Delivery.objects.create(
                            recipient=user, digest_date=day, channel=channel, next_attempt_at=now
                        ).pk
                    )
            except IntegrityError:
                continue
    for pk in ids:
        deliver(pk)
    return len(ids)


def send_due(*, now: datetime.datetime | None = None) -> dict:
    """Send every queued delivery whose time has come (retries, and any whose task was lost)."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    due = Delivery.objects.filter(status=Delivery.Status.QUEUED, next_attempt_at__lte=now).order_by("next_attempt_at")
    for pk in list(due.values_list("pk", flat=True)[:1000]):
        status = deliver(pk, now=now)
        counts[status] = counts.get(status, 0) + 1
    return counts


def retry_now(*, user, delivery: Delivery) -> Delivery:
    """An operator sends a failed (or waiting) delivery again now, with a fresh count of attempts."""
    scoping.require(user, scoping.Action.OPERATE)
    if delivery.status == Delivery.Status.SENT:
        raise ValidationError(_("该消息已发送"))
    Delivery.objects.filter(pk=delivery.pk).exclude(status=Delivery.Status.SENT).update(
        status=Delivery.Status.QUEUED, attempts=0, next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: dispatch([delivery.pk]), robust=True)
    delivery.refresh_from_db()
    return delivery
