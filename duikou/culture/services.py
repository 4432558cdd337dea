"""Every write of the red-culture platform: drafting and editing resources and routes, their stops, media and study
visits, and the review steps (``workflow``). Each write is checked against the scoping layer or the workflow table,
runs in one transaction with the audit entry, and a change of what the public site shows raises its cache generation
in that transaction (``publication.services.bump_generation``): a takedown shows on every process at once."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from duikou.accounts import scoping
from duikou.core.actors import audit_actor
from duikou.core.audit_context import set_actor
from duikou.core.concurrency import save_checked, save_versioned
from duikou.core.errors import UserFacingError
from duikou.projects.models import Activity
from duikou.publication.services import bump_generation

from . import media as media_files
from .models import Medium, Resource, Route, Status, Stop, StudyVisit
from .workflow import WORKFLOW


def _editable(user, item: Model) -> None:
    """Only a draft is edited, by an editor of its place (a published item is revised back to draft first)."""
    scoping.require(user, scoping.Action.CHANGE, item)
    if item.status != Status.DRAFT:
        raise UserFacingError(
            _("只能修改草稿；当前状态为「%(status)s」，请先执行「修改（退回草稿）」。")
            % {"status": item.get_status_display()}
        )


def _changes_public(item: Model) -> bool:
    return item.status == Status.PUBLISHED


def _require_place(user, item: Resource | Route) -> None:
    """The place of a new or moved item must be in the user's area: a resource's region, a route's pairing."""
    if not scoping.may(user, scoping.Action.CHANGE):
        raise PermissionDenied
    if isinstance(item, Route):
        if item.pairing_id and not scoping.can(user, scoping.Action.CHANGE, item.pairing):
            raise PermissionDenied(_("您无权为该结对关系填报。"))
        return
    prefix = scoping.region_prefix(user)
    if item.region_id and prefix is not None and not (prefix and item.region_id.startswith(prefix)):
        raise PermissionDenied(_("「%(region)s」不在您负责的地区内。") % {"region": item.region})


def create(user, model: type[Resource] | type[Route], values: dict, *, demo: bool = False):
    """A new draft resource or route, in the user's area."""
    item = model(**values, created_by=user, demo=demo)
    _require_place(user, item)
    with transaction.atomic(), set_actor(audit_actor(user)):
        item.full_clean()
        save_checked(item)
    return item


def edit(user, item: Resource | Route, *, version: int, values: dict):
    """Change a draft (checked against the version the form was read at: a stale edit is refused)."""
    _editable(user, item)
    if "region" in values:  # a new place must be in the user's area too (a route keeps its pairing)
        _require_place(user, Resource(region=values["region"]))
    with transaction.atomic(), set_actor(audit_actor(user)):
        return save_versioned(item, expected_version=version, changes=values)


def step(user, item: Resource | Route, name: str, *, version: int, note: str = "", secrecy_confirmed=False):
    """Take a review step (``workflow``): submit, publish, return, takedown, revise."""
    chosen = WORKFLOW.require(user, item, name)
    note = note.strip()
    changes: dict = {"status": chosen.target}
    now = timezone.now()
    if name == "submit":
        if not item.source_lines:
            raise UserFacingError(_("请先填写资料来源：公开的内容须注明出处。"))
        if isinstance(item, Route) and not item.stops.exists():
            raise UserFacingError(_("线路还没有站点，请先添加站点。"))
        changes.update(submitted_by=user, submitted_at=now, review_note="")
    elif name == "publish":
        if not secrecy_confirmed:
            raise UserFacingError(_("发布前须确认已完成保密审查。"))
        if isinstance(item, Route):
            hidden = [
                s.resource.name for s in item.stops.select_related("resource") if s.resource.status != Status.PUBLISHED
            ]
            if hidden:
                raise UserFacingError(
                    _("线路中的资源尚未发布：%(names)s。请先发布这些资源。") % {"names": "、".join(sorted(set(hidden)))}
                )
        changes.update(reviewed_by=user, reviewed_at=now, review_note=note, secrecy_note=note, published_at=now)
    elif name == "return":
        if not note:
            raise UserFacingError(_("请填写退回意见。"))
        changes.update(reviewed_by=user, reviewed_at=now, review_note=note)
    elif name == "takedown":
        if not note:
            raise UserFacingError(_("请填写下架理由。"))
        changes.update(withdrawn_reason=note)
    public_before = _changes_public(item)
    with transaction.atomic(), set_actor(audit_actor(user)):
        fresh = save_versioned(item, expected_version=version, changes=changes)
        if public_before or fresh.status == Status.PUBLISHED:
            bump_generation()
    return fresh


