"""Reads of the red-culture platform: the signed-in lists (through the scoping layer) and what the public site shows
(published items only)."""

from django.db.models import Prefetch, Q, QuerySet

from duikou.accounts import scoping
from duikou.pairings.models import Pairing
from duikou.projects.models import Activity

from .models import Medium, Resource, Route, Status, Stop, StudyVisit, in_pairing


def resources_for(user, *, q: str = "", kind: str = "", status: str = "") -> QuerySet[Resource]:
    rows = scoping.scope(user, Resource).select_related("region", "old_area")
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(name_en__icontains=q) | Q(region__name__icontains=q))
    if kind in Resource.Kind.values:
        rows = rows.filter(kind=kind)
    if status in Status.values:
        rows = rows.filter(status=status)
    return rows.order_by("-updated", "pk")


def routes_for(user, *, q: str = "", status: str = "") -> QuerySet[Route]:
    rows = scoping.scope(user, Route).select_related("pairing__old_region", "pairing__partner_region")
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(name_en__icontains=q))
    if status in Status.values:
        rows = rows.filter(status=status)
    return rows.order_by("-updated", "pk")


def study_trips_for(user, resource: Resource) -> QuerySet[Activity]:
    """The 研学 activities the user may link to ``resource``: of the pairings with a side over its place."""
    pairings = scoping.scope(user, Pairing, scoping.Action.CHANGE).select_related("old_region", "partner_region")
    ids = [p.pk for p in pairings if in_pairing(resource, p)]
    linked = StudyVisit.objects.filter(resource=resource).values("activity_id")
    return (
        Activity.objects.filter(pairing_id__in=ids, kind=Activity.Kind.STUDY_TRIP)
        .exclude(pk__in=linked)
        .select_related("pairing__old_region", "pairing__partner_region")
        .order_by("-date")
    )


# --- public reads: published only -------------------------------------------------------------------------------

SHOWN_MEDIA = Prefetch("media", queryset=Medium.objects.filter(removed_at__isnull=True).order_by("pk"))


def public_resources(*, kind: str = "", region: str = "") -> QuerySet[Resource]:
    rows = Resource.objects.filter(status=Status.PUBLISHED).select_related("region__parent__parent", "old_area")
    if kind in Resource.Kind.values:
        rows = rows.filter(kind=kind)
    if region:
        rows = rows.filter(region__code__startswith=region)
    return rows.order_by("region_id", "name")


def public_resource(pk: int) -> Resource | None:
    return public_resources().prefetch_related(SHOWN_MEDIA).filter(pk=pk).first()


def public_media(resource: Resource) -> list[Medium]:
    return list(resource.media.all())


def public_visits(resource: Resource) -> list[StudyVisit]:
    return list(
        resource.study_visits.select_related(
            "activity__pairing__old_region", "activity__pairing__partner_region"
        ).order_by("-activity__date")
    )


def public_medium(pk: int) -> Medium | None:
    return (
        Medium.objects.filter(pk=pk, removed_at__isnull=True, resource__status=Status.PUBLISHED)
        .select_related("resource")
        .first()
    )


def public_routes(*, pairing: Pairing | None = None) -> QuerySet[Route]:
    rows = Route.objects.filter(status=Status.PUBLISHED).select_related(
        "pairing__old_region", "pairing__partner_region"
    )
    if pairing is not None:
        rows = rows.filter(pairing=pairing)
    return rows.order_by("pairing__code", "name")


def public_route(pk: int) -> Route | None:
    return public_routes().filter(pk=pk).first()


def public_stops(route: Route) -> list[Stop]:
    """The route's stops; every one is published (a route is published only when its resources are, and a resource
    taken down leaves the routes through it — they show the stops that remain)."""
    stops = route.stops.filter(resource__status=Status.PUBLISHED).select_related("resource__region")
    return list(stops.order_by("day", "order"))


def demo_published() -> bool:
    """Whether a published resource or route is demo data."""
    return (
        Resource.objects.filter(status=Status.PUBLISHED, demo=True).exists()
        or Route.objects.filter(status=Status.PUBLISHED, demo=True).exists()
    )


def pairing_section(pairing: Pairing):
    """The pairing's public page section: its published routes, then the published resources in its two places."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    links = [(_("精品线路：%(name)s") % {"name": r.display_name}, reverse("public:culture_route", args=[r.pk]))
             for r in public_routes(pairing=pairing)]  # fmt: skip
    places = Q(region__code__startswith=pairing.old_region.prefix) | Q(
        region__code__startswith=pairing.partner_region.prefix
    )
    links += [
        (f"{r.get_kind_display()}：{r.display_name}", reverse("public:culture_resource", args=[r.pk]))
        for r in public_resources().filter(places)[:50]
    ]
    return (_("红色文化资源与精品线路"), links) if links else None


def public_entries() -> list:
    """The published resources and routes as entries of the public site (its search and sitemap): each with what its
    page shows — a resource's kind, place, protection level, description, media captions and transcripts; a route's
    pairing, description and its stops' names."""
    from django.urls import reverse

    from duikou.publication.entries import Entry

    out = []
    for r in public_resources().prefetch_related(SHOWN_MEDIA):
        words = [r.get_kind_display(), r.region.full_name, r.get_protection_display(), r.display_description]
        for m in r.media.all():
            words += [m.display_caption, m.transcript]
        out.append(
            Entry(
                kind="resource",
                key=f"resource:{r.pk}",
                url=reverse("public:culture_resource", args=[r.pk]),
                title=r.display_name,
                text=" ".join(w for w in words if w),
                lastmod=r.published_at.date() if r.published_at else None,
            )
        )
    shown = Stop.objects.filter(route__status=Status.PUBLISHED, resource__status=Status.PUBLISHED)
    stops: dict[int, list[str]] = {}
    for stop in shown.select_related("resource").order_by("route_id", "day", "order"):  # one query for every route
        stops.setdefault(stop.route_id, []).append(stop.resource.display_name)
    for route in public_routes():
        out.append(
            Entry(
                kind="route",
                key=f"route:{route.pk}",
                url=reverse("public:culture_route", args=[route.pk]),
                title=route.display_name,
                text=" ".join([str(route.pairing), route.display_description, *stops.get(route.pk, [])]),
                lastmod=route.published_at.date() if route.published_at else None,
            )
        )
    return out


def feedback_subject(pk: int):
    """A published resource as a subject of public feedback, moderated by the approvers of its place; None when it is
    not published."""
    from django.urls import reverse

    from duikou.publication.feedback import PublicSubject

    resource = public_resources().filter(pk=pk).first()
    if resource is None:
        return None
    url = reverse("public:culture_resource", args=[resource.pk])
    return PublicSubject(kind="resource", id=resource.pk, title=resource.display_name, url=url, region=resource.region)