def add_stop(user, route: Route, *, resource: Resource, day: int, order: int | None = None, note: str = "") -> Stop:
    _editable(user, route)
    if resource.status != Status.PUBLISHED:  # the partner city's published resources are public; drafts are not
        scoping.require(user, scoping.Action.VIEW, resource)
    if resource.status == Status.WITHDRAWN:
        raise UserFacingError(_("「%(name)s」已下架，不能加入线路。") % {"name": resource.name})
    with transaction.atomic(), set_actor(audit_actor(user)):
        if order is None:
            order = (route.stops.filter(day=day).order_by("-order").values_list("order", flat=True).first() or 0) + 1
        stop = Stop(route=route, resource=resource, day=day, order=order, note=note.strip())
        stop.full_clean()
        save_checked(stop)
    return stop


def remove_stop(user, stop: Stop) -> None:
    _editable(user, stop.route)
    with transaction.atomic(), set_actor(audit_actor(user)):
        stop.delete()


def add_medium(
    user, resource: Resource, upload, *, caption: str, caption_en="", alt="", transcript="", credit=""
) -> Medium:
    """Check the upload (format, size; an image is re-encoded without its EXIF and location data) and store it."""
    _editable(user, resource)
    checked = media_files.check(upload)
    errors = {}
    if not caption.strip():
        errors["caption"] = _("请填写说明。")
    if not credit.strip():
        errors["credit"] = _("请填写来源与版权（谁拍摄、录制或收藏，是否允许公开）。")
    if checked.kind == Medium.Kind.IMAGE and not alt.strip():
        errors["alt"] = _("图片须有替代文本（供读屏软件朗读的文字描述）。")
    if (
        resource.kind == Resource.Kind.ORAL
        and checked.kind in (Medium.Kind.AUDIO, Medium.Kind.VIDEO)
        and not transcript.strip()
    ):
        errors["transcript"] = _("口述史的录音、视频须附文字稿。")
    if errors:
        raise ValidationError(errors)
    medium = Medium(
        resource=resource, kind=checked.kind, content_type=checked.content_type, size=len(checked.data),
        digest=checked.digest, caption=caption.strip(), caption_en=caption_en.strip(), alt=alt.strip(),
        transcript=transcript.strip(), credit=credit.strip(), added_by=user,
    )  # fmt: skip
    with transaction.atomic(), set_actor(audit_actor(user)):
        medium.file.save(checked.name, checked.as_file(), save=False)
        medium.save()
    return medium


def remove_medium(user, medium: Medium) -> Medium:
    """Hide a medium (the row and its file stay in the history)."""
    _editable(user, medium.resource)
    with transaction.atomic(), set_actor(audit_actor(user)):
        medium.removed_at, medium.removed_by = timezone.now(), user
        medium.save()
    return medium


def link_visit(user, resource: Resource, activity: Activity) -> StudyVisit:
    """Link a 研学 activity of a pairing to a resource it visited (an editor who may change both)."""
    _editable(user, resource)
    if not scoping.can(user, scoping.Action.CHANGE, activity):
        raise PermissionDenied(_("只有同时负责该资源和该活动的填报人员才能关联。"))
    visit = StudyVisit(resource=resource, activity=activity, added_by=user)
    with transaction.atomic(), set_actor(audit_actor(user)):
        visit.full_clean()
        save_checked(visit)
    return visit


def unlink_visit(user, visit: StudyVisit) -> None:
    _editable(user, visit.resource)
    with transaction.atomic(), set_actor(audit_actor(user)):
        visit.delete()
